"""Delete expired background-job files and report dead jobs failed. For cron, e.g. hourly:

15 * * * *  cd /srv/liaison && .venv/bin/python manage.py prune_jobs
"""

from django.core.management.base import BaseCommand

from infra import jobs


class Command(BaseCommand):
    help = "Delete expired job files (JOB_FILE_RETENTION_HOURS) and fail jobs whose worker died."

    def handle(self, *args: object, **options: object) -> None:
        counts = jobs.cleanup()
        self.stdout.write(
            "{expired} expired files deleted, {orphans} left-over files deleted, "
            "{failed} dead jobs reported failed.".format(**counts)
        )
