"""Migrations run backwards to zero and forwards again on the suite's database engine, leaving what the
forward run made (the Curators group, the data version) as it was."""

from tests.scratch import manage

STATE = """
from django.contrib.auth.models import Group
from django.db import connection
from register.models import DataVersion
tables = sorted(t for t in connection.introspection.table_names() if t.startswith("register_"))
print(len(tables), Group.objects.get(name="Curators").permissions.count(), DataVersion.objects.count())
"""
TABLES = """
from django.db import connection
print(sorted(t for t in connection.introspection.table_names() if t.startswith("register_")))
"""


def applied(url):
    lines = manage("showmigrations", "register", database_url=url).stdout.splitlines()
    return [line.strip()[:3] for line in lines if line.strip().startswith("[")]


def test_migrations_run_backwards_to_zero_and_forwards_again(scratch_database):
    before = manage("shell", "--no-imports", "-c", STATE, database_url=scratch_database).stdout.split()
    tables, permissions, versions = map(int, before)
    assert tables >= 10
    assert permissions >= 30  # the Curators group's; the round trip must give back exactly these
    assert versions == 1
    assert set(applied(scratch_database)) == {"[X]"}

    manage("migrate", "register", "zero", "--no-input", database_url=scratch_database)
    assert set(applied(scratch_database)) == {"[ ]"}
    assert manage("shell", "--no-imports", "-c", TABLES, database_url=scratch_database).stdout.strip() == "[]"

    manage("migrate", "--no-input", database_url=scratch_database)
    assert set(applied(scratch_database)) == {"[X]"}
    after = manage("shell", "--no-imports", "-c", STATE, database_url=scratch_database).stdout.split()
    assert after == before
