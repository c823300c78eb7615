"""The phone's outbox: each entry recorded exactly once, refusals with the server's message."""

import datetime
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casebook import services
from casebook.models import Request, RequestSource, Visit
from tests.factories import AssignmentFactory, HouseholdFactory, category, duty

pytestmark = pytest.mark.django_db

SYNC = "casebook:visit-sync"


def entry(for_household, **changes):
    data = {
        "client_id": str(uuid.uuid4()),
        "household": for_household.pk,
        "visited_on": timezone.localdate().isoformat(),
        "channel": "in_person",
        "duties": [duty("policy").pk],
        "notes": "宣传了医保政策",
    }
    data.update(changes)
    return data


def test_an_entry_sent_three_times_is_recorded_once(client, world):
    client.force_login(world.member_user)
    data = entry(world.household_a)
    answers = [client.post(reverse(SYNC), data) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert [a.json()["status"] for a in answers] == ["recorded", "replayed", "replayed"]
    visit = Visit.objects.get()
    assert {a.json()["visit"] for a in answers} == {visit.pk}
    assert str(visit.client_id) == data["client_id"]
    assert visit.member == world.member_a and visit.recorded_by == world.member_user
    assert list(visit.duties.values_list("code", flat=True)) == ["policy"]


def test_three_entries_are_three_visits_and_a_replay_adds_none(client, world):
    client.force_login(world.member_user)
    entries = [entry(world.household_a, notes=f"第{i}次") for i in range(3)]
    for data in entries:
        assert client.post(reverse(SYNC), data).status_code == 201
    for data in entries:
        assert client.post(reverse(SYNC), data).status_code == 200
    assert Visit.objects.count() == 3


def test_the_request_an_entry_raises_is_raised_once(client, world):
    client.force_login(world.member_user)
    data = entry(
        world.household_a,
        open_request="on",
        request_category=category("hazard").pk,
        request_description="院墙开裂",
    )
    first = client.post(reverse(SYNC), data).json()
    again = client.post(reverse(SYNC), data).json()
    request = Request.objects.get()
    assert first["request"] == again["request"] == request.pk
    assert request.visit_id == first["visit"] and request.source == RequestSource.VISIT


def test_a_household_moved_to_another_member_is_refused_with_a_chinese_message(client, world):
    client.force_login(world.member_user)
    response = client.post(reverse(SYNC), entry(world.household_a2))
    assert response.status_code == 422
    answer = response.json()
    assert answer["status"] == "refused"
    assert "该户不在您联系的农户中" in answer["message"]
    assert answer["message"].startswith("农户：")
    assert not Visit.objects.exists()


def test_a_future_date_gets_the_same_message_as_the_form(client, world):
    client.force_login(world.member_user)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    refused = client.post(reverse(SYNC), entry(world.household_a, visited_on=tomorrow)).json()
    form_page = client.post(
        reverse("casebook:visit-new"), entry(world.household_a, visited_on=tomorrow)
    ).content.decode()
    assert refused["message"] == "日期：走访日期不能晚于今天。"
    assert "走访日期不能晚于今天。" in form_page
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "not-a-uuid"},
        {"client_id": ""},
        {"household": "abc"},
        {"household": "99999999999999999999"},
        {"visited_on": "2026-13-45"},
        {"channel": "carrier pigeon"},
        {"duties": ["x"]},
        {"open_request": "on", "request_category": "", "notes": "", "request_description": ""},
    ],
)
def test_malformed_entries_are_refused_not_errors(client, world, changes):
    client.force_login(world.member_user)
    response = client.post(reverse(SYNC), entry(world.household_a, **changes))
    assert response.status_code == 422
    assert response.json()["message"]
    assert not Visit.objects.exists()


def test_an_id_sent_by_someone_else_is_refused(client, world):
    data = entry(world.household_a)
    client.force_login(world.member_user)
    assert client.post(reverse(SYNC), data).status_code == 201
    client.force_login(world.staff)
    response = client.post(reverse(SYNC), data)
    assert response.status_code == 422
    assert "已由他人提交" in response.json()["message"]
    assert Visit.objects.count() == 1


def test_the_outbox_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member_user)
    client.get(reverse("casebook:visit-new"))  # sets the CSRF cookie, as the page does
    data = entry(world.household_a)
    assert client.post(reverse(SYNC), data).status_code == 403
    assert not Visit.objects.exists()
    token = client.cookies["csrftoken"].value
    assert client.post(reverse(SYNC), data, HTTP_X_CSRFTOKEN=token).status_code == 201


def test_an_ended_session_is_sent_to_the_login_page(client, world):
    response = client.post(reverse(SYNC), entry(world.household_a))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_form_with_a_phone_id_records_once(client, world):
    client.force_login(world.member_user)
    data = entry(world.household_a)
    first = client.post(reverse("casebook:visit-new"), data, follow=True)
    assert "已记录" in first.content.decode()
    again = client.post(reverse("casebook:visit-new"), data, follow=True)
    assert "已经记录过了" in again.content.decode()
    assert Visit.objects.count() == 1
    # And the outbox's resend of the same entry finds it.
    assert client.post(reverse(SYNC), data).json()["status"] == "replayed"


def test_sync_reads_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.member_user)
    world.member_a.capacity = 30
    world.member_a.save()
    for _ in range(20):
        household = HouseholdFactory(village=world.village_a)
        AssignmentFactory(household=household, member=world.member_a)
    client.post(reverse(SYNC), entry(world.household_a))  # warm the session
    with django_assert_max_num_queries(30):
        assert client.post(reverse(SYNC), entry(world.household_a)).status_code == 201


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections at once need PostgreSQL"
)
def test_two_sends_of_one_entry_at_once_record_it_once(reference_data, world):
    client_id = uuid.uuid4()
    barrier = threading.Barrier(2)
    outcomes = []

    def send():
        try:
            barrier.wait()
            done = services.visit_submit(
                client_id=client_id,
                by=world.member_user,
                household=world.household_a,
                entry=services.VisitEntry(timezone.localdate(), "in_person", []),
            )
            outcomes.append(done.replayed)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [False, True]
    assert Visit.objects.filter(client_id=client_id).count() == 1


def test_an_entry_raising_a_request_reads_its_household_link_within_a_bound(
    client, world, django_assert_max_num_queries
):
    """The household's open link is read by one selector (members.selectors): the sync of
    an entry that raises a request (scope, the entry's member, the request's owner, the
    texts) stays within a fixed number of queries whatever the member's households."""
    client.force_login(world.member_user)
    world.member_a.capacity = 30
    world.member_a.save()
    for _ in range(20):
        household = HouseholdFactory(village=world.village_a)
        AssignmentFactory(household=household, member=world.member_a)
    client.post(reverse(SYNC), entry(world.household_a))  # warm the session
    data = entry(
        world.household_a,
        open_request="on",
        request_category=category("hazard").pk,
        request_description="院墙开裂",
    )
    with django_assert_max_num_queries(42):
        assert client.post(reverse(SYNC), data).status_code == 201
    request = Request.objects.get()
    assert request.owner == world.member_user and request.visit.member == world.member_a
