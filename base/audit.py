"""The personal-data access log: every export and every printed card sheet is written here."""

from django.http import HttpRequest

from base.models import AccessLog


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as django-axes resolved it (it knows the proxy count)."""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")


def log_access(
    request: HttpRequest, *, action: str, description: str, record_count: int
) -> AccessLog:
    """Record who took how many records of personal data out of the system, and when."""
    return AccessLog.objects.create(
        user=request.user if request.user.is_authenticated else None,
        action=action,
        description=description[:300],
        record_count=record_count,
        ip_address=client_ip(request),
    )
