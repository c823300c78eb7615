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
STAFF_LEVEL = "302 200 200 200 200 404 200"  # anyone who sees whole villages
NOT_ALLOWED = "302 405 405 405 405 405 405"
PUBLIC = "200 200 200 200 200 200 200"
NOBODY = "404 404 404 404 404 404 404"
EVERYONE_405 = "405 405 405 405 405 405 405"
EVERYONE_403 = "403 403 403 403 403 403 403"
EVERYONE_302 = "302 302 302 302 302 302 302"
EVERYONE_301 = "301 301 301 301 301 301 301"


ROSTER_EDIT_A = "302 200 404 404 404 404 200"  # roster change on a village-A object
ROSTER_EDIT_X = "302 404 200 404 404 404 200"  # roster change on a township-X object
ROSTER_POST_A = "302 302 404 404 404 404 302"  # POST-only roster action, village A
ROSTER_POST_X = "302 404 302 404 404 404 302"
GET_ONLY = "302 405 405 405 405 405 405"
POST_ONLY = "302 405 405 405 405 405 405"
OWN_UPLOAD = "302 200 404 404 404 404 404"  # an upload is its uploader's alone


def _upload(kind):
    def make(world):
        from households.models import RosterUpload

        upload = RosterUpload.objects.create(
            kind=kind,
            uploaded_by=world.staff,
            filename="roster.csv",
            content="村,社,户号,户主姓名\n无此村,一社,01-001,张三\n".encode(),
        )
        return {"pk": upload.pk}

    return make


OWN_JOB = "302 200 404 404 404 404 404"  # a background job is its asker's alone
OWN_JOB_X = "302 404 200 404 404 404 404"


def _job(attr: str):
    """A finished households export of `world.<attr>`, its file on disk."""

    def make(world):
        from tests.jobs import finished_export

        return {"pk": finished_export(getattr(world, attr)).pk}

    return make


def _job_rows() -> list[Row]:
    return [
        Row(
            name,
            get=OWN_JOB,
            post=NOT_ALLOWED,
            kwargs=_job("staff"),
            get_out=OWN_JOB_X,
            post_out=NOT_ALLOWED,
            kwargs_out=_job("other_staff"),
        )
        for name in ("job", "job-status", "job-download")
    ]


def _roster_rows(app: str, obj_in: str, obj_out: str) -> list[Row]:
    def pk(attr):
        return lambda w: {"pk": getattr(w, attr).pk}

    return [
        Row(f"{app}:list", get=EVERYONE_IN, post=NOT_ALLOWED),
        Row(f"{app}:create", get=TOWNSHIP_ONLY, post=TOWNSHIP_ONLY),
        Row(f"{app}:export", get=TOWNSHIP_ONLY, post=NOT_ALLOWED),
        Row(f"{app}:import", get=TOWNSHIP_ONLY, post=TOWNSHIP_ONLY),
        Row(f"{app}:import-template", get=TOWNSHIP_ONLY, post=NOT_ALLOWED),
        Row(f"{app}:import-preview", get=OWN_UPLOAD, post=OWN_UPLOAD, kwargs=_upload(app)),
        Row(
            f"{app}:detail",
            get=VILLAGE_A,
            post=NOT_ALLOWED,
            kwargs=pk(obj_in),
            get_out=OTHER_TOWNSHIP,
            post_out=NOT_ALLOWED,
            kwargs_out=pk(obj_out),
        ),
        Row(
            f"{app}:edit",
            get=ROSTER_EDIT_A,
            post=ROSTER_EDIT_A,
            kwargs=pk(obj_in),
            get_out=ROSTER_EDIT_X,
            kwargs_out=pk(obj_out),
        ),
        Row(
            "members:household-retire" if app == "households" else f"{app}:retire",
            get=POST_ONLY,
            post=ROSTER_POST_A,
            kwargs=pk(obj_in),
            get_out=POST_ONLY,
            post_out=ROSTER_POST_X,
            kwargs_out=pk(obj_out),
        ),
    ]


def _phone_entry(world) -> dict:
    """One notebook entry as the phone's outbox sends it, for household_a."""
    from django.utils import timezone

    return {
        "client_id": "6f1c1f1e-3b57-4a8e-9a55-0d1d7f6c2a10",
        "household": world.household_a.pk,
        "visited_on": timezone.localdate().isoformat(),
        "channel": "in_person",
    }


def _cluster_on_agenda(world) -> dict:
    """A cluster of village A (none open: the step answers with a message) at its pavilion."""
    return {
        "group": world.household_a.group_id,
        "category": 1,
        "days": 14,
        "pavilion": world.pavilion_a().pk,
        "held_at": "2099-01-01T09:00",
    }


TABLE: list[Row] = [
    Row("home", get=EVERYONE_IN, post=NOT_ALLOWED),
    Row("healthz", get=PUBLIC, post=EVERYONE_405),
    # The installable site: the same files for everyone, naming nobody.
    Row("sw", get=PUBLIC, post=EVERYONE_405),
    Row("manifest", get=PUBLIC, post=EVERYONE_405),
    Row("offline", get=PUBLIC, post=EVERYONE_405),
    Row("favicon", get=EVERYONE_301, post=EVERYONE_301),
    Row("dashboard", get=STAFF_LEVEL, post=NOT_ALLOWED),
    # A county's townships: county staff (COUNTY_TABLE) and admins only.
    Row("dashboard-county", get="302 404 404 404 404 404 200", post=NOT_ALLOWED),
    Row("trends", get=STAFF_LEVEL, post=NOT_ALLOWED),
    Row("report", get=STAFF_LEVEL, post=NOT_ALLOWED),
    Row(
        "dashboard-village",
        get=VILLAGE_A_STAFF,
        post=NOT_ALLOWED,
        kwargs=lambda w: {"pk": w.village_a.pk},
        get_out=OTHER_TOWNSHIP,
        post_out=NOT_ALLOWED,
        kwargs_out=lambda w: {"pk": w.village_x.pk},
    ),
    Row("login", get="200 302 302 302 302 302 302", post="200 302 302 302 302 302 302"),
    Row("logout", get="405 405 405 405 405 405 405", post="302 302 302 302 302 302 302"),
    # One's own account (accounts.services). With no authenticator yet, the code page sends
    # to the set-up; the recovery codes, once shown, send home.
    Row("account-password", get=EVERYONE_IN, post=EVERYONE_IN),
    Row("account-two-factor", get=EVERYONE_302, post=EVERYONE_302),
    Row("account-two-factor-setup", get=EVERYONE_IN, post=EVERYONE_IN),
    Row("account-recovery-codes", get=EVERYONE_302, post=NOT_ALLOWED),
    *_job_rows(),
    *_roster_rows("households", "household_a", "household_x"),
    Row(
        "households:reinstate",
        get=POST_ONLY,
        post=ROSTER_POST_A,
        kwargs=lambda w: {"pk": w.household_a.pk},
        get_out=POST_ONLY,
        post_out=ROSTER_POST_X,
        kwargs_out=lambda w: {"pk": w.household_x.pk},
    ),
    Row(
        "households:sms-consent",
        get=POST_ONLY,
        post="302 302 404 302 404 302 302",
        kwargs=lambda w: {"pk": w.household_a.pk},
        get_out=POST_ONLY,
        post_out="302 404 302 404 404 404 302",
        kwargs_out=lambda w: {"pk": w.household_x.pk},
    ),
    Row("households:cards", get=TOWNSHIP_ONLY, post=NOT_ALLOWED),
    Row("households:cards-print", get=POST_ONLY, post=TOWNSHIP_ONLY),
    Row(
        "households:card-rotate",
        get=POST_ONLY,
        post=ROSTER_POST_A,
        kwargs=lambda w: {"pk": w.household_a.pk},
        get_out=POST_ONLY,
        post_out=ROSTER_POST_X,
        kwargs_out=lambda w: {"pk": w.household_x.pk},
    ),
    # The card's public page: open to everyone holding the token, and nothing else.
    Row(
        "card",
        get=PUBLIC,
        post=PUBLIC,
        kwargs=lambda w: {"token": w.household_a.card_token},
        get_out=NOBODY,
        post_out=NOBODY,
        kwargs_out=lambda w: {"token": "not-a-real-token-0123456789"},
    ),
    Row("card-lookup", get=PUBLIC, post=PUBLIC),
    Row(
        "card-confirm",
        get=EVERYONE_405,
        post=EVERYONE_302,
        kwargs=lambda w: {"token": w.household_a.card_token, "pk": w.request_a().pk},
        get_out=EVERYONE_405,
        post_out=NOBODY,
        kwargs_out=lambda w: {"token": w.household_a.card_token, "pk": w.request_x().pk},
    ),
    Row(
        "card-add",
        get=EVERYONE_405,
        post=EVERYONE_302,
        kwargs=lambda w: {"token": w.household_a.card_token, "pk": w.request_a().pk},
        get_out=EVERYONE_405,
        post_out=NOBODY,
        kwargs_out=lambda w: {"token": w.household_a.card_token, "pk": w.request_x().pk},
    ),
    Row(
        "card-voice",
        get=PUBLIC,
        post=EVERYONE_405,
        kwargs=lambda w: {"token": w.household_a.card_token, "pk": w.voice_a().pk},
        get_out=NOBODY,
        post_out=EVERYONE_405,
        kwargs_out=lambda w: {"token": w.household_a.card_token, "pk": w.voice_x().pk},
    ),
    Row(
        "card-sms",
        get=EVERYONE_405,
        post=EVERYONE_302,
        kwargs=lambda w: {"token": w.household_a.card_token},
        get_out=EVERYONE_405,
        post_out=NOBODY,
        kwargs_out=lambda w: {"token": "not-a-real-token-0123456789"},
    ),
    Row(
        "card-short",
        get=EVERYONE_302,
        post=EVERYONE_405,
        kwargs=lambda w: {"code": w.household_a.card_code},
        get_out=NOBODY,
        post_out=EVERYONE_405,
        kwargs_out=lambda w: {"code": "ZZZZZZZZZZ"},
    ),
    # Delivery receipts: only a provider holding the shared secret (none set here: refused).
    Row(
        "notify:receipt",
        get=EVERYONE_405,
        post=EVERYONE_403,
        kwargs=lambda w: {"provider": "aliyun", "secret": "wrong"},
    ),
    Row(
        "notify:reply",
        get=EVERYONE_405,
        post=EVERYONE_403,
        kwargs=lambda w: {"provider": "tencent", "secret": "wrong"},
    ),
    *_roster_rows("members", "member_a", "member_x"),
    # The pavilion: staff of the village manage; a member reads meetings they attended.
    Row("casebook:pavilions", get=STAFF_LEVEL, post=STAFF_LEVEL),
    Row(
        "casebook:pavilion-edit",
        get=VILLAGE_A_STAFF,
        post=VILLAGE_A_STAFF,
        kwargs=lambda w: {"pk": w.pavilion_a().pk},
        get_out=OTHER_TOWNSHIP,
        kwargs_out=lambda w: {"pk": w.pavilion_x().pk},
    ),
    Row("casebook:meetings", get=EVERYONE_IN, post=NOT_ALLOWED),
    Row("casebook:meeting-new", get=STAFF_LEVEL, post=STAFF_LEVEL),
    Row(
        "casebook:meeting-detail",
        get=VILLAGE_A,
        post=NOT_ALLOWED,
        kwargs=lambda w: {"pk": w.meeting_a().pk},
        get_out=OTHER_TOWNSHIP,
        post_out=NOT_ALLOWED,
        kwargs_out=lambda w: {"pk": w.meeting_x().pk},
    ),
    Row(
        "casebook:meeting-edit",
        get=VILLAGE_A_STAFF,
        post=VILLAGE_A_STAFF,
        kwargs=lambda w: {"pk": w.meeting_a().pk},
        get_out=OTHER_TOWNSHIP,
        kwargs_out=lambda w: {"pk": w.meeting_x().pk},
    ),
    Row(
        "casebook:meeting-agreement",
        get=VILLAGE_A,
        post=NOT_ALLOWED,
        kwargs=lambda w: {"pk": w.mediation_a().pk},
        get_out=OTHER_TOWNSHIP,
        post_out=NOT_ALLOWED,
        kwargs_out=lambda w: {"pk": w.mediation_x().pk},
    ),
    Row(
        "casebook:cluster-agenda",
        get=POST_ONLY,
        post="302 302 404 302 404 404 302",  # the pavilion: village A's, managed by its staff
        post_data=_cluster_on_agenda,
    ),
    Row(
        "casebook:meeting-close",
        get=POST_ONLY,
        post="302 302 404 302 404 404 302",
        kwargs=lambda w: {"pk": w.meeting_a().pk},
        get_out=POST_ONLY,
        post_out="302 404 302 404 404 404 302",
        kwargs_out=lambda w: {"pk": w.meeting_x().pk},
    ),
    # The assignment board: staff of the village (secretary, township, admin).
    Row("members:board-index", get="302 302 302 302 302 404 302", post=NOT_ALLOWED),
    Row(
        "members:board",
        get=VILLAGE_A_STAFF,
        post=NOT_ALLOWED,
        kwargs=lambda w: {"village_pk": w.village_a.pk},
        get_out=OTHER_TOWNSHIP,
        post_out=NOT_ALLOWED,
        kwargs_out=lambda w: {"village_pk": w.village_x.pk},
    ),
    Row(
        "members:board-assign",
        get=POST_ONLY,
        post="302 302 404 302 404 404 302",
        kwargs=lambda w: {"village_pk": w.village_a.pk},
        get_out=POST_ONLY,
        post_out="302 404 302 404 404 404 302",
        kwargs_out=lambda w: {"village_pk": w.village_x.pk},
    ),
    Row(
        "members:proposal",
        get=VILLAGE_A_STAFF,
        post=VILLAGE_A_STAFF,
        kwargs=lambda w: {"village_pk": w.village_a.pk},
        get_out=OTHER_TOWNSHIP,
        kwargs_out=lambda w: {"village_pk": w.village_x.pk},
    ),
    Row(
        "members:household-link",
        get=VILLAGE_A_STAFF,
        post=VILLAGE_A_STAFF,
        kwargs=lambda w: {"pk": w.household_a.pk},
        get_out=OTHER_TOWNSHIP,
        kwargs_out=lambda w: {"pk": w.household_x.pk},
    ),
    Row(
        "casebook:member-handover",
        get=VILLAGE_A_STAFF,
        post=VILLAGE_A_STAFF,
        kwargs=lambda w: {"pk": w.member_a.pk},
        get_out=OTHER_TOWNSHIP,
        kwargs_out=lambda w: {"pk": w.member_x.pk},
    ),
    # The casebook. A member may record visits and requests for their own households.
    Row("casebook:due", get=EVERYONE_IN, post=NOT_ALLOWED),
    Row("casebook:notebook", get=EVERYONE_IN, post=NOT_ALLOWED),
    Row("casebook:visit-new", get=EVERYONE_IN, post=EVERYONE_IN),
    # The phone's outbox: 201 recorded; 422 refused with a message (not the user's household).
    Row(
        "casebook:visit-sync",
        get=GET_ONLY,
        post="302 201 422 201 422 201 201",
        post_data=_phone_entry,
    ),
    Row(
        "casebook:visit-edit",
        get=VILLAGE_A,
        post=VILLAGE_A,
        kwargs=lambda w: {"pk": w.visit_a().pk},
        get_out=OTHER_TOWNSHIP,
        kwargs_out=lambda w: {"pk": w.visit_x().pk},
    ),
    Row("casebook:inbox", get=EVERYONE_IN, post=NOT_ALLOWED),
    Row("casebook:request-new", get=EVERYONE_IN, post=EVERYONE_IN),
    Row(
        "casebook:request-detail",
        get=VILLAGE_A,
        post=NOT_ALLOWED,
        kwargs=lambda w: {"pk": w.request_a().pk},
        get_out=OTHER_TOWNSHIP,
        post_out=NOT_ALLOWED,
        kwargs_out=lambda w: {"pk": w.request_x().pk},
    ),
    Row(
        "casebook:voice",
        get=VILLAGE_A,
        post=NOT_ALLOWED,
        kwargs=lambda w: {"pk": w.voice_a().pk},
        get_out=OTHER_TOWNSHIP,
        post_out=NOT_ALLOWED,
        kwargs_out=lambda w: {"pk": w.voice_x().pk},
    ),
    Row(
        "casebook:request-action",
        get=GET_ONLY,
        post="302 302 404 302 404 302 302",
        kwargs=lambda w: {"pk": w.request_a().pk, "action": "accept"},
        get_out=POST_ONLY,
        post_out="302 404 302 404 404 404 302",
        kwargs_out=lambda w: {"pk": w.request_x().pk, "action": "accept"},
    ),
]

# URL names that are not ours to test here: Django admin has its own permission system
# (tests/liaison/test_access.py checks that only superusers get in), set_language is public.
EXEMPT_PREFIXES = ("admin:", "set_language")


# --- A login with roles in two villages -------------------------------------------------
# `dual` (tests/conftest.py) is the secretary of village A and a party member in village B,
# linked there to one household (dual_household). Village A is theirs to manage; in
# village B they see their own household as its member and manage nothing. A rule that
# let any secretary manage any village they can see fails these rows.


@dataclass(frozen=True)
class DualRow:
    name: str
    kwargs: Callable
    get: int
    post: int


def _pk(attr):
    return lambda w: {"pk": getattr(w, attr).pk}


def _village(attr):
    return lambda w: {"village_pk": getattr(w, attr).pk}


def _request_action(household, action):
    def make(w):
        from tests.factories import RequestFactory

        return {"pk": RequestFactory(household=getattr(w, household)).pk, "action": action}

    return make


DUAL_TABLE: list[DualRow] = [
    DualRow("households:detail", _pk("household_a"), 200, 405),
    DualRow("households:detail", _pk("dual_household"), 200, 405),
    DualRow("households:detail", _pk("household_b"), 404, 405),
    DualRow("members:household-link", _pk("household_a"), 200, 200),
    DualRow("members:household-link", _pk("dual_household"), 404, 404),
    DualRow("members:board", _village("village_a"), 200, 405),
    DualRow("members:board", _village("village_b"), 404, 405),
    DualRow("members:board-assign", _village("village_b"), 405, 404),
    DualRow("members:proposal", _village("village_b"), 404, 404),
    DualRow("dashboard-village", _pk("village_a"), 200, 405),
    DualRow("dashboard-village", _pk("village_b"), 404, 405),
    DualRow("casebook:member-handover", _pk("member_a"), 200, 200),
    DualRow("casebook:member-handover", _pk("dual_member"), 404, 404),
    DualRow("casebook:request-action", _request_action("household_a", "close"), 405, 302),
    DualRow("casebook:request-action", _request_action("dual_household", "accept"), 405, 302),
    DualRow("casebook:request-action", _request_action("dual_household", "close"), 405, 404),
    DualRow("casebook:request-action", _request_action("household_b", "accept"), 405, 404),
    DualRow("members:detail", _pk("dual_member"), 200, 405),
    DualRow("members:edit", _pk("dual_member"), 404, 404),
]


# County staff of township A's county (`world.county_staff`): they see every village of the
# county and change nothing in it; the other township lies in another county. Per URL of
# TABLE: "GET POST" for its object in village A, then "GET POST" for its object out of
# scope where the row has one. Reads answer 200, every change 404 (or 405), and nothing of
# another county exists for them.
COUNTY_TABLE: dict[str, str] = {
    "home": "200 405",
    "healthz": "200 405",
    "sw": "200 405",
    "manifest": "200 405",
    "offline": "200 405",
    "favicon": "301 301",
    "dashboard": "200 405",
    "dashboard-county": "200 405",
    "trends": "200 405",
    "report": "200 405",
    "dashboard-village": "200 405 404 405",
    "login": "302 302",
    "logout": "405 302",
    "account-password": "200 200",
    "account-two-factor": "302 302",
    "account-two-factor-setup": "200 200",
    "account-recovery-codes": "302 405",
    "job": "404 405 404 405",
    "job-status": "404 405 404 405",
    "job-download": "404 405 404 405",
    "households:list": "200 405",
    "households:create": "404 404",
    "households:export": "404 405",
    "households:import": "404 404",
    "households:import-template": "404 405",
    "households:import-preview": "404 404",
    "households:detail": "200 405 404 405",
    "households:edit": "404 404 404 404",
    "households:sms-consent": "405 404 405 404",
    "members:household-retire": "405 404 405 404",
    "households:reinstate": "405 404 405 404",
    "households:cards": "404 405",
    "households:cards-print": "405 404",
    "households:card-rotate": "405 404 405 404",
    "card": "200 200 404 404",
    "card-lookup": "200 200",
    "card-sms": "405 302 405 404",
    "card-short": "302 405 404 405",
    "notify:receipt": "405 403",
    "notify:reply": "405 403",
    "card-confirm": "405 302 405 404",
    "card-add": "405 302 405 404",
    "card-voice": "200 405 404 405",
    "members:list": "200 405",
    "members:create": "404 404",
    "members:export": "404 405",
    "members:import": "404 404",
    "members:import-template": "404 405",
    "members:import-preview": "404 404",
    "members:detail": "200 405 404 405",
    "members:edit": "404 404 404 404",
    "members:retire": "405 404 405 404",
    "casebook:pavilions": "200 404",
    "casebook:pavilion-edit": "404 404 404 404",
    "casebook:meetings": "200 405",
    "casebook:meeting-new": "404 404",
    "casebook:meeting-detail": "200 405 404 405",
    "casebook:meeting-edit": "404 404 404 404",
    "casebook:meeting-agreement": "200 405 404 405",
    "casebook:cluster-agenda": "405 404",
    "casebook:meeting-close": "405 404 405 404",
    "members:board-index": "404 405",
    "members:board": "404 405 404 405",
    "members:board-assign": "405 404 405 404",
    "members:proposal": "404 404 404 404",
    "members:household-link": "404 404 404 404",
    "casebook:member-handover": "404 404 404 404",
    "casebook:due": "200 405",
    "casebook:notebook": "200 405",
    "casebook:visit-new": "404 404",
    "casebook:visit-sync": "405 404",
    "casebook:visit-edit": "404 404 404 404",
    "casebook:inbox": "200 405",
    "casebook:request-new": "404 404",
    "casebook:request-detail": "200 405 404 405",
    "casebook:voice": "200 405 404 405",
    "casebook:request-action": "405 404 405 404",
}
