"""Before anything else, a logged-in user takes the step their account still needs."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from accounts import services as accounts

STEP_URLS = {
    "verify": "account-two-factor",
    "password": "account-password",
    "setup": "account-two-factor-setup",
}
# Pages a user may open whatever step is pending: logging out, the language, and what
# needs no account at all. Of the step pages, only the pending step's own is open: a login
# that has an authenticator but has not passed it may not change the password or set up
# another app (whoever holds only the password could lock the owner out).
OPEN = {
    "login",
    "logout",
    "admin:logout",
    "set_language",
    "healthz",
    "card",
    "card-lookup",
    "card-confirm",
    "card-voice",
    # The installable site's files (the same for everyone, naming nobody): a browser
    # fetches them by itself, and a redirect would break the service worker's registration.
    "sw",
    "manifest",
    "offline",
    "favicon",
}


class AccountStepMiddleware:
    """Sends a user with a pending step (second factor, new password, set-up) to its page.

    Place after AuthenticationMiddleware. Reads the session only (accounts.services).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name in OPEN or not request.user.is_authenticated:
            return None
        step = accounts.pending_step(request)
        if step is None or match.view_name == STEP_URLS[step]:
            return None
        url = reverse(STEP_URLS[step])
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
