"""`manage.py import_register FILE [--edition YYYY-MM] [--dry-run]`: import one register file.

Prints a summary (created / changed / unchanged / withdrawn per kind, skipped rows with their row numbers)
and exits non-zero with a message naming the file, sheet, column or row when the file cannot be imported, in
which case nothing changed. A progress bar is drawn on stderr when it is a terminal. `--timings` adds where the
time went (register.import_timings). `--run ID` imports the file of an admin upload (an ImportRun) and records
the result on it.
"""

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from register.import_timings import StageClock
from register.importers.errors import RegisterFileError
from register.importing import execute_run, import_register_file, limit_memory


class ProgressBar:
    """One line on a terminal, redrawn at most ten times a second."""

    def __init__(self, stream):
        self.stream = stream
        self.last = 0.0

    def __call__(self, stage, done, total):
        now = time.monotonic()
        if now - self.last < 0.1 and done != total:
            return
        self.last = now
        if total:
            filled = int(30 * done / total)
            line = f"{stage:<45} [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,}"
        else:
            line = f"{stage:<45} {done:,}" if done else stage
        self.stream.write("\r" + line[:110].ljust(110))
        self.stream.flush()

    def close(self):
        self.stream.write("\r" + " " * 110 + "\r")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import a register file (monthly Data Uses Register, older quarterly Data Release Register, or CSV)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="The .xlsx or .csv file.")
        parser.add_argument("--edition", help="The month it covers, YYYY-MM (default: from the file name).")
        parser.add_argument("--dry-run", action="store_true", help="Read and check everything, save nothing.")
        parser.add_argument(
            "--timings", action="store_true", help="Also print the seconds each stage took, and those in SQL."
        )
        parser.add_argument(
            "--withdraw-many",
            action="store_true",
            help="Let this edition withdraw more than half the agreements the one before it listed (refused "
            "otherwise, as a partial file looks like that).",
        )
        parser.add_argument("--run", type=int, help="Import the upload of this ImportRun (used by the admin).")

    def handle(
        self, *args, file=None, edition=None, dry_run=False, run=None, timings=False, withdraw_many=False, **options
    ):
        if run is not None:
            limit_memory(settings.REGISTER_IMPORT_MAX_MEMORY_BYTES)  # this is an upload's own process
            result = execute_run(run)
            self.stdout.write(f"Import run {run}: {result.get_status_display()}")
            if result.error:
                raise CommandError(result.error)
            return
        if not file:
            raise CommandError("give the register file to import: manage.py import_register FILE [--edition YYYY-MM]")
        bar = ProgressBar(sys.stderr) if sys.stderr.isatty() and options["verbosity"] > 0 else None
        clock = StageClock()
        try:
            report = import_register_file(
                file, edition=edition, dry_run=dry_run, progress=bar, clock=clock, withdraw_many=withdraw_many
            )
        except RegisterFileError as error:
            raise CommandError(f"Cannot import {error}. Nothing was changed.") from error
        finally:
            if bar:
                bar.close()
        for line in report.lines() + (clock.lines() if timings else []):
            self.stdout.write(line)
