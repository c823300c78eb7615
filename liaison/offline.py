"""The installable, offline-capable site: the service worker, the manifest, the offline page.

The service worker (liaison/templates/liaison/sw.js) is served at /sw.js so that its scope is the
whole site. It is rendered per deployment: the Workbox modules it imports and the app shell
it precaches are named by their `{% static %}` URLs, which carry their content hashes under
production settings (whitenoise's manifest storage); under DEBUG the URLs carry no hash, and
each precached file gets a revision from its content instead. Any change of an asset
changes the script's bytes, so phones install the new worker.

What it keeps offline, and how the phone's notebook entries reach the server, is described
in the README ("The member's phone").
"""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

# Loaded by the worker with importScripts(), in dependency order.
WORKBOX = [
    "vendor/workbox/workbox-core.prod.js",
    "vendor/workbox/workbox-routing.prod.js",
    "vendor/workbox/workbox-strategies.prod.js",
    "vendor/workbox/workbox-precaching.prod.js",
]
# The app shell: what every page loads, precached when the worker installs.
SHELL = [
    "vendor/bootstrap/bootstrap.min.css",
    "css/app.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "vendor/idb/idb.umd.js",
    "js/offline.js",
    "js/visit-form.js",
    "js/a11y.js",
]
THEME_COLOR = "#b71c1c"


def offline_pages() -> list[str]:
    """The member's daily pages the worker keeps (the last copy opened online)."""
    return [
        reverse("home"),
        reverse("casebook:due"),
        reverse("casebook:visit-new"),
        reverse("casebook:notebook"),
        reverse("casebook:inbox"),
    ]


def _file_revision(path: str) -> str | None:
    """None when the URL already names the content (hashed); else a digest of the file."""
    if static(path) != settings.STATIC_URL + path:
        return None
    found = finders.find(path)
    if not found:
        return None
    with open(found, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


def _worker_config(offline_page_revision: str) -> dict:
    return {
        "precache": [
            *({"url": static(path), "revision": _file_revision(path)} for path in SHELL),
            {"url": reverse("offline"), "revision": offline_page_revision},
        ],
        "pages": offline_pages(),
        "formPage": reverse("casebook:visit-new"),
        "offlinePage": reverse("offline"),
        "staticPrefix": settings.STATIC_URL,
    }


def _render_worker(request: HttpRequest) -> bytes:
    offline_page = _offline_page(request).content
    config = _worker_config(hashlib.sha256(offline_page).hexdigest()[:16])
    return render_to_string(
        "liaison/sw.js",
        {
            "scripts": json.dumps([static(path) for path in WORKBOX]),
            "config": json.dumps(config, indent=1),
        },
    ).encode()


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js: the same for everyone; never cached by the browser past a check."""
    response = HttpResponse(
        _render_worker(request), content_type="application/javascript; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: the site installs on a phone's home screen under its name."""
    name = _("Four-Neighbour Linkage")
    data = {
        "name": f"{name} · {settings.SITE_TOWNSHIP_NAME}",
        "short_name": name,
        "description": _("Every household linked, every matter owned, every request answered."),
        "lang": get_language(),
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static("icons/app-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/app-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/app-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


def _offline_page(request: HttpRequest) -> HttpResponse:
    # Rendered as for a visitor: the phone keeps it for whoever opens the site offline, so it
    # names nobody.
    request.user = AnonymousUser()
    return render(request, "liaison/offline.html")


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """What the phone shows for a page it has not kept, when there is no signal."""
    return _offline_page(request)
