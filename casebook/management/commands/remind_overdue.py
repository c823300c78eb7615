"""Tell the owners of overdue requests: one text message each a day (the default), and
with --email their list by email. Run it from cron, e.g. every morning:

0 8 * * *  cd /srv/liaison && .venv/bin/python manage.py remind_overdue --enqueue

With --enqueue a background worker does it (a job in the admin); without, at once. Either
way the texts themselves are sent by the worker.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from casebook import reminders, tasks
from infra import jobs


class Command(BaseCommand):
    help = "Text each owner of overdue requests one digest; with --email, also mail the list."

    def add_arguments(self, parser):
        parser.add_argument(
            "--email", action="store_true", help="email each owner who has an address"
        )
        parser.add_argument(
            "--no-sms", action="store_true", help="send no text messages (email or list only)"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the work to a background worker (manage.py db_worker) and return",
        )

    def handle(self, *args, email: bool, no_sms: bool, enqueue: bool, **options):
        translation.activate(settings.LANGUAGE_CODE)
        if enqueue:
            job = jobs.start(
                tasks.REMIND_OVERDUE,
                user=None,
                task=tasks.remind_overdue,
                params={"email": email, "sms": not no_sms},
            )
            self.stdout.write(f"Queued as background job #{job.pk}.")
            return
        reminders.send_overdue_reminders(email=email, sms=not no_sms, write=self.stdout.write)
