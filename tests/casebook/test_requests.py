"""Requests tracked through to a reply: transitions, timeline, due dates, concurrency."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casebook import services
from casebook.models import EventKind, Request, RequestEvent, RequestStatus
from tests.factories import HouseholdFactory, RequestFactory, category

pytestmark = pytest.mark.django_db

S = RequestStatus


def raise_request(world, code="infrastructure", **kwargs):
    return services.request_raise(
        household=world.household_a,
        category=category(code),
        description="巷道路灯坏了",
        source="walk_in",
        by=world.staff,
        **kwargs,
    )


def kinds(request):
    return list(request.events.order_by("at", "id").values_list("kind", flat=True))


def test_raising_sets_owner_due_dates_and_first_event(world):
    request = raise_request(world, "hazard")
    today = timezone.localdate()
    assert request.status == S.NEW
    assert request.owner == world.member_user  # the household's member has a login
    assert request.accept_due_on == today + datetime.timedelta(days=1)
    assert request.due_on == today + datetime.timedelta(days=3)
    event = request.events.get()
    assert (event.kind, event.actor, event.to_status) == (EventKind.CREATED, world.staff, S.NEW)


def test_owner_falls_back_to_the_village_secretary(world):
    request = services.request_raise(
        household=world.household_a2,
        category=category(),
        description="x",
        source="phone",
        by=world.staff,
    )
    assert request.owner == world.secretary_a


def test_whole_life_of_a_request_writes_one_event_per_step(world):
    r = raise_request(world)
    r = services.request_accept(request=r, by=world.member_user, expected_version=1)
    r = services.request_note(
        request=r, by=world.member_user, text="已联系电工", expected_version=2
    )
    r = services.request_escalate(
        request=r, level="village", reason="需要村里出钱", by=world.member_user, expected_version=3
    )
    assert r.owner == world.secretary_a
    r = services.request_reply(
        request=r, text="已更换路灯", by=world.secretary_a, expected_version=4
    )
    r = services.request_confirm(request=r, solved=True)
    assert (r.status, r.satisfaction, r.version) == (S.CLOSED, "satisfied", 6)
    assert kinds(r) == ["created", "accepted", "note", "escalated", "replied", "confirmed"]
    events = list(r.events.order_by("at", "id"))
    assert [e.actor for e in events[1:5]] == [world.member_user] * 3 + [world.secretary_a]
    assert events[-1].actor is None and events[-1].actor_label
    assert [(e.from_status, e.to_status) for e in events[1:]] == [
        (S.NEW, S.ACCEPTED), (S.ACCEPTED, S.IN_PROGRESS), (S.IN_PROGRESS, S.ESCALATED),
        (S.ESCALATED, S.REPLIED), (S.REPLIED, S.CLOSED),
    ]  # fmt: skip


def test_household_not_solved_reopens_and_staff_can_close_with_reason(world):
    r = raise_request(world)
    r = services.request_accept(request=r, by=world.staff, expected_version=None)
    r = services.request_reply(request=r, text="已处理", by=world.staff, expected_version=None)
    r = services.request_confirm(request=r, solved=False, text="灯还是不亮")
    assert (r.status, r.satisfaction) == (S.IN_PROGRESS, "unsatisfied")
    r = services.request_reply(request=r, text="已再次维修", by=world.staff, expected_version=None)
    r = services.request_close(
        request=r, reason="农户外出务工，电话确认已修好", by=world.staff, expected_version=None
    )
    assert r.status == S.CLOSED and r.closed_at
    r = services.request_reopen(request=r, reason="又坏了", by=world.staff, expected_version=None)
    assert r.status == S.IN_PROGRESS and r.closed_at is None
    assert kinds(r)[-4:] == ["reopened", "replied", "closed", "reopened"]


ILLEGAL = [
    ("accept", S.ACCEPTED, "只有新提交的诉求"),
    ("note", S.NEW, "请先受理"),
    ("reply", S.NEW, "请先受理"),
    ("close", S.IN_PROGRESS, "只有已答复的诉求"),
    ("reopen", S.IN_PROGRESS, "只有已答复或已办结的诉求"),
    ("escalate", S.CLOSED, "不能上报"),
    ("assign", S.CLOSED, "没有可更换的负责人"),
]


@pytest.mark.parametrize("action, status, message", ILLEGAL)
def test_illegal_moves_are_refused_with_a_message_and_change_nothing(
    world, action, status, message, settings
):
    from django.utils import translation

    r = RequestFactory(household=world.household_a, status=status)
    calls = {
        "accept": lambda: services.request_accept(request=r, by=world.staff, expected_version=None),
        "note": lambda: services.request_note(
            request=r, by=world.staff, text="x", expected_version=None
        ),
        "reply": lambda: services.request_reply(
            request=r, text="x", by=world.staff, expected_version=None
        ),
        "close": lambda: services.request_close(
            request=r, reason="x", by=world.staff, expected_version=None
        ),
        "reopen": lambda: services.request_reopen(
            request=r, reason="x", by=world.staff, expected_version=None
        ),
        "escalate": lambda: services.request_escalate(
            request=r, level="village", reason="x", by=world.staff, expected_version=None
        ),
        "assign": lambda: services.request_assign(
            request=r, owner=world.staff, by=world.staff, expected_version=None
        ),
    }
    with translation.override("zh-hans"), pytest.raises(services.CasebookError) as error:
        calls[action]()
    assert message in str(error.value)
    r.refresh_from_db()
    assert r.status == status and r.version == 1
    assert not RequestEvent.objects.filter(request=r).exists()


def test_empty_texts_are_refused(world):
    r = services.request_accept(request=raise_request(world), by=world.staff, expected_version=None)
    for call in (
        lambda: services.request_note(request=r, by=world.staff, text="  ", expected_version=None),
        lambda: services.request_reply(request=r, text="", by=world.staff, expected_version=None),
        lambda: services.request_escalate(
            request=r, level="township", reason="", by=world.staff, expected_version=None
        ),
    ):
        with pytest.raises(services.CasebookError):
            call()
    assert Request.objects.get(pk=r.pk).version == 2


def test_stale_form_is_refused_and_nothing_overwritten(world):
    r = services.request_accept(request=raise_request(world), by=world.staff, expected_version=1)
    services.request_reply(request=r, text="第一位的答复", by=world.staff, expected_version=2)
    with pytest.raises(services.StaleRequest):
        services.request_reply(
            request=r, text="第二位的答复", by=world.secretary_a, expected_version=2
        )
    r.refresh_from_db()
    assert r.reply == "第一位的答复" and r.version == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections at once need PostgreSQL"
)
def test_two_people_replying_at_once_on_postgresql(reference_data, world):
    r = services.request_accept(request=raise_request(world), by=world.staff, expected_version=1)
    barrier = threading.Barrier(2)
    outcomes = []

    def reply(user, text):
        try:
            barrier.wait()
            services.request_reply(request=r, text=text, by=user, expected_version=2)
            outcomes.append("ok")
        except services.StaleRequest:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=reply, args=(world.staff, "答复甲")),
        threading.Thread(target=reply, args=(world.secretary_a, "答复乙")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "stale"]
    r.refresh_from_db()
    assert r.version == 3 and r.reply in ("答复甲", "答复乙")
    assert r.events.filter(kind="replied").count() == 1


def test_overdue_is_marked_in_the_inbox_and_filtered(client, world):
    late = RequestFactory(
        household=world.household_a,
        status=S.IN_PROGRESS,
        due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    RequestFactory(household=world.household_a, status=S.IN_PROGRESS)
    RequestFactory(
        household=world.household_a,
        status=S.REPLIED,
        due_on=timezone.localdate() - datetime.timedelta(days=9),
    )
    client.force_login(world.secretary_a)
    response = client.get(reverse("casebook:inbox"), {"overdue": "true"})
    assert [r.pk for r in response.context["page"]] == [late.pk]
    # Exactly the late request carries the red badge (the filter's own label says 超期 too).
    assert response.content.decode().count("data-overdue") == 1


def test_new_request_past_its_accept_date_is_overdue(world):
    r = RequestFactory(
        household=world.household_a, accept_due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert r.is_overdue


def test_inbox_is_scoped_and_bounded(client, world, django_assert_max_num_queries):
    for _ in range(30):
        RequestFactory(household=HouseholdFactory(village=world.village_a))
    RequestFactory(household=world.household_b)
    client.force_login(world.secretary_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("casebook:inbox"))
    villages = {r.village_id for r in response.context["page"]}
    assert villages == {world.village_a.pk}


def test_member_inbox_shows_own_households_only(client, world):
    mine = RequestFactory(household=world.household_a)
    RequestFactory(household=world.household_a2)
    client.force_login(world.member_user)
    response = client.get(reverse("casebook:inbox"))
    assert [r.pk for r in response.context["page"]] == [mine.pk]


def test_timeline_page_is_bounded(client, world, django_assert_max_num_queries):
    r = raise_request(world)
    for i in range(20):
        r = services.request_assign(
            request=r,
            owner=world.staff if i % 2 else world.member_user,
            by=world.staff,
            expected_version=None,
        )
    client.force_login(world.staff)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("casebook:request-detail", args=[r.pk]))
    assert len(response.context["events"]) == 21


def test_member_may_reply_but_not_close_or_assign(client, world):
    r = services.request_accept(request=raise_request(world), by=world.staff, expected_version=1)
    client.force_login(world.member_user)
    page = client.get(reverse("casebook:request-detail", args=[r.pk]))
    assert set(page.context["forms"]) == {"note", "escalate", "reply"}
    response = client.post(
        reverse("casebook:request-action", args=[r.pk, "assign"]),
        {"version": 2, "owner": world.member_user.pk},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("casebook:request-action", args=[r.pk, "reply"]), {"version": 2, "text": "已修好"}
    )
    assert response.status_code == 302
    assert Request.objects.get(pk=r.pk).status == S.REPLIED


def test_stale_form_in_the_browser_says_so(client, world):
    r = services.request_accept(request=raise_request(world), by=world.staff, expected_version=1)
    services.request_note(request=r, by=world.staff, text="进展", expected_version=2)
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("casebook:request-action", args=[r.pk, "reply"]),
        {"version": 2, "text": "旧表单"},
        follow=True,
    )
    assert "已被他人修改" in response.content.decode()
    assert Request.objects.get(pk=r.pk).reply == ""


def test_reply_template_fills_the_reply_box(client, world):
    from casebook.models import ReplyTemplate

    r = services.request_accept(request=raise_request(world), by=world.staff, expected_version=1)
    template = ReplyTemplate.objects.create(
        title="路灯", text="路灯已更换，请确认。", category=r.category
    )
    client.force_login(world.staff)
    page = client.get(reverse("casebook:request-detail", args=[r.pk]), {"template": template.pk})
    assert page.context["forms"]["reply"].initial["text"] == "路灯已更换，请确认。"
    assert "路灯" in page.content.decode()


def test_remind_overdue_lists_owners(world, capsys):
    RequestFactory(
        household=world.household_a,
        owner=world.member_user,
        status=S.ACCEPTED,
        due_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    RequestFactory(household=world.household_a, owner=world.member_user, status=S.ACCEPTED)
    call_command("remind_overdue")
    out = capsys.readouterr().out
    assert f"{world.member_user.get_full_name() or world.member_user.username}: 1" in out


def test_remind_overdue_emails_owners_with_an_address(world, mailoutbox):
    world.member_user.email = "guo@example.org"
    world.member_user.save()
    RequestFactory(
        household=world.household_a,
        owner=world.member_user,
        status=S.NEW,
        accept_due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    call_command("remind_overdue", email=True)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["guo@example.org"]


def test_owner_candidates_are_the_villages_people_and_township_staff(world):
    from tests.factories import PartyMemberFactory, UserFactory

    retired = PartyMemberFactory(village=world.village_a, user=UserFactory(), is_active=False)
    other_village = PartyMemberFactory(village=world.village_b, user=UserFactory())
    request = RequestFactory(household=world.household_a)
    names = [u.username for u in services.owner_candidates(request)]
    assert names == sorted(
        [world.member_user.username, world.secretary_a.username, world.staff.username]
    )
    assert retired.user.username not in names and other_village.user.username not in names
    assert world.other_staff.username not in names and world.secretary_b.username not in names
