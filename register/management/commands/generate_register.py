"""`manage.py generate_register OUT.xlsx`: write a synthetic register (marked as such) for tests and benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from register import synthetic
from register.editions import CODE


class Command(BaseCommand):
    help = "Write a deterministic synthetic register in the official monthly format (full size by default)."

    def add_arguments(self, parser):
        parser.add_argument("out", help="The .xlsx file to write (with --format csv: one <stem>-<Sheet>.csv each).")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--agreements", type=int, default=1900)
        parser.add_argument("--files", type=int, default=105000)
        parser.add_argument("--edition", default="2025-11", help="The month it pretends to cover, YYYY-MM.")
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", dest="file_format")

    def handle(self, *args, out, seed, agreements, files, edition, file_format, **options):
        if not CODE.match(edition):
            raise CommandError(f"--edition {edition!r} is not a month: write it as YYYY-MM")
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
