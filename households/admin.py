from django.contrib import admin

from households.models import Household, Township, Village, VillageGroup
from members.models import Assignment


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class VillageGroupInline(admin.TabularInline):
    model = VillageGroup
    extra = 0


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "township"]
    list_filter = ["township"]
    list_select_related = ["township"]
    search_fields = ["name", "code"]
    inlines = [VillageGroupInline]


@admin.register(VillageGroup)
class VillageGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "village"]
    list_filter = ["village"]
    list_select_related = ["village"]
    search_fields = ["name", "village__name"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    fk_name = "household"
    extra = 0
    fields = ["member", "started_on", "ended_on", "assigned_by", "note", "end_reason"]
    readonly_fields = ["member", "started_on", "ended_on", "assigned_by", "note", "end_reason"]
    can_delete = False
    ordering = ["-started_on"]

    def has_add_permission(self, request, obj=None):
        # Links are made on the assignment board, which keeps history and capacity.
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "assigned_by")


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "head_name",
        "village",
        "group",
        "phone",
        "size",
        "is_priority",
        "status",
    ]
    list_filter = [
        "village",
        "status",
        "is_priority",
        "is_low_income",
        "is_elderly_alone",
        "has_left_behind_children",
        "has_disability",
    ]
    list_select_related = ["village", "group"]
    search_fields = ["number", "head_name", "phone", "search_key"]
    readonly_fields = ["card_version", "card_printed_version", "created_at", "updated_at"]
    autocomplete_fields = ["village", "group"]
    inlines = [AssignmentInline]
    list_per_page = 50
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        # Households are retired (moved out, merged), never deleted: their history stays.
        return False
