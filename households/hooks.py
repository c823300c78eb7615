"""What the floors above lend the registry, each registering here from its AppConfig.ready().

households scopes, lists and shows households by their liaison member, yet the members and
their links live a floor up (members) and the notebook, requests and meetings two floors up
(casebook). Rather than reach up for them through Django's model registry (which
tests/test_layers.py refuses), it asks what was registered here:

- members registers `Links` (`register_links`): the open member–household links, as
  `members.selectors.open_links` reads them, the same joined to whole sheets of households,
  and the active member a login is;
- members and casebook register sections of the household page
  (`register_household_page_section`): the household's links (`current`, `assignments`)
  from members; its notebook entries, requests and meetings (`visits`, `requests`,
  `meetings`) from casebook.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet


@dataclass(frozen=True)
class Links:
    # The open links: rows with household_id, member_id, member__name, member__phone and
    # member__user_id (at most one a household: a constraint says so).
    open_links: Callable[[], QuerySet]
    # Households annotated with `member_name` and `member_phone`, their open link's member
    # (None: no member), through one join: for pages that list a whole village.
    with_member: Callable[[QuerySet], QuerySet]
    # The active member a login is, as (member id, village id); None if it is none.
    member_of: Callable[[int], tuple[int, int] | None]


# A section of the household page: the household in, context for the template out.
HouseholdPageSection = Callable[[Any], dict[str, Any]]

_links: Links | None = None
_household_page_sections: list[HouseholdPageSection] = []


def register_links(links: Links) -> None:
    global _links
    _links = links


def links() -> Links:
    if _links is None:
        raise ImproperlyConfigured("No app registered the links (members, in INSTALLED_APPS).")
    return _links


def register_household_page_section(section: HouseholdPageSection) -> None:
    if section not in _household_page_sections:
        _household_page_sections.append(section)


def household_page_sections() -> list[HouseholdPageSection]:
    return list(_household_page_sections)
