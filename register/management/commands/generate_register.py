"""`manage.py generate_register OUT.xlsx`: write a synthetic register (marked as such) for tests and benchmarks.

With `--next-of FILE`, the register written is the month after a monthly register workbook (a real one, or a
generated one): its rows, with agreements added, amended (a new version, and the listed version's words
changed) and dropped, and files released in the new month. It is marked synthetic all the same.
"""

from django.core.management.base import BaseCommand, CommandError

from register import synthetic
from register.editions import CODE
from register.importers.errors import RegisterFileError


class Command(BaseCommand):
    help = "Write a deterministic synthetic register in the official monthly format (full size by default)."

    def add_arguments(self, parser):
        parser.add_argument("out", help="The .xlsx file to write (with --format csv: one <stem>-<Sheet>.csv each).")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--agreements", type=int, default=1900)
        parser.add_argument("--files", type=int, default=105000)
        parser.add_argument("--edition", default="2025-11", help="The month it pretends to cover, YYYY-MM.")
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", dest="file_format")
        parser.add_argument(
            "--next-of",
            dest="next_of",
            metavar="FILE",
            help="Derive the month after this monthly register workbook (give that month with --edition).",
        )
        parser.add_argument("--added", type=int, default=2, help="With --next-of: agreements added.")
        parser.add_argument("--changed", type=int, default=3, help="With --next-of: agreements amended.")
        parser.add_argument("--dropped", type=int, default=1, help="With --next-of: agreements withdrawn.")
        parser.add_argument("--month-files", type=int, default=5, help="With --next-of: files released that month.")

    def handle(self, *args, out, seed, agreements, files, edition, file_format, next_of, **options):
        if not CODE.match(edition):
            raise CommandError(f"--edition {edition!r} is not a month: write it as YYYY-MM")
        if next_of:
            try:
                earlier = synthetic.from_workbook(next_of, seed=seed)
            except RegisterFileError as error:
                raise CommandError(str(error)) from error
            register = synthetic.next_edition(
                earlier,
                edition,
                added=options["added"],
                changed=options["changed"],
                dropped=options["dropped"],
                new_files=5,
                seed=seed + 1,
                month_files=options["month_files"],
            )
        else:
            if agreements < 1 or files < 0:
                raise CommandError("--agreements must be at least 1 and --files at least 0")
            register = synthetic.build(seed=seed, agreements=agreements, files=files, edition=edition)
        paths = synthetic.write(register, out, file_format)
        counts = register.counts
        for path in paths:
            self.stdout.write(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
        self.stdout.write(
            "Synthetic register (not real data): {agreements:,} agreements, {versions:,} versions, "
            "{datasets:,} dataset rows, {files:,} file rows.".format(**counts)
        )
