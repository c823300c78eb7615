"""Every rate limit of the card pages, lowered and hit, and each default hit as it ships.

(The per-card and per-address submission limits are in test_cards.py; the log-in lockout
in tests/liaison/test_security.py and, for the second factor, test_accounts.py.)
"""

import time

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _window(rate_window):
    """Counters are per clock window: keep clear of its edge. The clock also stands still in
    the middle of a minute, so that a test's 61 views fall in one minute however busy the
    machine (the parallel suite on two shared cores took longer than that)."""
    now = time.time()
    with time_machine.travel(now - now % 60 + 30, tick=False):
        yield


def test_card_page_views_are_limited_per_address(client, world, settings):
    settings.CARD_VIEWS_PER_IP_PER_MINUTE = 3
    url = reverse("card", args=[world.household_a.card_token])
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "操作过于频繁" in client.get(url).content.decode()


def test_card_page_views_limit_as_shipped_is_sixty_a_minute(client, world):
    url = reverse("card", args=[world.household_a.card_token])
    codes = [client.get(url).status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429


def test_typed_card_codes_are_limited_per_address(client, world, settings):
    settings.CARD_CODE_PER_IP_PER_MINUTE = 2
    url = reverse("card-lookup")
    codes = [client.post(url, {"code": "ABCDE-23456"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    # Even the right code waits out the window: guessing gains nothing.
    right = client.post(url, {"code": world.household_a.card_code})
    assert right.status_code == 429


def test_typed_card_codes_limit_as_shipped_is_ten_a_minute(client, world):
    url = reverse("card-lookup")
    codes = [client.post(url, {"code": "ABCDE-23456"}).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]


def test_card_submissions_limit_as_shipped(client, world):
    from tests.factories import category

    url = reverse("card", args=[world.household_a.card_token])
    data = {"category": category().pk, "description": "路灯坏了"}
    assert [client.post(url, data).status_code for _ in range(6)] == [302] * 5 + [429]
