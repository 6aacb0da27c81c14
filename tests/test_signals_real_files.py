"""Signals worked out from the real register files in ../shared/data, checked against the files themselves.

What each kind should find is counted here from the files (openpyxl, not the importer or register.signals), and
the examples below were checked by hand against the files (see the README's "Signals" section). Skipped, with the
reason, when the shared data folder is absent.
"""

import datetime
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.urls import reverse

from register import signals
from register.models import Signal
from register.names import name_key
from tests.conftest import shared_file
from tests.pagetext import page_text
from tests.test_import_real_files import RECONSTRUCTED, RELEASE_2017, base, sheet_rows

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


@pytest.fixture
def real_register(django_capture_on_commit_callbacks):
    monthly, quarterly = shared_file(RECONSTRUCTED), shared_file(RELEASE_2017)
    with django_capture_on_commit_callbacks(execute=True):  # the list's facets follow each import once committed
        call_command("import_register", str(monthly), "--edition", "2025-11", stdout=None)
        call_command("import_register", str(quarterly), stdout=None)
    return monthly, quarterly


def found(kind):
    return Signal.objects.filter(kind=kind, is_current=True)


def test_renewals_without_new_yielded_benefits_are_the_ones_the_file_shows(real_register):
    monthly, _ = real_register
    versions = defaultdict(list)
    for row in sheet_rows(monthly, "Agreements"):
        reference = str(row["Reference Number"]).strip()
        number = reference.rsplit("-v", 1)[1]
        versions[base(reference)].append((tuple(int(part) for part in number.split(".")), row["Yielded Benefits"]))
    expected = set()
    for reference, rows in versions.items():
        rows.sort()
        for (before, text_before), (after, text_after) in zip(rows, rows[1:], strict=False):
            words = " ".join(str(text_after or "").split()).casefold()
            same = words == " ".join(str(text_before or "").split()).casefold()
            if after[0] > before[0] and (not words.strip("-. ") or same):
                expected.add(reference)
    assert expected == {"DARS-NIC-112374-X0T4S", "DARS-NIC-193456-W3M0H", "DARS-NIC-616054-M4C8K"}
    assert set(found("renewed-without-benefits").values_list("agreement__reference", flat=True)) == expected
    # Checked by hand: v2.7 of the orthopaedic evaluation gives "---" after v1.2's account.
    ucl = found("renewed-without-benefits").get(agreement__reference="DARS-NIC-112374-X0T4S")
    assert ucl.evidence == [
        {
            "version": "DARS-NIC-112374-X0T4S-v2.7",
            "previous_version": "DARS-NIC-112374-X0T4S-v1.2",
            "yielded_benefits": "---",
            "problem": "only “---”",
        }
    ]
    # Checked by hand: the Greater Manchester ICB's v3.2 and v4.2 repeat v2.2's 1,553 characters exactly.
    icb = found("renewed-without-benefits").get(agreement__reference="DARS-NIC-616054-M4C8K")
    assert [row["version"].rsplit("-", 1)[1] for row in icb.evidence] == ["v3.2", "v4.2"]


def test_files_sent_with_and_without_opt_outs_in_one_quarter_are_found_for_each_organisation(real_register):
    _, quarterly = real_register
    header_row = None
    import openpyxl

    book = openpyxl.load_workbook(quarterly, read_only=True, data_only=True)
    rows = list(book["DataReleases"].iter_rows(values_only=True))
    book.close()
    header_row = next(index for index, row in enumerate(rows) if "Organisation Name" in [str(c).strip() for c in row])
    header = [str(cell or "").strip() for cell in rows[header_row]]
    organisation, dataset = header.index("Organisation Name"), header.index("us")
    opt_outs = next(index for index, name in enumerate(header) if name.startswith("Patient Opt-Outs"))
    answers = defaultdict(set)
    for row in rows[header_row + 1 :]:
        if row[organisation] and str(row[opt_outs] or "").strip() in {"Y", "N"}:
            answers[(name_key(row[organisation]), name_key(row[dataset]))].add(str(row[opt_outs]).strip())
    expected = {pair for pair, values in answers.items() if values == {"Y", "N"}}
    signals_found = found("opt-outs-mixed").select_related("organisation", "dataset")
    pairs = {(name_key(signal.organisation.name), name_key(signal.dataset.name)) for signal in signals_found}
    assert len(expected) == 67
    assert pairs == expected
    # Checked by hand (rows FILE0030359-61 and FILE0030511-12): the University of Leeds received identifiable HES
    # Admitted Patient Care data with opt-outs applied under one agreement and without under another.
    leeds = signals_found.get(agreement__reference="DARS-NIC-378523-Y5Q9L", dataset__name__startswith="Hospital Ep")
    rows = {(row["agreement"], row["type_of_data"], row["opt_outs"]): row["file_references"] for row in leeds.evidence}
    assert rows[("DARS-NIC-378523-Y5Q9L", "Identifiable", "Not applied")] == [
        "FILE0030359",
        "FILE0030360",
        "FILE0030361",
    ]
    assert rows[("DARS-NIC-11809-H1Y3W", "Identifiable", "Applied")] == ["FILE0030511", "FILE0030512"]
    assert "the period of edition 2017-11 (month not stated)" in leeds.explanation


def test_files_dated_after_the_monthly_edition_are_the_ones_the_file_dates_so(real_register):
    """The reconstructed file, imported as edition 2025-11, lists files dated after November 2025 (a data journalist
    auditing the site found 39, all of one version)."""
    monthly, _ = real_register
    expected = set()
    for row in sheet_rows(monthly, "DataReleases"):
        month = row["Month File Released"]
        released = datetime.datetime.strptime(month, "%b-%y").date() if isinstance(month, str) else month.date()
        if released > datetime.date(2025, 11, 1):
            expected.add(str(row["File Reference"]).strip())
    assert len(expected) == 39
    (signal,) = found("file-after-its-edition")
    assert signal.agreement.reference == "DARS-NIC-00574-V2H1F"
    assert {reference for row in signal.evidence for reference in row["file_references"]} == expected
    assert signal.explanation.startswith("39 files are dated 2025-12 to 2026-08, after the month of the edition")


def test_kinds_the_real_files_do_not_trigger_find_nothing(real_register):
    # Checked by hand against the 45 versions and 201 dataset rows of the monthly file: no version ends before it
    # starts, the one commercial agreement does not allow sublicensing, every identifiable dataset states a
    # confidentiality basis, and no file falls outside its version's DSA. One monthly edition cannot show files new
    # in a later one.
    for kind in [
        "released-outside-dsa",
        "commercial-sublicensing",
        "confidentiality-basis-missing",
        "listed-after-end-with-new-files",
        "end-before-start",
        "empty-purposes",
        "value-in-wrong-column",
    ]:
        assert not found(kind).exists(), kind


def test_the_signals_page_counts_the_real_signals_and_links_each_kind(client, real_register):
    response = client.get(reverse("register:signals"))
    body = response.content.decode()
    text = page_text(response)
    assert "Renewed without new yielded benefits 3 agreements with" in text
    for kind in signals.KINDS:
        assert f'href="{reverse("register:agreements")}?signal={kind.code}"' in body
        assert f'id="{kind.anchor}"' in body
    listed = page_text(client.get(reverse("register:agreements"), {"signal": "renewed-without-benefits"}))
    assert "3 agreements match" in listed
