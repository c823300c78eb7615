"""The account pages: one's own password, the second factor and its set-up."""

import base64

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts import services as accounts
from accounts.forms import OwnPasswordForm, TokenForm
from base.redirects import safe_next

REASONS = {
    accounts.NEW: gettext_lazy(
        "Your account was set up by an administrator: choose your own password."
    ),
    accounts.TEMPORARY: gettext_lazy(
        "An administrator set a temporary password: choose your own now."
    ),
    accounts.EXPIRED: gettext_lazy(
        "Your password is older than the township allows: choose a new one."
    ),
}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Any user changes their own password (required when new, temporary or too old)."""
    if not accounts.password_change_allowed(request):
        return redirect("account-two-factor")
    form = OwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)  # this session stays; the others end
        accounts.password_changed(request=request, user=user)
        messages.success(request, _("Your password is changed."))
        return redirect(safe_next(request, reverse("home")))
    reason = accounts.password_change_reason(request)
    return render(
        request,
        "registration/password_change.html",
        {"form": form, "reason": REASONS.get(reason, ""), "next": safe_next(request, "")},
    )


def _locked(request: HttpRequest) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": request.user.get_username()})


def _locked_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return render(request, "registration/locked_out.html", status=429)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """The second factor: the authenticator app's code, or a recovery code."""
    if not accounts.has_second_factor(request.user):
        return redirect("account-two-factor-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _locked(request):
            return _locked_out(request)
        verified = accounts.verify(request=request, token=form.cleaned_data["token"])
        if verified is not None:
            if verified.recovery_codes_left is not None:
                messages.warning(
                    request,
                    _("Recovery code used; %(n)d left. Ask an administrator to reset two-factor "
                      "sign-in if your phone is lost.") % {"n": verified.recovery_codes_left},
                )  # fmt: skip
            return redirect(safe_next(request, reverse("home")))
        # A wrong code counts as a failed log-in: django-axes locks the login after five.
        user_login_failed.send(
            sender=__name__,
            credentials={"username": request.user.get_username(), "second_factor": True},
            request=request,
        )
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request)
        form.add_error("token", _("This code is not right. Check the time on your phone."))
    return render(
        request,
        "registration/two_factor.html",
        {"form": form, "next": safe_next(request, "")},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """First log-in of staff: scan the QR code with an authenticator app, type its code."""
    if accounts.has_second_factor(request.user):
        return redirect("account-two-factor")
    device = accounts.setup_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = accounts.setup_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        )
        if codes is not None:
            request.session[accounts.RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(
                reverse("account-recovery-codes") + "?next=" + safe_next(request, reverse("home"))
            )
        form.add_error("token", _("This code is not right. Check the time on your phone."))
    qr = segno.make(device.config_url, error="m")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            # An SVG drawn by segno from the device's otpauth:// address, no user text in it.
            "qr": mark_safe(qr.svg_inline(scale=4, title=_("QR code")).strip()),  # noqa: S308 # nosec B308 B703
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": safe_next(request, ""),
        },
    )


@never_cache
@login_required
@require_safe
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once right after set-up; each works once."""
    codes = request.session.pop(accounts.RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("home")
    return render(
        request,
        "registration/recovery_codes.html",
        {"codes": codes, "next": safe_next(request, reverse("home"))},
    )
