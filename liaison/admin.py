"""The project's admin: its titles, the words of django-tasks-db's pages, village targets."""

from django.conf import settings
from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from infra.admin import TouchesVillages
from liaison.models import VillageTarget

# The admin speaks for the township's system, not for Django.
admin.site.site_header = format_lazy(
    "{}{}", settings.SITE_TOWNSHIP_NAME, gettext_lazy("Four-Neighbour Linkage administration")
)
admin.site.site_title = format_lazy(
    "{}{}", settings.SITE_TOWNSHIP_NAME, gettext_lazy("Four-Neighbour Linkage")
)
admin.site.index_title = gettext_lazy("Records and settings")

# django-tasks-db (the queue's raw task results, read-only) ships no Chinese: its admin's
# words are listed here so that our catalogue (locale/) carries their translations.
TASKS_MESSAGES = (
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("enqueued at"),
    gettext_noop("priority"),
    gettext_noop("task path"),
    gettext_noop("worker id"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("run after"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("traceback"),
    gettext_noop("args kwargs"),
    # The task statuses, in django-tasks' context.
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
)


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
