"""seed_demo's contract (README, "Demo users") and the admin on seeded data."""

import io
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from casebook.models import Meeting, Pavilion, Request, RequestEvent, RequestStatus, Visit
from devtools import demo
from households.models import Household, Village
from members.models import Assignment, PartyMember


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        result = demo.seed_demo(password="demo-pass-123")
        yield result
        transaction.set_rollback(True)


def _fingerprint():
    return (
        Household.objects.count(),
        PartyMember.objects.count(),
        Assignment.objects.count(),
        Visit.objects.count(),
        Request.objects.count(),
        RequestEvent.objects.count(),
        Meeting.objects.count(),
        sorted(Household.objects.values_list("card_token", flat=True))[:5],
    )


def test_seed_gives_exactly_the_township_of_the_report(seeded, db):
    assert Household.objects.count() == 3066
    assert PartyMember.objects.count() == 500
    names = set(Village.objects.values_list("name", flat=True))
    assert {"白牙合村", "东山村"} <= names
    assert 10 <= len(names) <= 14


def test_every_household_has_one_member_of_its_own_village(seeded, db):
    open_links = Assignment.objects.filter(ended_on__isnull=True)
    assert open_links.count() == 3066
    assert open_links.values("household").distinct().count() == 3066
    assert not open_links.exclude(member__village=F("household__village")).exists()


def test_no_member_is_over_capacity(seeded, db):
    over = PartyMember.objects.annotate(
        load=Count("assignments", filter=Q(assignments__ended_on__isnull=True))
    ).filter(load__gt=F("capacity"))
    assert not over.exists()


def test_members_are_spread_in_proportion_to_households(seeded, db):
    for village in Village.objects.annotate(
        h=Count("households", distinct=True), m=Count("members", distinct=True)
    ):
        assert 5.5 <= village.h / village.m <= 6.8, village.name


def test_requests_cover_every_status_with_consistent_timelines(seeded, db):
    assert set(Request.objects.values_list("status", flat=True)) == set(RequestStatus.values)
    assert 200 <= Request.objects.count() <= 600
    for request in Request.objects.prefetch_related("events")[:300]:
        events = list(request.events.all())
        assert events[0].kind == "created"
        assert events[-1].to_status == request.status
        assert [e.at for e in events] == sorted(e.at for e in events)


def test_six_months_of_visits_most_households_monthly(seeded, db):
    months = Visit.objects.dates("visited_on", "month")
    assert len(months) == 6
    last_full_month = months[len(months) - 2]
    visited = (
        Visit.objects.filter(
            visited_on__year=last_full_month.year, visited_on__month=last_full_month.month
        )
        .values("household")
        .distinct()
        .count()
    )
    assert 0.8 * 3066 <= visited < 3066  # most, not all: some are missed


def test_every_village_has_a_pavilion_and_meetings(seeded, db):
    assert Pavilion.objects.values("village").distinct().count() == Village.objects.count()
    held = Meeting.objects.filter(status="held").annotate(n=Count("attendee_members"))
    assert held.exists() and all(m.n > 0 for m in held[:20])


def test_demo_users_exist_with_their_roles(seeded, db, client):
    usernames = [u for u, _ in seeded.users]
    assert {"admin", "township", "sec-baiyahe", "sec-dongshan"} <= set(usernames)
    assert any(u.startswith("m-") for u in usernames)
    response = client.post(reverse("login"), {"username": "township", "password": "demo-pass-123"})
    assert response.status_code == 302 and response.url == reverse("home")


def test_second_run_changes_nothing(seeded, db):
    before = _fingerprint()
    call_command("seed_demo", verbosity=0)
    assert _fingerprint() == before


def test_township_home_shows_the_real_counts(seeded, db, client):
    client.force_login(User.objects.get(username="township"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    figures = {
        name: int(value.replace(",", ""))
        for name, value in re.findall(
            r'data-figure="([a-z-]+)">([\d,]+)<', response.content.decode()
        )
    }
    open_requests = Request.objects.filter(
        status__in=["new", "accepted", "in_progress", "escalated"]
    )
    today = timezone.localdate()
    assert figures == {
        "households": 3066,
        "members": 500,
        "visited": Visit.objects.filter(visited_on__gte=today.replace(day=1))
        .values("household")
        .distinct()
        .count(),
        "open-requests": open_requests.count(),
    }
    assert figures["visited"] > 0 and figures["open-requests"] > 0
    assert "农户" in response.content.decode()


def test_every_admin_changelist_answers_within_bounded_queries(
    seeded, db, client, django_assert_max_num_queries
):
    client.force_login(User.objects.get(username="admin"))
    for model, _model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        with django_assert_max_num_queries(15):
            response = client.get(url)
        assert response.status_code == 200, url


def test_admin_change_pages_with_inlines_are_bounded(
    seeded, db, client, django_assert_max_num_queries
):
    client.force_login(User.objects.get(username="admin"))
    request = Request.objects.filter(status="closed").first()
    household = Household.objects.first()
    for url in [
        reverse("admin:casebook_request_change", args=[request.pk]),
        reverse("admin:households_household_change", args=[household.pk]),
    ]:
        with django_assert_max_num_queries(30):
            response = client.get(url)
        assert response.status_code == 200, url


def test_proposals_on_the_demo_keep_every_rule_and_improve_the_model(seeded, db):
    from members.proposal import propose

    for village in Village.objects.all():
        for price in (0, 300):
            proposal = propose(village, move_price=price)
            households = Household.objects.filter(village=village, status="active").count()
            assert sum(proposal.loads_after.values()) == households
            for member_id, load in proposal.loads_after.items():
                member = proposal.members[member_id]
                assert member.village_id == village.pk and load <= member.capacity
            assert proposal.cost <= proposal.cost_before  # today's links are a candidate


def test_the_default_proposal_evens_loads_without_lengthening_walks_on_the_demo(seeded, db):
    """With the default weights every village's total walk stays or shortens, its loads come
    closer (never a wider range), priority households walk less, and few cards change."""
    from members.proposal import propose

    moves = households = evened = 0
    for village in Village.objects.all():
        proposal = propose(village)
        (low, high), (new_low, new_high) = proposal.load_range_before, proposal.load_range_after
        assert new_low >= low and new_high <= high
        assert proposal.total_after <= proposal.total_before, village.name
        squares = [
            sum(n * n for n in loads.values())
            for loads in (proposal.loads_before, proposal.loads_after)
        ]
        assert squares[1] <= squares[0]
        evened += squares[1] < squares[0]
        moves += proposal.moves
        households += len(proposal.households)
        assert proposal.priority_mean_after <= proposal.priority_mean_before
        assert all(group.worth_proposing for group in proposal.groups)
    assert evened >= 10 and moves <= 0.1 * households


def test_the_seeded_months_are_history_never_texted(seeded, db, _sms_outbox):
    """The seed writes six months of timelines after the texts' poll began: they are the
    past, as a township's own past is when the poll is deployed."""
    from notify.models import Message
    from tests.jobs import run_tasks

    replied = RequestEvent.objects.filter(kind="replied").values("request__household")
    assert Household.objects.filter(pk__in=replied).update(sms_consent_at=timezone.now()) > 10
    run_tasks()
    assert not Message.objects.exists() and _sms_outbox.sent == []


def test_benchmark_machinery_runs_on_the_demo(seeded, db, settings):
    """The benchmark's page timings, tasks and report, at a tiny size so that they cannot rot."""
    from devtools.management.commands import bench
    from tests.jobs import run_tasks

    settings.ROOT_URLCONF = "devtools.urls"
    ids = bench.sample_ids()
    pages = bench.measure_pages(ids, requests=1)
    assert set(pages) == {name for name, _user, _path in bench.PAGES}
    assert all(f["median_ms"] > 0 for f in pages.values())
    # Queries are counted per request: every page reads at least its session, none runs
    # a query per row of the 3,066 households, and the list reads more than the floor.
    assert all(1 <= f["queries"] <= 40 for f in pages.values()), {
        n: f["queries"] for n, f in pages.items()
    }
    assert pages["household list"]["queries"] > pages["trivial view (floor)"]["queries"]
    figures = bench.tasks(ids, import_rows=20, run_jobs=run_tasks)
    assert figures["import_rows_created"] == 20 and figures["export_rows"] == 3086
    assert figures["export_job_rows"] == 3086 and figures["export_job_bytes"] > 0
    assert figures["export_job_request_ms"] > 0 and figures["export_job_ready_s"] > 0
    # The township's proposal covers all of its villages, the largest among them.
    assert figures["proposal_township_s"] > figures["proposal_largest_village_s"] > 0
    results = {"scales": {"1": {"pages": pages, "tasks": figures, "seed_seconds": 1.0}}}
    results["ratios"] = bench.ratios(results, 1)
    results["targets"] = bench.targets(results, 1)
    assert results["ratios"]["page_over_trivial"]["trivial view (floor)"] == 1.0
    # The verdict names exactly the pages above five times the trivial view.
    slow = {
        n
        for n, v in results["ratios"]["page_over_trivial"].items()
        if v > 5 and n != "admin Household changelist"
    }
    assert set(results["targets"]["pages_within_5x_trivial"]["over"]) == slow
    report = bench.table(results, 1)
    assert "household list ÷ admin changelist" in report and "target no_load_errors" in report


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_seeding_leaves_the_planner_the_real_table_sizes(seeded, db):
    # Without ANALYZE after the bulk load the planner takes the tables for empty and chose
    # a 20 ms nested loop for the board's unassigned households (1 ms with statistics).
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'households_household'")
        assert cursor.fetchone()[0] >= 3066


def test_seed_prints_card_pages_to_try_without_a_card(seeded, db, client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    links = re.findall(r"^  (/c/[\w-]+/)  (\S+) (\S+)", out.getvalue(), re.M)
    assert len(links) == 3
    for path, village, head in links:
        page = client.get(path).content.decode()
        assert village in page and "联户党员" in page, path
        assert Household.objects.get(card_token=path.split("/")[2]).head_name == head
