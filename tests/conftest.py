import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models.signals import post_migrate
from django.test import Client

from accounts.services import VERIFIED_SESSION_KEY
from households.models import RoleKind
from tests import redis_keys
from tests.factories import (
    AssignmentFactory,
    CountyFactory,
    HouseholdFactory,
    MeetingFactory,
    PartyMemberFactory,
    PavilionFactory,
    RequestFactory,
    RoleFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    VisitFactory,
    at,
    category,
)


class VerifiedClient(Client):
    """A test client whose force_login has also passed the second factor.

    Staff logins must pass a TOTP code after their password (accounts.services); the
    middleware reads that from the session, as the two-factor page leaves it. Tests of
    the two-factor step itself use `plain_client`, which logs in without it.
    """

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        session = self.session
        session[VERIFIED_SESSION_KEY] = "tests.conftest"
        session.save()


@pytest.fixture(autouse=True)
def _job_files(settings, tmp_path):
    """Background jobs' files go to the test's own directory."""
    settings.JOB_FILES_DIR = tmp_path / "job-files"


@pytest.fixture(autouse=True)
def _sms_outbox():
    """Text messages go to the memory backend (tests/settings.py), emptied for each test."""
    from notify.backends import MemoryBackend

    MemoryBackend.reset()
    yield MemoryBackend
    MemoryBackend.reset()


@pytest.fixture
def client():
    return VerifiedClient()


@pytest.fixture
def plain_client():
    return Client()


@pytest.fixture
def staff(client, world):
    """The client, logged in as township A's staff (`world.staff`)."""
    client.force_login(world.staff)
    return client


@pytest.fixture
def noon():
    """Noon of 28 November 2026 in Shanghai, the clock stopped; the test moves it."""
    with at(12) as traveller:
        yield traveller


@pytest.fixture
def world(db):
    """Two townships; township A has villages A1 and A2, each with a linked household.

    Every role of the README's access table has a user here, so that each boundary can be
    tested both ways.
    """

    class World:
        pass

    w = World()
    w.county = CountyFactory(name="互助县", code="huzhu-test")
    w.other_county = CountyFactory(name="乐都区", code="ledu-test")
    w.township = TownshipFactory(name="东山乡", code="dongshan-test", county=w.county)
    w.other_township = TownshipFactory(name="西山乡", code="xishan-test", county=w.other_county)
    w.village_a = VillageFactory(township=w.township, name="白牙合村", code="a1")
    w.village_b = VillageFactory(township=w.township, name="东山村", code="a2")
    w.village_x = VillageFactory(township=w.other_township, name="外乡村", code="x1")
    w.household_a = HouseholdFactory(village=w.village_a, head_name="董文祥")
    w.household_a2 = HouseholdFactory(village=w.village_a, head_name="李成林")
    w.household_b = HouseholdFactory(village=w.village_b, head_name="王秀兰")
    w.household_x = HouseholdFactory(village=w.village_x, head_name="马海军")
    w.member_user = UserFactory(username="member")
    w.member_a = PartyMemberFactory(village=w.village_a, name="郭有德", user=w.member_user)
    w.member_b = PartyMemberFactory(village=w.village_b, name="祁清平")
    w.member_a2 = PartyMemberFactory(village=w.village_a, name="李明")
    w.member_x = PartyMemberFactory(village=w.village_x, name="赵国建")
    w.assignment_a = AssignmentFactory(household=w.household_a, member=w.member_a)
    w.assignment_a2 = AssignmentFactory(household=w.household_a2, member=w.member_a2)
    w.assignment_b = AssignmentFactory(household=w.household_b, member=w.member_b)
    w.assignment_x = AssignmentFactory(household=w.household_x, member=w.member_x)
    w.admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    w.staff = UserFactory(username="staff")
    RoleFactory(user=w.staff, kind=RoleKind.TOWNSHIP, township=w.township, village=None)
    w.other_staff = UserFactory(username="other-staff")
    RoleFactory(user=w.other_staff, kind=RoleKind.TOWNSHIP, township=w.other_township, village=None)
    w.secretary_a = UserFactory(username="sec-a")
    RoleFactory(user=w.secretary_a, village=w.village_a)
    w.secretary_b = UserFactory(username="sec-b")
    RoleFactory(user=w.secretary_b, village=w.village_b)
    # County staff of township A's county: they see its villages and change nothing there.
    w.county_staff = UserFactory(username="county")
    RoleFactory(user=w.county_staff, kind=RoleKind.COUNTY, county=w.county, village=None)
    # Lazily made objects of the casebook, for the access table.
    w.visit_a = lambda: VisitFactory(
        household=w.household_a, member=w.member_a, recorded_by=w.member_user
    )
    w.visit_x = lambda: VisitFactory(household=w.household_x, member=w.member_x)
    w.request_a = lambda: RequestFactory(household=w.household_a)
    w.request_x = lambda: RequestFactory(household=w.household_x)
    w.voice_a = lambda: voice_note(w.household_a)
    w.voice_x = lambda: voice_note(w.household_x)
    w.pavilion_a = lambda: PavilionFactory(village=w.village_a)
    w.pavilion_x = lambda: PavilionFactory(village=w.village_x)

    def meeting_a():
        meeting = MeetingFactory(pavilion=w.pavilion_a(), status="planned")
        meeting.attendee_members.add(w.member_a)  # the member may read what they attended
        return meeting

    w.meeting_a = meeting_a

    def mediation_a():
        meeting = MeetingFactory(pavilion=w.pavilion_a(), kind="mediation")
        meeting.parties.add(w.household_a, w.household_a2)
        meeting.attendee_members.add(w.member_a)
        return meeting

    w.mediation_a = mediation_a
    w.mediation_x = lambda: MeetingFactory(pavilion=w.pavilion_x(), kind="mediation")
    w.meeting_x = lambda: MeetingFactory(pavilion=w.pavilion_x(), status="planned")
    return w


VOICE = Path(__file__).parent / "casebook" / "fixtures" / "voice-3s.webm"


def voice_note(household):
    """A matter raised by voice from the card page (a real 3 s recording from Chromium)."""
    from casebook import services
    from casebook.models import RequestSource

    request = services.request_raise(
        household=household,
        category=category(),
        description="",
        source=RequestSource.CARD,
        voice=VOICE.read_bytes(),
    )
    return request.voice_notes.get()


@pytest.fixture
def dual(world):
    """`world` plus a login with roles in two villages: secretary of village A, party member
    in village B linked to one household there (tests/access_table.py, DUAL_TABLE)."""
    world.dual = UserFactory(username="dual")
    RoleFactory(user=world.dual, village=world.village_a)
    world.dual_member = PartyMemberFactory(village=world.village_b, name="韩德明", user=world.dual)
    world.dual_household = HouseholdFactory(village=world.village_b, head_name="吕桂英")
    AssignmentFactory(household=world.dual_household, member=world.dual_member)
    return world


# The data migrations' functions that write reference rows, in migration order.
REFERENCE_SEEDS = (
    ("casebook.migrations.0002_seed_duties_and_categories", "seed"),
    ("casebook.migrations.0004_seed_reply_templates", "seed"),
    ("casebook.migrations.0009_request_rating_and_urgent_categories", "mark_urgent"),
)


def _seed_reference_rows() -> None:
    for module, function in REFERENCE_SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)


def _reference_rows_after_flush(sender, **kwargs):
    """A transactional test ends by flushing the database, and the flush sends post_migrate
    (Django puts content types back that way): the rows the data migrations seed come back
    too. pytest-django runs transactional tests after the others, but a parallel run
    (pytest-xdist) gives each process whole files, so a test that reads a category may come
    after a flush in the same process."""
    if sender.label == "casebook":
        _seed_reference_rows()


post_migrate.connect(_reference_rows_after_flush, dispatch_uid="tests.reference_rows_after_flush")

# The worker's poll of new events (notify.feeds) is queued by every migrate and flush; in
# tests it would be one more task in every test's queue. tests/jobs.run_tasks makes its
# pass itself, as the worker would before the tasks the pass queues; the poll's own task
# is tested in tests/notify/test_feeds.py.
post_migrate.disconnect(sender=apps.get_app_config("notify"), dispatch_uid="notify.start_polling")


@pytest.fixture
def reference_data(transactional_db):
    """The rows data migrations seed (duties, categories, reply templates).

    A transactional test flushes the database afterwards; this puts them back for the next.
    """
    _seed_reference_rows()


@pytest.fixture
def rate_window():
    """Rate limits count per clock hour: keep a test clear of the hour's edge."""
    import time

    left = 3600 - time.time() % 3600
    if left < 120:  # the slowest of these tests takes about 15 s
        time.sleep(left + 1)


@pytest.fixture(autouse=True)
def _redis_emptied():
    """With REDIS_URL set, each test starts with none of this run's keys in Redis (rate
    counters and cached figures would otherwise outlive the test's rolled-back rows)."""
    redis_keys.forget()
