"""make bench-web: the public pages' server time and SQL queries, on a full-size synthetic register.

A benchmark, not a test: it prints figures and the targets beside them, and fails only if a page fails.

It builds a fresh SQLite database (var/bench-web.sqlite3 unless --db says otherwise), loads the reference
organisations, then a synthetic register of the real one's size (~1,900 agreements, ~5,500 versions, 100k files):
  --source register   `manage.py generate_register` writes the synthetic workbook, `manage.py import_register`
                      loads it (the importer's commands; the default when they are installed)
  --source factories  tests/factories.bulk_register builds the same size directly (the default until then; with
                      --agreements/--versions/--files it also makes a quick run at small size)
Each page is requested once to warm up and count its SQL queries, then --runs times through the whole Django
stack (middleware, view, template) in this process, timed; the median is printed. "rendered" is with the page cache
off (DJANGO_PAGE_CACHE_SECONDS=0: every request renders, as the first after an import does); "cached" is the same
request served from the per-data-version page cache (register.caching), as most visitors get it. The targets apply
to "rendered". The CSV export of every agreement is read to its last byte, timed, then read again under tracemalloc
for its peak memory, beside the peaks for fewer rows: flat memory means they stay close once a query has more rows
than one chunk (register.downloads.CHUNK) holds.

Usage: python scripts/bench_web.py [--source register|factories] [--runs 15] [--db PATH] [--keep]
                                   [--agreements N] [--versions N] [--files N]
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS, TARGET_QUERIES, TARGET_CSV_SECONDS = 150, 15, 10


def configure(db_path):
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    # Production mode, as visitors get it: no debug toolbar of any kind, templates cached.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-" + "x" * 50)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    os.environ["DJANGO_HASHED_STATIC"] = "0"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


def build(args):
    from django.core.management import call_command, get_commands

    from register.models import AgreementFacet

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_site_data", no_seed=True, verbosity=0)
    source = args.source or ("register" if "generate_register" in get_commands() else "factories")
    if source == "register":
        workbook = Path(args.db).with_suffix(".xlsx")
        options = {"edition": "2025-11"}
        if args.agreements:
            options["agreements"] = args.agreements
        if args.files:
            options["files"] = args.files
        call_command("generate_register", str(workbook), seed=4, **options)
        call_command("import_register", str(workbook), edition="2025-11")
    else:
        from tests import factories

        sizes = {
            "agreements": args.agreements or 1900,
            "versions": args.versions or 5500,
            "files": args.files or 100_000,
        }
        factories.bulk_register(**sizes)
    if not AgreementFacet.objects.exists():
        # Fixtures and factories write without announcing a change; an import announces it (and this is skipped).
        call_command("rebuild_search_index", verbosity=0)
    return source, time.perf_counter() - started


def chosen_pages():
    """The pages the issue names, picked from the data loaded: the heaviest of each kind."""
    from django.db.models import Count
    from django.urls import reverse

    from register.models import Agreement, AgreementFacet, Organisation
    from register.queries import holding_counts

    agreement = Agreement.objects.order_by("-file_count", "reference").first()
    icbs = list(Organisation.objects.filter(kind=Organisation.Kind.ICB).values_list("pk", flat=True))
    counts = holding_counts(icbs)
    icb = Organisation.objects.get(pk=max(icbs, key=lambda pk: (counts[pk].agreements, -pk)))
    top = (
        AgreementFacet.objects.filter(facet="dataset")
        .values("value")
        .annotate(n=Count("agreement_id"))
        .order_by("-n", "value")
        .first()
    )
    dataset = top["value"]
    listing = reverse("register:agreements")
    return [
        ("home", reverse("register:home")),
        ("agreement list, no filter", listing),
        ("agreement list, three filters", f"{listing}?dataset={dataset}&sensitivity=sensitive&commercial=no"),
        ("agreement list, a search", f"{listing}?q=hospital+admissions"),
        # A two-letter prefix matches most words of most agreements: the search's slowest kind of query.
        ("agreement list, a word and a prefix", f"{listing}?q=data+ca*"),
        # What anyone may type, bounded by register.search: eight one-letter prefixes (left out now; on the real
        # register they took 19 s before), and ten two-letter prefixes, 100 a page (the first three are searched).
        ("agreement list, eight a*", f"{listing}?q=" + "+".join(["a*"] * 8)),
        (
            "agreement list, ten prefixes, 100 a page",
            f"{listing}?q=ca*+da*+pa*+he*+re*+co*+in*+st*+ex*+pr*&per_page=100",
        ),
        (f"an agreement ({agreement.file_count} files)", agreement.get_absolute_url()),
        (f"an ICB page ({counts[icb.pk].agreements} agreements)", icb.get_absolute_url()),
        ("a dataset page (the most named)", reverse("register:dataset", args=[dataset])),
    ]


def consume(response):
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measure(client, url, runs, page_cache=False):
    """(median ms, SQL queries of the first request, its bytes); with the page cache off unless `page_cache`."""
    from django.db import connection
    from django.test import override_settings

    if not page_cache:
        with override_settings(PAGE_CACHE_SECONDS=0):
            return measure(client, url, runs, page_cache=True)

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper sees every query, however the request resets the debug query log.
    with connection.execute_wrapper(count):
        response = client.get(url)
        size = consume(response)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        consume(client.get(url))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, len(queries), size


def export_memory(client, url):
    tracemalloc.start()
    size = consume(client.get(url))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6, size


def fewer_rows(total):
    """Two filtered downloads, one under a chunk of rows and one of about half of them: (query, rows) each."""
    from register.filters import AgreementFilter
    from register.models import Agreement

    candidates = [f"{name}={value}" for name in ("commercial", "sublicensing", "files") for value in ("yes", "no")]
    counted = []
    for query in candidates:
        name, value = query.split("=")
        filterset = AgreementFilter({name: value}, queryset=Agreement.objects.all())
        if filterset.is_valid():
            counted.append((query, filterset.qs.count()))
    small = min((each for each in counted if each[1]), key=lambda each: each[1], default=None)
    half = min(counted, key=lambda each: abs(each[1] - total / 2), default=None)
    return [each for each in dict.fromkeys([small, half]) if each]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=["register", "factories"])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", default=str(ROOT / "var" / "bench-web.sqlite3"))
    parser.add_argument("--keep", action="store_true", help="Reuse the database of a previous run.")
    parser.add_argument("--agreements", type=int)
    parser.add_argument("--versions", type=int)
    parser.add_argument("--files", type=int)
    args = parser.parse_args(argv)

    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    if not args.keep:
        for stale in db.parent.glob(db.name + "*"):
            stale.unlink()
    configure(db)

    from django.test import Client
    from django.urls import reverse

    from register.downloads import CHUNK
    from register.models import Agreement, AgreementVersion, FileRelease

    if args.keep and db.exists() and Agreement.objects.exists():
        source, built = "kept", 0.0
    else:
        source, built = build(args)
    print(
        f"Register ({source}, built in {built:.0f} s): {Agreement.objects.count()} agreements, "
        f"{AgreementVersion.objects.count()} versions, {FileRelease.objects.count()} file releases; "
        f"SQLite at {db}; median of {args.runs} runs after one warm-up."
    )
    print(f"Targets: under {TARGET_MS} ms median and under {TARGET_QUERIES} queries a page; CSV under "
          f"{TARGET_CSV_SECONDS} s at flat memory.\n")  # fmt: skip
    client = Client()
    print(f"{'page':<46} {'rendered ms':>12} {'queries':>8} {'cached ms':>10}  (medians)")
    for name, url in chosen_pages():
        median, queries, _ = measure(client, url, args.runs)
        cached, _, _ = measure(client, url, args.runs, page_cache=True)
        flag = "" if median < TARGET_MS and queries < TARGET_QUERIES else "  <- over target"
        print(f"{name:<46} {median:>12.1f} {queries:>8} {cached:>10.1f}{flag}")

    everything = reverse("register:agreements-csv")
    median, queries, _ = measure(client, everything, max(3, args.runs // 5))
    peak, size = export_memory(client, everything)
    flag = "" if median / 1000 < TARGET_CSV_SECONDS else "  <- over target"
    print(
        f"\nCSV export of every agreement ({Agreement.objects.count()} rows, {size / 1e6:.1f} MB): "
        f"{median / 1000:.2f} s median, {queries} queries{flag}"
    )
    print(f"  peak Python memory while streaming it: {peak:.1f} MB for all {Agreement.objects.count()} rows")
    for query, rows in fewer_rows(Agreement.objects.count()):
        part_peak, _ = export_memory(client, f"{everything}?{query}")
        print(f"  {'':<38} {part_peak:.1f} MB for {rows} rows (?{query})")
    print(f"  (rows are read {CHUNK} at a time, so memory follows the chunk, not the number of rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
