"""The logins' admin: a user with roles, a temporary password, the second factor's state
and its reset; django-axes' login attempts; django-otp's own pages hidden."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services as accounts
from households import services as households
from households.models import Role, RoleKind
from infra import audit

User = get_user_model()
WATCHED = ("username", "is_active", "is_staff", "is_superuser")


class RoleInlineForm(forms.ModelForm):
    """A role names its place: a county for county staff, a township for township staff, a
    village for a secretary."""

    class Meta:
        model = Role
        fields = ["kind", "county", "township", "village"]

    def clean(self):
        data = super().clean()
        kind, county = data.get("kind"), data.get("county")
        township, village = data.get("township"), data.get("village")
        if kind == RoleKind.COUNTY and (not county or township or village):
            raise forms.ValidationError(
                _("County staff: choose their county, and no township or village.")
            )
        if kind == RoleKind.TOWNSHIP and (not township or village or county):
            raise forms.ValidationError(_("Township staff: choose their township, and no village."))
        if kind == RoleKind.SECRETARY and (not village or township or county):
            raise forms.ValidationError(
                _("A village secretary: choose their village, and no township.")
            )
        return data


class RoleInline(admin.TabularInline):
    """The login's roles on its own page, the add page included: one form makes a staff
    login that can work."""

    model = Role
    form = RoleInlineForm
    fk_name = "user"
    extra = 1
    verbose_name = gettext_lazy("role")
    verbose_name_plural = gettext_lazy("Roles: what this login may see")


class StaffUserChangeForm(UserChangeForm):
    reset_second_factor = forms.BooleanField(
        label=gettext_lazy("Reset two-factor sign-in (lost phone)"),
        required=False,
        help_text=gettext_lazy(
            "The authenticator app and the recovery codes are removed; the user sets up a "
            "new app at the next log-in."
        ),
    )


def second_factor_state(user, *, brief: bool = False) -> str:
    """Where the login's authenticator stands, in words for the administrator; `brief` (the
    list) says only whether it is set up, without asking whether the login needs one."""
    devices = list(user.totpdevice_set.all())  # prefetched on the list
    confirmed = [d for d in devices if d.confirmed]
    if confirmed:
        device = confirmed[0]
        codes = sum(len(s.token_set.all()) for s in user.staticdevice_set.all())
        used = device.last_used_at
        return _("Set up on %(since)s, last used %(used)s; %(codes)d recovery codes left.") % {
            "since": formats.date_format(timezone.localtime(device.created_at))
            if device.created_at
            else "—",
            "used": formats.date_format(timezone.localtime(used)) if used else _("never"),
            "codes": codes,
        }
    if brief:
        return _("Not set up")
    state = getattr(user, "account_state", None)  # none: the user has not logged in yet
    if accounts.needs_second_factor(user, demo=bool(state and state.is_demo)):
        return _("Not set up: the user sets up the app at the next log-in.")
    return _("Not needed for this login (its roles do not require it).")


class AuditedUserAdmin(UserAdmin):
    """Django's user admin, with the account rules of accounts.services:

    - one form makes a staff login with its roles (RoleInline, on the add page too);
      Django's permissions and groups are hidden: roles decide what a login sees, and only
      superusers use this admin;
    - a password set here is temporary: the user must change it at the next log-in;
    - a new user chooses their own password at the first log-in (no AccountState row);
    - the authenticator's state is on the user's page, with a reset (lost phone), also an
      action on the list;
    - changes to a login's powers, and its roles, are audit records.
    """

    form = StaffUserChangeForm
    inlines = [RoleInline]
    actions = ["reset_second_factor"]
    list_display = [
        "username",
        "full_name",
        "roles",
        "second_factor_brief",
        "is_active",
        "is_superuser",
        "last_login",
    ]
    list_filter = ["is_active", "is_superuser", "liaison_roles__kind"]
    readonly_fields = ["second_factor", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (gettext_lazy("Name"), {"fields": ("last_name", "first_name", "email")}),
        (
            gettext_lazy("Access"),
            {
                "fields": ("is_active", "is_staff", "is_superuser"),
                "description": gettext_lazy(
                    "What a login may see comes from its roles below. Staff status lets "
                    "the login open this administration site; superuser status lets it "
                    "change everything here."
                ),
            },
        ),
        (
            gettext_lazy("Two-factor sign-in"),
            {"fields": ("second_factor", "reset_second_factor")},
        ),
        (gettext_lazy("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "last_name",
                    "first_name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("account_state")
            .prefetch_related(
                Prefetch(
                    "liaison_roles",
                    queryset=Role.objects.select_related("county", "township", "village"),
                ),
                "totpdevice_set",
                "staticdevice_set__token_set",
            )
        )

    @admin.display(description=gettext_lazy("Name"))
    def full_name(self, obj):
        return f"{obj.last_name}{obj.first_name}"

    @admin.display(description=gettext_lazy("Roles"))
    def roles(self, obj):
        return "、".join(
            f"{role.get_kind_display()}·{role.county or role.township or role.village}"
            for role in obj.liaison_roles.all()
        )

    @admin.display(description=gettext_lazy("Two-factor sign-in"))
    def second_factor(self, obj):
        return second_factor_state(obj)

    @admin.display(description=gettext_lazy("Two-factor sign-in"))
    def second_factor_brief(self, obj):
        return second_factor_state(obj, brief=True)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if name in WATCHED]
        if not change or changed:
            audit.record(
                accounts.ACCOUNT_CHANGED,
                user=request.user,
                target=obj.username,
                detail=", ".join(changed) if change else _("created"),
                request=request,
            )
        if not change:  # the password typed here is the administrator's, not the user's
            accounts.temporary_password_set(user=obj, by=request.user)
        if form.cleaned_data.get("reset_second_factor"):
            accounts.second_factor_reset(user=obj, by=request.user)
            messages.success(
                request,
                _("%(user)s will set up two-factor sign-in at the next log-in.")
                % {"user": obj.username},
            )

    def save_formset(self, request, form, formset, change):
        """Roles given, changed or taken away here are audit records, as on the roles page."""
        before = {
            role.pk: str(role)
            for role in Role.objects.filter(pk__in=[f.instance.pk for f in formset.forms])
        }
        super().save_formset(request, form, formset, change)
        if formset.model is not Role:
            return
        for role in formset.new_objects:
            audit.record(
                households.ROLE_ADDED, user=request.user, target=str(role), request=request
            )
        for role, _fields in formset.changed_objects:
            audit.record(
                households.ROLE_CHANGED,
                user=request.user,
                target=str(role),
                detail=before.get(role.pk, ""),
                request=request,
            )
        for role in formset.deleted_objects:
            audit.record(
                households.ROLE_REMOVED,
                user=request.user,
                target=before.get(role.pk, str(role)),
                request=request,
            )

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            accounts.temporary_password_set(user=User.objects.get(pk=id), by=request.user)
            messages.info(request, _("The user must change this password at the next log-in."))
        return response

    @admin.action(description=gettext_lazy("Reset two-factor sign-in (lost phone)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            accounts.second_factor_reset(user=user, by=request.user)
        messages.success(
            request,
            _("%(n)d users will set up two-factor sign-in at their next log-in.")
            % {"n": len(queryset)},
        )


admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)
# Auth groups carry Django's permissions, which roles replace: nothing here uses them.
admin.site.unregister(Group)


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
