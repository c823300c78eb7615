"""Hotspots (热点诉求): matters many households raise at once go to the pavilion together."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from casebook import hotspots, services
from casebook.models import (
    EventKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Request,
    RequestStatus,
)
from tests.factories import (
    HouseholdFactory,
    PavilionFactory,
    RequestFactory,
    VillageGroupFactory,
    category,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)  # 18:00 in Asia/Shanghai


@pytest.fixture(autouse=True)
def _now():
    """The clock at NOW (and running): the windows count back from today."""
    with time_machine.travel(NOW, tick=True):
        yield


def _raised(household, *, days_ago: int, code: str = "other", status=RequestStatus.NEW):
    at = NOW - datetime.timedelta(days=days_ago)
    return RequestFactory(
        household=household, category=category(code), created_at=at, status=status
    )


@pytest.fixture
def pipe(world):
    """Group 3 of village A: four households, each reporting a burst pipe this fortnight."""
    group = VillageGroupFactory(village=world.village_a, number=3, name="3社")
    households = [HouseholdFactory(village=world.village_a, group=group) for _ in range(4)]
    requests = [_raised(h, days_ago=i + 1) for i, h in enumerate(households)]
    return group, households, requests


def _today():
    return timezone.localdate(NOW)


def test_hotspots_count_requests_by_category_and_group_within_the_window(world, pipe):
    group, households, _ = pipe
    _raised(households[0], days_ago=40)  # outside the 30 days, inside the 60 before them
    _raised(households[0], days_ago=5, code="infrastructure")  # another category: its own row
    _raised(households[1], days_ago=6, code="infrastructure")
    _raised(households[2], days_ago=6, code="hazard")  # one request alone is no hotspot
    rows = hotspots.hotspots(Request.objects.all(), days=30, today=_today())
    top = rows[0]
    assert (top.group_id, top.category, top.count, top.households, top.before) == (
        group.pk,
        str(category("other")),
        4,
        4,
        1,
    )
    assert top.rising  # 4 now against 1 before
    assert [r.count for r in rows] == [4, 2]
    wider = hotspots.hotspots(Request.objects.all(), days=90, today=_today())
    assert wider[0].count == 5 and wider[0].before == 0


def test_a_hotspot_is_rising_only_with_enough_requests_and_half_again_as_many(world, pipe):
    _, households, _ = pipe
    for days_ago in (31, 32, 33):  # three in the 30 days before: 4 is not half again as many
        _raised(households[1], days_ago=days_ago)
    row = hotspots.hotspots(Request.objects.all(), days=30, today=_today())[0]
    assert (row.count, row.before, row.rising) == (4, 3, False)
    assert hotspots.Hotspot(1, "", 1, "", 1, "", 3, 3, 2).rising  # 3 ≥ 1.5 × 2
    assert not hotspots.Hotspot(1, "", 1, "", 1, "", 2, 2, 0).rising  # too few to call


def test_hotspots_read_only_the_requests_they_are_given(world, pipe):
    other = hotspots.hotspots(Request.objects.filter(village=world.village_b), days=30)
    assert other == []


def test_a_cluster_needs_three_households_of_one_group_with_the_same_open_matter(world, pipe):
    group, households, requests = pipe
    _raised(households[0], days_ago=2)  # a second report of one household: one voice
    found = hotspots.clusters(Request.objects.all(), days=14, today=_today())
    assert len(found) == 1
    cluster = found[0]
    assert (cluster.group_id, cluster.households, cluster.count) == (group.pk, 4, 5)
    assert {r.pk for r in cluster.requests} >= {r.pk for r in requests}

    Request.objects.filter(pk__in=[requests[1].pk, requests[2].pk]).update(
        status=RequestStatus.REPLIED
    )
    assert hotspots.clusters(Request.objects.all(), days=14, today=_today()) == []


def test_a_cluster_keeps_to_its_window(world, pipe):
    # The four were raised 1 to 4 days ago: a 7-day window holds them all, a 4-day one
    # (today and the three days before) three, a 3-day one two: no longer a cluster.
    assert hotspots.clusters(Request.objects.all(), days=7, today=_today())[0].households == 4
    assert hotspots.clusters(Request.objects.all(), days=4, today=_today())[0].households == 3
    assert hotspots.clusters(Request.objects.all(), days=3, today=_today()) == []


def test_hotspots_and_clusters_take_a_fixed_number_of_queries(
    world, pipe, django_assert_max_num_queries
):
    for number in range(4, 14):  # more groups and households: still the same queries
        group = VillageGroupFactory(village=world.village_a, number=number, name=f"{number}社")
        for _ in range(3):
            _raised(HouseholdFactory(village=world.village_a, group=group), days_ago=1)
    with django_assert_max_num_queries(2):
        found = hotspots.read(Request.objects.all(), days=30, window=14, today=_today())
    assert len(found.clusters) == hotspots.CLUSTER_ROWS
    assert len(found.hotspots) == hotspots.HOTSPOT_ROWS


def test_a_cluster_goes_on_a_new_deliberation_agenda_each_request_with_its_own_event(world, pipe):
    _, _, requests = pipe
    pavilion = PavilionFactory(village=world.village_a)
    when = timezone.now() + datetime.timedelta(days=1)
    meeting = services.cluster_to_agenda(
        requests=requests, pavilion=pavilion, held_at=when, by=world.secretary_a
    )
    assert (meeting.kind, meeting.status, meeting.village_id) == (
        MeetingKind.DELIBERATION,
        MeetingStatus.PLANNED,
        world.village_a.pk,
    )
    assert set(meeting.requests.values_list("pk", flat=True)) == {r.pk for r in requests}
    assert "4" in meeting.topic and "3社" in meeting.topic
    for request in requests:
        event = request.events.get(kind=EventKind.MEETING)
        assert event.actor == world.secretary_a and meeting.topic in event.text
    found = hotspots.clusters(Request.objects.all(), days=14)
    assert found[0].on_agenda


def test_cluster_to_agenda_refuses_another_villages_pavilion_and_a_past_time(world, pipe):
    _, _, requests = pipe
    elsewhere = PavilionFactory(village=world.village_b)
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(services.CasebookError):
        services.cluster_to_agenda(
            requests=requests, pavilion=elsewhere, held_at=tomorrow, by=world.staff
        )
    pavilion = PavilionFactory(village=world.village_a)
    with pytest.raises(services.CasebookError):
        services.cluster_to_agenda(
            requests=requests,
            pavilion=pavilion,
            held_at=timezone.now() - datetime.timedelta(days=1),
            by=world.staff,
        )
    Request.objects.update(status=RequestStatus.REPLIED)
    with pytest.raises(services.CasebookError):
        services.cluster_to_agenda(
            requests=requests, pavilion=pavilion, held_at=tomorrow, by=world.staff
        )
    assert not Meeting.objects.exists()
    assert not Request.objects.filter(events__kind=EventKind.MEETING).exists()


def test_the_meetings_decision_replies_to_every_household_on_its_agenda(world, pipe):
    _, _, requests = pipe
    pavilion = PavilionFactory(village=world.village_a)
    meeting = services.cluster_to_agenda(
        requests=requests,
        pavilion=pavilion,
        held_at=timezone.now() + datetime.timedelta(hours=1),
        by=world.staff,
    )
    Request.objects.update(status=RequestStatus.ACCEPTED)
    own = requests[0]
    services.meeting_close(
        meeting=meeting,
        by=world.staff,
        outcomes={own.pk: ("follow_up", "请村委会再核实一次")},
        reply_all="村里统一更换3社主水管，本月20日前完工。",
    )
    for request in requests[1:]:
        request.refresh_from_db()
        assert request.status == RequestStatus.REPLIED
        assert request.reply == "村里统一更换3社主水管，本月20日前完工。"
        assert request.events.filter(kind=EventKind.REPLIED).count() == 1
    own.refresh_from_db()
    assert own.status == RequestStatus.ACCEPTED  # its own outcome, not the common reply


def test_the_dashboards_show_hotspots_and_clusters(world, pipe, client):
    PavilionFactory(village=world.village_a, name="3社议事亭")
    client.force_login(world.secretary_a)
    url = reverse("dashboard-village", kwargs={"pk": world.village_a.pk})
    page = client.get(url + "?part=hotspots")  # the page with the section, as without a script
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="hotspots"' in html and "3社议事亭" in html and "<html" in html
    assert reverse("casebook:cluster-agenda") in html
    client.force_login(world.staff)
    township = client.get(reverse("dashboard") + "?hot=90&window=7&part=hotspots").content.decode()
    assert "白牙合村" in township and reverse("casebook:cluster-agenda") in township


def test_a_dashboard_leaves_its_hotspots_for_its_script_to_fetch_as_a_section(
    world, pipe, client, django_assert_max_num_queries
):
    """The figures show without waiting for the hotspots: the page holds a placeholder
    whose htmx fetches the section alone (and whose link opens the page with it)."""
    PavilionFactory(village=world.village_a)
    client.force_login(world.secretary_a)
    url = reverse("dashboard-village", kwargs={"pk": world.village_a.pk})
    page = client.get(url + "?window=7").content.decode()
    assert 'hx-get="?part=hotspots&amp;window=7"' in page
    assert 'href="?part=hotspots&amp;window=7#hotspots"' in page
    assert "3社" not in page  # the cluster is not read for the page
    with django_assert_max_num_queries(15):  # one of them the cache's count of its table, at times
        section = client.get(url + "?part=hotspots&window=7", headers={"HX-Request": "true"})
    html = section.content.decode()
    assert html.lstrip().startswith('<section class="mt-4" id="hotspots"') and "<html" not in html
    assert "3社" in html and reverse("casebook:cluster-agenda") in html
    assert "HX-Request" in section["Vary"]
    elsewhere = reverse("dashboard-village", kwargs={"pk": world.village_b.pk})
    assert client.get(elsewhere + "?part=hotspots", headers={"HX-Request": "true"}).status_code in (
        403,
        404,
    )


@pytest.mark.parametrize("query", ["?hot=45", "?window=abc", "?hot=%00", "?window=99999999999"])
def test_a_malformed_window_answers_400_not_500(world, client, query):
    client.force_login(world.staff)
    assert client.get(reverse("dashboard") + query).status_code == 400


def test_putting_a_cluster_on_the_agenda_from_the_dashboard(world, pipe, client):
    group, _, requests = pipe
    pavilion = PavilionFactory(village=world.village_a)
    data = {
        "group": group.pk,
        "category": category("other").pk,
        "days": 14,
        "pavilion": pavilion.pk,
        "held_at": (timezone.localdate() + datetime.timedelta(days=2)).isoformat() + "T19:30",
    }
    client.force_login(world.secretary_b)  # another village's secretary: not theirs
    assert client.post(reverse("casebook:cluster-agenda"), data).status_code == 404
    assert not Meeting.objects.exists()
    client.force_login(world.secretary_a)
    response = client.post(reverse("casebook:cluster-agenda"), data)
    meeting = Meeting.objects.get()
    assert response.url == reverse("casebook:meeting-edit", kwargs={"pk": meeting.pk})
    assert meeting.requests.count() == len(requests)


def test_a_malformed_cluster_post_changes_nothing(world, pipe, client):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("casebook:cluster-agenda"),
        {"group": "x", "category": "99999999999999999999999", "pavilion": "", "days": "5"},
    )
    assert response.status_code == 302
    assert not Meeting.objects.exists()


def test_hotspots_and_clusters_name_their_village_group_and_category_in_the_users_language(
    world, pipe
):
    group, _, _ = pipe
    other = category("other")
    with translation.override("en"):
        found = hotspots.read(Request.objects.all(), days=30, window=14, today=_today())
    with translation.override("zh-hans"):
        chinese = hotspots.read(Request.objects.all(), days=30, window=14, today=_today())
    for row in (found.hotspots[0], found.clusters[0]):
        assert (row.village, row.group, row.category) == (
            world.village_a.name,
            "3社",
            other.name_en,
        )
    assert chinese.hotspots[0].category == chinese.clusters[0].category == other.name
    assert other.name != other.name_en
