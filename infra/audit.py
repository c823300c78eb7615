"""The records a government system keeps: who took personal data out (AccessLog), and who
logged in, failed, was locked out, changed a password, a second factor, a role or a link
(AuditEvent). Features call `record()`; this module knows no feature.

The client's address is taken from the request when there is one, else from the request
being served (AuditMiddleware keeps it for the services, which get no request).
"""

import contextvars

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from infra.models import AccessLog, AuditEvent

_current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_ip", default=None)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as django-axes resolved it (it knows the proxy count)."""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")


def log_access(
    request: HttpRequest, *, action: str, description: str, record_count: int
) -> AccessLog:
    """Record who took how many records of personal data out of the system, and when."""
    return log_access_as(
        request.user if request.user.is_authenticated else None,
        client_ip(request),
        action=action,
        description=description,
        record_count=record_count,
    )


def log_access_as(
    user, ip: str | None, *, action: str, description: str, record_count: int
) -> AccessLog:
    """The same, out of a request (a background job): the asker and their address."""
    return AccessLog.objects.create(
        user=user,
        action=action,
        description=description[:300],
        record_count=record_count,
        ip_address=ip,
    )


def _clean(text, limit: int) -> str:
    # Whatever was typed into a log-in form: no NUL (PostgreSQL refuses it), bounded.
    return str(text or "").replace("\x00", "")[:limit]


def record(
    action: str,
    *,
    user=None,
    username: str = "",
    target: str = "",
    detail: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Write one audit event. `user` is who acted (None for a failed log-in: `username`)."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    ip = client_ip(request) if request is not None else _current_ip.get()
    return AuditEvent.objects.create(
        user=user,
        username=_clean(username or (user.get_username() if user else ""), 150),
        action=action,
        target=_clean(target, 200),
        detail=_clean(detail, 500),
        ip_address=ip,
    )


class AuditMiddleware:
    """Keeps the client's address for audit records written by services during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)


# --- Log-ins, read from Django's and django-axes' signals (connected in InfraConfig.ready) ---


def on_logged_in(sender, request, user, **kwargs):
    record(AuditEvent.Action.LOGIN, user=user, request=request)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditEvent.Action.LOGOUT, user=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    action = (
        AuditEvent.Action.OTP_FAILED
        if credentials.get("second_factor")
        else AuditEvent.Action.LOGIN_FAILED
    )
    record(action, username=credentials.get("username", ""), request=request)


def on_locked_out(sender, request, username, ip_address, **kwargs):
    record(AuditEvent.Action.LOCKED_OUT, username=username or "", request=request)


def connect_signals() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_logged_in, dispatch_uid="infra.audit.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="infra.audit.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="infra.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="infra.audit.locked_out")
