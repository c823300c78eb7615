"""Queue again the text messages a dead worker left behind, and the worker's poll if it
stopped. Run it from cron:

*/5 * * * *  cd /srv/liaison && .venv/bin/python manage.py sms_sweep
"""

from django.core.management.base import BaseCommand

from notify import feeds, services


class Command(BaseCommand):
    help = (
        "Queue again text messages left 'sending' or overdue by a worker that died, and the "
        "worker's poll of new events if none is waiting."
    )

    def handle(self, *args, **options):
        count = services.messages_recover()
        self.stdout.write(f"{count} text messages queued again.")
        if feeds.poll_ensure():
            self.stdout.write("The poll of new events was not queued; it is now.")
