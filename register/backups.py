"""Back up and restore the whole database, on SQLite or PostgreSQL, for `make backup` and `make restore`.

SQLite: the sqlite3 online backup API copies the live database page by page into a file (readers and
writers may carry on), and restores the same way in the other direction. PostgreSQL: `pg_dump` in its
custom format, restored by `pg_restore --clean --single-transaction`, so a restore that fails part-way
changes nothing. Either way a restore first checks that the file is a backup of the right kind, then
keeps a backup of what it is about to replace, and afterwards renews the data version so that no page
cached before the restore is served again.

A backup holds everything: the register, curators' accounts and the audit trail, sign-in records.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

SUFFIX = {"sqlite": ".sqlite3", "postgresql": ".dump"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def engine():
    if connection.vendor not in SUFFIX:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def default_path(label="register"):
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
    return Path(settings.REGISTER_BACKUP_DIR) / f"{label}-{stamp}{SUFFIX[engine()]}"


def backup(path=None):
    """Write a backup of the whole database to `path` (default: var/backups/register-<time>.<kind>)."""
    path = Path(path) if path else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise BackupError(f"{path} exists already: choose a new file name, backups are never overwritten.")
    partial = path.with_name(path.name + ".partial")
    partial.touch(mode=0o600)  # it holds curators' password hashes and sessions: the owner's alone, from the start
    try:
        if engine() == "sqlite":
            _sqlite_backup(partial)
        else:
            _pg_run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"])
        partial.chmod(0o600)  # whatever the dump did to it
        partial.rename(path)  # a backup file that exists is a complete one
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore(path):
    """Replace the whole database with the backup at `path`; returns the backup made of what was replaced."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    check(path)
    safety = backup(default_path("before-restore"))
    if engine() == "sqlite":
        _sqlite_restore(path)
    else:
        _pg_run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={_pg_dbname()}",
                str(path),
            ]
        )
    from register import caching

    caching.bump()
    return safety


def check(path):
    """Refuse a file that is not a backup this database can restore, saying what it is instead."""
    if engine() == "sqlite":
        try:
            source = sqlite3.connect(_read_only(path), uri=True)
            try:
                tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            finally:
                source.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not an SQLite backup ({error}).") from error
        if "django_migrations" not in tables:
            raise BackupError(f"{path} is an SQLite file but not a backup of this site (no django_migrations table).")
    else:
        listing = _pg_run(["pg_restore", "--list", str(path)], failure=f"{path} is not a pg_dump custom-format backup")
        if "django_migrations" not in listing:
            raise BackupError(f"{path} is a PostgreSQL dump but not a backup of this site (no django_migrations).")


def _read_only(path):
    """A backup file opened to be read, never written: `immutable` also keeps SQLite from making -wal and -shm files
    beside it (a backup of a database in WAL mode is in WAL mode too), which a restore left in the backups folder."""
    return f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1"


def _sqlite_backup(path):
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _sqlite_restore(path):
    connection.ensure_connection()
    source = sqlite3.connect(_read_only(path), uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _pg_dbname():
    return connection.settings_dict["NAME"]


def _pg_run(command, failure=None):
    """Run a PostgreSQL client with the connection settings in its environment (never on its command line)."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed: install the PostgreSQL client tools (postgresql-client).")
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGCONNECT_TIMEOUT": "10"}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{failure or command[0] + ' failed'}: {result.stderr.strip()}")
    return result.stdout
