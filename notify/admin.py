from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notify.models import Message, OptOut


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-only: the outbox is a record of what was sent, never edited by hand."""

    list_display = ["created_at", "kind", "masked_phone", "status", "attempts", "units", "subject"]
    list_filter = ["status", "kind", "provider"]
    search_fields = ["subject", "provider_id", "key"]
    fields = [
        "kind",
        "key",
        "recipient",
        "masked_phone",
        "subject",
        "township_id",
        "template_code",
        "variables",
        "status",
        "send_after",
        "provider",
        "provider_id",
        "attempts",
        "units",
        "error",
        "created_at",
        "sent_at",
        "delivered_at",
    ]
    readonly_fields = fields
    date_hierarchy = "created_at"
    list_select_related = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    """Numbers that replied 退订: read-only (lifted when the household agrees again)."""

    list_display = ["at", "masked_phone", "provider"]
    fields = ["masked_phone", "provider", "at"]
    readonly_fields = fields

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return str(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
