from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
