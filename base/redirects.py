"""Where a form may send the user back to: this site's own paths only.

A posted `next` is the user's input. Redirecting to it unchecked lets a link elsewhere
send a logged-in user to a look-alike site ("open redirect"); a control character in it
would break the response header. Only a path on this host passes.
"""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The request's `next` (POST, else GET) if it is a path on this site; else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback
