"""Heart-link cards: what each card says, and its QR code as inline SVG (segno)."""

from dataclasses import dataclass

import segno
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from households import hooks
from households.models import CardQRCode, Household, format_card_code

BATCH = 500


@dataclass(slots=True)
class Card:
    """One card of a sheet: what it prints (households/jinja2/households/_card_sheets.html),
    the versions that marking it printed compares (services.cards_mark_printed), and the
    address and QR code the view adds."""

    pk: int
    number: str
    head_name: str
    card_token: str
    card_code: str
    card_version: int
    card_printed_version: int | None
    member_name: str | None
    member_phone: str | None
    village_name: str
    township_name: str
    card_url: str = ""
    qr: str = ""

    @property
    def card_code_display(self) -> str:
        return format_card_code(self.card_code)


def card_rows(households: QuerySet[Household]) -> list[Card]:
    """The cards of these households, in print order, in one query.

    The member comes through one join on the household's open link (at most one, a
    constraint says so; members lends it: households.hooks), not two subqueries a card: a
    sheet is a whole village. The rows are plain values, not model instances (a third of
    the time for a village's 330 cards).
    """
    rows = (
        hooks.links()
        .with_member(households)
        .order_by("village__code", "group__number", "number")
        .values_list(
            "pk",
            "number",
            "head_name",
            "card_token",
            "card_code",
            "card_version",
            "card_printed_version",
            "member_name",
            "member_phone",
            "village__name",
            "village__township__name",
        )
    )
    return [Card(*row) for row in rows]


def public_url(request, path: str) -> str:
    """An address villagers can reach: PUBLIC_BASE_URL if set, else the one staff are using."""
    base = settings.PUBLIC_BASE_URL or f"{request.scheme}://{request.get_host()}"
    return base + path


def card_url(request, household: Household) -> str:
    return public_url(request, reverse("card", args=[household.card_token]))


def card_urls(request, households: list[Card]) -> list[str]:
    """card_url() for a sheet of cards: the address is reversed once, not once a card."""
    head, tail = public_url(request, reverse("card", args=["TOKEN"])).split("TOKEN")
    return [f"{head}{h.card_token}{tail}" for h in households]


def _draw(url: str) -> str:
    # A fixed mask skips segno's search over eight masks (3x faster, still a valid code).
    qr = segno.make(url, error="m", micro=False, mask=2, boost_error=False)
    return qr.svg_inline(scale=2, border=2, svgclass="qr", lineclass=None, omitsize=True)


def qr_svgs(urls: list[str]) -> list[str]:
    """QR codes as inline <svg>: read the ones drawn before, draw and keep the others.

    A few queries per sheet, whatever its size (reads and inserts in batches).
    """
    known = {}
    for start in range(0, len(urls), BATCH):
        chunk = urls[start : start + BATCH]
        known.update(CardQRCode.objects.filter(url__in=chunk).values_list("url", "svg"))
    drawn = {url: _draw(url) for url in dict.fromkeys(urls) if url not in known}
    CardQRCode.objects.bulk_create(
        [CardQRCode(url=url, svg=svg) for url, svg in drawn.items()],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    known.update(drawn)
    return [known[url] for url in urls]
