from django.contrib import admin

from members.models import Assignment, PartyMember


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "village", "group", "gender", "phone", "capacity", "is_active", "user"]
    list_filter = ["village", "is_active", "gender"]
    list_select_related = ["village", "group", "user"]
    search_fields = ["name", "phone", "search_key"]
    autocomplete_fields = ["village", "group", "user"]
    list_per_page = 50

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["household", "member", "started_on", "ended_on", "assigned_by"]
    list_filter = ["household__village", "ended_on"]
    list_select_related = ["household", "member", "assigned_by"]
    search_fields = ["household__number", "household__head_name", "member__name"]
    raw_id_fields = ["household", "member"]
    readonly_fields = ["assigned_by", "ended_by", "created_at"]
    date_hierarchy = "started_on"
    list_per_page = 50
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False
