from django.contrib import admin

from casebook import services
from casebook.models import (
    Duty,
    Meeting,
    Pavilion,
    Request,
    RequestCategory,
    RequestEvent,
    Visit,
)
from infra.admin import ReadOnlyAdmin, TouchesVillages


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "code", "sort"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RequestCategory)
class RequestCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "accept_days", "reply_days", "sort", "is_active"]
    list_editable = ["accept_days", "reply_days", "sort", "is_active"]
    search_fields = ["name", "name_en", "code"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """Corrections belong in the notebook (with a revision); the admin can still fix an entry,
    and then the household's last visit is recounted."""

    list_display = ["visited_on", "member", "household", "channel", "hazard_found", "follow_up"]
    list_filter = ["household__village", "channel", "hazard_found", "follow_up", "sanitation"]
    list_select_related = ["member", "household"]
    search_fields = ["member__name", "household__head_name", "household__number", "notes"]
    raw_id_fields = ["member", "household"]
    readonly_fields = ["recorded_by", "created_at", "corrected_at", "corrected_by"]
    date_hierarchy = "visited_on"
    list_per_page = 50
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.visits_changed(household_ids=[obj.household_id, form.initial.get("household")])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.visits_changed(household_ids=[obj.household_id])

    def delete_queryset(self, request, queryset):
        households = list(queryset.values_list("household_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        services.visits_changed(household_ids=households)


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "actor_label", "from_status", "to_status", "text"]
    readonly_fields = fields
    ordering = ["at", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Request)
class RequestAdmin(TouchesVillages, admin.ModelAdmin):
    list_display = [
        "id",
        "household",
        "village",
        "category",
        "source",
        "status",
        "owner",
        "due_on",
        "created_at",
    ]
    list_filter = ["village", "status", "category", "source", "escalation_level"]
    list_select_related = ["household", "village", "category", "owner"]
    search_fields = ["household__number", "household__head_name", "household__phone", "description"]
    raw_id_fields = ["household", "visit"]
    readonly_fields = [
        "version",
        "created_at",
        "updated_at",
        "replied_at",
        "closed_at",
        "recorded_by",
        "replied_by",
    ]
    inlines = [RequestEventInline]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        # A request is never deleted (事事有人管).
        return False


@admin.register(RequestEvent)
class RequestEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The timeline, readable and never editable."""

    list_display = ["at", "request", "kind", "actor", "from_status", "to_status"]
    list_filter = ["kind"]
    list_select_related = ["request__category", "actor"]
    search_fields = ["request__id", "text"]
    list_per_page = 50
    show_full_result_count = False


@admin.register(Pavilion)
class PavilionAdmin(admin.ModelAdmin):
    list_display = ["name", "village", "location", "is_active"]
    list_filter = ["village", "is_active"]
    list_select_related = ["village"]
    search_fields = ["name", "location"]


@admin.register(Meeting)
class MeetingAdmin(TouchesVillages, admin.ModelAdmin):
    list_display = ["held_at", "topic", "kind", "status", "village", "pavilion", "convener"]
    list_filter = ["village", "kind", "status"]
    list_select_related = ["village", "pavilion", "convener"]
    search_fields = ["topic", "minutes"]
    raw_id_fields = ["convener", "attendee_members", "attendee_households", "requests"]
    date_hierarchy = "held_at"
    list_per_page = 50
