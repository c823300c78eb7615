"""The seeded demo of Dongshan Township (东山乡): the `seed_demo` contract of the README.

Deterministic for a given seed and day: every village draws from its own random generator, so
the same seed gives the same names, places, links, visits and requests. Dates are anchored on
the day of seeding (six months back from today), so "this month" always has data.

Everything is written with bulk inserts, village by village, so memory stays bounded at large
scales. `--scale N` seeds a prefecture of N townships shaped like Dongshan (the first is
Dongshan itself, with the demo users): data grows, villages keep their real size.
"""

import datetime
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AccountState
from base.dates import add_months, month_start
from base.pinyin import search_key
from casebook.models import (
    OPEN_STATUSES,
    Duty,
    EscalationLevel,
    EventKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Pavilion,
    Request,
    RequestCategory,
    RequestEvent,
    RequestSource,
    RequestStatus,
    Sanitation,
    Satisfaction,
    Visit,
    VisitChannel,
)
from households.models import (
    County,
    Household,
    Role,
    RoleKind,
    Township,
    Village,
    VillageGroup,
    new_card_token,
)
from infra import cache
from members.models import Assignment, Gender, PartyMember
from notify import feeds

TOWNSHIP_CODE = "dongshan"
TOWNSHIP_NAME = "东山乡"
COUNTY_CODE = "huzhu"
COUNTY_NAME = "互助土族自治县"
# A prefecture's (--scale N) first townships that stand in the county.
PREFECTURE_COUNTY_SIZE = 20

# Huzhu's other townships (check the current list with the county before real use).
COUNTY_TOWNSHIPS = [
    ("weiyuan", "威远镇"),
    ("danma", "丹麻镇"),
    ("gaozhai", "高寨镇"),
    ("nanmenxia", "南门峡镇"),
    ("jiading", "加定镇"),
    ("wushi", "五十镇"),
    ("wufeng", "五峰镇"),
    ("tangchuan", "塘川镇"),
    ("taizi", "台子乡"),
    ("xishan", "西山乡"),
    ("hongyazigou", "红崖子沟乡"),
    ("donghe", "东和乡"),
    ("linchuan", "林川乡"),
    ("donggou", "东沟乡"),
    ("caijiabao", "蔡家堡乡"),
    ("halazhigou", "哈拉直沟乡"),
    ("songduo", "松多藏族乡"),
    ("bazha", "巴扎藏族乡"),
]
HOUSEHOLDS_PER_SCALE = 3066
MEMBERS_PER_SCALE = 500
DEFAULT_PASSWORD = "dongshan2026"  # noqa: S105 -- the public demo password, printed by make run
DEFAULT_SEED = 20231015
BATCH = 2000

# code, name, relative size, offset of the village centre from the township seat (km east, north)
VILLAGES = [
    ("baiyahe", "白牙合村", 330, (-4.0, 3.5)),
    ("dongshan", "东山村", 310, (0.0, 0.0)),
    ("dazhuang", "大庄村", 290, (2.5, -2.0)),
    ("jijialing", "吉家岭村", 260, (5.0, 1.5)),
    ("liujia", "柳家村", 250, (-2.0, -3.5)),
    ("suobutan", "索布滩村", 240, (7.0, -1.0)),
    ("wama", "哇麻村", 230, (-6.0, -1.0)),
    ("chaergou", "岔尔沟村", 220, (3.5, 5.0)),
    ("maying", "马营村", 250, (-1.0, 6.0)),
    ("sier", "寺尔村", 230, (9.0, 3.0)),
    ("shizi", "什字村", 240, (-8.0, 4.0)),
    ("najia", "那家村", 216, (1.0, -6.5)),
]
SEAT_LAT, SEAT_LNG = 36.8620, 101.9830
KM_PER_DEG_LAT = 111.0
KM_PER_DEG_LNG = 111.0 * math.cos(math.radians(SEAT_LAT))

SURNAMES = list("李王张祁董鲁吕马韩赵刘星胡汪孔曹陈杨朱谢吴郭沈秦索")
GIVEN_MALE = list("文祥成国明德福生海军华春林平建山忠发贵玉元永有正宝全顺清学")
GIVEN_FEMALE = list("秀兰英花芳梅桂珍玉凤霞红丽琴娟云翠萍莲香")
GROUP_NAMES = "一二三四五六七八九十"


def _group_name(number: int) -> str:
    if number <= 10:
        return f"{GROUP_NAMES[number - 1]}社"
    return f"{number}社"


def _person_name(rng: random.Random, gender: str) -> str:
    pool = GIVEN_MALE if gender == Gender.MALE else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.8 else "")
    return rng.choice(SURNAMES) + given


def _mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + str(rng.randrange(10**9)).zfill(9)


def _coord(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _split(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` by largest remainder (the parts add up)."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _aware(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


VISIT_NOTES = [
    "入户走访，了解家庭生产生活情况，宣传惠民政策。",
    "电话联系，询问近期身体状况和用水用电情况。",
    "检查院落环境卫生，提醒及时清理柴草堆。",
    "了解土豆种植和销售意向，收集意见。",
    "宣传移风易俗，倡导红白事简办。",
    "排查用火用电安全隐患，提醒冬季取暖注意通风。",
    "了解子女外出务工情况，关心留守老人。",
    "收集对村里道路硬化的意见建议。",
]
BURST_TEXTS = [
    "自来水管冻裂，家里停水两天了。",
    "巷子里的主水管漏水，水压很小。",
    "水管冻住了，吃水要去邻居家挑。",
]
REQUEST_TEXTS = {
    "hazard": [
        "院墙出现裂缝，担心雨季倒塌。",
        "村道边电线杆倾斜，存在安全隐患。",
        "家中火炕烟道漏烟，需要检修。",
    ],
    "dispute": ["与邻居因宅基地边界发生争执，希望调解。", "两户因灌溉用水先后顺序有矛盾。"],
    "infrastructure": [
        "自来水近一周水压不足。",
        "门前巷道下雨泥泞，希望硬化。",
        "路灯损坏，晚上出行不便。",
    ],
    "livelihood": ["家中老人住院，医疗费用困难，咨询救助政策。", "申请临时救助。"],
    "policy": ["咨询养老保险缴费标准。", "咨询危房改造补助政策。", "咨询土地流转手续。"],
    "sanitation": ["巷道垃圾清运不及时。", "邻近水渠有垃圾堵塞。"],
    "agriculture": ["咨询土豆收购价格和淀粉厂收购事宜。", "需要农机帮助秋收。", "咨询良种补贴。"],
    "suggestion": ["建议在议事亭增设座椅。", "建议组织农技培训。"],
    "other": ["希望帮助办理身份证补办。", "咨询快递代收点设置。"],
}
REPLIES = [
    "已联系村委会和相关部门，问题已处理，请您确认。",
    "已上报乡政府，相关政策已当面解释清楚。",
    "已协调施工队维修完毕。",
    "经四邻议事亭调解，双方已达成一致。",
]
MEETING_TOPICS = {
    MeetingKind.DELIBERATION: [
        "淀粉厂收购土豆事宜（每亩2500—3000元，包挖包运）",
        "村内巷道硬化方案",
        "人居环境整治分工",
        "灌溉用水轮灌安排",
    ],
    MeetingKind.MEDIATION: ["宅基地边界纠纷调解", "灌溉用水矛盾调解", "邻里噪音纠纷调解"],
    MeetingKind.PUBLICITY: ["医保缴费政策宣讲", "移风易俗宣讲", "冬季防火安全宣讲"],
}


@dataclass
class DemoResult:
    created: bool
    households: int = 0
    members: int = 0
    users: list[tuple[str, str]] = field(default_factory=list)


def demo_users() -> list[tuple[str, str]]:
    """(username, what the login is) for every demo user, in a stable order."""
    User = get_user_model()
    rows = []
    labels = {
        "admin": "超级管理员 admin",
        "county": "县委组织部 county staff",
        "township": "乡镇干部 township staff",
    }
    for user in User.objects.filter(username__in=list(labels)).order_by("username"):
        rows.append((user.username, labels[user.username]))
    # Dongshan's logins only: a county's other townships add some 250 more of them.
    for role in (
        Role.objects.filter(
            kind=RoleKind.SECRETARY,
            user__username__startswith="sec-",
            village__township__code=TOWNSHIP_CODE,
        )
        .select_related("user", "village")
        .order_by("village__code")
    ):
        rows.append((role.user.username, f"{role.village.name}党支部书记 village secretary"))
    for member in (
        PartyMember.objects.filter(
            user__username__startswith="m-", village__township__code=TOWNSHIP_CODE
        )
        .select_related("user", "village")
        .order_by("village__code", "id")
    ):
        rows.append((member.user.username, f"{member.village.name}党员{member.name} party member"))
    return rows


def seed_demo(
    *,
    scale: int = 1,
    password: str = DEFAULT_PASSWORD,
    seed: int = DEFAULT_SEED,
    today: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
    county: bool = False,
    county_townships: int | None = None,
) -> DemoResult:
    """Seed Dongshan Township unless it is there already (a second run changes nothing).

    Dongshan stands in its county, Huzhu, whose staff login is `county`. `county=True` also
    seeds Huzhu's other townships (`COUNTY_TOWNSHIPS`, or the first `county_townships` of
    them), each the size of Dongshan, so that the county's dashboard compares 19 rows.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if Township.objects.filter(code=TOWNSHIP_CODE).exists():
        return DemoResult(created=False, users=demo_users())
    today = today or timezone.localdate()
    say = progress or (lambda message: None)
    hashed = make_password(password)
    households = members = 0
    with transaction.atomic():
        admin_and_staff = None
        duties = list(Duty.objects.order_by("sort"))
        categories = {c.code: c for c in RequestCategory.objects.all()}
        # Scale N is a prefecture of N townships like Dongshan: villages keep their real size.
        # Its first PREFECTURE_COUNTY_SIZE townships form Huzhu county, the rest none.
        huzhu = County.objects.create(name=COUNTY_NAME, code=COUNTY_CODE)
        for index in range(scale):
            suffix = "" if index == 0 else f"-{index + 1:03d}"
            township = Township.objects.create(
                name=TOWNSHIP_NAME if index == 0 else f"{TOWNSHIP_NAME}（模拟{index + 1}）",
                code=TOWNSHIP_CODE + suffix,
                county=huzhu if index < PREFECTURE_COUNTY_SIZE else None,
            )
            if admin_and_staff is None:
                admin_and_staff = _create_staff_users(township, hashed)
            household_counts = _split(HOUSEHOLDS_PER_SCALE, [v[2] for v in VILLAGES])
            member_counts = _split(MEMBERS_PER_SCALE, household_counts)
            for (code, name, _size, offset), n_households, n_members in zip(
                VILLAGES, household_counts, member_counts, strict=True
            ):
                builder = _VillageBuilder(
                    township=township,
                    code=code + suffix,
                    name=name,
                    offset=(offset[0] + 30.0 * index, offset[1]),
                    rng=random.Random(f"{seed}-{code}{suffix}"),
                    today=today,
                    password=hashed,
                    township_user=admin_and_staff["township"],
                    duties=duties,
                    categories=categories,
                )
                builder.build(n_households, n_members)
                say(f"{township.name} {name}: {n_households} households, {n_members} members")
            households += sum(household_counts)
            members += sum(member_counts)
        others = COUNTY_TOWNSHIPS[:county_townships] if county else []
        for index, (code, name) in enumerate(others, start=1):
            township = Township.objects.create(name=name, code=code, county=huzhu)
            stem = _stem(name)
            household_counts = _split(HOUSEHOLDS_PER_SCALE, [v[2] for v in VILLAGES])
            member_counts = _split(MEMBERS_PER_SCALE, household_counts)
            for number, ((_code, _name, _size, offset), n_households, n_members) in enumerate(
                zip(VILLAGES, household_counts, member_counts, strict=True), start=1
            ):
                builder = _VillageBuilder(
                    township=township,
                    code=f"{code}-{number:02d}",
                    name=f"{stem}{_chinese_number(number)}村",
                    offset=(offset[0] - 30.0 * index, offset[1] + 20.0),
                    rng=random.Random(f"{seed}-{code}-{number}"),
                    today=today,
                    password=hashed,
                    township_user=admin_and_staff["township"],
                    duties=duties,
                    categories=categories,
                )
                builder.build(n_households, n_members)
            say(f"{name}: {sum(household_counts)} households, {sum(member_counts)} members")
            households += sum(household_counts)
            members += sum(member_counts)
        _create_county_user(huzhu, hashed)
        _mark_demo_logins()
        # The seeded months are history: the worker's poll texts what happens from now on.
        feeds.cursors_past()
    if connection.vendor == "postgresql":
        # A bulk load leaves the planner's statistics empty and the visibility map unset
        # until autovacuum comes round: the planner guesses "1 row" and picks nested loops
        # over whole tables, and an index-only scan (the list's COUNT(*)) still reads every
        # heap page. VACUUM cannot run inside a transaction (a test's): ANALYZE alone there.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return DemoResult(created=True, households=households, members=members, users=demo_users())


def _mark_demo_logins() -> None:
    """Demo logins share the public demo password and are never asked to change it or to
    set up a second factor, so that `make run` opens straight onto the demo (README).
    A login created any other way must choose its own password at its first log-in."""
    users = get_user_model().objects.filter(
        Q(username__in=["admin", "county", "township"])
        | Q(username__startswith="sec-")
        | Q(username__startswith="m-")
    )
    AccountState.objects.bulk_create(
        [
            AccountState(user_id=pk, is_demo=True, password_changed_at=timezone.now())
            for pk in users.values_list("pk", flat=True)
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def _stem(township_name: str) -> str:
    """威远镇 → 威远, 松多藏族乡 → 松多: the part a village of the township is named after."""
    for ending in ("藏族乡", "镇", "乡"):
        if township_name.endswith(ending):
            return township_name[: -len(ending)]
    return township_name


def _chinese_number(number: int) -> str:
    """1 → 一, 12 → 十二 (villages numbered as a township names them)."""
    if number <= 10:
        return GROUP_NAMES[number - 1]
    return "十" + GROUP_NAMES[number - 11]


def _create_county_user(county: County, hashed_password: str) -> None:
    user = get_user_model().objects.create(
        username="county", password=hashed_password, first_name="县委组织部"
    )
    Role.objects.create(user=user, kind=RoleKind.COUNTY, county=county)


def _create_staff_users(township: Township, hashed_password: str) -> dict:
    User = get_user_model()
    admin = User.objects.create(
        username="admin",
        password=hashed_password,
        first_name="系统管理员",
        is_staff=True,
        is_superuser=True,
    )
    staff = User.objects.create(
        username="township", password=hashed_password, first_name="东山乡干部"
    )
    Role.objects.create(user=staff, kind=RoleKind.TOWNSHIP, township=township)
    return {"admin": admin, "township": staff}


class _VillageBuilder:
    def __init__(
        self,
        *,
        township,
        code,
        name,
        offset,
        rng,
        today,
        password,
        township_user,
        duties,
        categories,
    ):
        self.township = township
        self.code = code
        self.name = name
        self.rng = rng
        self.today = today
        self.password = password
        self.township_user = township_user
        self.duties = duties
        self.categories = categories
        self.centre = (
            SEAT_LAT + offset[1] / KM_PER_DEG_LAT,
            SEAT_LNG + offset[0] / KM_PER_DEG_LNG,
        )

    # -- people and places -------------------------------------------------------------------

    def build(self, n_households: int, n_members: int) -> None:
        rng = self.rng
        self.village = Village.objects.create(
            township=self.township,
            name=self.name,
            code=self.code,
            latitude=_coord(self.centre[0]),
            longitude=_coord(self.centre[1]),
        )
        self.secretary = self._user(f"sec-{self.code}", f"{self.name}书记")
        Role.objects.create(user=self.secretary, kind=RoleKind.SECRETARY, village=self.village)
        n_groups = max(3, min(round(n_households / 45), 12))
        self.groups = VillageGroup.objects.bulk_create(
            VillageGroup(village=self.village, name=_group_name(i), number=i)
            for i in range(1, n_groups + 1)
        )
        group_centres = []
        for _ in self.groups:
            angle = rng.uniform(0, 2 * math.pi)
            radius = rng.uniform(0.2, 1.0)
            group_centres.append(
                (
                    self.centre[0] + radius * math.sin(angle) / KM_PER_DEG_LAT,
                    self.centre[1] + radius * math.cos(angle) / KM_PER_DEG_LNG,
                )
            )
        self.group_centres = group_centres
        self._create_households(n_households)
        self._create_members(n_members)
        self._create_assignments()
        self._create_visits()
        self._create_requests()
        self._create_meetings()
        # A bulk writer marks the village's cached figures as changed (households' last
        # visits follow the notebook by themselves: a database trigger keeps them).
        cache.touch([self.village.pk])

    def _user(self, username: str, first_name: str):
        User = get_user_model()
        # The password was hashed once (make_password is deliberately slow).
        return User.objects.create(username=username, first_name=first_name, password=self.password)

    def _point_in_group(self, group_index: int) -> tuple[float, float]:
        lat, lng = self.group_centres[group_index]
        return (
            lat + self.rng.gauss(0, 0.12) / KM_PER_DEG_LAT,
            lng + self.rng.gauss(0, 0.15) / KM_PER_DEG_LNG,
        )

    def _create_households(self, count: int) -> None:
        rng = self.rng
        per_group = _split(count, [rng.uniform(0.7, 1.3) for _ in self.groups])
        rows = []
        for index, (group, n) in enumerate(zip(self.groups, per_group, strict=True)):
            points = sorted((self._point_in_group(index) for _ in range(n)), key=lambda p: p[1])
            for seq, (lat, lng) in enumerate(points, start=1):
                gender = Gender.MALE if rng.random() < 0.82 else Gender.FEMALE
                head = _person_name(rng, gender)
                if self.code == "baiyahe" and index == 0 and seq == 1:
                    head = "董文祥"  # the household the registry's pinyin search example finds
                household = Household(
                    village=self.village,
                    group=group,
                    number=f"{group.number:02d}-{seq:03d}",
                    head_name=head,
                    phone=_mobile(rng) if rng.random() < 0.93 else "",
                    door_no=f"{seq}号",
                    address=f"{self.village.name}{group.name}{seq}号",
                    latitude=_coord(lat),
                    longitude=_coord(lng),
                    size=rng.choices([1, 2, 3, 4, 5, 6, 7], [8, 20, 22, 24, 15, 8, 3])[0],
                    is_low_income=rng.random() < 0.08,
                    is_elderly_alone=rng.random() < 0.09,
                    has_left_behind_children=rng.random() < 0.07,
                    has_disability=rng.random() < 0.04,
                    card_token=new_card_token(),
                )
                household.refresh_derived()
                rows.append(household)
        self.households = Household.objects.bulk_create(rows, batch_size=BATCH)

    def _create_members(self, count: int) -> None:
        rng = self.rng
        position = {group.pk: index for index, group in enumerate(self.groups)}
        sizes = [0] * len(self.groups)
        for household in self.households:
            sizes[position[household.group_id]] += 1
        group_choice = rng.choices(range(len(self.groups)), weights=sizes, k=count)
        rows = []
        for index in group_choice:
            gender = Gender.MALE if rng.random() < 0.7 else Gender.FEMALE
            lat, lng = self._point_in_group(index)
            name = _person_name(rng, gender)
            rows.append(
                PartyMember(
                    village=self.village,
                    group=self.groups[index],
                    name=name,
                    search_key=search_key(name),
                    gender=gender,
                    phone=_mobile(rng),
                    joined_party_on=datetime.date(rng.randint(1975, 2022), rng.randint(1, 12), 1),
                    capacity=8,
                    latitude=_coord(lat),
                    longitude=_coord(lng),
                )
            )
        self.members = PartyMember.objects.bulk_create(rows, batch_size=BATCH)
        # A login for the first member of each village: enough to try the member's pages.
        first = self.members[0]
        first.user = self._user(f"m-{first.pk}", first.name)
        first.save(update_fields=["user"])
        self.member_users = {first.pk: first.user}

    def _create_assignments(self) -> None:
        """Link every household to the nearest member of its village who has room left."""
        rng = self.rng
        members = self.members
        room = np.array([m.capacity for m in members], dtype=float)
        lat = np.array([float(m.latitude) for m in members]) * KM_PER_DEG_LAT
        lng = np.array([float(m.longitude) for m in members]) * KM_PER_DEG_LNG
        order = list(self.households)
        rng.shuffle(order)
        self.member_of = {}
        rows = []
        start_floor = add_months(month_start(self.today), -8)
        for household in order:
            distance = np.hypot(
                lat - float(household.latitude) * KM_PER_DEG_LAT,
                lng - float(household.longitude) * KM_PER_DEG_LNG,
            )
            distance[room <= 0] = np.inf
            index = int(np.argmin(distance))
            room[index] -= 1
            nearest = members[index]
            self.member_of[household.pk] = nearest
            rows.append(
                Assignment(
                    member=nearest,
                    household=household,
                    started_on=start_floor + datetime.timedelta(days=rng.randrange(60)),
                    assigned_by=self.township_user,
                    note="四邻联动首次包联",
                )
            )
        Assignment.objects.bulk_create(rows, batch_size=BATCH)

    # -- the notebook ------------------------------------------------------------------------

    def _create_visits(self) -> None:
        rng = self.rng
        first_month = add_months(month_start(self.today), -5)
        through = Visit.duties.through
        batch: list[Visit] = []
        duty_sets: list[list[Duty]] = []

        def flush():
            created = Visit.objects.bulk_create(batch, batch_size=BATCH)
            through.objects.bulk_create(
                [
                    through(visit_id=visit.pk, duty_id=duty.pk)
                    for visit, duties in zip(created, duty_sets, strict=True)
                    for duty in duties
                ],
                batch_size=BATCH * 2,
            )
            batch.clear()
            duty_sets.clear()

        for month_index in range(6):
            start = add_months(first_month, month_index)
            end = add_months(start, 1) - datetime.timedelta(days=1)
            current = start <= self.today <= end
            last_day = self.today if current else end
            days = (last_day - start).days + 1
            for household in self.households:
                member = self.member_of[household.pk]
                chance = 0.96 if household.is_priority else 0.88
                if current:
                    chance *= days / ((end - start).days + 1)
                if rng.random() >= chance:
                    continue
                visits = 2 if household.is_priority and rng.random() < 0.7 else 1
                for _ in range(visits):
                    hazard = rng.random() < 0.03
                    batch.append(
                        Visit(
                            member=member,
                            household=household,
                            visited_on=start + datetime.timedelta(days=rng.randrange(days)),
                            channel=rng.choices(list(VisitChannel.values), weights=[70, 15, 10, 5])[
                                0
                            ],
                            notes=rng.choice(VISIT_NOTES),
                            sanitation=rng.choices(
                                [Sanitation.GOOD, Sanitation.FAIR, Sanitation.POOR, ""],
                                weights=[55, 25, 6, 14],
                            )[0],
                            hazard_found=hazard,
                            follow_up=hazard or rng.random() < 0.06,
                            recorded_by=self.member_users.get(member.pk),
                        )
                    )
                    duty_sets.append(rng.sample(self.duties, rng.randint(1, 3)))
                    if len(batch) >= BATCH:
                        flush()
        if batch:
            flush()

    # -- requests ----------------------------------------------------------------------------

    def _create_requests(self) -> None:
        rng = self.rng
        n_requests = max(12, round(len(self.households) * 0.12))
        statuses = list(RequestStatus.values)
        category_codes = list(self.categories)
        requests, timelines = [], []
        for i in range(n_requests):
            household = rng.choice(self.households)
            member = self.member_of[household.pk]
            age_days = rng.randrange(0, 180)
            category = self.categories[rng.choice(category_codes)]
            # The first few requests of each village cover every status; the rest follow age.
            if i < len(statuses):
                status = statuses[i]
            elif age_days > 45:
                status = rng.choices(statuses, weights=[1, 1, 2, 1, 8, 40])[0]
            else:
                status = rng.choices(statuses, weights=[10, 8, 8, 3, 6, 5])[0]
            if status in OPEN_STATUSES:
                # Most open matters are still within their time limit; about one in five lags.
                limit = category.accept_days if status == RequestStatus.NEW else category.reply_days
                age_days = (
                    rng.randrange(0, limit) if rng.random() < 0.8 else rng.randrange(limit, 40)
                )
            created_day = self.today - datetime.timedelta(days=age_days)
            created_at = min(
                _aware(created_day, rng.randint(8, 18), rng.randrange(60)),
                timezone.now() - datetime.timedelta(hours=2),
            )
            owner = self.member_users.get(member.pk) or self.secretary
            request = Request(
                household=household,
                village=self.village,
                recorded_by=self.member_users.get(member.pk),
                source=rng.choices(list(RequestSource.values), weights=[45, 15, 10, 15, 15])[0],
                category=category,
                description=rng.choice(REQUEST_TEXTS[category.code]),
                status=status,
                owner=owner,
                accept_due_on=created_day + datetime.timedelta(days=category.accept_days),
                due_on=created_day + datetime.timedelta(days=category.reply_days),
                created_at=created_at,
            )
            timelines.append(self._timeline(request, created_at))
            requests.append(request)
        rng, self.rng = self.rng, random.Random(f"burst-{self.code}")
        for request in self._burst():  # its own random source: the rest of the demo unchanged
            timelines.append(self._timeline(request, request.created_at))
            requests.append(request)
        self.rng = rng
        created = Request.objects.bulk_create(requests, batch_size=BATCH)
        events = []
        for request, timeline in zip(created, timelines, strict=True):
            for event in timeline:
                event.request = request
                events.append(event)
        RequestEvent.objects.bulk_create(events, batch_size=BATCH)
        self.open_requests = [r for r in created if r.is_open]

    def _burst(self) -> list[Request]:
        """In the township's first village, five households of its third group report a
        burst water pipe within ten days, still unanswered: the hotspot the dashboards
        show and staff can send to the pavilion."""
        if self.code != VILLAGES[0][0] or len(self.groups) < 3:
            return []
        rng = self.rng
        group = self.groups[2]
        households = [h for h in self.households if h.group_id == group.pk][:5]
        category = self.categories["infrastructure"]
        burst = []
        for age_days, household in zip((9, 7, 4, 2, 1), households, strict=False):
            created_day = self.today - datetime.timedelta(days=age_days)
            member = self.member_of[household.pk]
            burst.append(
                Request(
                    household=household,
                    village=self.village,
                    recorded_by=self.member_users.get(member.pk),
                    source=RequestSource.VISIT,
                    category=category,
                    description=rng.choice(BURST_TEXTS),
                    status=RequestStatus.NEW if age_days < 3 else RequestStatus.ACCEPTED,
                    owner=self.member_users.get(member.pk) or self.secretary,
                    accept_due_on=created_day + datetime.timedelta(days=category.accept_days),
                    due_on=created_day + datetime.timedelta(days=category.reply_days),
                    created_at=min(
                        _aware(created_day, 9 + age_days, 10),
                        timezone.now() - datetime.timedelta(hours=2),
                    ),
                )
            )
        return burst

    def _timeline(self, request: Request, at: datetime.datetime) -> list[RequestEvent]:
        """Events that lead from "new" to the request's status, in time order."""
        rng = self.rng
        now = timezone.now()
        steps = {
            RequestStatus.NEW: [],
            RequestStatus.ACCEPTED: ["accept"],
            RequestStatus.IN_PROGRESS: ["accept", "note"],
            RequestStatus.ESCALATED: ["accept", "escalate"],
            RequestStatus.REPLIED: ["accept", "note", "reply"],
            RequestStatus.CLOSED: ["accept", "note", "reply", "confirm"],
        }[request.status]
        actor = request.owner
        events = [
            RequestEvent(
                kind=EventKind.CREATED,
                actor=request.recorded_by,
                actor_label="" if request.recorded_by else "农户",
                to_status=RequestStatus.NEW,
                text=request.description,
                at=at,
            )
        ]
        status = RequestStatus.NEW
        span = max((now - at).total_seconds(), 3600)
        for index, step in enumerate(steps, start=1):
            at = min(at + datetime.timedelta(seconds=span * rng.uniform(0.05, 0.2)), now)
            if step == "accept":
                events.append(
                    self._event(
                        EventKind.ACCEPTED, actor, status, RequestStatus.ACCEPTED, "已受理。", at
                    )
                )
                status = RequestStatus.ACCEPTED
            elif step == "note":
                events.append(
                    self._event(
                        EventKind.NOTE,
                        actor,
                        status,
                        RequestStatus.IN_PROGRESS,
                        "已到现场查看，正在协调解决。",
                        at,
                    )
                )
                status = RequestStatus.IN_PROGRESS
            elif step == "escalate":
                level = rng.choice([EscalationLevel.VILLAGE, EscalationLevel.TOWNSHIP])
                new_owner = (
                    self.secretary if level == EscalationLevel.VILLAGE else self.township_user
                )
                request.escalation_level = level
                request.owner = new_owner
                events.append(
                    self._event(
                        EventKind.ESCALATED,
                        actor,
                        status,
                        RequestStatus.ESCALATED,
                        "需村（乡）统一协调，已上报。",
                        at,
                    )
                )
                status = RequestStatus.ESCALATED
            elif step == "reply":
                request.reply = rng.choice(REPLIES)
                request.replied_at = at
                request.replied_by = actor
                events.append(
                    self._event(
                        EventKind.REPLIED, actor, status, RequestStatus.REPLIED, request.reply, at
                    )
                )
                status = RequestStatus.REPLIED
            elif step == "confirm":
                # 一事一评: about one in four "basically satisfied", without drawing from the
                # seed's random sequence (the rest of the demo stays as it was).
                basic = len(request.description) % 4 == 0
                request.satisfaction = Satisfaction.BASIC if basic else Satisfaction.SATISFIED
                request.closed_at = at
                events.append(
                    RequestEvent(
                        kind=EventKind.CONFIRMED,
                        actor_label="农户",
                        from_status=status,
                        to_status=RequestStatus.CLOSED,
                        text="农户评价：基本满意。" if basic else "农户评价：满意。",
                        at=at,
                    )
                )
                status = RequestStatus.CLOSED
            request.version = index + 1
        return events

    @staticmethod
    def _event(kind, actor, from_status, to_status, text, at) -> RequestEvent:
        return RequestEvent(
            kind=kind, actor=actor, from_status=from_status, to_status=to_status, text=text, at=at
        )

    # -- the pavilion ------------------------------------------------------------------------

    def _create_meetings(self) -> None:
        rng = self.rng
        pavilion = Pavilion.objects.create(
            village=self.village,
            name=f"{self.village.name[:-1]}四邻议事亭",
            location=f"{self.village.name}村委会旁",
            description="村民议事、矛盾调解和政策宣讲的场所。",
        )
        first_month = add_months(month_start(self.today), -5)
        meetings, attendees = [], []
        for month_index in range(7):
            start = add_months(first_month, month_index)
            for _ in range(rng.randint(1, 3)):
                day = start + datetime.timedelta(days=rng.randrange(28))
                kind = rng.choices(list(MeetingKind.values), weights=[5, 3, 2])[0]
                future = day > self.today
                status = (
                    MeetingStatus.PLANNED
                    if future
                    else rng.choices([MeetingStatus.HELD, MeetingStatus.CANCELLED], [12, 1])[0]
                )
                held = status == MeetingStatus.HELD
                convener = rng.choice(self.members)
                meetings.append(
                    Meeting(
                        pavilion=pavilion,
                        village=self.village,
                        kind=kind,
                        status=status,
                        held_at=_aware(day, rng.choice([9, 10, 14, 15, 19])),
                        topic=rng.choice(MEETING_TOPICS[kind]),
                        convener=convener,
                        others_present=rng.randint(0, 20) if held else 0,
                        agenda="1. 通报情况\n2. 村民发言讨论\n3. 形成决定",
                        minutes="与会村民充分发言，党员逐一解答疑问。" if held else "",
                        decisions="按多数意见执行，由联户党员负责落实并回访。" if held else "",
                        created_by=self.secretary,
                    )
                )
                attendees.append(
                    (
                        rng.sample(self.members, min(len(self.members), rng.randint(3, 8))),
                        rng.sample(self.households, min(len(self.households), rng.randint(5, 15))),
                        rng.sample(self.open_requests, min(len(self.open_requests), 2))
                        if kind == MeetingKind.DELIBERATION and not held
                        else [],
                    )
                )
        created = Meeting.objects.bulk_create(meetings)
        member_rows, household_rows, request_rows = [], [], []
        for meeting, (members, households, requests) in zip(created, attendees, strict=True):
            member_rows += [
                Meeting.attendee_members.through(meeting_id=meeting.pk, partymember_id=m.pk)
                for m in members
            ]
            household_rows += [
                Meeting.attendee_households.through(meeting_id=meeting.pk, household_id=h.pk)
                for h in households
            ]
            request_rows += [
                Meeting.requests.through(meeting_id=meeting.pk, request_id=r.pk) for r in requests
            ]
        Meeting.attendee_members.through.objects.bulk_create(member_rows, batch_size=BATCH)
        Meeting.attendee_households.through.objects.bulk_create(household_rows, batch_size=BATCH)
        Meeting.requests.through.objects.bulk_create(request_rows, batch_size=BATCH)
