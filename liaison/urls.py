from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from casebook import public
from liaison import job_views, offline, views

handler400 = "liaison.views.bad_request"
handler500 = "base.outage.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The installable, offline-capable site (at the root: the worker's scope is the site).
    path("sw.js", offline.service_worker, name="sw"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("offline/", offline.offline, name="offline"),
    # Browsers and crawlers ask for /favicon.ico whatever the page links; send them to it.
    path("favicon.ico", views.favicon, name="favicon"),
    path("dashboard/", views.township_dashboard, name="dashboard"),
    path("dashboard/county/", views.county_dashboard, name="dashboard-county"),
    path("dashboard/villages/<int:pk>/", views.village_dashboard, name="dashboard-village"),
    path("dashboard/trends/", views.trends, name="trends"),
    path("dashboard/report/", views.monthly_report, name="report"),
    path("c/", public.card_lookup, name="card-lookup"),
    path("c/<str:token>/", public.card_page, name="card"),
    path("c/<str:token>/requests/<int:pk>/confirm/", public.card_confirm, name="card-confirm"),
    path("c/<str:token>/requests/<int:pk>/add/", public.card_add, name="card-add"),
    path("c/<str:token>/voice/<int:pk>/", public.card_voice, name="card-voice"),
    path("c/<str:token>/sms/", public.card_sms, name="card-sms"),
    path("k/<str:code>/", public.card_short, name="card-short"),
    path("accounts/", include("accounts.urls")),
    path("jobs/<int:pk>/", job_views.job_page, name="job"),
    path("jobs/<int:pk>/status.json", job_views.job_status, name="job-status"),
    path("jobs/<int:pk>/download", job_views.job_download, name="job-download"),
    path("households/", include("households.urls")),
    path("members/", include("members.urls")),
    path("casebook/", include("casebook.urls")),
    path("sms/", include("notify.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The platform's tables moved from `base` to `infra` with their data: an admin's
    # bookmark of their old addresses still lands on them.
    re_path(
        r"^admin/base/(?P<rest>(?:accesslog|auditevent|job)/.*)$",
        RedirectView.as_view(url="/admin/infra/%(rest)s", permanent=True, query_string=True),
    ),
    path("admin/base/", RedirectView.as_view(url="/admin/infra/", permanent=True)),
    path("admin/", admin.site.urls),
]
