"""`make backup` and `make restore` on the database the suite runs on (SQLite, or PostgreSQL in the
PostgreSQL run): back up, change, restore, compare everything; a bad file is refused and changes nothing."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from register import backups
from tests.scratch import ROOT, manage

# Everything a restore must bring back, in a comparable form. The data version is left out: a restore renews it.
SNAPSHOT = ["dumpdata", "--natural-foreign", "--natural-primary", "--exclude=register.dataversion", "--indent=1"]

CHANGE = """
from django.contrib.auth.models import User
from register import actions
from register.models import Organisation, OrganisationAlias
curator = User.objects.create_user("late-curator", password="a-long-test-password", is_staff=True)
icb = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
icb.name = "Renamed after the backup"
actions.save_curated(icb, curator, ["name"])
OrganisationAlias.objects.create(organisation=icb, spelling="GM ICB (added after the backup)")
"""

TOKEN = "from register.models import DataVersion; print(DataVersion.objects.get().token)"


def snapshot(url):
    return manage(*SNAPSHOT, database_url=url).stdout


def make(target, url, backup_dir, **variables):
    env = {**os.environ, "DATABASE_URL": url, "REGISTER_BACKUP_DIR": str(backup_dir)}
    command = ["make", "--no-print-directory", target, *(f"{name}={value}" for name, value in variables.items())]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"make {target} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def suffix(scratch_databases):
    return ".sqlite3" if scratch_databases.vendor == "sqlite" else ".dump"


def test_backup_change_restore_brings_back_exactly_what_was_saved(scratch_database, tmp_path, suffix):
    saved = snapshot(scratch_database)
    assert "nhs-greater-manchester-integrated-care-board" in saved
    token_before = manage("shell", "--no-imports", "-c", TOKEN, database_url=scratch_database).stdout.strip()
    backup_file = tmp_path / f"saved{suffix}"

    make("backup", scratch_database, tmp_path, BACKUP=backup_file)
    assert backup_file.stat().st_size > 0

    manage("shell", "--no-imports", "-c", CHANGE, database_url=scratch_database)
    changed = snapshot(scratch_database)
    assert "Renamed after the backup" in changed
    assert "late-curator" in changed

    output = make("restore", scratch_database, tmp_path, BACKUP=backup_file)
    assert snapshot(scratch_database) == saved
    assert sorted(path.name for path in tmp_path.glob("saved*")) == [backup_file.name]  # no -wal, -shm beside it
    token_after = manage("shell", "--no-imports", "-c", TOKEN, database_url=scratch_database).stdout.strip()
    assert token_after != token_before  # pages cached before the restore are never served again

    # What the restore replaced was kept, and restores in turn.
    kept = re.search(r"What it replaced is kept in (\S+)", output).group(1)
    make("restore", scratch_database, tmp_path, BACKUP=kept)
    assert snapshot(scratch_database) == changed


def test_make_backup_without_a_path_writes_a_dated_file_and_never_overwrites(scratch_database, tmp_path, suffix):
    output = make("backup", scratch_database, tmp_path)
    written = list(tmp_path.glob(f"register-*{suffix}"))
    assert len(written) == 1
    assert str(written[0]) in output
    assert written[0].stat().st_mode & 0o777 == 0o600  # it holds password hashes: the owner's alone
    again = manage("backup", str(written[0]), database_url=scratch_database, check=False)
    assert again.returncode != 0
    assert "exists already" in again.stderr


def test_restoring_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(scratch_database, tmp_path):
    before = snapshot(scratch_database)
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("these are not the tables you are looking for\n")
    result = manage("restore", "--no-input", str(not_a_backup), database_url=scratch_database, check=False)
    assert result.returncode != 0
    assert "is not a" in result.stderr
    assert "Nothing was changed" in result.stderr
    missing = manage("restore", "--no-input", str(tmp_path / "absent.dump"), database_url=scratch_database, check=False)
    assert "No backup file at" in missing.stderr
    assert snapshot(scratch_database) == before


def test_make_restore_needs_a_file(tmp_path):
    result = subprocess.run(["make", "--no-print-directory", "restore"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert "usage: make restore BACKUP=" in result.stderr


def test_a_backup_that_fails_partway_leaves_no_file_and_was_never_readable_by_others(db, tmp_path, monkeypatch):
    """The dump is written to a `.partial` file that is the owner's alone before a byte is in it, and renamed only
    once complete: a failed backup leaves nothing that looks like a backup."""
    seen = {}

    def dump_then_fail(target, *args, **kwargs):
        target = Path(target if not isinstance(target, list) else target[-1].removeprefix("--file="))
        seen["mode"] = target.stat().st_mode & 0o777
        target.write_bytes(b"half a dump")
        raise backups.BackupError("the disk filled up")

    monkeypatch.setattr(backups, "_sqlite_backup", dump_then_fail)
    monkeypatch.setattr(backups, "_pg_run", dump_then_fail)
    path = tmp_path / "register.backup"
    with pytest.raises(backups.BackupError, match="the disk filled up"):
        backups.backup(path)
    assert seen["mode"] == 0o600
    assert list(tmp_path.iterdir()) == []
