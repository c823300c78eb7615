"""Heart-link cards: what each card says, and its QR code as inline SVG (segno)."""

import segno
from django.conf import settings
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.urls import reverse

from households.models import CardQRCode, Household

BATCH = 500

# What a card prints (templates/jinja2/households/_card_sheets.html) and what marking it
# printed compares (services.cards_mark_printed).
CARD_FIELDS = (
    "number",
    "head_name",
    "card_token",
    "card_code",
    "card_version",
    "card_printed_version",
)


def card_households(households: QuerySet[Household]) -> QuerySet[Household]:
    """Households with their member's name and phone, in one query, in print order.

    The member comes through one join on the household's open link (at most one, a
    constraint says so), not two subqueries a card: a sheet is a whole village. The
    village's and township's names are columns of the row, not two more model instances
    a card.
    """
    return (
        households.annotate(
            open_link=FilteredRelation(
                "assignments", condition=Q(assignments__ended_on__isnull=True)
            ),
            member_name=F("open_link__member__name"),
            member_phone=F("open_link__member__phone"),
            village_name=F("village__name"),
            township_name=F("village__township__name"),
        )
        .only(*CARD_FIELDS)
        .order_by("village__code", "group__number", "number")
    )


def public_url(request, path: str) -> str:
    """An address villagers can reach: PUBLIC_BASE_URL if set, else the one staff are using."""
    base = settings.PUBLIC_BASE_URL or f"{request.scheme}://{request.get_host()}"
    return base + path


def card_url(request, household: Household) -> str:
    return public_url(request, reverse("card", args=[household.card_token]))


def card_urls(request, households: list[Household]) -> list[str]:
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
