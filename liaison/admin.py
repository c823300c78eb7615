from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from base.admin import TouchesVillages
from liaison.models import VillageTarget

# The admin speaks for the township's system, not for Django.
admin.site.site_header = format_lazy(
    "{}{}", settings.SITE_TOWNSHIP_NAME, _("Four-Neighbour Linkage administration")
)
admin.site.site_title = format_lazy(
    "{}{}", settings.SITE_TOWNSHIP_NAME, _("Four-Neighbour Linkage")
)
admin.site.index_title = _("Records and settings")

# django-axes ships no Chinese: its admin's words are listed here so that our catalogue
# (locale/) carries their translations (makemessages extracts gettext_noop).
AXES_MESSAGES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
)


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginAttemptAdmin(AccessAttemptAdmin):
    """axes' own, with titles on the columns it computes (they had only method names)."""

    @admin.display(description=_("Expires"))
    def expiration(self, obj):
        return super().expiration(obj)

    @admin.display(description=_("Lockout"))
    def status(self, obj):
        return super().status(obj)


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
