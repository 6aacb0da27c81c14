"""The "what changed" pages' server time and SQL queries on two full-size monthly editions: a benchmark, not a test.

It builds (once; kept in var/bench-changes/) a synthetic register of the real one's size for October and, with
`generate_register --next-of`, November (20 agreements added, 50 amended, 10 withdrawn, 100 files that month),
imports both into a fresh SQLite database, then requests each page once to warm up and count its queries and
--runs times more, timed (page cache off), and prints the median.

Usage: python scripts/bench_changes.py [--runs 9] [--rebuild]
"""

import argparse
import os
import time
from pathlib import Path

from bench_web import configure
from bench_web import measure as measure_page

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "var" / "bench-changes"


def build():
    from django.core.management import call_command

    october, november = FOLDER / "datausesregister_oct2025.xlsx", FOLDER / "datausesregister_nov2025.xlsx"
    call_command("migrate", verbosity=0)
    call_command("load_site_data", no_seed=True, verbosity=0)
    if not october.exists():
        call_command("generate_register", str(october), "--edition", "2025-10")
    if not november.exists():
        call_command(
            "generate_register", str(november), "--next-of", str(october), "--edition", "2025-11",
            "--added", "20", "--changed", "50", "--dropped", "10", "--month-files", "100",
        )  # fmt: skip
    for path in (october, november):
        started = time.perf_counter()
        call_command("import_register", str(path), verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"imported {path.name} in {time.perf_counter() - started:.1f} s")


def measure(runs):
    from django.test import Client
    from django.urls import reverse

    from register import changes
    from register.models import AgreementVersion

    found = changes.edition_changes(changes.Edition.objects.get(code="2025-11"))
    amended = next(c for c in found.agreements.values() if c.kind == changes.CHANGED)
    agreement = AgreementVersion.objects.filter(agreement_id=amended.agreement_id).first().agreement
    organisation = agreement.latest_version.applicant
    pages = {
        "/changes/": reverse("register:changes"),
        "/changes/2025-11/": reverse("register:edition-changes", args=["2025-11"]),
        "/changes/2025-10/ (first edition)": reverse("register:edition-changes", args=["2025-10"]),
        "agreement page": agreement.get_absolute_url(),
        "agreement changes ?edition=2025-11": reverse("register:agreement-changes", args=[agreement.reference])
        + "?edition=2025-11",
        "agreement as of 2025-10": reverse("register:agreement-as-of", args=[agreement.reference, "2025-10"]),
        "/changes.atom": reverse("register:changes-atom"),
        "organisation feed": reverse("register:organisation-atom", args=[organisation.slug]),
        "/agreements.atom?q=cancer": reverse("register:agreements-atom") + "?q=cancer",
    }
    client = Client()
    print(f"{'page':40} {'median ms':>10} {'queries':>8} {'KB':>7}")
    for label, url in pages.items():
        median, queries, size = measure_page(client, url, runs)
        print(f"{label:40} {median:10.0f} {queries:8} {size / 1024:7.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rebuild", action="store_true", help="import the two editions into a new database")
    args = parser.parse_args()
    FOLDER.mkdir(parents=True, exist_ok=True)
    db_path = FOLDER / "bench.sqlite3"
    fresh = args.rebuild or not db_path.exists()
    if fresh and db_path.exists():
        db_path.unlink()
    configure(db_path)
    if fresh:
        build()
    measure(args.runs)


if __name__ == "__main__":
    main()
