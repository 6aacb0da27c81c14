"""register.bulk writes rows below the ORM (executemany on SQLite, COPY on PostgreSQL): every kind of value the
import writes comes back as the ORM would have stored it, on whichever database DATABASE_URL names."""

import datetime

import pytest

from register import bulk
from register.import_timings import StageClock
from register.models import Agreement, FileRelease, VersionContent
from tests import factories

pytestmark = pytest.mark.django_db

AWKWARD = "tab\there, new\nline, back\\slash \\N, 'quotes' \"too\", £ é ✓, \r\n and a trailing space "


def test_inserted_rows_come_back_as_written_whatever_their_characters():
    found = factories.agreement(files=[("HES APC", datetime.date(2024, 3, 1), True)])
    version = found.versions.get()
    dataset_id = FileRelease.objects.get().dataset_id
    edition = factories.edition("2025-12", month=datetime.date(2025, 12, 1))
    values = {"reference_text": AWKWARD, "organisation_name": "", "type_of_data": "Pseudonymised", "sensitivity": ""}
    values |= {"frequency": "", "opt_outs_text": "Yes", "month_text": "Mar-24", "notes": "", "last_edition": None}
    names = ["file_reference", "dataset_name", "agreement", "version", "organisation", "dataset", "first_edition"]
    names += ["legal_basis", "month", "opt_outs_applied", "is_sensitive", "curated_fields", *values]
    rows = [
        [f"NIC-{n}", AWKWARD, found.pk, version.pk, None, dataset_id, edition.pk, AWKWARD * 50]
        + [datetime.date(2025, n, 1), n % 2 == 0, None, ["legal_basis"] if n == 1 else [], *values.values()]
        for n in range(1, 13)
    ]
    bulk.insert_rows(FileRelease, names, rows)
    written = FileRelease.objects.filter(first_edition=edition).order_by("month")
    assert [file.file_reference for file in written] == [f"NIC-{n}" for n in range(1, 13)]
    first = written[0]
    assert (first.dataset_name, first.legal_basis, first.reference_text) == (AWKWARD, AWKWARD * 50, AWKWARD)
    assert (first.organisation_id, first.is_sensitive, first.opt_outs_applied) == (None, None, False)
    assert first.curated_fields == ["legal_basis"]
    assert written[1].curated_fields == []
    assert written[11].month == datetime.date(2025, 12, 1)


def test_json_objects_are_stored_as_json():
    version = factories.agreement().versions.get()
    fields = {"title": AWKWARD, "uses": [{"dataset": "HES", "position": 1}], "nothing": None}
    bulk.insert_rows(VersionContent, ["version", "content_hash", "fields"], [(version.pk, "a" * 64, fields)])
    assert VersionContent.objects.get(content_hash="a" * 64).fields == fields
    assert VersionContent.objects.filter(fields__title=AWKWARD).count() == 1


def test_the_rows_are_written_in_batches_and_each_statement_is_timed(monkeypatch):
    monkeypatch.setattr(bulk, "BATCH", 2)
    clock = StageClock()
    with clock.timing_sql():
        rows = [(f"R{n}", f"r{n}", "", [], 0) for n in range(5)]
        bulk.insert_rows(Agreement, ["reference", "key", "notes", "curated_fields", "file_count"], rows)
    assert Agreement.objects.filter(key__startswith="r").count() == 5
    assert clock.statements == 3  # 2 + 2 + 1 rows: a COPY on PostgreSQL is timed like an INSERT on SQLite
    assert clock.sql_seconds > 0


def test_update_rows_sets_values_by_primary_key():
    first, second = (Agreement.objects.create(reference=r, key=r.lower()) for r in ("A1", "B2"))
    bulk.update_rows(Agreement, ["file_count"], [(7, first.pk), (9, second.pk)])
    assert dict(Agreement.objects.values_list("reference", "file_count")) == {"A1": 7, "B2": 9}


def test_update_rows_prepares_values_by_their_fields_type_as_insert_rows_does():
    version = factories.agreement().versions.get()
    row = VersionContent.objects.create(version=version, content_hash="b" * 64, fields={"title": "before"})
    fields = {"title": AWKWARD, "uses": [{"dataset": "HES", "position": 1}]}
    bulk.update_rows(VersionContent, ["fields"], [(fields, row.pk)])
    assert VersionContent.objects.get(pk=row.pk).fields == fields
    agreement = version.agreement
    bulk.update_rows(Agreement, ["curated_fields"], [([], agreement.pk)])
    assert Agreement.objects.get(pk=agreement.pk).curated_fields == []
