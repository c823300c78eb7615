from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from base import audit
from base.admin import TouchesVillages
from base.models import AuditEvent
from liaison import accounts
from liaison.models import VillageTarget

User = get_user_model()
WATCHED = ("username", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")


class AuditedUserAdmin(UserAdmin):
    """Django's user admin, with the account rules of liaison.accounts:

    - a password set here is temporary: the user must change it at the next log-in;
    - a new user chooses their own password at the first log-in (no AccountState row);
    - a lost phone: "reset two-factor sign-in" makes the user set it up again;
    - changes to a login's powers are audit records.
    """

    actions = ["reset_second_factor"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if name in WATCHED]
        if not change or changed:
            audit.record(
                AuditEvent.Action.ACCOUNT_CHANGED,
                user=request.user,
                target=obj.username,
                detail=", ".join(changed) if change else _("created"),
                request=request,
            )
        if not change:  # the password typed here is the administrator's, not the user's
            accounts.temporary_password_set(request=request, user=obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            accounts.temporary_password_set(request=request, user=User.objects.get(pk=id))
            messages.info(request, _("The user must change this password at the next log-in."))
        return response

    @admin.action(description=gettext_lazy("Reset two-factor sign-in (lost phone)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            accounts.second_factor_reset(request=request, user=user)
        messages.success(
            request,
            _("%(n)d users will set up two-factor sign-in at their next log-in.")
            % {"n": len(queryset)},
        )


admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)


# The admin speaks for the township's system, not for Django.
admin.site.site_header = format_lazy(
    "{}{}", settings.SITE_TOWNSHIP_NAME, gettext_lazy("Four-Neighbour Linkage administration")
)
admin.site.site_title = format_lazy(
    "{}{}", settings.SITE_TOWNSHIP_NAME, gettext_lazy("Four-Neighbour Linkage")
)
admin.site.index_title = gettext_lazy("Records and settings")

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

# django-tasks-db (the queue's raw task results, read-only) ships no Chinese either.
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

admin.site.unregister(AccessAttempt)

# django-otp's own admin pages show each authenticator's secret key (as a QR code) and the
# recovery codes in clear to every administrator, and only in English. Second factors are
# managed per user instead: "reset two-factor sign-in" on the user list (lost phone), and
# every enrolment and reset is in the audit log.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(AccessAttempt)
class LoginAttemptAdmin(AccessAttemptAdmin):
    """axes' own, with titles on the columns it computes (they had only method names)."""

    @admin.display(description=gettext_lazy("Expires"))
    def expiration(self, obj):
        return super().expiration(obj)

    @admin.display(description=gettext_lazy("Lockout"))
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
