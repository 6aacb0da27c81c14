"""`make bench-load`: gunicorn under production settings, on loopback, driven by 50 simulated visitors for 60 s.

1. Builds (or with --keep reuses) a SQLite database holding the full-size synthetic register: the workbook that
   `make bench-import` generates (cached in var/bench/), imported into var/bench-load/bench.sqlite3; or uses
   DATABASE_URL when it is set (e.g. PostgreSQL), importing into it only when it holds no agreement.
2. Collects the static files and starts the Dockerfile's server command (gunicorn with gunicorn.conf.py) with
   production settings, behind a pretend TLS proxy (X-Forwarded-Proto), logging to var/bench-load/gunicorn.log.
3. Writes a sample of real addresses from the database (agreements, organisations, filters, searches, exports) and
   runs locust headless (scripts/locustfile.py: home, search, filtered list, agreement, organisation, CSV export).
4. Prints throughput, p50, p95, p99 and errors per kind of page and overall, against the targets: 0 errors and
   p95 under 300 ms.

Usage: python scripts/bench_load.py [--users 50] [--seconds 60] [--keep] [--workers N]
"""

import argparse
import csv
import json
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import bench_import

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench-load"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
TARGET_P95_MS = 300

SAMPLE = """
import django, json, random
django.setup()
from django.db.models import Count
from django.urls import reverse
from register.models import Agreement, AgreementFacet, Organisation
random.seed(7)
refs = list(Agreement.objects.values_list("reference", flat=True))
orgs = list(Organisation.objects.annotate(n=Count("applications")).filter(n__gt=0).values_list("slug", flat=True))
orgs += list(Organisation.objects.filter(kind="icb").values_list("slug", flat=True))
def values(facet):
    return list(AgreementFacet.objects.filter(facet=facet).values_list("value", flat=True).distinct()[:40])
datasets, bases = values("dataset"), values("legal_basis")
filters = []
for _ in range(200):
    choice = [f"dataset={{random.choice(datasets)}}"]
    if random.random() < 0.5:
        choice.append(random.choice(["sensitivity=sensitive", "commercial=no", "files=yes", "opt_outs=no"]))
    if random.random() < 0.3: choice.append(f"legal_basis={{random.choice(bases)}}")
    if random.random() < 0.3: choice.append(random.choice(["sort=-files", "sort=title", "page=2"]))
    filters.append("&".join(choice))
print(json.dumps({{
    "agreements": [reverse("register:agreement", args=[r]) for r in random.sample(refs, min(300, len(refs)))],
    "organisations": [reverse("register:organisation", args=[s]) for s in random.sample(orgs, min(150, len(orgs)))],
    "filters": filters,
    "searches": ["hospital", "cancer+registry", "%22risk+stratification%22", "invoice+validation", "covid*",
                 "university", "mental+health", "DARS-NIC", "pseudonymised", "mortality"],
    "exports": [
        reverse("register:agreements-csv") + "?organisation=" + s for s in random.sample(orgs, min(40, len(orgs)))
    ],
}}))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command():
    """The exact command the Dockerfile's CMD runs, so the benchmark and the image cannot drift apart."""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("CMD "):
            return json.loads(line[4:])
    raise SystemExit("No CMD line in the Dockerfile.")


def prepare_database(env, keep):
    if "DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    database = OUT / "bench.sqlite3"
    if not keep and "DATABASE_URL" not in os.environ:
        for stale in OUT.glob("bench.sqlite3*"):
            stale.unlink()
    bench_import.child([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env)
    has = bench_import.child(
        [PYTHON, "manage.py", "shell", "-c", "from register.models import Agreement; print(Agreement.objects.count())"],
        env,
    )[2].splitlines()[-1]
    if int(has) == 0:
        workbook = bench_import.workbook(env)
        print(f"Importing {workbook.name} ...", flush=True)
        bench_import.child([PYTHON, "manage.py", "load_site_data", "--no-seed", "-v0"], env)
        command = [PYTHON, "manage.py", "import_register", str(workbook), "--edition", "2025-11"]
        seconds, _, _ = bench_import.child(command, env)
        print(f"Imported in {seconds:.0f} s", flush=True)
    return env.get("DATABASE_URL", f"sqlite:///{database}")


def wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The server did not answer {url} within {seconds} s; see {OUT / 'gunicorn.log'}")


def read_stats(prefix):
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's, from the CPUs)")
    parser.add_argument("--keep", action="store_true", help="reuse the database of an earlier run")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    env = bench_import.environment(OUT / "bench.sqlite3")
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    env["DJANGO_STATIC_ROOT"] = str(OUT / "static")
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    database_url = prepare_database(env, args.keep)
    bench_import.child([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    urls_file = OUT / "urls.json"
    urls_file.write_text(bench_import.child([PYTHON, "-c", SAMPLE.format()], env)[2].splitlines()[-1])

    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    command = server_command()
    command[0] = str(BIN / command[0])
    log = open(OUT / "gunicorn.log", "w")  # noqa: SIM115 (open for the server's whole life)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        host = f"http://127.0.0.1:{port}"
        # Each page once before the clock starts, as a running site has them: compiled templates, warm caches.
        for url in json.loads(urls_file.read_text())["agreements"][:5] + ["/"]:
            request = urllib.request.Request(host + url, headers={"X-Forwarded-Proto": "https"})
            urllib.request.urlopen(request, timeout=30).read()
        prefix = OUT / "locust"
        locust = [
            str(BIN / "locust"), "-f", str(ROOT / "scripts" / "locustfile.py"), "--headless", "--host", host,
            "-u", str(args.users), "-r", str(max(1, args.users // 5)), "-t", f"{args.seconds}s",
            "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        print(f"Driving {host} ({database_url}) with {args.users} users for {args.seconds} s:", flush=True)
        print("  " + shlex.join(command), flush=True)
        subprocess.run(locust, cwd=ROOT, env={**env, "BENCH_LOAD_URLS": str(urls_file)}, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()

    rows = read_stats(prefix)
    print(f"\n{'page':<16} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in rows:
        print(
            f"{row['Name']:<16} {row['Request Count']:>9} {row['Failure Count']:>7} {float(row['Requests/s']):>7.1f} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    total = next(row for row in rows if row["Name"] == "Aggregated")
    errors, p95 = int(total["Failure Count"]), float(total["95%"])
    checks = [("0 errors", errors == 0), (f"p95 under {TARGET_P95_MS} ms", p95 < TARGET_P95_MS)]
    for label, ok in checks:
        print(f"{'met ' if ok else 'MISSED'} {label}")
    if errors:
        print(f"Failures: {prefix}_failures.csv")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    random.seed(7)
    sys.exit(main())
