from django.core.management.base import BaseCommand, CommandError

from liaison import backup


class Command(BaseCommand):
    help = "Write a consistent backup of the database (SQLite backup API or pg_dump)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="file to write (default: backups/liaison-<time>.*)")

    def handle(self, *args, output, **options):
        try:
            path = backup.backup(output)
        except (backup.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path}"))
