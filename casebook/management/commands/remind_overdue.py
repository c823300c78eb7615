"""List, or email, the owners of overdue requests. Run it from cron, e.g. every morning:

0 8 * * *  cd /srv/liaison && .venv/bin/python manage.py remind_overdue --email --enqueue

With --enqueue a background worker sends them (a job in the admin); without, at once.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from base import jobs
from base.models import Job
from casebook import reminders, tasks


class Command(BaseCommand):
    help = "List the owners of overdue requests; with --email, send each owner their list."

    def add_arguments(self, parser):
        parser.add_argument(
            "--email", action="store_true", help="email each owner who has an address"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the work to a background worker (manage.py db_worker) and return",
        )

    def handle(self, *args, email: bool, enqueue: bool, **options):
        translation.activate(settings.LANGUAGE_CODE)
        if enqueue:
            job = jobs.start(
                Job.Kind.REMIND_OVERDUE,
                user=None,
                task=tasks.remind_overdue,
                params={"email": email},
            )
            self.stdout.write(f"Queued as background job #{job.pk}.")
            return
        reminders.send_overdue_reminders(email=email, write=self.stdout.write)
