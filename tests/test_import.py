"""import_register: formats, editions in any order, withdrawals, curated values, and bad input that changes nothing."""

import datetime
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from register import actions, loader, synthetic
from register.contents import listed_content
from register.import_timings import StageClock
from register.importers.errors import RegisterFileError
from register.importers.organisations import guess_kind
from register.importing import import_register_file
from register.models import (
    Agreement,
    AgreementVersion,
    DatasetUse,
    Edition,
    FileRelease,
    Organisation,
    OrganisationAlias,
    VersionContent,
    VersionListing,
)
from register.workbook_writer import write_workbook
from tests.importing import small_register, table_counts, write_register
from tests.pagetext import page_text

pytestmark = pytest.mark.django_db


def run(path, *args):
    """The command's output, as a person at a terminal reads it."""
    from io import StringIO

    out = StringIO()
    call_command("import_register", str(path), *args, stdout=out)
    return out.getvalue()


def test_a_generated_workbook_imports_every_row(tmp_path):
    register = small_register()
    path = write_register(register, tmp_path)
    output = run(path)
    counts = register.counts
    assert Agreement.objects.count() == counts["agreements"]
    assert AgreementVersion.objects.count() == counts["versions"]
    assert DatasetUse.objects.count() == counts["datasets"]
    assert FileRelease.objects.count() == counts["files"]
    edition = Edition.objects.get(code="2025-10")
    assert edition.is_synthetic
    assert edition.lists_all_agreements
    assert edition.summary["counts"]["files"]["created"] == counts["files"]
    assert "synthetic" in output
    for agreement in Agreement.objects.all():
        assert agreement.file_count == FileRelease.objects.filter(agreement=agreement).count()
        versions = [v.version for v in agreement.versions.all()]
        assert agreement.latest_version.version == max(versions, key=lambda v: tuple(map(int, v.split("."))))


def test_the_site_says_a_synthetic_edition_is_not_real(client, tmp_path):
    run(write_register(small_register(), tmp_path))
    agreement = Agreement.objects.first()
    text = page_text(client.get(reverse("register:agreement", args=[agreement.reference])))
    footer = "Newest edition loaded: 2025-10, Synthetic register (generated, not real data): synthetic data, not real"
    assert footer in text


def test_the_same_file_twice_changes_nothing_and_says_so(tmp_path):
    path = write_register(small_register(), tmp_path)
    run(path)
    before = table_counts()
    output = run(path)
    assert "already imported as edition 2025-10: nothing changed" in output
    assert table_counts() == before


def test_a_dry_run_reports_but_saves_nothing(tmp_path):
    before = table_counts()
    output = run(write_register(small_register(), tmp_path), "--dry-run")
    assert "Dry run" in output
    assert table_counts() == before


def test_a_second_edition_adds_changes_and_withdraws(tmp_path):
    first = small_register(agreements=8)
    second = synthetic.next_edition(first, "2025-11", added=2, changed=2, dropped=1)
    run(write_register(first, tmp_path))
    report = import_register_file(write_register(second, tmp_path))
    november = Edition.objects.get(code="2025-11")
    dropped = {a.base for a in first.agreements} - {a.base for a in second.agreements}
    added = {a.base for a in second.agreements} - {a.base for a in first.agreements}
    assert len(dropped) == 1
    assert len(added) == 2
    withdrawn = Agreement.objects.get(reference=dropped.pop())
    assert withdrawn.withdrawn_in == november  # kept, never deleted
    assert withdrawn.versions.exists()
    assert report.counts["agreements"]["withdrawn"] == 1
    assert report.counts["agreements"]["created"] == 2
    assert sorted(report.references["added_agreements"]) == sorted(added)
    assert len(report.references["changed_agreements"]) == 2
    assert november.summary["references"]["withdrawn_agreements"] == [withdrawn.reference]
    for reference in report.references["changed_agreements"]:
        agreement = Agreement.objects.get(reference=reference)
        assert agreement.latest_version.title.endswith("(extended)")
        assert agreement.latest_version.first_edition == november
    assert Agreement.objects.filter(withdrawn_in__isnull=True).count() == len(second.agreements)


def test_editions_imported_in_any_order_give_the_same_history(tmp_path):
    first = small_register(agreements=8)
    second = synthetic.next_edition(first, "2025-11", added=1, changed=2, dropped=1)
    october_path, november_path = write_register(first, tmp_path), write_register(second, tmp_path)
    run(november_path)
    run(october_path)  # the older edition, imported later
    october, november = Edition.objects.get(code="2025-10"), Edition.objects.get(code="2025-11")
    dropped = ({a.base for a in first.agreements} - {a.base for a in second.agreements}).pop()
    assert Agreement.objects.get(reference=dropped).withdrawn_in == november
    kept = next(a for a in first.agreements if a.base != dropped)
    agreement = Agreement.objects.get(reference=kept.base)
    assert (agreement.first_edition, agreement.last_edition) == (october, november)
    # A version both editions list, whose yielded benefits November updated: November's text is shown.
    changed = next(
        a
        for a in second.agreements
        if any(row[14].startswith("Update: ") or "\nUpdate: " in row[14] for row in a.versions)
    )
    row = next(row for row in changed.versions if "Update: " in row[14])
    version = AgreementVersion.objects.get(reference=row[0].strip())
    assert version.yielded_benefits == row[14]
    assert (version.first_edition, version.last_edition) == (october, november)
    listings = list(VersionListing.objects.filter(version=version).select_related("version").order_by("edition__month"))
    assert [listing.edition for listing in listings] == [october, november]
    assert listings[0].content_hash != listings[1].content_hash
    assert listed_content(listings[1])["yielded_benefits"] == row[14]  # the row's own
    october_text = next(r for r in first.agreements if r.base == changed.base).versions[-1][14]
    assert listed_content(listings[0])["yielded_benefits"] == october_text  # kept apart
    assert VersionContent.objects.filter(version=version).count() == 1


def test_what_each_edition_said_is_kept_when_a_newer_one_or_a_curator_changes_it(tmp_path, curator):
    first = small_register(agreements=6)
    second = synthetic.next_edition(first, "2025-11", added=0, changed=2, dropped=0)
    run(write_register(first, tmp_path))
    assert not VersionContent.objects.exists()  # a first import keeps each content once: in the rows
    untouched = AgreementVersion.objects.order_by("reference").first()
    register_title = untouched.title
    untouched.title = "Corrected by a curator"
    actions.save_curated(untouched, curator, ["title"])
    run(write_register(second, tmp_path))
    for listing in VersionListing.objects.select_related("version", "edition"):
        said = listed_content(listing)
        agreement = next(
            a
            for a in (first if listing.edition.code == "2025-10" else second).agreements
            if any(row[0].strip() == listing.version.reference for row in a.versions)
        )
        row = next(row for row in agreement.versions if row[0].strip() == listing.version.reference)
        assert said["title"] == row[1]
        assert said["yielded_benefits"] == row[14]
    october = VersionListing.objects.get(edition__code="2025-10", version=untouched)
    assert listed_content(october)["title"] == register_title


def test_an_agreement_listed_again_is_no_longer_withdrawn(tmp_path):
    first = small_register(agreements=5)
    second = synthetic.next_edition(first, "2025-11", added=0, changed=0, dropped=1)
    third = synthetic.next_edition(first, "2025-12", added=0, changed=0, dropped=0)
    for register in (first, second):
        run(write_register(register, tmp_path))
    assert Agreement.objects.filter(withdrawn_in__isnull=False).count() == 1
    run(write_register(third, tmp_path))
    assert Agreement.objects.filter(withdrawn_in__isnull=False).count() == 0


def test_csv_files_of_each_sheet_import(tmp_path):
    register = small_register()
    agreements_csv, datasets_csv, releases_csv = write_register(register, tmp_path, file_format="csv")
    run(agreements_csv, "--edition", "2025-10")
    run(datasets_csv, "--edition", "2025-10-datasets")
    run(releases_csv, "--edition", "2025-10-files")
    counts = register.counts
    assert AgreementVersion.objects.count() == counts["versions"]
    assert DatasetUse.objects.count() == counts["datasets"]
    assert FileRelease.objects.count() == counts["files"]
    assert Edition.objects.get(code="2025-10").lists_all_agreements
    assert not Edition.objects.get(code="2025-10-files").lists_all_agreements
    assert all(edition.is_synthetic for edition in Edition.objects.all())


def test_control_characters_in_cells_are_dropped_tabs_and_line_breaks_kept(tmp_path):
    """A workbook's escapes (_x0000_, _x000B_) became real NULs and vertical tabs, served raw in pages and CSVs; on
    PostgreSQL a NUL fails the whole import."""
    sheets = small_register().sheets()
    _, rows = sheets[0]
    title_at = next(i for i, name in enumerate(rows[0]) if name.strip().lower() == "application title")
    rows[1][title_at] = "Hip_x0000_ fractures_x000B_ in\tolder_x001F_ people\nof_x007F_ Leeds_x0085_ _x0000_"
    path = tmp_path / "datausesregister_oct2025.xlsx"
    write_workbook(path, sheets)
    run(path)
    assert AgreementVersion.objects.filter(title="Hip fractures in\tolder people\nof Leeds").exists()


def test_skipped_rows_are_listed_with_their_row_numbers(tmp_path):
    register = small_register()
    sheets = dict(register.sheets())
    stray_row = next(n for n, row in enumerate(sheets["DataReleases"], start=1) if row[1] == "No filters applied")
    report = import_register_file(write_register(register, tmp_path))
    assert {"sheet": "DataReleases", "row": stray_row, "reason": "not a reference: 'No filters applied'"} in (
        report.skipped
    )
    assert Edition.objects.get().summary["skipped"] == report.skipped


@pytest.mark.parametrize("reference", ["NIC-777/../../admin", "DARS-NIC-100009-3DED9/changes", "NIC-779..1"])
def test_a_reference_that_would_make_a_misleading_address_is_skipped_and_listed(tmp_path, reference):
    """References make addresses (/agreements/<reference>/): one with a slash or ".." linked to /admin/ once a
    browser resolved it, or shadowed another agreement's changes page. The register's own have neither."""
    register = small_register()
    sheets = register.sheets()
    name, rows = sheets[0]
    column = next(index for index, header in enumerate(rows[0]) if "Reference" in header)
    rows.append(list(rows[1]))
    rows[-1][column] = reference
    path = tmp_path / "datausesregister_oct2025.xlsx"
    write_workbook(path, sheets)
    report = import_register_file(path)
    assert {"sheet": name, "row": len(rows), "reason": f"not a reference: {reference!r}"} in report.skipped
    assert AgreementVersion.objects.count() == register.counts["versions"]  # the row copied is not one more


def test_listeners_hear_which_agreements_an_import_touched(tmp_path, django_capture_on_commit_callbacks, announcements):
    heard = announcements
    with django_capture_on_commit_callbacks(execute=True):
        run(write_register(small_register(), tmp_path))
    assert len(heard) == 1
    assert heard[0]["agreement_ids"] == set(Agreement.objects.values_list("pk", flat=True))
    assert heard[0]["edition"].code == "2025-10"


def test_a_curated_field_survives_a_reimport_and_is_reported(tmp_path, curator):
    first = small_register(agreements=6)
    second = synthetic.next_edition(first, "2025-11", added=0, changed=0, dropped=0)
    run(write_register(first, tmp_path))
    version = AgreementVersion.objects.order_by("reference").first()
    register_title = version.title
    version.title = "A title a curator corrected"
    actions.save_curated(version, curator, ["title"])
    organisation = version.applicant
    organisation.notes = "A curator's note"
    actions.save_curated(organisation, curator, ["notes"])
    report = import_register_file(write_register(second, tmp_path))
    version.refresh_from_db()
    assert version.title == "A title a curator corrected"
    assert {
        "model": "AgreementVersion",
        "object": version.reference,
        "id": version.pk,
        "field": "title",
        "curated": "A title a curator corrected",
        "register": register_title,
    } in report.disagreements
    organisation.refresh_from_db()
    assert organisation.notes == "A curator's note"


def test_a_merge_of_organisations_survives_a_reimport(tmp_path, curator):
    first = small_register(agreements=6)
    run(write_register(first, tmp_path))
    names = list(Organisation.objects.filter(aliases__first_edition__code="2025-10").order_by("name")[:2])
    source, target = names
    actions.merge_organisations(source, target, curator)
    organisations = Organisation.objects.count()
    run(write_register(synthetic.next_edition(first, "2025-11", added=0, changed=1, dropped=0), tmp_path))
    assert Organisation.objects.count() == organisations
    assert OrganisationAlias.objects.get(spelling=source.name).organisation == target


def test_a_quarterly_registers_purpose_statements_are_joined_each_text_once(tmp_path):
    """A CCG's statements in the 2017 register repeat the same few processing texts for each dataset group: kept
    in row order, each once (NIC-41087-X6Y1L's 64 paragraphs held 23 different ones)."""
    header = ["Reference Number", "Organisation", "Objective for Processing", "Processing Activities"]
    header += ["Expected Output", "Expected Measurable Benefits"]
    statements = [
        ["NIC-41087-X6Y1L", "NHS BIRMINGHAM CROSS CITY CCG", "Invoice validation.", "Pseudonymised.", "Out A", "B"],
        ["NIC-41087-X6Y1L", "NHS BIRMINGHAM CROSS CITY CCG", "Risk stratification.", "Identifiable.", "Out A", "B"],
        ["NIC-41087-X6Y1L", "NHS BIRMINGHAM CROSS CITY CCG", "Commissioning.", "Pseudonymised.", "Out A", "B"],
    ]
    releases = [["NIC Number", "Organisation Name", "Dataset", "RowID"]]
    releases.append(["NIC-41087-X6Y1L", "NHS BIRMINGHAM CROSS CITY CCG", "SUS", "1"])
    path = tmp_path / "ReleaseRegister-sep-nov-2017.xlsx"
    write_workbook(path, [("DataReleases", releases), ("PurposeStatements", [header, *statements])])
    run(path)
    version = AgreementVersion.objects.get(reference="NIC-41087-X6Y1L")
    assert version.objectives == "Invoice validation.\n\nRisk stratification.\n\nCommissioning."
    assert version.processing_activities == "Pseudonymised.\n\nIdentifiable."
    assert (version.expected_outputs, version.expected_benefits) == ("Out A", "B")


def test_an_edition_that_would_withdraw_most_agreements_is_refused_unless_the_curator_says_it_does(tmp_path):
    """A CSV of a single row of the Agreements sheet, as the next month, once withdrew every other agreement: kept,
    but shown as withdrawn on the changes pages for good. A full listing that drops more than half of what the one
    before it listed is refused, changing nothing, unless --withdraw-many says it is meant."""
    first = small_register(agreements=12)
    run(write_register(first, tmp_path))
    partial = synthetic.next_edition(first, "2025-11", added=0, changed=0, dropped=11)
    agreements_csv = write_register(partial, tmp_path, file_format="csv")[0]
    assert "agreements" in agreements_csv.name.lower(), agreements_csv
    before = table_counts()
    with pytest.raises(CommandError) as refused:
        run(agreements_csv, "--edition=2025-11")
    assert "would withdraw 11 of the 12 agreements that edition 2025-10 listed, more than 50%" in str(refused.value)
    assert "--withdraw-many" in str(refused.value)
    assert table_counts() == before
    # agreements new in the file do not water the share down (11 dropped, 12 added: refused all the same)
    swapped = synthetic.next_edition(first, "2025-11", added=12, changed=0, dropped=11)
    with pytest.raises(CommandError, match="would withdraw 11 of the 12 agreements that edition 2025-10 listed"):
        run(write_register(swapped, tmp_path))
    assert table_counts() == before
    # an ordinary month, dropping a few, is not held up
    few = synthetic.next_edition(first, "2025-11", added=0, changed=0, dropped=2)
    run(write_register(few, tmp_path))
    assert Agreement.objects.filter(withdrawn_in__code="2025-11").count() == 2
    output = run(agreements_csv, "--edition=2025-12", "--withdraw-many")
    assert Agreement.objects.filter(withdrawn_in__code="2025-12").count() == 9
    # a name that says another month is imported as the edition given, and the report says so
    assert "the file's name says edition 2025-11, but it was imported as edition 2025-12, as given" in output


def test_a_sub_icb_spelling_links_to_the_reference_location_and_its_icb(tmp_path):
    register = small_register(agreements=3)
    register.agreements[0].versions[0][2] = "NHS GREATER MANCHESTER ICB - 00T"
    register.agreements[0].versions[0][4] = (
        "NHS BATH AND NORTH EAST SOMERSET, SWINDON AND WILTSHIRE ICB - 92G, NHS HEYWOOD, MIDDLETON AND ROCHDALE CCG"
    )
    run(write_register(register, tmp_path))
    version = AgreementVersion.objects.get(reference=register.agreements[0].versions[0][0].strip())
    assert version.applicant.slug == "nhs-greater-manchester-icb-00t"
    assert version.applicant.parent.slug == "nhs-greater-manchester-integrated-care-board"
    controllers = [link.organisation.slug for link in version.controller_links.order_by("position")]
    assert controllers == [
        "nhs-bath-and-north-east-somerset-swindon-and-wiltshire-icb-92g",
        "nhs-heywood-middleton-and-rochdale-ccg",
    ]


# Bad input ----------------------------------------------------------------------------------------------


def _without_sheet(tmp_path):
    sheets = [(name, rows) for name, rows in small_register().sheets() if name != "Datasets"]
    path = tmp_path / "datausesregister_oct2025.xlsx"
    write_workbook(path, sheets)
    return path, ["Datasets"]


def _without_column(tmp_path):
    sheets = small_register().sheets()
    name, rows = sheets[2]
    rows[0] = [header if header != "Dataset" else "Something else" for header in rows[0]]
    path = tmp_path / "datausesregister_oct2025.xlsx"
    write_workbook(path, sheets)
    return path, ["DataReleases", "Dataset"]


def _not_a_workbook(tmp_path):
    path = tmp_path / "datausesregister_oct2025.xlsx"
    path.write_bytes(b"\x00\x01 this is not a spreadsheet " * 100)
    return path, ["not an Excel workbook or a CSV file"]


def _broken_zip(tmp_path):
    path = tmp_path / "datausesregister_oct2025.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"junk" * 1000)
    return path, ["not a readable Excel workbook"]


def _empty(tmp_path):
    path = tmp_path / "datausesregister_oct2025.xlsx"
    path.write_bytes(b"")
    return path, ["the file is empty"]


def _large_junk(tmp_path):
    import random

    generator = random.Random(3)
    path = tmp_path / "datausesregister_oct2025.csv"
    words = ["lorem", "ipsum", "dolor", "sit", "amet", "12", "x;y", '"q"']
    with path.open("w") as handle:
        for _ in range(60_000):
            handle.write(" ".join(generator.choice(words) for _ in range(12)) + "\n")
    return path, ["no register header found"]


def _text_named_as_a_workbook(tmp_path):
    path = tmp_path / "datausesregister_oct2025.xlsx"
    path.write_text("Some notes a curator saved with the wrong name.\nNothing else.\n")
    return path, ["not an Excel workbook, though its name says so: read as text, it has no register header"]


def _headers_only(tmp_path):
    sheets = [(name, rows[:1]) for name, rows in small_register().sheets()]
    path = tmp_path / "datausesregister_oct2025.xlsx"
    write_workbook(path, sheets)
    return path, ["holds no register rows"]


@pytest.mark.parametrize(
    "make",
    [
        _without_sheet,
        _without_column,
        _not_a_workbook,
        _broken_zip,
        _empty,
        _large_junk,
        _text_named_as_a_workbook,
        _headers_only,
    ],
)
def test_bad_input_changes_nothing_and_says_what_is_wrong_where(tmp_path, make):
    path, expected = make(tmp_path)
    before = table_counts()
    with pytest.raises(CommandError) as raised:
        run(path)
    message = str(raised.value)
    assert path.name in message
    for words in expected:
        assert words in message
    assert "Nothing was changed" in message
    assert table_counts() == before


def test_a_workbook_that_would_unpack_to_far_more_than_a_register_is_refused_before_it_is_read(tmp_path, settings):
    """A zip bomb (2 MB that inflate to 1 GB of sheet XML) took 5 GB of memory and 32 s to read and refuse."""
    settings.REGISTER_UNPACKED_MAX_BYTES = 20_000_000
    path = write_register(small_register(), tmp_path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as workbook:
        workbook.writestr("xl/worksheets/padding.xml", b"<x/>" + b" " * 30_000_000)  # 30 MB, about 30 KB packed
    assert path.stat().st_size < 1_000_000
    before = table_counts()
    with pytest.raises(CommandError) as raised:
        run(path)
    assert str(raised.value) == (
        f"Cannot import {path.name}: unpacked, this workbook would be 30 MB of data, more than the 20 MB a register "
        "file may unpack to (the full monthly register unpacks to about 140 MB): it is not read. Nothing was changed."
    )
    assert table_counts() == before


def test_a_file_without_a_month_in_its_name_needs_an_edition(tmp_path):
    path = write_register(small_register(), tmp_path, name="register.xlsx")
    with pytest.raises(CommandError, match=r"give the edition as YYYY-MM \(--edition on the command line"):
        run(path)
    with pytest.raises(CommandError, match="not a month"):
        run(path, "--edition", "November")
    run(path, "--edition", "2025-10")
    assert Edition.objects.filter(code="2025-10").exists()
    with pytest.raises(CommandError, match="edition 9999-12 is a month that has not begun"):
        run(path, "--edition", "9999-12")
    with pytest.raises(CommandError, match="edition 2099-12 is a month that has not begun"):
        run(write_register(small_register(edition="2099-12"), tmp_path))
    # Once imported, the same bytes need no edition, whatever their name: they change nothing, and say so.
    assert "already imported as edition 2025-10: nothing changed" in run(path.rename(tmp_path / "copy.xlsx"))
    with pytest.raises(CommandError, match="not a month"):
        run(path.with_name("copy.xlsx"), "--edition", "November")  # a wrong edition is still wrong


def test_an_edition_code_already_used_by_another_file_is_refused(tmp_path):
    run(write_register(small_register(seed=1), tmp_path))
    before = table_counts()
    with pytest.raises(CommandError, match="edition 2025-10 is already loaded"):
        run(write_register(small_register(seed=2), tmp_path, name="other.xlsx"), "--edition", "2025-10")
    assert table_counts() == before


def test_a_failure_while_writing_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    def fail(self):
        raise RegisterFileError("simulated failure after versions were written", file="x.xlsx")

    monkeypatch.setattr(loader.Loader, "load_files", fail)
    before = table_counts()
    with pytest.raises(CommandError, match="simulated failure"):
        run(write_register(small_register(), tmp_path))
    assert table_counts() == before


def test_the_command_exits_non_zero_with_the_message_on_stderr(tmp_path):
    path = tmp_path / "datausesregister_oct2025.xlsx"
    path.write_bytes(b"")
    options = {
        "cwd": Path(__file__).resolve().parent.parent,
        "capture_output": True,
        "text": True,
        "env": {**os.environ, "DATABASE_URL": "sqlite:///" + str(tmp_path / "cli.sqlite3")},
        "check": False,
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **options)
    result = subprocess.run([sys.executable, "manage.py", "import_register", str(path)], **options)
    assert result.returncode != 0
    assert "datausesregister_oct2025.xlsx: the file is empty" in result.stderr


@pytest.mark.django_db
def test_a_path_with_no_file_or_a_folder_is_a_clear_error_not_a_traceback(tmp_path):
    missing = tmp_path / "datausesregister_nov2025.xlsx"
    with pytest.raises(CommandError, match=r"datausesregister_nov2025\.xlsx: there is no such file\. Nothing was"):
        call_command("import_register", str(missing))
    with pytest.raises(CommandError, match="this is a folder, not a register file. Nothing was changed."):
        call_command("import_register", str(tmp_path), "--edition", "2025-11")
    assert not Edition.objects.exists()


def test_synthetic_registers_are_deterministic(tmp_path):
    a = write_register(small_register(seed=5), tmp_path, name="a.xlsx")
    b = write_register(small_register(seed=5), tmp_path, name="b.xlsx")
    c = write_register(small_register(seed=6), tmp_path, name="c.xlsx")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_generate_register_command_writes_the_official_sheets(tmp_path):
    from python_calamine import CalamineWorkbook

    out = tmp_path / "synthetic.xlsx"
    call_command("generate_register", str(out), "--agreements", "4", "--files", "10", stdout=None)
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["Agreements", "Datasets", "DataReleases", "Synthetic Data"]
    assert book.get_sheet_by_name("Agreements").to_python()[0] == synthetic.AGREEMENT_HEADERS
    assert book.get_sheet_by_name("DataReleases").to_python()[0] == synthetic.RELEASE_HEADERS
    dates = [row[6] for row in book.get_sheet_by_name("Agreements").to_python()[1:]]
    assert any(isinstance(value, datetime.date) for value in dates)


def test_a_newer_edition_that_renames_the_applicant_relinks_it_unless_a_curator_linked_it(tmp_path, curator):
    first = small_register(agreements=4)
    second = synthetic.next_edition(first, "2025-11", added=0, changed=0, dropped=0)
    renamed, kept = second.agreements[0].versions[0], second.agreements[1].versions[0]
    renamed[2] = kept[2] = "UNIVERSITY OF NEWTOWN"
    run(write_register(first, tmp_path))
    curated = AgreementVersion.objects.get(reference=kept[0].strip())
    curated.applicant = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
    actions.save_curated(curated, curator, ["applicant"])
    report = import_register_file(write_register(second, tmp_path))
    version = AgreementVersion.objects.get(reference=renamed[0].strip())
    assert version.applicant_name == "UNIVERSITY OF NEWTOWN"
    assert version.applicant.name == "UNIVERSITY OF NEWTOWN"
    assert version.applicant.kind == Organisation.Kind.UNIVERSITY
    curated.refresh_from_db()
    assert curated.applicant.slug == "nhs-greater-manchester-integrated-care-board"
    assert curated.applicant_name == "UNIVERSITY OF NEWTOWN"
    assert report.counts["versions"]["changed"] == 2


def test_the_clock_times_every_stage_of_an_import_and_its_sql(tmp_path, django_capture_on_commit_callbacks):
    clock = StageClock()
    with django_capture_on_commit_callbacks(execute=True):
        import_register_file(write_register(small_register(), tmp_path), clock=clock)
    assert list(clock.stages) == [
        "checking the file (sha256, already imported?)",
        "reading the file into records",
        "writing organisations and datasets",
        "writing agreements, versions and dataset uses",
        "writing file releases",
        "withdrawals, and counts per agreement",
        "working out signals",
        "refreshing the search index and facet values",
        "committing",
    ]
    assert all(seconds > 0 for seconds in clock.stages.values())
    assert clock.statements > 10
    assert 0 < clock.sql_seconds < clock.total


def test_the_report_times_the_whole_import_reading_included(tmp_path):
    clock = StageClock()
    report = import_register_file(write_register(small_register(), tmp_path), clock=clock)
    # Every stage is inside it, the search index's refresh too: it is part of the import's transaction.
    assert report.seconds >= clock.total
    assert report.seconds > clock.stages["reading the file into records"] + clock.stages["committing"]
    assert Edition.objects.get(code=report.edition).summary["seconds"] == round(report.seconds, 2)


def test_the_clock_counts_only_the_statements_run_while_it_times_sql():
    clock = StageClock()
    Agreement.objects.count()
    with clock.timing_sql():
        Agreement.objects.count()
        list(Organisation.objects.all()[:1])
    Agreement.objects.count()
    assert clock.statements == 2
    assert clock.sql_seconds > 0


def test_the_command_prints_where_the_time_went_when_asked(tmp_path):
    path = write_register(small_register(), tmp_path)
    dry = run(path, "--dry-run")
    assert "Where the time went" not in dry
    output = run(path, "--timings")
    lines = output.splitlines()
    timings = lines[lines.index("Where the time went:") :]
    assert any(line.split()[:5] == ["reading", "the", "file", "into", "records"] for line in timings)
    assert timings[-2].split()[0] == "total"
    assert timings[-1].strip().startswith("of which running SQL")
    assert float(timings[-1].split()[-2]) <= float(timings[-2].split()[-2])


def test_the_benchmark_reads_the_design_floor_from_the_commands_own_timings(tmp_path):
    from scripts.bench_import import design_floor

    output = run(write_register(small_register(), tmp_path), "--timings")
    lines = output.splitlines()
    timings = lines[lines.index("Where the time went:") :]
    sql, commit, floor = design_floor(2.0, timings)
    assert sql == float(timings[-1].split()[-2])
    assert commit == float(next(line for line in timings if line.split()[0] == "committing").split()[-2])
    assert floor == pytest.approx(2.0 + sql + commit)
    with pytest.raises(ValueError, match="committing"):
        design_floor(2.0, [line for line in timings if "committing" not in line])


def version_naming_datasets(first, second, at_least):
    """A version of `first` naming at least `at_least` datasets, and its agreement's Datasets rows in `second`."""
    reference = next(
        row[0].strip()
        for agreement in first.agreements
        for row in agreement.versions
        if sum(use[0] == row[0].strip() for use in agreement.datasets) >= at_least
    )
    rows = next(a for a in second.agreements if any(row[0].strip() == reference for row in a.versions)).datasets
    return reference, rows


def test_a_curated_dataset_use_stays_on_its_dataset_when_a_newer_edition_reorders_the_datasets(tmp_path, curator):
    first = small_register(agreements=6)
    second = synthetic.next_edition(first, "2025-11", added=0, changed=0, dropped=0)
    reference, rows = version_naming_datasets(first, second, 2)
    a_index, b_index = [index for index, row in enumerate(rows) if row[0] == reference][:2]
    rows[a_index], rows[b_index] = rows[b_index], rows[a_index]  # November lists B, then A
    a_row, b_row = rows[b_index], rows[a_index]
    b_row[4] = "Quarterly, as November says"
    run(write_register(first, tmp_path))
    use_a = DatasetUse.objects.get(version__reference=reference, dataset_name=a_row[1])
    use_b = DatasetUse.objects.get(version__reference=reference, dataset_name=b_row[1])
    assert (use_a.position, use_b.position) == (0, 1)
    use_a.frequency, use_a.notes = "Corrected by a curator", "The register has the wrong frequency"
    actions.save_curated(use_a, curator, ["frequency", "notes"])

    november = write_register(second, tmp_path)
    report = import_register_file(november)

    order = list(DatasetUse.objects.filter(version__reference=reference).values_list("pk", "dataset_name"))
    assert order[:2] == [(use_b.pk, b_row[1]), (use_a.pk, a_row[1])]
    use_a.refresh_from_db()
    assert (use_a.frequency, use_a.notes, use_a.curated_fields) == (
        "Corrected by a curator",
        "The register has the wrong frequency",
        ["frequency"],
    )
    assert (use_a.position, use_a.legal_basis, use_a.common_law_duty) == (1, a_row[5], a_row[6])
    use_b.refresh_from_db()
    assert (use_b.position, use_b.notes, use_b.curated_fields) == (0, "", [])
    assert [use_b.type_of_data, use_b.sensitivity, use_b.frequency, use_b.legal_basis, use_b.common_law_duty] == [
        b_row[2],
        b_row[3],
        "Quarterly, as November says",
        b_row[5],
        b_row[6],
    ]
    assert [item for item in report.disagreements if item["model"] == "DatasetUse"] == [
        {
            "model": "DatasetUse",
            "object": f"{a_row[1]} on {reference}",
            "id": use_a.pk,
            "field": "frequency",
            "curated": "Corrected by a curator",
            "register": a_row[4],
        }
    ]
    # Each edition's listing still says the datasets in the order that edition gave them.
    listings = VersionListing.objects.filter(version__reference=reference).select_related("version", "edition")
    said = {
        listing.edition.code: [use["dataset"] for use in listed_content(listing)["datasets"]] for listing in listings
    }
    assert said["2025-10"][:2] == [a_row[1], b_row[1]]
    assert said["2025-11"][:2] == [b_row[1], a_row[1]]

    # Importing what November says again, as the same file or as the next month's, changes no dataset use.
    uses = list(DatasetUse.objects.order_by("pk").values())
    assert import_register_file(november).already_imported
    again = import_register_file(write_register(synthetic.next_edition(second, "2025-12", 0, 0, 0), tmp_path))
    assert again.counts["dataset_uses"]["changed"] == again.counts["dataset_uses"]["created"] == 0
    assert list(DatasetUse.objects.order_by("pk").values()) == uses
    assert [item["object"] for item in again.disagreements if item["model"] == "DatasetUse"] == [str(use_a)]


def test_dataset_uses_pair_with_records_by_name_first_repeats_in_order_then_by_position():
    def use(name, position):
        return SimpleNamespace(dataset_name=name, position=position)

    def record(name):
        return SimpleNamespace(dataset_name=name)

    hes_first, ons, hes_again, renamed, dropped = (
        use("HES", 0),
        use("ONS deaths", 1),
        use("hes", 2),
        use("A name a curator corrected", 3),
        use("Cancer registrations", 4),
    )
    records = [record("ONS Deaths"), record("HES"), record("Diagnostic Imaging"), record("HES"), record("New")]
    paired, left = loader.pair_uses([dropped, hes_again, renamed, ons, hes_first], records)
    assert paired == [ons, hes_first, None, hes_again, dropped]  # "Diagnostic Imaging" is at the renamed use's
    assert left == [renamed]  # place (3), not at 2; "New" takes the place (4) of a dataset no longer named
    paired, left = loader.pair_uses([hes_first, ons], [record("Other"), record("ONS deaths"), record("Another")])
    assert (paired, left) == ([hes_first, ons, None], [])
    # Another dataset at the place of one a curator corrected or noted does not take its correction; at the place
    # of one whose name the curator corrected, the register's own spelling of it does.
    noted, respelled = use("Cancer registrations", 1), use("Hospital Episode Statistics (curated)", 1)
    noted.curated_fields, noted.notes = ["frequency"], "The register has the wrong frequency"
    respelled.curated_fields = ["dataset_name"]
    assert loader.pair_uses([hes_first, noted], [record("HES"), record("Diagnostic Imaging")]) == (
        [hes_first, None],
        [noted],
    )
    assert loader.pair_uses([ons, respelled], [record("ONS deaths"), record("HES")]) == ([ons, respelled], [])


def test_a_dataset_use_a_curator_renamed_or_noted_keeps_its_correction_when_the_register_reorders(tmp_path, curator):
    first = small_register(agreements=8)
    second = synthetic.next_edition(first, "2025-11", added=0, changed=0, dropped=0)
    reference, rows = version_naming_datasets(first, second, 3)
    a_index, b_index, c_index = [index for index, row in enumerate(rows) if row[0] == reference][:3]
    a_row, b_row, c_row = rows[a_index], rows[b_index], rows[c_index]
    rows[a_index], rows[b_index] = c_row, b_row  # November lists C, B, ... and no longer A
    del rows[c_index]
    run(write_register(first, tmp_path))
    use_a, use_b, use_c = (
        DatasetUse.objects.get(version__reference=reference, dataset_name=row[1]) for row in (a_row, b_row, c_row)
    )
    use_a.notes = "Asked the applicant about this"
    actions.save_curated(use_a, curator, ["notes"])
    use_b.dataset_name = "A name a curator corrected"
    actions.save_curated(use_b, curator, ["dataset_name"])

    report = import_register_file(write_register(second, tmp_path))

    uses = list(DatasetUse.objects.filter(version__reference=reference))
    assert [(use.pk, use.position) for use in uses] == [
        (use_c.pk, 0),
        (use_b.pk, 1),
        *((use.pk, position) for position, use in enumerate(uses[2:-1], start=2)),
        (use_a.pk, len(uses) - 1),  # kept, after the register's datasets
    ]
    assert (uses[1].dataset_name, uses[-1].notes) == ("A name a curator corrected", "Asked the applicant about this")
    assert f"{reference} no longer names {a_row[1]!r}; kept, as a curator edited it" in report.warnings
    assert {"field": "dataset_name", "id": use_b.pk, "register": b_row[1]}.items() <= report.disagreements[0].items()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("NATIONAL INSTITUTE FOR HEALTH AND CARE EXCELLENCE (NICE)", "government"),  # was a research institute
        ("HMRC", "government"),
        ("NATIONAL AUDIT OFFICE", "government"),
        ("HEALTH AND SAFETY EXECUTIVE", "government"),
        ("MCKINSEY & COMPANY", "company"),
        ("MCKINSEY AND COMPANY", "company"),
        ("HMRC (HM REVENUE & CUSTOMS)", "government"),
        ("THE NATIONAL AUDIT OFFICE", "government"),
        ("THE UNIVERSITY OF MANCHESTER", "university"),
        ("INSTITUTE OF CANCER RESEARCH", "university"),
        ("IQVIA LTD", "company"),
        ("NHS Greater Manchester ICB - 00T", "sub-icb"),
        ("OLIVER WYMAN", "other"),  # nothing in the name says which: a curator sets it
    ],
)
def test_an_organisations_kind_is_read_from_its_name(name, kind):
    assert guess_kind(name) == kind
