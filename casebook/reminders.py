"""The overdue-request reminder: each owner's list of overdue requests, by email if asked.

`manage.py remind_overdue` runs it at once; `manage.py remind_overdue --enqueue` (cron) hands
it to a background worker (casebook/tasks.py), where it shows as a job in the admin.
"""

from collections.abc import Callable
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from casebook.models import Request, overdue_q


def send_overdue_reminders(
    *,
    email: bool,
    write: Callable[[str], None] = lambda line: None,
    on_owner: Callable[[], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> dict:
    """List (with `write`) and, with `email`, mail each owner their overdue requests."""
    overdue = (
        Request.objects.filter(overdue_q())
        .select_related("owner", "household", "village", "category")
        .order_by("owner_id", "due_on", "id")
    )
    if on_total is not None:
        on_total(overdue.values("owner_id").distinct().count())
    owners = sent = 0
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
        if on_owner is not None:
            on_owner()
    write(
        _("%(owners)d owners with overdue requests on %(day)s; %(sent)d emails sent.")
        % {"owners": owners, "day": timezone.localdate().isoformat(), "sent": sent}
    )
    return {"owners": owners, "sent": sent}
