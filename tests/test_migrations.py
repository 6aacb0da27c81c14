"""Migrations run backwards to zero and forwards again on the suite's database engine, leaving what the
forward run made (the Curators group, the data version) as it was."""

import pytest

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


LEFT_BEHIND = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE register_search_stretch (agreement_id bigint NOT NULL, document tsvector NOT NULL)")
    cursor.execute("INSERT INTO register_search_stretch VALUES (0, to_tsvector('simple', 'a replaced database'))")
"""
PHRASE = """
from django.db import connection
from register import search
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM register_search_stretch WHERE agreement_id = 0")
    print(cursor.fetchone()[0], len(search.ranked_agreements(search.parse('"invoice validation"'))))
"""


def test_the_phrase_index_migration_copes_with_a_table_a_restored_backup_left_behind(
    scratch_database, scratch_databases
):
    """A PostgreSQL backup from before migration 0012, restored over a newer database, leaves register_search_stretch
    behind (pg_restore --clean drops only what the dump holds), holding the replaced database's stretches: the
    migrate that follows failed ("relation already exists"), and phrases were searched in the wrong stretches."""
    if scratch_databases.vendor != "postgresql":
        pytest.skip("the phrase index is PostgreSQL's alone (SQLite's FTS5 needs none)")
    manage("migrate", "register", "0011", "--no-input", database_url=scratch_database)
    manage("shell", "--no-imports", "-c", LEFT_BEHIND, database_url=scratch_database)
    manage("migrate", "--no-input", database_url=scratch_database)
    stale, found = map(int, manage("shell", "--no-imports", "-c", PHRASE, database_url=scratch_database).stdout.split())
    assert stale == 0
    assert found > 0  # the seed agreements' phrases, found in stretches of their own


KINDS_BEFORE = """
from register.models import Organisation
NICE = "NATIONAL INSTITUTE FOR HEALTH AND CARE EXCELLENCE (NICE)"
Organisation.objects.create(name=NICE, slug="nice", kind="university")
Organisation.objects.create(name="HMRC", slug="hmrc", kind="other", curated_fields=["kind"])
Organisation.objects.create(name="OLIVER WYMAN", slug="oliver-wyman", kind="company")
"""
KINDS = """
from register.models import Organisation
print(" ".join(Organisation.objects.get(slug=slug).kind for slug in ("nice", "hmrc", "oliver-wyman")))
"""


def test_organisations_loaded_before_the_kind_rules_take_the_kinds_their_names_give(scratch_database):
    manage("migrate", "register", "0012", "--no-input", database_url=scratch_database)
    manage("shell", "--no-imports", "-c", KINDS_BEFORE, database_url=scratch_database)
    manage("migrate", "--no-input", database_url=scratch_database)
    # NICE is a government body now; a kind a curator set stays; a kind the name cannot tell stays too
    assert manage("shell", "--no-imports", "-c", KINDS, database_url=scratch_database).stdout.split() == [
        "government",
        "other",
        "company",
    ]


ICB_CODE_CLEARED = """
from register.models import Organisation
Organisation.objects.filter(slug="nhs-greater-manchester-integrated-care-board").update(ods_code="", notes="Kept")
"""
GREATER_MANCHESTER = """
from register.models import Organisation
icb = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
print(repr(icb.ods_code), icb.notes)
"""


def test_a_site_loaded_before_the_fixture_was_recorded_is_never_loaded_over(scratch_database):
    """Migration 0014 records that the reference organisations were loaded: before it, "loaded" was read as 42 ICBs
    with ODS codes, so one code a curator cleared made the next load_site_data load the fixture over every edit."""
    manage("migrate", "register", "0013", "--no-input", database_url=scratch_database)
    manage("shell", "--no-imports", "-c", ICB_CODE_CLEARED, database_url=scratch_database)
    manage("migrate", "--no-input", database_url=scratch_database)
    loading = manage("load_site_data", "--no-seed", database_url=scratch_database)
    assert "Reference organisations: already loaded." in loading.stdout
    assert manage("shell", "--no-imports", "-c", GREATER_MANCHESTER, database_url=scratch_database).stdout.split() == [
        "''",
        "Kept",
    ]
