"""Text each member, on the day their township chose (Township: "day of the members'
monthly text"), how many of their households are still to visit this month. Run daily:

30 8 * * *  cd /srv/liaison && .venv/bin/python manage.py remind_members_due

It only queues the messages (at most one per member a month); the worker sends them.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from casebook import reminders


class Command(BaseCommand):
    help = "Queue the members' monthly text of households still due, where it is today."

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        reminders.remind_members_due(write=self.stdout.write)
