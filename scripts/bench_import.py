"""`make bench-import`: how long a full-size import takes, how much memory it needs, and how that compares with
only reading the workbook.

1. Generates the full-size synthetic register (register.synthetic defaults: ~1,900 agreements, ~5,500
   versions, 105,000 file rows, ~29 MB), cached in var/bench/ under a name that carries the generator's
   arguments and the hash of register/synthetic.py, so it is rebuilt only when the generator changes.
2. In separate child processes (peak memory is each child's own ru_maxrss): reads the three sheets with
   python-calamine and with openpyxl's read-only mode (just iterating the cells), reads the workbook into the
   importer's records (register.importers, no database), and imports it into a fresh SQLite database that
   holds only the reference organisations, as after `make run` or a deployment.
3. Prints the figures, the import's own account of where its time went (`import_register --timings`), the floor
   of this design worked out from them (see `design_floor`), and checks them against the targets: import under
   60 s and 1 GB, at most 3x the time the importer takes only to read the workbook.

Prints figures; asserts nothing in the test suite (timings belong here, not in tests).
"""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
PYTHON = sys.executable
SHEETS = ["Agreements", "Datasets", "DataReleases"]
TARGET_SECONDS, TARGET_BYTES, TARGET_RATIO = 60, 1024**3, 3

CALAMINE = """
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path({path!r})
rows = sum(1 for name in {sheets!r} for _ in book.get_sheet_by_name(name).iter_rows())
print(rows)
"""
OPENPYXL = """
import warnings
warnings.simplefilter("ignore")
import openpyxl
book = openpyxl.load_workbook({path!r}, read_only=True, data_only=True)
rows = sum(1 for name in {sheets!r} for _ in book[name].iter_rows(values_only=True))
print(rows)
"""
RECORDS = """
import django
django.setup()
from register.importers import read_register_file
contents = read_register_file({path!r})
print(len(contents.versions), len(contents.files))
"""


def environment(database):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-" + "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{database}",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def child(command, env):
    """Run a child process; returns (wall seconds, peak resident bytes of that child, its output)."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    out, err = process.stdout.read(), process.stderr.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{out}\n{err}")
    return seconds, usage.ru_maxrss * 1024, out.strip()


def workbook(env):
    digest = hashlib.sha256((ROOT / "register" / "synthetic.py").read_bytes()).hexdigest()[:12]
    path = BENCH / f"datausesregister_synthetic_full_{digest}.xlsx"
    if not path.exists():
        BENCH.mkdir(parents=True, exist_ok=True)
        for old in BENCH.glob("datausesregister_synthetic_full_*.xlsx"):
            old.unlink()
        print(f"Generating {path.name} (cached for later runs) ...", flush=True)
        child([PYTHON, "manage.py", "generate_register", str(path), "--edition", "2025-11"], env)
    return path


def stage_seconds(lines, label):
    """The seconds of one line of `import_register --timings` ("  committing     1.48 s"), by its label's start."""
    for line in lines:
        text = line.strip()
        if text.startswith(label) and text.endswith(" s"):
            return float(text.removesuffix(" s").split()[-1])
    raise ValueError(f"no line starting {label!r} in the import's timings")


def design_floor(read_seconds, timings):
    """What no speeding-up of the import's own Python can take away, in this design (read the whole file, then
    write it, in one process): reading the workbook into records (the read-only child's time, starting Python and
    Django included), SQLite running the statements, and committing. Returns (sql, commit, floor) seconds."""
    sql = stage_seconds(timings, "of which running SQL")
    commit = stage_seconds(timings, "committing")
    return sql, commit, read_seconds + sql + commit


def main():
    database = BENCH / "bench.sqlite3"
    env = environment(database)
    path = workbook(env)
    print(f"Workbook: {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.1f} MB)")
    figures = {}
    for label, script in (("python-calamine", CALAMINE), ("openpyxl read-only", OPENPYXL), ("records", RECORDS)):
        seconds, peak, out = child([PYTHON, "-c", script.format(path=str(path), sheets=SHEETS)], env)
        figures[label] = (seconds, peak)
        print(f"Read only, {label:<19} {seconds:6.1f} s  peak {peak / 1e6:7.0f} MB  ({out})", flush=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    child([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env)
    # As after `make run` or a deployment: the reference organisations are loaded (the import would load them).
    child([PYTHON, "manage.py", "load_site_data", "--no-seed", "-v0"], env)
    command = [PYTHON, "manage.py", "import_register", str(path), "--edition", "2025-11", "--timings"]
    seconds, peak, out = child(command, env)
    print(f"Import into a fresh SQLite database: {seconds:.1f} s wall, peak {peak / 1e6:.0f} MB")
    lines = out.splitlines()
    timings = lines.index("Where the time went:")
    print("\n".join("    " + line for line in lines[:9] + lines[timings:]))
    read_seconds = figures["records"][0]
    ratio = seconds / read_seconds
    print(
        f"Import / read into records: {ratio:.1f}x; import / python-calamine read: "
        f"{seconds / figures['python-calamine'][0]:.1f}x; openpyxl read-only / python-calamine: "
        f"{figures['openpyxl read-only'][0] / figures['python-calamine'][0]:.1f}x"
    )
    sql, commit, floor = design_floor(read_seconds, lines[timings:])
    print(
        f"Floor of this design: reading into records {read_seconds:.1f} s + SQLite running the statements "
        f"{sql:.1f} s + committing {commit:.1f} s = {floor:.1f} s, {floor / read_seconds:.1f}x the read, before any "
        "of the import's own Python"
    )
    checks = [
        (f"import under {TARGET_SECONDS} s", seconds < TARGET_SECONDS),
        ("peak memory under 1 GB", peak < TARGET_BYTES),
        (f"at most {TARGET_RATIO}x the time to read the workbook into records", ratio <= TARGET_RATIO),
    ]
    for label, ok in checks:
        print(f"{'met ' if ok else 'MISSED'} {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
