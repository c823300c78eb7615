"""Meeting forms and prints: parts by the kind of meeting, searchable pickers that fall back
to plain selects, the agenda on paper before the meeting, and the mediation agreement."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from casebook import services
from casebook.models import Meeting, RequestEvent
from tests.casebook.test_pavilion import meeting_data
from tests.factories import MeetingFactory, PavilionFactory, RequestFactory

pytestmark = pytest.mark.django_db


def test_pickers_are_plain_selects_with_pinyin_for_the_search(client, world):
    PavilionFactory(village=world.village_a)
    client.force_login(world.secretary_a)
    html = client.get(reverse("casebook:meeting-new")).content.decode()
    for name in ("attendee_members", "attendee_households", "parties", "requests", "convener"):
        tag = re.search(rf'<select name="{name}"[^>]*>', html).group(0)
        assert "picker" in tag, tag  # a plain <select> until the script makes it searchable
    households = re.search(r'<select name="attendee_households".*?</select>', html, re.S).group(0)
    option = re.search(rf'<option value="{world.household_a.pk}"[^>]*>', households).group(0)
    assert f'data-pinyin="{world.household_a.search_key}"' in option


def test_a_deliberation_keeps_no_mediation_fields(client, world):
    pavilion = PavilionFactory(village=world.village_a)
    client.force_login(world.secretary_a)
    data = meeting_data(
        world,
        pavilion,
        parties=[world.household_a.pk, world.household_a2.pk],
        outcome="agreed",
        agreement="赔偿200元",
        follow_up_on="2026-12-30",
        follow_up_member=world.member_a.pk,
    )
    client.post(reverse("casebook:meeting-new"), data)
    meeting = Meeting.objects.get()
    assert list(meeting.parties.all()) == []
    assert (meeting.outcome, meeting.agreement, meeting.follow_up_on) == ("", "", None)


def test_a_publicity_meeting_has_no_requests_on_its_agenda(client, world):
    pavilion = PavilionFactory(village=world.village_a)
    request = RequestFactory(household=world.household_a, status="accepted")
    client.force_login(world.secretary_a)
    client.post(
        reverse("casebook:meeting-new"),
        meeting_data(world, pavilion, kind="publicity", requests=[request.pk]),
    )
    assert not Meeting.objects.get().requests.exists()


def test_a_planned_meetings_print_carries_its_agenda(client, world):
    meeting = MeetingFactory(pavilion=PavilionFactory(village=world.village_a), status="planned")
    request = RequestFactory(household=world.household_a, description="村道路灯坏了三盏")
    meeting.requests.add(request)
    client.force_login(world.secretary_a)
    html = client.get(reverse("casebook:meeting-detail", args=[meeting.pk])).content.decode()
    printed = re.search(r'<ol class="d-none d-print-block agenda-print">(.*?)</ol>', html, re.S)
    assert printed and "村道路灯坏了三盏" in printed.group(1)
    assert html.count("print-blank") == 3  # lines to write the decisions on by hand


def test_mediation_agreement_has_a_signature_line_for_everyone(client, world):
    meeting = MeetingFactory(
        pavilion=PavilionFactory(village=world.village_a),
        kind="mediation",
        convener=world.member_a,
        topic="宅基地边界纠纷",
        minutes="两户因院墙位置发生争执。",
        agreement="院墙按原址重砌，费用各半。",
        outcome="agreed",
        follow_up_on=datetime.date(2026, 12, 20),
        follow_up_member=world.member_a,
    )
    meeting.parties.add(world.household_a, world.household_a2)
    meeting.attendee_members.add(world.member_a, world.member_a2)
    client.force_login(world.secretary_a)
    html = client.get(reverse("casebook:meeting-agreement", args=[meeting.pk])).content.decode()
    assert "人民调解协议书" in html
    for text in ("宅基地边界纠纷", "两户因院墙位置发生争执", "院墙按原址重砌", "2026年12月20日"):
        assert text in html, text
    assert html.count('class="signature"') == 2 + 1 + 1  # two parties, mediator, one witness
    assert f"当事人1（{world.household_a.head_name}）" in html or (
        f"当事人1（{world.household_a2.head_name}）" in html
    )
    assert (
        f"调解员（{world.member_a.name}）" in html and f"见证人（{world.member_a2.name}）" in html
    )
    assert "一式3份" in html and "人民调解委员会（盖章）" in html


def test_an_agreement_printed_before_the_parties_are_recorded_has_blank_lines(client, world):
    meeting = MeetingFactory(pavilion=PavilionFactory(village=world.village_a), kind="mediation")
    client.force_login(world.secretary_a)
    html = client.get(reverse("casebook:meeting-agreement", args=[meeting.pk])).content.decode()
    assert html.count('<tr class="print-blank">') == 2
    assert "当事人1</span>" in html and "当事人2</span>" in html and "一式3份" in html


def test_only_a_mediation_has_an_agreement(client, world):
    meeting = MeetingFactory(pavilion=PavilionFactory(village=world.village_a))
    client.force_login(world.secretary_a)
    assert client.get(reverse("casebook:meeting-agreement", args=[meeting.pk])).status_code == 404
    detail = client.get(reverse("casebook:meeting-detail", args=[meeting.pk])).content.decode()
    assert "打印调解协议书" not in detail


def test_the_timeline_names_the_meeting_day_in_chinese(world):
    request = RequestFactory(household=world.household_a, status="accepted")
    held = datetime.datetime(2026, 11, 28, 18, 30, tzinfo=datetime.UTC)  # 29th in Shanghai
    meeting = MeetingFactory(
        pavilion=PavilionFactory(village=world.village_a), held_at=held, status="planned"
    )
    meeting.requests.add(request)
    with time_machine.travel(held, tick=False):
        services.meeting_close(meeting=meeting, by=world.secretary_a, outcomes={})
    line = RequestEvent.objects.get(request=request, kind="meeting").text
    assert "2026年11月29日" in line and "2026-11-29" not in line
