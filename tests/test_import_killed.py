"""An import killed midway (SIGKILL, a fault injected after its file rows are written) leaves the database as it
was, and the same file then imports cleanly: nothing half-done, no lock left behind. Runs against a real,
committed scratch database (SQLite file or PostgreSQL, as the suite), in a separate process."""

import json
import os
import signal
import subprocess
import sys

from tests.importing import small_register, write_register
from tests.scratch import ROOT, manage

DIE_AFTER_FILES = """
import os, signal, sys
import django
django.setup()
from django.core.management import call_command
from register import loader

written = loader.Loader.load_files

def write_files_then_die(self, *args, **kwargs):
    written(self, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no rollback by Python: the database must cope

loader.Loader.load_files = write_files_then_die
call_command("import_register", sys.argv[1])
"""

COUNTS = """
import json
import os
from django.apps import apps
print(json.dumps({m.__name__: m.objects.count() for m in apps.get_app_config("register").get_models()}))
"""


def counts(url):
    return json.loads(manage("shell", "--no-imports", "-c", COUNTS, database_url=url).stdout.splitlines()[-1])


def test_an_import_killed_midway_leaves_the_database_unchanged(scratch_database, tmp_path):
    path = write_register(small_register(seed=3, agreements=12, files=200), tmp_path)
    before = counts(scratch_database)
    killed = subprocess.run(
        [sys.executable, "-c", DIE_AFTER_FILES, str(path)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": scratch_database, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert counts(scratch_database) == before

    result = manage("import_register", str(path), database_url=scratch_database)
    assert "Imported" in result.stdout
    after = counts(scratch_database)
    assert after["Agreement"] == before["Agreement"] + 12
    assert after["FileRelease"] > before["FileRelease"]


CREATE_RUN = """
from register.models import ImportRun
run = ImportRun.objects.create(original_name="{name}", file_path="{path}", size={size}, edition_code="2025-01")
print(run.pk)
"""

# The import of an upload in a process of its own, and the peak memory (KB) of that process, measured by its parent.
MEASURED = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(result.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(result.stderr[-2000:], file=sys.stderr)
"""


def test_an_uploads_import_stops_at_its_memory_limit_not_the_servers(scratch_database, tmp_path):
    """A 30 KB workbook whose two cells lie a million rows and a hundred columns apart made the reader allocate a
    3.3 GB grid before it could say the file was no register (the far corner XFD1048576 asked for 550 GB). An
    upload's import process now stops at REGISTER_IMPORT_MAX_MEMORY_BYTES, changing nothing."""
    import openpyxl

    path = tmp_path / "datausesregister_jan2025.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Agreements"
    workbook.active["A1"] = "Reference"
    workbook.active.cell(row=1_048_576, column=100, value=1)
    for name in ("Datasets", "DataReleases"):
        workbook.create_sheet(name)["A1"] = "Reference"
    workbook.save(path)
    assert path.stat().st_size < 100_000
    before = counts(scratch_database)
    script = CREATE_RUN.format(name=path.name, path=path, size=path.stat().st_size)
    run_id = manage("shell", "--no-imports", "-c", script, database_url=scratch_database).stdout.split()[-1]

    command = [sys.executable, "manage.py", "import_register", "--run", run_id]
    limit = {"REGISTER_IMPORT_MAX_MEMORY_BYTES": str(1024**3), "DATABASE_URL": scratch_database}
    measured = subprocess.run(
        [sys.executable, "-c", MEASURED, *command],
        cwd=ROOT,
        env={**os.environ, **limit},
        capture_output=True,
        text=True,
        timeout=300,
    )
    returncode, peak_kb = (int(word) for word in measured.stdout.split())
    assert returncode != 0, measured.stderr
    assert peak_kb < 700_000, f"the import process peaked at {peak_kb / 1e6:.1f} GB"  # 3.3 GB without the limit
    assert counts(scratch_database) == before | {"ImportRun": before["ImportRun"] + 1}
