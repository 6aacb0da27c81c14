"""One writer of register content at a time (register.locks): on PostgreSQL an advisory lock that an import holds
for its whole transaction, and that a curator's change waits for, a bounded time, before saying nothing was saved.
And an import leaves the planner the statistics of what it wrote (loader.refresh_statistics)."""

import psycopg
import pytest
from django.contrib import admin
from django.db import connection, utils
from django.urls import reverse

from register import actions, locks
from register.importing import import_register_file
from register.models import Organisation, OrganisationAlias
from tests.admin_forms import change_form_data
from tests.importing import small_register, write_register
from tests.pagetext import page_text

GREATER_MANCHESTER = "nhs-greater-manchester-integrated-care-board"


@pytest.fixture
def postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("the writers' lock is PostgreSQL's: SQLite lets one transaction write at a time anyway")


@pytest.fixture
def another_writer(postgresql):
    """Another connection to the same server holding the writers' lock, as an import in progress does."""
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
    )
    other.execute("SELECT pg_advisory_lock(%s)", [locks.LOCK_KEY])
    yield other
    other.close()


def advisory_locks_held():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
            "AND objid = %s",
            [locks.LOCK_KEY & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0]


def test_an_import_holds_the_writers_lock_until_its_transaction_ends(postgresql, tmp_path):
    """Two imports at once failed with a raw IntegrityError or KeyError (the second met the first's edition half
    written): each now waits for the one before."""
    assert advisory_locks_held() == 0
    import_register_file(write_register(small_register(agreements=3, files=6), tmp_path))
    assert advisory_locks_held() == 1  # the test's transaction has not ended: the import's lock is still held


def test_a_curators_change_behind_a_long_import_is_refused_and_changes_nothing(another_writer, curator, monkeypatch):
    """A change made while an import was written waited on its locks until gunicorn killed the worker (a 500 for a
    change that was then saved, or not)."""
    monkeypatch.setattr(locks, "CURATOR_WAIT_SECONDS", 0.5)
    monkeypatch.setattr(actions, "CURATOR_WAIT_SECONDS", 0.5)
    icb = Organisation.objects.get(slug=GREATER_MANCHESTER)
    icb.notes = "Written while an import held the lock"
    with pytest.raises(locks.RegisterBusy, match="was still being written after 0.5 seconds"):
        actions.save_curated(icb, curator, ["notes"])
    assert Organisation.objects.get(slug=GREATER_MANCHESTER).notes == ""


def test_the_admin_says_a_change_refused_behind_an_import_was_not_saved(another_writer, curator_client, monkeypatch):
    monkeypatch.setattr(actions, "CURATOR_WAIT_SECONDS", 0.5)
    icb = Organisation.objects.get(slug=GREATER_MANCHESTER)
    url = reverse("admin:register_organisation_change", args=[icb.pk])
    response = curator_client.post(url, change_form_data(curator_client.get(url), notes="Not saved"))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    text = page_text(response)
    assert "Busy: your change was not saved" in text
    assert "Nothing was changed." in text
    assert Organisation.objects.get(pk=icb.pk).notes == ""


def test_an_import_leaves_the_planner_statistics_of_what_it_wrote(postgresql, tmp_path):
    """Left with an empty register's statistics until autovacuum came round, the planner took a list with three
    filters from 90 ms to 1.3 s after a full-size import."""
    report = import_register_file(write_register(small_register(agreements=3, files=6), tmp_path))
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'register_filerelease'")
        assert cursor.fetchone()[0] == report.rows_read["files"]


def test_a_bulk_action_takes_its_turn_once_before_its_first_row(postgresql, curator, monkeypatch, rf):
    """Deleting several rows took the lock row by row, each row its own transaction: an import taking the lock in
    between left half of them deleted. The lock is now held before the first row, for all of them."""
    held_at_each_row = []
    delete_curated = actions.delete_curated

    def spy(obj, user):
        held_at_each_row.append(advisory_locks_held())
        return delete_curated(obj, user)

    monkeypatch.setattr(actions, "delete_curated", spy)
    icb = Organisation.objects.get(slug=GREATER_MANCHESTER)
    OrganisationAlias.objects.create(organisation=icb, spelling="GM ICB (a spelling to delete)")
    OrganisationAlias.objects.create(organisation=icb, spelling="Greater Manchester (another)")
    request = rf.post("/")
    request.user = curator
    chosen = OrganisationAlias.objects.filter(
        spelling__in=["GM ICB (a spelling to delete)", "Greater Manchester (another)"]
    )
    admin.site._registry[OrganisationAlias].delete_queryset(request, chosen)
    assert held_at_each_row == [1, 1]
    assert not OrganisationAlias.objects.filter(pk__in=[alias.pk for alias in chosen]).exists()  # chosen: cached


def test_database_is_locked_on_sqlite_gets_the_busy_page_too(db, rf):
    """SQLite waits on its own lock: a curator's save behind an import was a 500 "database is locked"."""
    request = rf.post("/admin/")
    response = locks.RegisterBusyMiddleware(lambda r: None).process_exception(
        request, utils.OperationalError("database is locked")
    )
    assert response.status_code == 503
    assert "was not saved" in response.content.decode()
    assert locks.RegisterBusyMiddleware(lambda r: None).process_exception(request, ValueError("other")) is None
