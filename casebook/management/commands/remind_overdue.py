"""List, or email, the owners of overdue requests. Run it from cron, e.g. every morning:

0 8 * * *  cd /srv/liaison && .venv/bin/python manage.py remind_overdue --email
"""

from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casebook.models import Request, overdue_q


class Command(BaseCommand):
    help = "List the owners of overdue requests; with --email, send each owner their list."

    def add_arguments(self, parser):
        parser.add_argument(
            "--email", action="store_true", help="email each owner who has an address"
        )

    def handle(self, *args, email: bool, **options):
        translation.activate(settings.LANGUAGE_CODE)
        overdue = (
            Request.objects.filter(overdue_q())
            .select_related("owner", "household", "village", "category")
            .order_by("owner_id", "due_on", "id")
        )
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
            self.stdout.write(f"{name}: {len(items)}")
            for line in lines:
                self.stdout.write(f"  {line}")
            if email and owner and owner.email:
                send_mail(
                    _("%(count)d overdue requests") % {"count": len(items)},
                    "\n".join(lines),
                    settings.DEFAULT_FROM_EMAIL,
                    [owner.email],
                )
                sent += 1
        self.stdout.write(
            _("%(owners)d owners with overdue requests on %(day)s; %(sent)d emails sent.")
            % {"owners": owners, "day": timezone.localdate().isoformat(), "sent": sent}
        )
