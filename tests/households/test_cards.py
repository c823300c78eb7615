"""Heart-link card sheets, card versions and the villager's page."""

import re

import pytest
from django.urls import reverse

from casebook import services
from casebook.models import Request
from households.models import Household
from infra.models import AccessLog, RateCounter
from members.models import Assignment
from tests.factories import HouseholdFactory, RequestFactory, category

pytestmark = pytest.mark.django_db


def print_sheet(client, **data):
    return client.post(reverse("households:cards-print"), data)


def test_village_sheet_has_every_card_with_its_member_and_qr(staff, world):
    response = print_sheet(staff, village=world.village_a.pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="lcard"') == 2
    assert world.household_a.head_name in html and world.member_a.name in html
    assert world.member_a.phone in html
    assert html.count("<svg") == 2
    assert f"/c/{world.household_a.card_token}/" in html
    assert world.household_a.card_code_display in html
    assert "政策宣传" in html and world.household_b.head_name not in html


def test_each_printing_writes_one_access_log_row_and_marks_cards(staff, world):
    print_sheet(staff, village=world.village_a.pk)
    log = AccessLog.objects.get(action="print_cards")
    assert (log.user, log.record_count) == (world.staff, 2)
    assert "白牙合村" in log.description
    assert set(
        Household.objects.filter(village=world.village_a).values_list(
            "card_printed_version", flat=True
        )
    ) == {1}


def test_a_sheet_holds_eight_cards_a_page(staff, world):
    for _ in range(15):
        HouseholdFactory(village=world.village_b)
    html = print_sheet(staff, village=world.village_b.pk).content.decode()
    assert html.count('class="sheet"') == 2 and html.count('class="lcard"') == 16


def test_reassigning_or_rotating_makes_the_printed_card_stale(staff, world):
    print_sheet(staff, village=world.village_a.pk)
    world.household_a.refresh_from_db()
    assert not world.household_a.card_is_stale
    old_token = world.household_a.card_token
    staff.post(reverse("households:card-rotate", args=[world.household_a.pk]))
    world.household_a.refresh_from_db()
    assert world.household_a.card_is_stale and world.household_a.card_token != old_token
    stale = staff.get(reverse("households:cards")).context["page"].object_list
    assert {h.pk for h in stale} == {world.household_a.pk, world.household_b.pk}  # b never printed
    html = print_sheet(staff, stale="on").content.decode()
    assert html.count('class="lcard"') == 2
    world.household_a.refresh_from_db()
    assert not world.household_a.card_is_stale


def test_rotated_token_shows_the_same_page_as_an_unknown_one(client, world):
    old_token = world.household_a.card_token
    client.force_login(world.staff)
    client.post(reverse("households:card-rotate", args=[world.household_a.pk]))
    client.logout()
    replaced = client.get(reverse("card", args=[old_token]))
    unknown = client.get(reverse("card", args=["x" * 22]))
    assert replaced.status_code == unknown.status_code == 404

    def without_csrf(response):
        text = response.content.decode().replace(old_token, "TOKEN").replace("x" * 22, "TOKEN")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert without_csrf(replaced) == without_csrf(unknown)
    assert world.household_a.head_name not in replaced.content.decode()
    world.household_a.refresh_from_db()
    assert client.get(reverse("card", args=[world.household_a.card_token])).status_code == 200


def test_tokens_are_long_random_and_not_the_id(world):
    tokens = [h.card_token for h in Household.objects.all()]
    assert all(len(t) >= 22 for t in tokens)
    assert len(set(tokens)) == len(tokens)
    assert not any(str(h.pk) == h.card_token for h in Household.objects.all())


def test_card_page_shows_the_member_and_only_this_households_requests(client, world):
    own = RequestFactory(household=world.household_a, description="我家的诉求")
    RequestFactory(household=world.household_a2, description="邻居家的诉求")
    response = client.get(reverse("card", args=[world.household_a.card_token]))
    page = response.content.decode()
    assert world.member_a.name in page and f'href="tel:{world.member_a.phone}"' in page
    assert "我家的诉求" in page and "邻居家的诉求" not in page
    assert world.household_a2.head_name not in page and world.member_a2.name not in page
    assert [r.pk for r in response.context["requests"]] == [own.pk]


def test_villager_raises_a_request_that_lands_in_the_inbox(client, world):
    response = client.post(
        reverse("card", args=[world.household_a.card_token]),
        {
            "category": category("infrastructure").pk,
            "description": "<b>水管</b>冻裂了",
            "contact_phone": "13812345678",
        },
    )
    assert response.status_code == 302
    request = Request.objects.get()
    assert (request.source, request.household, request.owner) == (
        "card",
        world.household_a,
        world.member_user,
    )
    event = request.events.get()
    assert event.actor is None and event.actor_label
    page = client.get(reverse("card", args=[world.household_a.card_token])).content.decode()
    assert "&lt;b&gt;水管&lt;/b&gt;冻裂了" in page  # shown as text, never as HTML
    client.force_login(world.member_user)
    inbox = client.get(reverse("casebook:inbox"))
    assert [r.pk for r in inbox.context["page"]] == [request.pk]


def test_bad_card_submission_is_refused_clearly(client, world):
    response = client.post(
        reverse("card", args=[world.household_a.card_token]),
        {"category": category().pk, "description": "x" * 501, "contact_phone": "123"},
    )
    text = response.content.decode()
    # The message itself, not the form's maxlength="500" attribute.
    assert "不超过 500 字符" in response.context["form"].errors["description"][0]
    assert "请输入11位手机号码" in text
    assert not Request.objects.exists()


def test_submissions_are_rate_limited_per_card(client, world, settings, rate_window):
    settings.CARD_SUBMIT_PER_TOKEN_PER_HOUR = 3
    url = reverse("card", args=[world.household_a.card_token])
    data = {"category": category().pk, "description": "路灯坏了"}
    codes = [client.post(url, data).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert Request.objects.count() == 3
    assert "操作过于频繁" in client.post(url, data).content.decode()
    # Counted where every worker and server sees it: the database, or Redis with REDIS_URL.
    if settings.REDIS_URL:
        from django.core.cache import cache

        client = cache._cache.get_client()
        assert not RateCounter.objects.exists()
        assert list(client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*:rl:*"))
    else:
        assert RateCounter.objects.exists()


def test_submissions_are_rate_limited_per_address_across_cards(
    client, world, settings, rate_window
):
    settings.CARD_SUBMIT_PER_IP_PER_HOUR = 2
    data = {"category": category().pk, "description": "路灯坏了"}
    assert (
        client.post(reverse("card", args=[world.household_a.card_token]), data).status_code == 302
    )
    assert (
        client.post(reverse("card", args=[world.household_b.card_token]), data).status_code == 302
    )
    assert (
        client.post(reverse("card", args=[world.household_a2.card_token]), data).status_code == 429
    )


def test_household_confirms_or_reopens_from_the_card_page(client, world):
    request = RequestFactory(household=world.household_a)
    request = services.request_accept(request=request, by=world.staff, expected_version=None)
    request = services.request_reply(
        request=request, text="已修好", by=world.staff, expected_version=None
    )
    url = reverse("card-confirm", args=[world.household_a.card_token, request.pk])
    client.post(url, {"solved": "no"})
    request.refresh_from_db()
    assert (request.status, request.satisfaction) == ("in_progress", "unsatisfied")
    assert request.events.order_by("-id").first().kind == "reopened"
    request = services.request_reply(
        request=request, text="已再次维修", by=world.staff, expected_version=None
    )
    client.post(url, {"solved": "yes"})
    request.refresh_from_db()
    assert (request.status, request.satisfaction) == ("closed", "satisfied")


def test_household_cannot_confirm_another_households_request(client, world):
    other = RequestFactory(household=world.household_a2, status="replied")
    response = client.post(
        reverse("card-confirm", args=[world.household_a.card_token, other.pk]), {"solved": "yes"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "replied"


def test_short_code_opens_the_card_page(client, world):
    code = world.household_a.card_code_display.lower()
    response = client.post(reverse("card-lookup"), {"code": code})
    assert response.url == reverse("card", args=[world.household_a.card_token])
    response = client.post(reverse("card-lookup"), {"code": "ZZZZZ-ZZZZZ"})
    assert "编码无效" in response.content.decode()


def test_retiring_a_member_makes_their_households_cards_stale(client, world):
    from members.services import member_retire

    Household.objects.update(card_printed_version=1)
    member_retire(member=world.member_a, reason="外出务工", by=world.staff)
    world.household_a.refresh_from_db()
    assert world.household_a.card_is_stale
    assert not Assignment.objects.filter(member=world.member_a, ended_on__isnull=True).exists()


def test_card_sheet_for_the_township_is_bounded_in_queries(
    staff, world, django_assert_max_num_queries
):
    for _ in range(40):
        HouseholdFactory(village=world.village_a)
    with django_assert_max_num_queries(15):
        response = print_sheet(staff)
    assert len(re.findall(r'class="lcard"', response.content.decode())) == 43


def test_housekeeping_of_short_windows_keeps_hourly_counters(
    client, world, settings, rate_window, monkeypatch
):
    """Cleaning up per-minute counters must not reset the per-hour card limit."""
    from infra import ratelimit

    settings.CARD_SUBMIT_PER_TOKEN_PER_HOUR = 2
    monkeypatch.setattr(ratelimit.random, "random", lambda: 0.0)  # housekeeping on every hit
    url = reverse("card", args=[world.household_a.card_token])
    data = {"category": category().pk, "description": "路灯坏了"}
    assert [client.post(url, data).status_code for _ in range(4)] == [302, 302, 429, 429]
