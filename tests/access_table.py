"""The access table: every URL of the project, every role, in scope and out of scope.

Each row names a URL and what each role gets, GET and POST, for an object in village A of
township A (`kwargs`) and for an object of another township (`kwargs_out`). Codes are listed
in ROLES order. A new URL without a row here fails tests/liaison/test_access.py.

Roles, from tests/conftest.py's `world`:
  anon        not logged in
  staff       township staff of township A (villages A and B)
  other       township staff of another township (village X)
  sec_a       secretary of village A
  sec_b       secretary of village B (same township)
  member      party member of village A, linked to household_a only
  admin       superuser
"""

from collections.abc import Callable
from dataclasses import dataclass

ROLES = ("anon", "staff", "other", "sec_a", "sec_b", "member", "admin")


def codes(spec: str) -> dict[str, int]:
    values = [int(v) for v in spec.split()]
    assert len(values) == len(ROLES), spec
    return dict(zip(ROLES, values, strict=True))


@dataclass(frozen=True)
class Row:
    name: str
    get: str
    post: str
    kwargs: Callable | None = None
    get_out: str | None = None
    post_out: str | None = None
    kwargs_out: Callable | None = None
    post_data: Callable | None = None


#                        anon staff other sec_a sec_b member admin
EVERYONE_IN = "302 200 200 200 200 200 200"
VILLAGE_A = "302 200 404 200 404 200 200"  # an object of village A the member is linked to
VILLAGE_A_STAFF = "302 200 404 200 404 404 200"  # village A, staff level only
OTHER_TOWNSHIP = "302 404 200 404 404 404 200"  # an object of township X
TOWNSHIP_ONLY = "302 200 200 404 404 404 200"  # township staff and admins
NOT_ALLOWED = "302 405 405 405 405 405 405"

TABLE: list[Row] = [
    Row("home", get=EVERYONE_IN, post=NOT_ALLOWED),
    Row("login", get="200 302 302 302 302 302 302", post="200 302 302 302 302 302 302"),
    Row("logout", get="405 405 405 405 405 405 405", post="302 302 302 302 302 302 302"),
]

# URL names that are not ours to test here: Django admin has its own permission system
# (tests/liaison/test_access.py checks that only superusers get in), set_language is public.
EXEMPT_PREFIXES = ("admin:", "set_language")
