from django.contrib import admin

from households import services
from households.models import County, Household, Role, Township, Village, VillageGroup
from infra import audit
from infra.admin import TouchesVillages


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "county"]
    list_filter = ["county"]
    list_select_related = ["county"]
    search_fields = ["name", "code"]


class VillageGroupInline(admin.TabularInline):
    model = VillageGroup
    extra = 0


@admin.register(Village)
class VillageAdmin(TouchesVillages, admin.ModelAdmin):
    list_display = ["name", "code", "township"]
    list_filter = ["township"]
    list_select_related = ["township"]
    search_fields = ["name", "code"]
    inlines = [VillageGroupInline]

    def villages_of(self, obj) -> list[int | None]:
        return [obj.pk]


@admin.register(VillageGroup)
class VillageGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "village"]
    list_filter = ["village"]
    list_select_related = ["village"]
    search_fields = ["name", "village__name"]


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
    list_per_page = 50
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        # Households are retired (moved out, merged), never deleted: their history stays.
        return False

    def save_model(self, request, obj, form, change):
        services.household_save(household=obj, by=request.user)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "county", "township", "village"]
    list_filter = ["kind", "county", "township", "village"]
    list_select_related = ["user", "county", "township", "village"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "county", "township", "village"]

    # A role decides whose personal data a login sees: every change is an audit record.
    def save_model(self, request, obj, form, change):
        before = str(Role.objects.get(pk=obj.pk)) if change else ""
        super().save_model(request, obj, form, change)
        action = services.ROLE_CHANGED if change else services.ROLE_ADDED
        audit.record(action, user=request.user, target=str(obj), detail=before, request=request)

    def delete_model(self, request, obj):
        target = str(obj)
        super().delete_model(request, obj)
        audit.record(services.ROLE_REMOVED, user=request.user, target=target, request=request)

    def delete_queryset(self, request, queryset):
        targets = [
            str(role) for role in queryset.select_related("user", "county", "township", "village")
        ]
        super().delete_queryset(request, queryset)
        for target in targets:
            audit.record(services.ROLE_REMOVED, user=request.user, target=target, request=request)
