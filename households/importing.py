"""Roster import: plan what a spreadsheet would change, then apply it all or nothing.

A plan lists per row what will be created, updated, left unchanged or rejected and why.
Values are normalised first (full-width digits and letters, stray spaces). Only a plan with
no rejected row can be applied; applying re-plans inside the transaction, so a roster that
changed since the preview is judged afresh. Re-importing the same file changes nothing.

Everything is read with a fixed number of queries and written with bulk operations, so
10,000 rows take seconds.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from base.normalize import normalize_phone, normalize_text
from base.spreadsheets import read_table
from base.validators import PHONE_RE
from households import access, services
from households.models import (
    Household,
    HouseholdStatus,
    RosterUpload,
    Village,
    VillageGroup,
)
from infra import cache, jobs
from infra.audit import log_access_as
from infra.registry import register_job_kind

CREATE, UPDATE, UNCHANGED, REJECT = "create", "update", "unchanged", "reject"

IMPORT_HOUSEHOLDS = register_job_kind("import_households", gettext_lazy("Households import"))
YES = {"是", "1", "y", "yes", "true", "√", "✓", "有"}
NO = {"否", "0", "n", "no", "false", "", "无"}


class RowError(Exception):
    pass


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header in the template and the export
    field: str
    parse: Callable[[str], object]
    required: bool = False


@dataclass
class RowPlan:
    line: int
    action: str
    label: str
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    obj: object = None
    # What each changed field held before the file (the new value is on `obj`).
    before: dict[str, object] = field(default_factory=dict)

    @property
    def change_labels(self) -> list[str]:
        meta = type(self.obj)._meta
        return [str(meta.get_field(name).verbose_name) for name in self.changes]

    @property
    def change_details(self) -> list[tuple[str, str, str]]:
        """(field, old, new) for every changed field, as the preview shows them."""
        meta = type(self.obj)._meta
        return [
            (
                str(meta.get_field(name).verbose_name),
                _shown(self.before.get(name)),
                _shown(getattr(self.obj, name)),
            )
            for name in self.changes
        ]


def _shown(value) -> str:
    """A value as a person reads it in the preview: 是/否, an empty value as a dash."""
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None or value == "":
        return "—"
    return str(value)


@dataclass
class ImportPlan:
    kind: str
    rows: list[RowPlan]
    header_errors: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in (CREATE, UPDATE, UNCHANGED, REJECT)}

    @property
    def is_valid(self) -> bool:
        return not self.header_errors and self.count(REJECT) == 0 and bool(self.rows)

    def rows_for(self, action: str, limit: int = 500) -> list[RowPlan]:
        return [row for row in self.rows if row.action == action][:limit]

    @property
    def rejected_rows(self) -> list[RowPlan]:
        return self.rows_for(REJECT)

    @property
    def created_rows(self) -> list[RowPlan]:
        return self.rows_for(CREATE, 100)

    @property
    def updated_rows(self) -> list[RowPlan]:
        return self.rows_for(UPDATE, 100)


# --- value parsers ------------------------------------------------------------------------


def parse_text(value: str) -> str:
    return normalize_text(value)


def parse_phone(value: str) -> str:
    phone = normalize_phone(value)
    if phone and not PHONE_RE.match(phone):
        raise RowError(_("bad phone number “%(phone)s”") % {"phone": phone})
    return phone


def parse_bool(value: str) -> bool:
    text = normalize_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise RowError(_("“%(value)s” is not 是 or 否") % {"value": value})


def parse_size(value: str) -> int:
    text = normalize_text(value)
    if not text:
        return 1
    try:
        size = int(Decimal(text))
    except (InvalidOperation, ValueError):
        raise RowError(_("household size “%(value)s” is not a number") % {"value": value}) from None
    if not 1 <= size <= 30:
        raise RowError(_("household size must be 1 to 30"))
    return size


def _parse_coordinate(value: str, low: int, high: int, name: str) -> Decimal | None:
    text = normalize_text(value)
    if not text:
        return None
    try:
        number = Decimal(text).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise RowError(
            _("%(name)s “%(value)s” is not a number") % {"name": name, "value": value}
        ) from None
    if not low <= number <= high:
        raise RowError(_("%(name)s is out of range") % {"name": name})
    return number


def parse_latitude(value: str) -> Decimal | None:
    return _parse_coordinate(value, -90, 90, _("latitude"))


def parse_longitude(value: str) -> Decimal | None:
    return _parse_coordinate(value, -180, 180, _("longitude"))


# --- planning -------------------------------------------------------------------------------


class _Places:
    """The villages and groups the user may import into, looked up by name or code."""

    def __init__(self, user):
        villages = list(access.managed_villages(user))
        self.villages = {}
        for village in villages:
            self.villages[village.name] = village
            self.villages[village.code] = village
        self.groups = {}
        self.group_by_pk = {}
        for group in VillageGroup.objects.filter(village__in=villages):
            self.group_by_pk[group.pk] = group
            self.groups[(group.village_id, group.name)] = group
            self.groups[(group.village_id, str(group.number))] = group
        self.village_ids = [v.pk for v in villages]

    def village(self, name: str) -> Village:
        if not name:
            raise RowError(_("village is missing"))
        try:
            return self.villages[name]
        except KeyError:
            raise RowError(_("unknown village “%(name)s”") % {"name": name}) from None

    def group(self, village: Village, name: str) -> VillageGroup:
        if not name:
            raise RowError(_("group is missing"))
        key = name[:-1] if name.endswith(("组",)) else name
        group = self.groups.get((village.pk, name)) or self.groups.get((village.pk, key))
        if group is None and name.endswith(("社", "组")) and name[:-1].isdigit():
            group = self.groups.get((village.pk, str(int(name[:-1]))))
        if group is None:
            raise RowError(
                _("unknown group “%(group)s” in %(village)s") % {"group": name, "village": village}
            )
        return group


def _parse_row(columns: list[Column], index: dict[str, int], row: list[str]):
    values, errors = {}, []
    for column in columns:
        if column.header not in index:
            continue
        raw = row[index[column.header]]
        try:
            values[column.field] = column.parse(raw)
        except RowError as error:
            errors.append(str(error))
            continue
        if column.required and values[column.field] in ("", None):
            errors.append(_("%(column)s is missing") % {"column": column.header})
    return values, errors


def _header_index(columns: list[Column], headers: list[str]) -> tuple[dict[str, int], list[str]]:
    cleaned = [normalize_text(h) for h in headers]
    index = {h: i for i, h in enumerate(cleaned) if h}
    missing = [c.header for c in columns if c.required and c.header not in index]
    errors = [_("Column “%(header)s” is missing.") % {"header": h} for h in missing]
    return index, errors


def _apply_values(obj, values: dict, fields: list[str], before: dict | None = None) -> list[str]:
    changed = []
    for name in fields:
        if name not in values:
            continue
        if getattr(obj, name) != values[name]:
            if before is not None:
                before[name] = getattr(obj, name)
            setattr(obj, name, values[name])
            changed.append(name)
    return changed


def _validate(obj) -> list[str]:
    try:
        # village and group were resolved from the places already: skip their FK look-ups.
        obj.clean_fields(exclude=["search_key", "card_token", "village", "group"])
        obj.clean()
    except ValidationError as error:
        return error.messages
    return []


@dataclass(frozen=True)
class Roster:
    """What one kind of roster is: its columns, how a row finds its record, what is derived.

    Households are matched by village + household number, members by village + phone.
    """

    kind: str  # RosterUpload.Kind
    label: Promise
    model: type[models.Model]
    columns: list[Column]
    key: str  # the field that, with the village, names a record
    label_fields: tuple[str, ...]
    duplicate_message: Promise  # %(value)s, %(line)d
    group_required: bool
    new: Callable[[Village, VillageGroup | None], models.Model]
    refresh_derived: Callable[[models.Model], None]
    derived_fields: tuple[str, ...]
    example: list
    # A confirmation of more than IMPORT_TASK_THRESHOLD rows runs as this background job
    # (a dotted path: the task lives in the roster's own package).
    job_kind: str = ""
    task_path: str = ""

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


def plan_import(
    roster: Roster,
    headers: list[str],
    rows: list[list[str]],
    user,
    on_row: Callable[[], None] | None = None,
) -> ImportPlan:
    """What importing these rows would change, row by row; nothing is written.

    `on_row` is called after each row (a background job counts its progress with it).
    """
    columns = roster.columns
    index, header_errors = _header_index(columns, headers)
    plan = ImportPlan(kind=roster.kind, rows=[], header_errors=header_errors)
    if header_errors:
        return plan
    places = _Places(user)
    existing = {
        (obj.village_id, getattr(obj, roster.key)): obj
        for obj in roster.model.objects.filter(village_id__in=places.village_ids)
    }
    seen: dict[tuple, int] = {}
    group_header = next(c.header for c in columns if c.field == "group")
    plain_fields = [c.field for c in columns if c.field not in ("village", "group")]
    group_header = next((c.header for c in columns if c.field == "group"), None)
    for line, row in enumerate(rows, start=2):
        if on_row is not None:
            on_row()
        values, errors = _parse_row(columns, index, row)
        label = " ".join(filter(None, [values.get(name) for name in roster.label_fields]))
        result = RowPlan(line=line, action=REJECT, label=label, errors=errors)
        plan.rows.append(result)
        if errors:
            continue
        try:
            village = places.village(values["village"])
            if roster.group_required or values.get("group"):
                group = places.group(village, values["group"])
            else:
                group = None
        except RowError as error:
            result.errors.append(str(error))
            continue
        key = (village.pk, values[roster.key])
        if key in seen:
            result.errors.append(
                roster.duplicate_message % {"value": values[roster.key], "line": seen[key]}
            )
            continue
        seen[key] = line
        obj = existing.get(key)
        if obj is None:
            obj = roster.new(village, group)
            _apply_values(obj, values, plain_fields)
            action, changes = CREATE, []
        else:
            before = {}
            changes = _apply_values(obj, values, plain_fields, before)
            # A file without the group column leaves an optional group as it is.
            if group_header in index and obj.group_id != (group.pk if group else None):
                before["group"] = places.group_by_pk.get(obj.group_id)
                obj.group = group
                changes.append("group")
            result.before = before
            action = UPDATE if changes else UNCHANGED
        result.errors += _validate(obj)
        if not result.errors:
            result.action, result.changes, result.obj = action, changes, obj
    return plan


class ImportRejected(Exception):
    """The plan has rejected rows: nothing was imported."""


@transaction.atomic
def import_apply(
    *,
    roster: Roster,
    headers: list[str],
    rows: list[list[str]],
    user,
    on_row: Callable[[], None] | None = None,
) -> ImportPlan:
    """Apply a roster all or nothing: any rejected row means nothing is written."""
    plan = plan_import(roster, headers, rows, user, on_row)
    if not plan.is_valid:
        raise ImportRejected(_("The file has rejected rows; nothing was imported."))
    creates = [row.obj for row in plan.rows if row.action == CREATE]
    updates = [row.obj for row in plan.rows if row.action == UPDATE]
    fields = sorted({name for row in plan.rows if row.action == UPDATE for name in row.changes})
    now = timezone.now()
    for obj in creates + updates:
        roster.refresh_derived(obj)
        obj.updated_at = now
    for obj in creates:
        obj.created_at = now
    roster.model.objects.bulk_create(creates, batch_size=1000)
    if updates:
        roster.model.objects.bulk_update(
            updates, [*fields, *roster.derived_fields, "updated_at"], batch_size=1000
        )
    cache.touch({obj.village_id for obj in creates + updates})
    return plan


def _new_household(village: Village, group: VillageGroup | None) -> Household:
    return Household(village=village, group=group, status=HouseholdStatus.ACTIVE)


HOUSEHOLDS = Roster(
    kind=RosterUpload.Kind.HOUSEHOLDS,
    label=gettext_lazy("households"),
    model=Household,
    columns=[
        Column("村", "village", parse_text, required=True),
        Column("社", "group", parse_text, required=True),
        Column("户号", "number", parse_text, required=True),
        Column("户主姓名", "head_name", parse_text, required=True),
        Column("联系电话", "phone", parse_phone),
        Column("门牌号", "door_no", parse_text),
        Column("住址", "address", parse_text),
        Column("家庭人口", "size", parse_size),
        Column("低收入", "is_low_income", parse_bool),
        Column("独居老人", "is_elderly_alone", parse_bool),
        Column("留守儿童", "has_left_behind_children", parse_bool),
        Column("残疾", "has_disability", parse_bool),
        Column("纬度", "latitude", parse_latitude),
        Column("经度", "longitude", parse_longitude),
    ],
    key="number",
    label_fields=("village", "number", "head_name"),
    duplicate_message=gettext_lazy(
        "household number %(value)s appears twice in the file (row %(line)d)"
    ),
    group_required=True,
    new=_new_household,
    refresh_derived=Household.refresh_derived,
    derived_fields=("search_key", "is_priority"),
    job_kind=IMPORT_HOUSEHOLDS,
    task_path="households.tasks.import_households",
    example=[
        "白牙合村",
        "一社",
        "01-001",
        "董文祥",
        "13812345678",
        "1号",
        "白牙合村一社1号",
        3,
        "否",
        "否",
        "否",
        "否",
        36.8925,
        101.9382,
    ],  # fmt: skip
)


def read_upload(upload) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a stored upload (it was readable when it was uploaded)."""
    handle = io.BytesIO(bytes(upload.content))
    handle.name = upload.filename
    return read_table(handle)


@transaction.atomic
def upload_apply(
    *,
    roster: Roster,
    upload,
    headers,
    rows,
    user,
    ip: str | None,
    on_row: Callable[[], None] | None = None,
) -> ImportPlan:
    """Apply a stored upload once, all or nothing, and write it into the access log.

    Once: the upload row is locked and marked applied in the same transaction, so a second
    confirmation (a double click, a background job run twice) is refused.
    """
    upload = RosterUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.applied_at is not None:
        raise ImportRejected(_("This file has already been imported."))
    plan = import_apply(roster=roster, headers=headers, rows=rows, user=user, on_row=on_row)
    upload.applied_at = timezone.now()
    upload.summary = plan.counts
    upload.save(update_fields=["applied_at", "summary"])
    log_access_as(
        user,
        ip,
        action=services.IMPORTED_ROSTER,
        description=f"{upload.get_kind_display()} {upload.filename}",
        record_count=len(plan.rows),
    )
    return plan


def run_import_job(job, progress, roster: Roster) -> None:
    """A background job's import (households/tasks.py, members/tasks.py): the stored upload
    applied once, all or nothing; the job is done in the same transaction as the rows."""
    upload = RosterUpload.objects.filter(
        pk=job.params.get("upload"), uploaded_by=job.user, kind=roster.kind
    ).first()
    if upload is None or not access.can_manage_rosters(job.user):
        raise jobs.JobFailed(_("The uploaded file is no longer there; upload it again."))
    headers, rows = read_upload(upload)
    progress.set_total(len(rows))
    try:
        with transaction.atomic():
            plan = upload_apply(
                roster=roster,
                upload=upload,
                headers=headers,
                rows=rows,
                user=job.user,
                ip=job.ip_address,
                on_row=progress.advance,
            )
            jobs.finish(job, result=plan.counts)
    except ImportRejected as error:
        raise jobs.JobFailed(str(error)) from error
