"""Queue again the text messages a dead worker left behind. Run it from cron:

*/5 * * * *  cd /srv/liaison && .venv/bin/python manage.py sms_sweep
"""

from django.core.management.base import BaseCommand

from notify import services


class Command(BaseCommand):
    help = "Queue again text messages left 'sending' or overdue by a worker that died."

    def handle(self, *args, **options):
        count = services.messages_recover()
        self.stdout.write(f"{count} text messages queued again.")
