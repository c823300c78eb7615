from django.contrib import admin

from base.admin import TouchesVillages
from liaison.models import VillageTarget


@admin.register(VillageTarget)
class VillageTargetAdmin(TouchesVillages, admin.ModelAdmin):
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
