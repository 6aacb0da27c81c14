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
