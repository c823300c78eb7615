"""factory-boy factories for every model, and the helpers every test file shares: the
`world` fixture's user for a role (`user_for`) and a time to travel to (`at`)."""

import datetime
import zoneinfo

import factory
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import AccountState
from casebook.models import (
    Duty,
    Meeting,
    MeetingKind,
    Pavilion,
    Request,
    RequestCategory,
    RequestEvent,
    RequestSource,
    Visit,
)
from households.models import (
    County,
    Household,
    Role,
    RoleKind,
    Township,
    Village,
    VillageGroup,
)
from infra.models import AccessLog
from members.models import Assignment, Gender, PartyMember

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, day: int = 28):
    """Travel to that time of November 2026 in Shanghai, the clock stopped (a context
    manager: `with at(23):`; as `traveller`, `.shift()` and `.move_to()` move it)."""
    return time_machine.travel(
        datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI), tick=False
    )


def user_for(world, role: str):
    """The `world` fixture's user for a role of tests/access_table.py's ROLES (None: not
    logged in)."""
    return {
        "anon": None,
        "staff": world.staff,
        "other": world.other_staff,
        "sec_a": world.secretary_a,
        "sec_b": world.secretary_b,
        "member": world.member_user,
        "admin": world.admin,
    }[role]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def account_state(obj, create, extracted, **kwargs):
        """A user who chose their own password today (pass account_state=False for none:
        a login an administrator just created)."""
        if create and extracted is not False:
            AccountState.objects.get_or_create(
                user=obj, defaults={"password_changed_at": timezone.now(), **kwargs}
            )


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County

    name = factory.Sequence(lambda n: f"测试县{n}")
    code = factory.Sequence(lambda n: f"c{n}")


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    name = factory.Sequence(lambda n: f"测试乡{n}")
    code = factory.Sequence(lambda n: f"t{n}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试村{n}")
    code = factory.Sequence(lambda n: f"v{n}")


# The groups the sequence numbers stay below this; a test that adds a group of its own with a
# fixed number takes this one, so the two never meet in a village (a fixed 977 once met the
# sequence when enough groups had been made before it in the run).
OWN_GROUP_NUMBER = 30000


class VillageGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillageGroup

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: n % (OWN_GROUP_NUMBER - 1) + 1)
    name = factory.LazyAttribute(lambda o: f"{o.number}社")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(VillageFactory)
    group = factory.SubFactory(VillageGroupFactory, village=factory.SelfAttribute("..village"))
    number = factory.Sequence(lambda n: f"01-{n:04d}")
    head_name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    latitude = factory.Faker("pydecimal", left_digits=2, right_digits=6, min_value=36, max_value=37)
    longitude = factory.Faker(
        "pydecimal", left_digits=3, right_digits=6, min_value=101, max_value=102
    )


class PartyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyMember

    village = factory.SubFactory(VillageFactory)
    name = factory.Faker("name", locale="zh_CN")
    gender = Gender.MALE
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    capacity = 8
    latitude = factory.Faker("pydecimal", left_digits=2, right_digits=6, min_value=36, max_value=37)
    longitude = factory.Faker(
        "pydecimal", left_digits=3, right_digits=6, min_value=101, max_value=102
    )


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    household = factory.SubFactory(HouseholdFactory)
    member = factory.SubFactory(
        PartyMemberFactory, village=factory.SelfAttribute("..household.village")
    )
    started_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    kind = RoleKind.SECRETARY
    village = factory.SubFactory(VillageFactory)
    township = None


class AccessLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessLog

    user = factory.SubFactory(UserFactory)
    action = "export_households"
    description = "households"
    record_count = 1


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    household = factory.SubFactory(HouseholdFactory)
    member = factory.SubFactory(
        PartyMemberFactory, village=factory.SelfAttribute("..household.village")
    )
    visited_on = factory.LazyFunction(timezone.localdate)
    notes = "入户走访"


def category(code: str = "other") -> RequestCategory:
    return RequestCategory.objects.get(code=code)


def duty(code: str = "policy") -> Duty:
    return Duty.objects.get(code=code)


class RequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Request

    household = factory.SubFactory(HouseholdFactory)
    village = factory.SelfAttribute("household.village")
    source = RequestSource.VISIT
    category = factory.LazyFunction(category)
    description = "巷道路灯坏了"
    created_at = factory.LazyFunction(timezone.now)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


class RequestEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestEvent

    request = factory.SubFactory(RequestFactory)
    kind = "created"
    to_status = "new"
    at = factory.LazyFunction(timezone.now)


class PavilionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pavilion

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"议事亭{n}")


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    pavilion = factory.SubFactory(PavilionFactory)
    village = factory.SelfAttribute("pavilion.village")
    kind = MeetingKind.DELIBERATION
    held_at = factory.LazyFunction(timezone.now)
    topic = "土豆收购"
