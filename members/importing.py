"""The member roster's columns; the planner, preview and confirmation are the registry's
(households.importing)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from base.normalize import normalize_text
from base.pinyin import search_key
from households.importing import (
    Column,
    Roster,
    RowError,
    parse_latitude,
    parse_longitude,
    parse_phone,
    parse_text,
)
from households.models import RosterUpload, Village, VillageGroup
from infra.registry import register_job_kind
from members.models import Gender, PartyMember

IMPORT_MEMBERS = register_job_kind("import_members", gettext_lazy("Members import"))


def parse_capacity(value: str) -> int:
    text = normalize_text(value)
    if not text:
        return 8
    try:
        capacity = int(Decimal(text))
    except (InvalidOperation, ValueError):
        raise RowError(_("capacity “%(value)s” is not a number") % {"value": value}) from None
    if not 1 <= capacity <= 30:
        raise RowError(_("capacity must be 1 to 30"))
    return capacity


def parse_gender(value: str) -> str:
    text = normalize_text(value)
    if text in ("男", "M", "m"):
        return Gender.MALE
    if text in ("女", "F", "f"):
        return Gender.FEMALE
    raise RowError(_("gender must be 男 or 女"))


def parse_date(value: str) -> datetime.date | None:
    text = normalize_text(value).replace("/", "-").replace(".", "-")
    if not text:
        return None
    text = text.split(" ")[0]
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise RowError(_("date “%(value)s” is not like 2001-07-01") % {"value": value}) from None


def _new_member(village: Village, group: VillageGroup | None) -> PartyMember:
    return PartyMember(village=village, group=group)


def _refresh_derived(member: PartyMember) -> None:
    member.search_key = search_key(member.name)


MEMBERS = Roster(
    kind=RosterUpload.Kind.MEMBERS,
    label=gettext_lazy("party members"),
    model=PartyMember,
    columns=[
        Column("村", "village", parse_text, required=True),
        Column("社", "group", parse_text),
        Column("姓名", "name", parse_text, required=True),
        Column("性别", "gender", parse_gender, required=True),
        Column("联系电话", "phone", parse_phone, required=True),
        Column("入党日期", "joined_party_on", parse_date),
        Column("联户上限", "capacity", parse_capacity),
        Column("纬度", "latitude", parse_latitude),
        Column("经度", "longitude", parse_longitude),
    ],
    key="phone",
    label_fields=("village", "name", "phone"),
    duplicate_message=gettext_lazy("phone %(value)s appears twice in the file (row %(line)d)"),
    group_required=False,
    new=_new_member,
    refresh_derived=_refresh_derived,
    derived_fields=("search_key",),
    job_kind=IMPORT_MEMBERS,
    task_path="members.tasks.import_members",
    example=[
        "白牙合村",
        "一社",
        "郭有德",
        "男",
        "13912345678",
        "1998-07-01",
        8,
        36.8921,
        101.9377,
    ],  # fmt: skip
)
