"""The neighbour deliberation pavilion: meetings, agendas from requests, mediation follow-ups."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casebook.models import Meeting, MeetingDecision, Request
from tests.factories import MeetingFactory, PavilionFactory, RequestFactory, VisitFactory

pytestmark = pytest.mark.django_db


def meeting_data(world, pavilion, **changes):
    data = {
        "kind": "deliberation",
        "pavilion": pavilion.pk,
        "held_at": (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "topic": "淀粉厂收购土豆",
        "convener": world.member_a.pk,
        "attendee_members": [world.member_a.pk, world.member_a2.pk],
        "attendee_households": [world.household_a.pk],
        "others_present": "12",
        "agenda": "听取淀粉厂报价",
        "minutes": "",
        "decisions-TOTAL_FORMS": "3",
        "decisions-INITIAL_FORMS": "0",
        "decisions-MIN_NUM_FORMS": "0",
        "decisions-MAX_NUM_FORMS": "1000",
        "decisions-0-text": "按每亩2800元统一出售",
        "decisions-0-responsible": world.member_a.pk,
        "decisions-0-due_on": "2026-12-20",
    }
    data.update(changes)
    return data


def test_secretary_schedules_a_meeting_with_requests_on_the_agenda(client, world):
    pavilion = PavilionFactory(village=world.village_a)
    r1 = RequestFactory(household=world.household_a, status="accepted")
    r2 = RequestFactory(household=world.household_a2, status="new")
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("casebook:meeting-new"), meeting_data(world, pavilion, requests=[r1.pk, r2.pk])
    )
    meeting = Meeting.objects.get()
    assert response.url == reverse("casebook:meeting-detail", args=[meeting.pk])
    assert set(meeting.requests.all()) == {r1, r2}
    assert meeting.village == world.village_a and meeting.created_by == world.secretary_a
    assert meeting.decision_lines.get().responsible == world.member_a


def test_editing_a_meeting_keeps_changes_and_removes_its_decisions(client, world):
    pavilion = PavilionFactory(village=world.village_a)
    client.force_login(world.secretary_a)
    two = {"decisions-1-text": "修缮村道", "decisions-1-responsible": world.member_a2.pk}
    client.post(reverse("casebook:meeting-new"), meeting_data(world, pavilion, **two))
    meeting = Meeting.objects.get()
    first, second = meeting.decision_lines.all()
    edit = meeting_data(
        world,
        pavilion,
        **{
            "decisions-TOTAL_FORMS": "4",
            "decisions-INITIAL_FORMS": "2",
            "decisions-0-id": first.pk,
            "decisions-0-text": "按每亩3000元统一出售",
            "decisions-1-id": second.pk,
            "decisions-1-text": second.text,
            "decisions-1-DELETE": "on",
            "decisions-2-text": "通知各户",
        },
    )
    response = client.post(reverse("casebook:meeting-edit", args=[meeting.pk]), edit)
    assert response.url == reverse("casebook:meeting-detail", args=[meeting.pk])
    lines = list(meeting.decision_lines.values_list("pk", "text", "responsible", "due_on"))
    assert lines[0] == (first.pk, "按每亩3000元统一出售", world.member_a.pk, first.due_on)
    assert [text for _, text, _, _ in lines] == ["按每亩3000元统一出售", "通知各户"]
    assert lines[1][2] is None and lines[1][3] is None


def test_a_decision_added_meanwhile_survives_another_users_save(client, world):
    """Two staff edit one meeting: the second save keeps the line the first added, which
    its page never showed (only the lines ticked for deletion go)."""
    pavilion = PavilionFactory(village=world.village_a)
    client.force_login(world.secretary_a)
    client.post(reverse("casebook:meeting-new"), meeting_data(world, pavilion))
    meeting = Meeting.objects.get()
    (first,) = meeting.decision_lines.all()
    meanwhile = MeetingDecision.objects.create(meeting=meeting, text="另一位干部补记的决定")
    edit = meeting_data(
        world,
        pavilion,
        **{
            "decisions-TOTAL_FORMS": "1",
            "decisions-INITIAL_FORMS": "1",
            "decisions-0-id": first.pk,
            "decisions-0-text": "按每亩3000元统一出售",
        },
    )
    response = client.post(reverse("casebook:meeting-edit", args=[meeting.pk]), edit)
    assert response.status_code == 302
    texts = set(meeting.decision_lines.values_list("text", flat=True))
    assert texts == {"按每亩3000元统一出售", meanwhile.text}


def test_pickers_stay_within_the_village(client, world):
    pavilion = PavilionFactory(village=world.village_a)
    other = RequestFactory(household=world.household_b)
    client.force_login(world.staff)
    data = meeting_data(
        world, pavilion, attendee_households=[world.household_b.pk], requests=[other.pk]
    )
    response = client.post(reverse("casebook:meeting-new") + f"?village={world.village_a.pk}", data)
    errors = response.context["form"].errors
    assert "attendee_households" in errors and "requests" in errors
    assert not Meeting.objects.exists()
    page = client.get(
        reverse("casebook:meeting-new") + f"?village={world.village_a.pk}"
    ).content.decode()
    assert world.household_b.head_name not in page and world.member_b.name not in page


def test_closing_writes_the_meeting_into_each_requests_timeline(client, world):
    pavilion = PavilionFactory(village=world.village_a)
    note = RequestFactory(household=world.household_a, status="accepted")
    reply = RequestFactory(household=world.household_a, status="new")
    follow = RequestFactory(household=world.household_a2, status="in_progress")
    meeting = MeetingFactory(pavilion=pavilion, status="planned")
    meeting.requests.set([note, reply, follow])
    client.force_login(world.secretary_a)
    client.post(
        reverse("casebook:meeting-close", args=[meeting.pk]),
        {
            f"outcome-{note.pk}": "note", f"text-{note.pk}": "大家同意先修路",
            f"outcome-{reply.pk}": "reply", f"text-{reply.pk}": "经议事决定统一出售",
            f"outcome-{follow.pk}": "follow_up", f"text-{follow.pk}": "下月复查水渠",
        },
    )  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.status == "held"
    for r in (note, reply, follow):
        assert r.events.filter(kind="meeting", text__contains=meeting.topic).count() == 1
    assert note.events.get(kind="meeting").text.endswith("大家同意先修路")
    reply.refresh_from_db()
    assert reply.status == "replied" and reply.reply == "经议事决定统一出售"
    assert Request.objects.filter(
        household=world.household_a2, source="pavilion", description="下月复查水渠"
    ).exists()


def test_a_reply_or_follow_up_without_text_is_refused_and_nothing_changes(client, world):
    meeting = MeetingFactory(pavilion=PavilionFactory(village=world.village_a), status="planned")
    request = RequestFactory(household=world.household_a, status="accepted")
    meeting.requests.set([request])
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("casebook:meeting-close", args=[meeting.pk]),
        {f"outcome-{request.pk}": "reply"},
        follow=True,
    )
    assert "请填写诉求" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == "planned" and not request.events.exists()


def test_mediation_needs_two_parties(client, world):
    pavilion = PavilionFactory(village=world.village_a)
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("casebook:meeting-new"),
        meeting_data(world, pavilion, kind="mediation", parties=[world.household_a.pk]),
    )
    assert "调解至少要有两方当事农户" in response.content.decode()


def test_mediation_follow_up_appears_in_the_members_due_list_until_made(client, world):
    pavilion = PavilionFactory(village=world.village_a)
    today = timezone.localdate()
    meeting = MeetingFactory(
        pavilion=pavilion, kind="mediation", status="held", topic="宅基地边界纠纷",
        follow_up_on=today, follow_up_member=world.member_a, outcome="agreed",
    )  # fmt: skip
    meeting.parties.set([world.household_a, world.household_a2])
    client.force_login(world.member_user)
    response = client.get(reverse("casebook:due"))
    assert [m.pk for m in response.context["follow_ups"]] == [meeting.pk]
    assert "宅基地边界纠纷" in response.content.decode()
    VisitFactory(household=world.household_a2, member=world.member_a, visited_on=today)
    assert list(client.get(reverse("casebook:due")).context["follow_ups"]) == []


def test_village_meeting_list_by_month_and_printable_record(client, world):
    pavilion = PavilionFactory(village=world.village_a)
    MeetingFactory(pavilion=pavilion, held_at=timezone.now() - datetime.timedelta(days=40))
    MeetingFactory(pavilion=pavilion, held_at=timezone.now())
    MeetingFactory(pavilion=PavilionFactory(village=world.village_b))
    client.force_login(world.secretary_a)
    response = client.get(reverse("casebook:meetings"))
    assert len(response.context["months"]) == 2
    assert sum(len(items) for _month, items in response.context["months"]) == 2
    meeting = Meeting.objects.filter(village=world.village_a).first()
    record = client.get(reverse("casebook:meeting-detail", args=[meeting.pk])).content.decode()
    # The printable record: its heading names the township, village and kind, then the
    # topic and the place; the other village's meeting is not in the list above.
    assert f"{world.township.name}{world.village_a.name} · 议事记录" in record
    assert meeting.topic in record and meeting.pavilion.name in record
