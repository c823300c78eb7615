"""The records a government system keeps: who took personal data out (AccessLog), and who
logged in, failed, was locked out, changed a password, a second factor, a role or a link
(AuditEvent). Features call `record()` with an action they registered (infra.registry);
this module knows no feature.

The client's address is taken from the request when there is one, else from the request
being served (AuditMiddleware keeps it for the services, which get no request).
"""

import contextvars
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse

from infra import registry
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
    user: User | None,
    ip: str | None,
    *,
    action: str,
    description: str,
    record_count: int,
) -> AccessLog:
    """The same, out of a request (a background job): the asker and their address.

    Rule: the action is one a feature registered (infra.registry.register_access_action);
    another raises Unregistered."""
    return AccessLog.objects.create(
        user=user,
        action=registry.require_access_action(action),
        description=description[:300],
        record_count=record_count,
        ip_address=ip,
    )


def _clean(text: object, limit: int) -> str:
    # Whatever was typed into a log-in form: no NUL (PostgreSQL refuses it), bounded.
    return str(text or "").replace("\x00", "")[:limit]


def record(
    action: str,
    *,
    user: User | AnonymousUser | None = None,
    username: str = "",
    target: str = "",
    detail: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Write one audit event. `user` is who acted (None for a failed log-in: `username`).

    Rule: the action is one a feature registered (infra.registry); another raises
    Unregistered.
    """
    registry.require_audit_action(action)
    actor = user if isinstance(user, User) else None  # an anonymous visitor is nobody
    ip = client_ip(request) if request is not None else _current_ip.get()
    return AuditEvent.objects.create(
        user=actor,
        username=_clean(username or (actor.get_username() if actor else ""), 150),
        action=action,
        target=_clean(target, 200),
        detail=_clean(detail, 500),
        ip_address=ip,
    )


class AuditMiddleware:
    """Keeps the client's address for audit records written by services during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)
