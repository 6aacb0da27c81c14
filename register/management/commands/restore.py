"""`manage.py restore PATH`: replace the whole database with a backup (see register.backups)."""

from django.core.management.base import BaseCommand, CommandError

from register import backups


class Command(BaseCommand):
    help = "Replace the whole database with the backup at PATH, after backing up what it replaces."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file written by `manage.py backup` (or `make backup`).")
        parser.add_argument("--no-input", action="store_false", dest="interactive", help="Do not ask for confirmation.")

    def handle(self, *args, path, interactive=True, **options):
        if interactive:
            answer = input(f"Replace the whole {backups.engine()} database with {path}? Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled: nothing was changed.")
        try:
            safety = backups.restore(path)
        except backups.BackupError as error:
            raise CommandError(f"{error} Nothing was changed.") from error
        self.stdout.write(f"Restored {path}. What it replaced is kept in {safety}")
        self.stdout.write("Run `manage.py migrate` if the backup is older than the code.")
