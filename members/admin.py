from django.contrib import admin

from households.admin import HouseholdAdmin
from households.models import Household
from infra.admin import TouchesVillages
from members import services
from members.models import Assignment, PartyMember


@admin.register(PartyMember)
class PartyMemberAdmin(TouchesVillages, admin.ModelAdmin):
    list_display = ["name", "village", "group", "gender", "phone", "capacity", "is_active", "user"]
    list_filter = ["village", "is_active", "gender"]
    list_select_related = ["village", "group", "user"]
    search_fields = ["name", "phone", "search_key"]
    autocomplete_fields = ["village", "group", "user"]
    list_per_page = 50

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            services.member_active_changed(member=obj, by=request.user)


@admin.register(Assignment)
class AssignmentAdmin(TouchesVillages, admin.ModelAdmin):
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

    def villages_of(self, obj) -> list[int | None]:
        return [obj.household.village_id]


class AssignmentInline(admin.TabularInline):
    """A household's links, read-only: they are made on the assignment board."""

    model = Assignment
    fk_name = "household"
    extra = 0
    fields = ["member", "started_on", "ended_on", "assigned_by", "note", "end_reason"]
    readonly_fields = fields
    can_delete = False
    ordering = ["-started_on"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "assigned_by")


# The registry's household admin, with the links of this floor shown beneath each household.
admin.site.unregister(Household)


@admin.register(Household)
class HouseholdWithLinksAdmin(HouseholdAdmin):
    inlines = [*HouseholdAdmin.inlines, AssignmentInline]
