"""The reminders: each owner's overdue requests (a daily text digest, email if asked) and,
where the township turns it on, each member's households still due this month.

`manage.py remind_overdue` runs the first at once; `manage.py remind_overdue --enqueue`
(cron) hands it to a background worker (casebook/tasks.py), where it shows as a job in the
admin. `manage.py remind_members_due` (cron, daily) sends the second on the township's day.
Both only queue text messages; the worker sends them, one per owner a day and one per
member a month (the messages' keys hold the day and the month).
"""

from collections.abc import Callable
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from casebook import texts
from casebook.models import Request, overdue_q
from casebook.selectors import households_due
from households.models import Household, Township
from members.models import PartyMember


def send_overdue_reminders(
    *,
    email: bool,
    sms: bool = True,
    write: Callable[[str], None] = lambda line: None,
    on_owner: Callable[[], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> dict:
    """List (with `write`) each owner's overdue requests; text each owner who is a member
    with a mobile one digest (`sms`, the default), and with `email` mail them the list."""
    overdue = (
        Request.objects.filter(overdue_q())
        .select_related("owner", "household", "village", "category")
        .order_by("owner_id", "due_on", "id")
    )
    if on_total is not None:
        on_total(overdue.values("owner_id").distinct().count())
    phones = dict(
        PartyMember.objects.filter(user__isnull=False, is_active=True)
        .filter(user_id__in=overdue.values("owner_id"))
        .values_list("user_id", "phone")
    )
    owners = sent = texted = 0
    for _owner_id, items in groupby(overdue, key=lambda r: r.owner_id):
        items = list(items)
        owner = items[0].owner
        owners += 1
        name = (owner.get_full_name() or owner.username) if owner else _("(no owner)")
        lines = [
            f"#{r.pk} {r.village.name} {r.household.head_name} · {r.category} · "
            + _("reply by %(day)s") % {"day": r.due_on.isoformat() if r.due_on else "-"}
            for r in items
        ]
        write(f"{name}: {len(items)}")
        for line in lines:
            write(f"  {line}")
        if email and owner and owner.email:
            send_mail(
                _("%(count)d overdue requests") % {"count": len(items)},
                "\n".join(lines),
                settings.DEFAULT_FROM_EMAIL,
                [owner.email],
            )
            sent += 1
        if (
            sms
            and owner
            and texts.owner_overdue(
                owner_id=owner.pk,
                phone=phones.get(owner.pk, ""),
                count=len(items),
                oldest=min(items, key=lambda r: (r.due_on or r.created_at.date(), r.pk)),
                township_id=items[0].village.township_id,
            )
        ):
            texted += 1
        if on_owner is not None:
            on_owner()
    write(
        _("%(owners)d owners with overdue requests on %(day)s; %(sent)d emails sent.")
        % {"owners": owners, "day": timezone.localdate().isoformat(), "sent": sent}
    )
    write(_("%(count)d text messages queued.") % {"count": texted})
    return {"owners": owners, "sent": sent, "texted": texted}


def remind_members_due(*, write: Callable[[str], None] = lambda line: None) -> int:
    """Text each member of a township that turned the reminder on, on its chosen day, how
    many of their households are still to visit this month (members with none: no text)."""
    today = timezone.localdate()
    queued = 0
    for township in Township.objects.filter(sms_members_due_day=today.day):
        counts: dict[int, int] = {}
        due = households_due(Household.objects.filter(village__township=township))
        for member_id in due.values_list("member_id", flat=True):
            if member_id:
                counts[member_id] = counts.get(member_id, 0) + 1
        members = PartyMember.objects.filter(pk__in=counts, is_active=True).only(
            "pk", "name", "phone"
        )
        queued += texts.members_monthly_due(
            counts={member: counts[member.pk] for member in members}, township_id=township.pk
        )
        write(f"{township.name}: {len(counts)}")
    write(_("%(count)d text messages queued.") % {"count": queued})
    return queued
