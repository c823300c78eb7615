"""The text messages' benchmark on the configured (seeded) database; see devtools/sms_bench.py.

manage.py bench_sms
"""

import json

from django.core.management.base import BaseCommand, CommandError

from devtools import sms_bench


class Command(BaseCommand):
    help = "Time a staff reply with texts on and off, and 3,066 reminders through one worker."

    def handle(self, *args, **options):
        figures = sms_bench.run()
        self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
        reply_ok = figures["reply_change_percent"] <= 5
        worker_ok = (
            figures["reminders_total_seconds"] <= 60
            and figures["reminders_sent"] == figures["reminders"]
        )
        self.stdout.write(
            f"reply within 5 % with texts on: {'yes' if reply_ok else 'NO'}; "
            f"{figures['reminders']} reminders through one worker in "
            f"{figures['reminders_total_seconds']} s (≤ 60 s): {'yes' if worker_ok else 'NO'}"
        )
        if not (reply_ok and worker_ok):
            raise CommandError("a text-message target was missed")
