from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from base.audit import log_access
from base.models import AccessLog
from base.query import BadQuery, IdField, MonthField, parse_query
from households import access
from liaison import charts, figures, reports, selectors


class DashboardQuery(forms.Form):
    """?month=2026-11 (else this month, Asia/Shanghai), ?village=<id>, ?format=xlsx."""

    month = MonthField()
    village = IdField()
    format = forms.ChoiceField(choices=[("", ""), ("xlsx", "xlsx")], required=False)

    def clean_month(self):
        return self.cleaned_data["month"] or timezone.localdate().replace(day=1)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400, saying which parameter was malformed when a view said so (base.query.BadQuery)."""
    message = str(exception) if isinstance(exception, BadQuery) else ""
    return render(request, "400.html", {"message": message}, status=400)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Home by role: township staff see the township, a secretary their village, a member
    their work today."""
    scope = access.scope_for(request.user)
    if scope.is_township_level:
        return township_dashboard(request)
    if scope.village_ids:
        return village_dashboard(request, pk=min(scope.village_ids))
    if scope.is_member:
        return render(
            request, "liaison/today.html", {"today": selectors.member_today(request.user)}
        )
    return render(
        request,
        "liaison/home.html",
        {"figures": selectors.home_figures(request.user), "scope": scope},
    )


@login_required
@require_safe
def township_dashboard(request: HttpRequest) -> HttpResponse:
    access.require(access.scope_for(request.user).is_staff_level)
    month = parse_query(request, DashboardQuery)["month"]
    villages = access.managed_villages(request.user)
    return render(
        request,
        "liaison/dashboard_township.html",
        {"totals": figures.village_rows(villages, month), "month": month},
    )


@login_required
@require_safe
def village_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    village = access.village_for(request.user, pk)
    access.require(access.can_manage_village(request.user, village.pk))
    month = parse_query(request, DashboardQuery)["month"]
    return render(
        request,
        "liaison/dashboard_village.html",
        {"village": village, "month": month, **figures.village_dashboard(village, month)},
    )


def _place(request: HttpRequest, village_id: int | None):
    """The villages a staff page is about, the one village (if it is one) and the place's name.

    ?village= (parsed) picks one of the user's villages; without it a secretary's page is
    about their own village, and township staff's about their township.
    """
    villages = access.managed_villages(request.user)
    village = villages.filter(pk=village_id).first() if village_id else None
    if village is None and not access.scope_for(request.user).is_township_level:
        mine = list(villages[:2])
        village = mine[0] if len(mine) == 1 else None
    if village is not None:
        return villages.filter(pk=village.pk), village, village.name
    townships = sorted({v.township.name for v in villages})
    return villages, None, "、".join(townships) or settings.SITE_TOWNSHIP_NAME


def _titled(place: str, title: str) -> str:
    return _("%(place)s: %(title)s") % {"place": place, "title": title}


@login_required
@require_safe
def trends(request: HttpRequest) -> HttpResponse:
    access.require(access.scope_for(request.user).is_staff_level)
    query = parse_query(request, DashboardQuery)
    villages, village, place = _place(request, query["village"])
    data = figures.trends(villages, query["month"])
    labels = [f"{m.month}月" for m in data.months]
    return render(
        request,
        "liaison/trends.html",
        {
            "village": village,
            "place": place,
            "villages": access.managed_villages(request.user),
            "visits": charts.bar_chart(
                _titled(place, _("Visits per month")), labels, [(_("Visits"), data.visits)]
            ),
            "requests": charts.bar_chart(
                _titled(place, _("Requests raised and replied")),
                labels,
                [(_("Raised"), data.raised), (_("Replied"), data.replied)],
            ),
            "reply": charts.bar_chart(
                _titled(place, _("Median days to reply")), labels, [(_("Days"), data.median_days)]
            ),
            "categories": charts.bar_chart(
                _titled(place, _("Requests by category")),
                labels,
                charts.top_series(data.by_category, keep=5, other=_("Other")),
            ),
            "by_category": data.by_category,
            "labels": labels,
        },
    )


@login_required
@require_safe
def monthly_report(request: HttpRequest) -> HttpResponse:
    """The month's report for the township or one village: .xlsx or a print view."""
    access.require(access.scope_for(request.user).is_staff_level)
    query = parse_query(request, DashboardQuery)
    month = query["month"]
    villages, village, place = _place(request, query["village"])
    report = figures.monthly_report(villages, month, place=place, village=village)
    if query["format"] == "xlsx":
        log_access(
            request,
            action=AccessLog.Action.EXPORT_REPORT,
            description=str(report.title),
            record_count=len(report.totals.rows),
        )
        return reports.xlsx(report)
    return render(request, "liaison/report_print.html", {"report": report, "month": month})


def favicon(request: HttpRequest) -> HttpResponse:
    """The static icon, for clients that ask for /favicon.ico whatever the page links."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For the proxy: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
