"""`manage.py backup [PATH]`: a backup of the whole database (see register.backups)."""

from django.core.management.base import BaseCommand, CommandError

from register import backups


class Command(BaseCommand):
    help = "Back up the whole database to PATH (default: var/backups/register-<time>.sqlite3 or .dump)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Where to write the backup; an existing file is never replaced.")

    def handle(self, *args, path=None, **options):
        try:
            written = backups.backup(path)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backed up the {backups.engine()} database to {written}")
