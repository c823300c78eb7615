import datetime
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template import engines
from django.templatetags.static import static
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from base.query import BadQuery, IdField, MonthField, parse_query
from base.templatetags.base_tags import query_string
from casebook import access as casebook_access
from casebook import hotspots
from households import access
from infra.audit import log_access
from liaison import charts, figures, reports, selectors


class DashboardQuery(forms.Form):
    """?month=2026-11 (else this month, Asia/Shanghai), ?village=, ?township=, ?county=
    (ids), ?format=xlsx; the hotspots' ?hot=30|90 days and the clusters' ?window=7|14|30,
    ?part=hotspots for the section itself (see _dashboard)."""

    month = MonthField()
    village = IdField()
    township = IdField()
    county = IdField()
    format = forms.ChoiceField(choices=[("", ""), ("xlsx", "xlsx")], required=False)
    hot = forms.TypedChoiceField(
        choices=[("", ""), *((d, d) for d in hotspots.HOTSPOT_DAYS)],
        coerce=int,
        empty_value=hotspots.HOTSPOT_DAYS[0],
        required=False,
    )
    part = forms.ChoiceField(choices=[("", ""), ("hotspots", "hotspots")], required=False)
    window = forms.TypedChoiceField(
        choices=[("", ""), *((d, d) for d in hotspots.CLUSTER_DAYS)],
        coerce=int,
        empty_value=hotspots.DEFAULT_CLUSTER_DAYS,
        required=False,
    )

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
    """Home by role: township staff see the township, county staff the county, a secretary
    their village, a member their work today."""
    scope = access.scope_for(request.user)
    if scope.is_township_level:
        return township_dashboard(request)
    if scope.county_ids:
        return county_dashboard(request)
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
def county_dashboard(request: HttpRequest) -> HttpResponse:
    """A county's townships side by side (?county= picks one of the user's), each opening
    its own dashboard: township → village → household."""
    access.require(access.scope_for(request.user).is_county_level)
    query = parse_query(request, DashboardQuery)
    counties = access.counties(request.user)
    county = (
        access.get_or_404(counties, pk=query["county"]) if query["county"] else counties.first()
    )
    access.require(county is not None)
    villages = access.overseen_villages(request.user).filter(township__county=county)
    # The user's requests: figures.county reads them a township at a time.
    requests = casebook_access.requests(request.user)
    totals, top = figures.county(villages, requests, query["month"], days=query["hot"])
    return render(
        request,
        "liaison/dashboard_county.html",
        {
            "county": county,
            "counties": counties if len(counties) > 1 else [],
            "totals": totals,
            "top_rows": [(row, top.get(row.township.pk, [])) for row in totals.rows],
            "hot_days": query["hot"],
            "month": query["month"],
        },
    )


@login_required
@require_safe
def township_dashboard(request: HttpRequest) -> HttpResponse:
    """The villages of the user's townships (or of one, ?township=, from a county's table)."""
    access.require(access.scope_for(request.user).is_staff_level)
    query = parse_query(request, DashboardQuery)
    villages = access.overseen_villages(request.user)
    township = None
    if query["township"]:
        township = access.get_or_404(access.townships(request.user), pk=query["township"])
        villages = villages.filter(township=township)
    return _dashboard(
        request,
        query,
        villages,
        "liaison/dashboard_township.html",
        lambda: {
            "township": township,
            "totals": figures.village_rows(villages, query["month"]),
            "month": query["month"],
        },
        show_village=True,
    )


@login_required
@require_safe
def village_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    village = access.village_for(request.user, pk)
    access.require(access.can_oversee_village(request.user, village.pk))
    query = parse_query(request, DashboardQuery)
    month = query["month"]
    return _dashboard(
        request,
        query,
        access.villages(request.user).filter(pk=village.pk),
        "liaison/dashboard_village.html",
        lambda: {
            "village": village,
            "month": month,
            **figures.village_dashboard(village, month),
        },
        show_village=False,
    )


HOTSPOTS = "hotspots"


def _dashboard(
    request: HttpRequest,
    query: dict,
    villages,
    template: str,
    figures_of: Callable[[], dict],
    *,
    show_village: bool,
) -> HttpResponse:
    """A township's or village's dashboard. Its hotspots section, recomputed after every
    write in the place, is fetched by the page's script once the figures show
    (?part=hotspots from htmx: the section alone); with ?part=hotspots and no script (a
    browser without JavaScript follows the placeholder's link) the page holds it."""
    hot = _hotspots(request, villages, query) if query["part"] == HOTSPOTS else None
    if hot is not None and request.headers.get("HX-Request"):
        section = engines["jinja2"].get_template("liaison/_hotspots.html")
        response = HttpResponse(section.render({"hot": hot, "show_village": show_village}, request))
    else:
        context = {
            **figures_of(),
            "hot": hot,
            "hotspots_url": query_string(request.GET, part=HOTSPOTS),
        }
        response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # one address, the section or the page
    return response


def _hotspots(request: HttpRequest, villages, query) -> dict:
    """The hotspots section of a dashboard: its figures, the pavilions a cluster can go to
    (by village), a default time for the meeting (tomorrow at 9:00) and the chosen windows."""
    found = figures.hotspots(
        villages,
        casebook_access.requests(request.user).filter(village__in=villages),
        days=query["hot"],
        window=query["window"],
    )
    pavilions: dict[int, list] = {}
    ids = {cluster.village_id for cluster in found["clusters"]}
    if ids:
        for pavilion in casebook_access.pavilions(request.user).filter(village_id__in=ids):
            pavilions.setdefault(pavilion.village_id, []).append(pavilion)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    scope = access.scope_for(request.user)
    return {
        "hotspots": found["hotspots"],
        # (cluster, the pavilions it can go to, whether the user may send it: a county
        # role reads the clusters but sends none)
        "clusters": [
            (c, pavilions.get(c.village_id, []), scope.manages(c.village_id))
            for c in found["clusters"]
        ],
        "meeting_at": f"{tomorrow:%Y-%m-%d}T09:00",
        "hot_days": query["hot"],
        "hot_links": [
            (days, query_string(request.GET, hot=days), days == query["hot"])
            for days in hotspots.HOTSPOT_DAYS
        ],
        "rising_at_least": hotspots.RISING_AT_LEAST,
        "cluster_households": hotspots.CLUSTER_HOUSEHOLDS,
        "window": query["window"],
        "window_links": [
            (days, query_string(request.GET, window=days), days == query["window"])
            for days in hotspots.CLUSTER_DAYS
        ],
    }


def _place(request: HttpRequest, query: dict):
    """The villages a staff page is about, the one village (if it is one) and the place's name.

    ?village= picks one of the user's villages, ?township= one of their townships, ?county=
    one of their counties; without them a secretary's page is about their own village,
    township staff's about their township and county staff's about their county.
    """
    scope = access.scope_for(request.user)
    villages = access.overseen_villages(request.user)
    village_id = query["village"]
    village = villages.filter(pk=village_id).first() if village_id else None
    if village is None and query["township"]:
        township = access.get_or_404(access.townships(request.user), pk=query["township"])
        return villages.filter(township=township), None, township.name
    if village is None and query["county"]:
        county = access.get_or_404(access.counties(request.user), pk=query["county"])
        return villages.filter(township__county=county), None, county.name
    if village is None and not scope.is_township_level and not scope.county_ids:
        mine = list(villages[:2])
        village = mine[0] if len(mine) == 1 else None
    if village is not None:
        return villages.filter(pk=village.pk), village, village.name
    if scope.county_ids and not scope.township_ids:
        names = access.counties(request.user).values_list("name", flat=True)
    else:
        names = {v.township.name for v in villages}
    return villages, None, "、".join(sorted(names)) or settings.SITE_TOWNSHIP_NAME


def _titled(place: str, title: str) -> str:
    return _("%(place)s: %(title)s") % {"place": place, "title": title}


@login_required
@require_safe
def trends(request: HttpRequest) -> HttpResponse:
    access.require(access.scope_for(request.user).is_staff_level)
    query = parse_query(request, DashboardQuery)
    villages, village, place = _place(request, query)
    data = figures.trends(villages, query["month"])
    labels = [f"{m.month}月" for m in data.months]
    return render(
        request,
        "liaison/trends.html",
        {
            "village": village,
            "place": place,
            # Narrow down by village within a township, by township across a county.
            "villages": access.overseen_villages(request.user)
            if not access.scope_for(request.user).county_ids
            else [],
            "townships": access.townships(request.user)
            if access.scope_for(request.user).county_ids
            else [],
            "township_id": query["township"],
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
    """The month's report for a county, a township or one village: .xlsx or a print view
    (a county's, or any spanning several townships, adds a table of its townships)."""
    access.require(access.scope_for(request.user).is_staff_level)
    query = parse_query(request, DashboardQuery)
    month = query["month"]
    villages, village, place = _place(request, query)
    if query["format"] == "xlsx":
        file = figures.report_file(villages, month, place=place, village=village)
        log_access(
            request,
            action=reports.EXPORTED_REPORT,
            description=file.title,
            record_count=file.rows,
        )
        return reports.xlsx_response(file)
    report = figures.monthly_report(villages, month, place=place, village=village)
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
