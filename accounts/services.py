"""Accounts to level 2 of GB/T 22239-2019: a password of one's own, changed in time, and a
second factor (TOTP, django-otp) for the logins that see a whole township.

Who is asked:
- everyone but demo logins changes a password an administrator set (a new login, or a
  temporary password) at the next log-in, and a password older than PASSWORD_MAX_AGE_DAYS
  (0: never);
- superusers and township staff (and village secretaries when TWO_FACTOR_FOR_SECRETARIES
  is on) pass a TOTP code, or a one-time recovery code, after their password; on their
  first log-in they set up the authenticator app. Party members are never asked.

What a session has passed is kept in it (set at log-in and by the two-factor step), so
the check on every request costs no query. A changed password ends the other sessions
(Django's session hash); a reset second factor takes effect at the next log-in.

Failed log-ins (wrong passwords and wrong codes alike) are counted by django-axes until a
log-in is complete: the password step alone does not clear them when a second factor
follows (AXES_RESET_ON_SUCCESS is off; `login_completed` clears them), so three wrong codes,
a fresh password, two more wrong codes lock the login as five in a row do.
"""

import secrets
import time
from dataclasses import dataclass
from typing import Any, TypedDict

from axes.handlers.proxy import AxesProxyHandler
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountState
from households import access
from infra import audit
from infra.registry import register_audit_action

# {"change": reason or "", "expires": epoch, "demo"}
PASSWORD_SESSION_KEY = "liaison_password"  # noqa: S105 -- a session key, not a password
VERIFIED_SESSION_KEY = "liaison_second_factor"  # the device that passed, once it has
RECOVERY_CODES_SESSION_KEY = "liaison_recovery_codes"  # shown once after set-up
RECOVERY_CODE_COUNT = 10

NEW, TEMPORARY, EXPIRED = "new", "temporary", "expired"

AnyUser = access.AnyUser


class PasswordState(TypedDict):
    change: str  # NEW, TEMPORARY, EXPIRED or ""
    expires: float | None  # epoch seconds
    demo: bool


# What the audit log records of log-ins and accounts.
LOGIN = register_audit_action("login", gettext_lazy("Logged in"))
LOGIN_FAILED = register_audit_action("login_failed", gettext_lazy("Log-in failed"))
LOCKED_OUT = register_audit_action("locked_out", gettext_lazy("Locked out after failed log-ins"))
LOGOUT = register_audit_action("logout", gettext_lazy("Logged out"))
PASSWORD_CHANGED = register_audit_action("password_changed", gettext_lazy("Changed own password"))
PASSWORD_SET = register_audit_action(
    "password_set", gettext_lazy("Temporary password set by an administrator")
)
OTP_ENROLLED = register_audit_action("otp_enrolled", gettext_lazy("Two-factor sign-in set up"))
OTP_VERIFIED = register_audit_action("otp_verified", gettext_lazy("Second factor passed"))
OTP_FAILED = register_audit_action("otp_failed", gettext_lazy("Second factor failed"))
OTP_RECOVERY_USED = register_audit_action("otp_recovery_used", gettext_lazy("Recovery code used"))
OTP_RESET = register_audit_action(
    "otp_reset", gettext_lazy("Two-factor sign-in reset by an administrator")
)
ACCOUNT_CHANGED = register_audit_action(
    "account_changed", gettext_lazy("Account changed by an administrator")
)


# --- What the user must still do ----------------------------------------------------------


def password_state(user: AnyUser) -> PasswordState:
    """Whether the user's password must change now, and when it will have to."""
    state = AccountState.objects.filter(pk=user.pk).first()  # its pk is the user's
    if state is None:
        return {"change": NEW, "expires": None, "demo": False}
    if state.is_demo:
        return {"change": "", "expires": None, "demo": True}
    if state.must_change_password:
        return {"change": TEMPORARY, "expires": None, "demo": False}
    expires = None
    days = settings.PASSWORD_MAX_AGE_DAYS
    if days and state.password_changed_at:
        expires = state.password_changed_at.timestamp() + days * 86400
    return {"change": "", "expires": expires, "demo": False}


def _session_password_state(request: HttpRequest) -> PasswordState:
    state = request.session.get(PASSWORD_SESSION_KEY)
    if state is None:  # a session from before this check existed
        state = request.session[PASSWORD_SESSION_KEY] = password_state(request.user)
    return state


def password_change_reason(request: HttpRequest) -> str:
    """NEW, TEMPORARY, EXPIRED, or "" when the password may stay."""
    state = _session_password_state(request)
    if state["change"]:
        return state["change"]
    if state["expires"] is not None and time.time() >= state["expires"]:
        return EXPIRED
    return ""


def needs_second_factor(user: AnyUser, *, demo: bool = False) -> bool:
    """Superusers, county and township staff; secretaries when the setting says so; never
    demo logins."""
    if demo:
        return False
    scope = access.scope_for(user)
    if scope.is_admin or scope.township_ids or scope.county_ids:
        return True
    return bool(settings.TWO_FACTOR_FOR_SECRETARIES and scope.village_ids)


def has_second_factor(user: AnyUser) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def pending_step(request: HttpRequest) -> str | None:
    """The step the logged-in user must take before anything else, if any.

    "verify" (the second factor, before anything else when the user has one), "password"
    (a new, temporary or expired password), "setup" (first set-up of the authenticator).
    """
    user = request.user
    state = _session_password_state(request)
    unverified = needs_second_factor(user, demo=state["demo"]) and not request.session.get(
        VERIFIED_SESSION_KEY
    )
    if unverified and has_second_factor(user):
        return "verify"
    if password_change_reason(request):
        return "password"
    if unverified:
        return "setup"
    return None


def password_change_allowed(request: HttpRequest) -> bool:
    """Whether this session may set a new password now.

    Rule: a login that has an authenticator changes nothing, its password included, before
    it passes the second factor (whoever holds only the password must not lock the owner
    out). A new login without one may change its temporary password, then set one up.
    """
    return pending_step(request) != "verify"


def login_completed(request: HttpRequest, user: AnyUser) -> int:
    """Every factor is passed: the failed attempts of this username and address are cleared.

    Rule: only a complete log-in clears them, so wrong second-factor codes count across
    fresh password log-ins until the lockout. Returns how many attempt rows were cleared.
    """
    AxesProxyHandler.update_request(request)
    cleared: int = AxesProxyHandler.reset_attempts(
        ip_address=getattr(request, "axes_ip_address", None), username=user.get_username()
    )
    return cleared


def on_logged_in(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    """At log-in, read once whether the password must change (kept in the session).

    The password is the whole log-in unless an authenticator's code is still to come.
    """
    if request is None or not hasattr(request, "session"):
        return
    state = request.session[PASSWORD_SESSION_KEY] = password_state(user)
    if not (needs_second_factor(user, demo=state["demo"]) and has_second_factor(user)):
        login_completed(request, user)


user_logged_in.connect(on_logged_in, dispatch_uid="accounts.services.logged_in")


# --- Log-ins in the audit log, read from Django's and django-axes' signals ----------------


def audit_logged_in(sender: object, request: HttpRequest, user: User, **kwargs: object) -> None:
    audit.record(LOGIN, user=user, request=request)


def audit_logged_out(
    sender: object, request: HttpRequest, user: User | None, **kwargs: object
) -> None:
    if user is not None:
        audit.record(LOGOUT, user=user, request=request)


def audit_login_failed(
    sender: object,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: object,
) -> None:
    action = OTP_FAILED if credentials.get("second_factor") else LOGIN_FAILED
    audit.record(action, username=credentials.get("username", ""), request=request)


def audit_locked_out(
    sender: object, request: HttpRequest, username: str | None, ip_address: str, **kwargs: object
) -> None:
    audit.record(LOCKED_OUT, username=username or "", request=request)


user_logged_in.connect(audit_logged_in, dispatch_uid="accounts.services.audit_logged_in")
user_logged_out.connect(audit_logged_out, dispatch_uid="accounts.services.audit_logged_out")
user_login_failed.connect(audit_login_failed, dispatch_uid="accounts.services.audit_login_failed")
user_locked_out.connect(audit_locked_out, dispatch_uid="accounts.services.audit_locked_out")


# --- Changes ----------------------------------------------------------------------------


@transaction.atomic
def password_changed(*, request: HttpRequest, user: User) -> None:
    """The user chose a new password: the clock restarts, the session is told."""
    AccountState.objects.update_or_create(
        user=user,
        defaults={"password_changed_at": timezone.now(), "must_change_password": False},
    )
    request.session[PASSWORD_SESSION_KEY] = password_state(user)
    audit.record(PASSWORD_CHANGED, user=user, request=request)


@transaction.atomic
def temporary_password_set(*, user: User, by: User) -> None:
    """An administrator (`by`) set the password: the user must change it at the next log-in."""
    AccountState.objects.update_or_create(
        user=user,
        defaults={
            "password_changed_at": timezone.now(),
            "must_change_password": True,
            "is_demo": False,
        },
    )
    audit.record(PASSWORD_SET, user=by, target=user.username)


def setup_device(user: AnyUser) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed TOTP device, made once."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(
        user=user, name=_("Authenticator app"), confirmed=False
    )


def mark_verified(request: HttpRequest, device: Device) -> None:
    """The session has passed the second factor with this device.

    The key is not renewed here: the password log-in just renewed it (Django's login()), so
    nobody else can hold it. Renewing it again raced the browser's other requests still in
    flight with the old key (the service worker's script, the manifest): answered for a
    session that no longer existed, one of them could replace the new cookie, and the cadre
    who had just set up the authenticator landed on the login page.
    """
    request.session[VERIFIED_SESSION_KEY] = device.persistent_id


@transaction.atomic
def setup_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the app with its first code; then make fresh recovery codes (None: wrong code)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        return None
    user = device.user
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    mark_verified(request, device)
    login_completed(request, user)
    audit.record(OTP_ENROLLED, user=user, request=request)
    return codes


def _recovery_code() -> str:
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read off paper
    return "".join(secrets.choice(alphabet) for _ in range(10))


@dataclass
class Verified:
    device: object
    recovery_codes_left: int | None  # set when a recovery code was used


def verify(*, request: HttpRequest, token: str) -> Verified | None:
    """The code of the user's app, or one of their recovery codes (used up)."""
    from django_otp import verify_token

    user = request.user
    token = "".join(token.split()).lower()
    for device in [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]:
        if verify_token(user, device.persistent_id, token) is None:
            continue
        mark_verified(request, device)
        login_completed(request, user)
        if isinstance(device, StaticDevice):
            left = device.token_set.count()
            audit.record(
                OTP_RECOVERY_USED,
                user=user,
                detail=_("%(n)d recovery codes left") % {"n": left},
                request=request,
            )
            return Verified(device, left)
        audit.record(OTP_VERIFIED, user=user, request=request)
        return Verified(device, None)
    return None


@transaction.atomic
def second_factor_reset(*, user: User, by: User) -> None:
    """An administrator (`by`) resets a lost phone: the user sets up the app again at next
    log-in."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(OTP_RESET, user=by, target=user.username)
