from django.contrib import admin

from liaison.models import AccessLog, Role, VillageTarget


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "township", "village"]
    list_filter = ["kind", "township", "village"]
    list_select_related = ["user", "township", "village"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "township", "village"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Who exported or printed personal data: readable, never editable."""

    list_display = ["at", "user", "action", "description", "record_count", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["user"]
    search_fields = ["user__username", "description"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VillageTarget)
class VillageTargetAdmin(admin.ModelAdmin):
    list_display = [
        "village",
        "visits_per_household",
        "visits_per_priority_household",
        "reply_days",
        "confirmed_percent",
    ]
    list_select_related = ["village"]
    list_editable = [
        "visits_per_household",
        "visits_per_priority_household",
        "reply_days",
        "confirmed_percent",
    ]
