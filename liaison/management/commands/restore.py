from django.core.management.base import BaseCommand, CommandError

from liaison import backup


class Command(BaseCommand):
    help = "Replace the database's contents with a backup written by `backup`."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, path, yes, **options):
        if not yes and options.get("interactive", True):
            answer = input("This replaces every row of the database. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            backup.restore(path)
        except (backup.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Restored from {path}"))
