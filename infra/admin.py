from django.contrib import admin

from infra import cache
from infra.models import AccessLog, AuditEvent, Job


class ReadOnlyAdmin:
    """A ModelAdmin mixin for records that are written by the system and never edited:
    readable in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TouchesVillages:
    """A ModelAdmin mixin: an edit in the admin goes around the services, so it marks the
    villages whose cached figures it may change (the object's village before and after)."""

    def villages_of(self, obj) -> list[int | None]:
        return [obj.village_id]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.touch([*self.villages_of(obj), form.initial.get("village")])

    def delete_model(self, request, obj):
        villages = self.villages_of(obj)
        super().delete_model(request, obj)
        cache.touch(villages)

    def delete_queryset(self, request, queryset):
        villages = [pk for obj in queryset for pk in self.villages_of(obj)]
        super().delete_queryset(request, queryset)
        cache.touch(villages)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Who exported or printed personal data: readable, never editable."""

    list_display = ["at", "user", "action", "description", "record_count", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["user"]
    search_fields = ["user__username", "description"]
    date_hierarchy = "at"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Log-ins, passwords, second factors, roles and links: readable, never editable."""

    list_display = ["at", "username", "action", "target", "detail", "ip_address"]
    list_filter = ["action"]
    search_fields = ["username", "target", "detail", "ip_address"]
    date_hierarchy = "at"
    list_per_page = 100


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Background jobs (exports, imports, reminders): who asked, how far, how they ended."""

    list_display = ["created_at", "kind", "user", "status", "done", "total", "finished_at", "error"]
    list_filter = ["kind", "status"]
    list_select_related = ["user"]
    search_fields = ["user__username", "error"]
    date_hierarchy = "created_at"
