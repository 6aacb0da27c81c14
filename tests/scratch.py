"""Scratch databases: real, committed databases that other processes (manage.py, make, gunicorn) open, for
tests of backups, migrations run backwards and the container's command. The test database cannot serve:
its changes are never committed, and on SQLite it lives in memory.

They use the engine the suite runs on: SQLite files in a temporary folder, or PostgreSQL databases named after
the test database (so engineers sharing a server keep apart). A template is migrated and loaded with the
reference organisations and seed agreements once per run; each test gets a fresh copy of it.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, database_url, check=True, env=None, timeout=300):
    """Run manage.py in its own process against `database_url`, in the test run's (production) environment."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


class ScratchDatabases:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.vendor = connection.vendor
        self.settings = dict(connection.settings_dict)
        self.prefix = re.sub(r"\W", "_", f"{self.settings['NAME']}".split("/")[-1])[:40]
        self.made = []
        self.template = None

    def url(self, name):
        if self.vendor == "sqlite":
            return f"sqlite:///{self.folder / name}.sqlite3"
        db = self.settings
        password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
        server = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        return f"postgres://{quote(db['USER'] or '', safe='')}{password}@{server}/{self.dbname(name)}"

    def dbname(self, name):
        return f"{self.prefix}_scratch_{name}"

    def _admin(self, sql):
        import psycopg

        db = self.settings
        with psycopg.connect(
            dbname="postgres",
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            autocommit=True,
        ) as admin:
            admin.execute(sql)

    def drop(self, name):
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.folder / name}.sqlite3{suffix}").unlink(missing_ok=True)
        else:
            self._admin(f'DROP DATABASE IF EXISTS "{self.dbname(name)}" WITH (FORCE)')

    def create(self, name):
        """A new database with the site's tables, reference organisations and seed agreements."""
        self.drop(name)
        if self.vendor != "sqlite":
            self._admin(f'CREATE DATABASE "{self.dbname(name)}"')
        self.made.append(name)
        url = self.url(name)
        manage("migrate", "--no-input", database_url=url)
        manage("load_site_data", database_url=url)
        return url

    def copy(self, name):
        """A fresh copy of the template (made on first use)."""
        if self.template is None:
            self.create("template")
            self.template = "template"
        self.drop(name)
        if self.vendor == "sqlite":
            shutil.copyfile(f"{self.folder / self.template}.sqlite3", f"{self.folder / name}.sqlite3")
        else:
            self._admin(f'CREATE DATABASE "{self.dbname(name)}" TEMPLATE "{self.dbname(self.template)}"')
        self.made.append(name)
        return self.url(name)

    def drop_all(self):
        for name in self.made:
            self.drop(name)
