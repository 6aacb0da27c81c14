"""The real register files in ../shared/data import, and what the site shows matches what they hold.

Expected numbers are counted here straight from the files with openpyxl (not the importer's reader), so the
test can fail when the importer miscounts. Skipped, with the reason, when the shared data folder is absent.
"""

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from register.importers.organisations import split_controllers
from register.models import Agreement, AgreementVersion, DatasetUse, Edition, FileRelease, Organisation
from register.names import name_key
from tests.conftest import shared_file
from tests.importing import table_counts
from tests.pagetext import page_text

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]

RECONSTRUCTED = "data-uses-register-reconstructed/datausesregister_reconstructed.xlsx"
RELEASE_2017 = "nhs-digital-release-register-2017/ReleaseRegister-sep-nov-2017.xlsx"


def sheet_rows(path, sheet):
    """(header, rows as dicts) of a sheet, read with openpyxl."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    header = [str(cell or "").strip() for cell in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(cell not in (None, "") for cell in row)]


def base(reference):
    reference = str(reference).strip()
    return reference.rsplit("-v", 1)[0] if "-v" in reference else reference


def test_the_reconstructed_monthly_register_imports_with_every_count_right():
    path = shared_file(RECONSTRUCTED)
    agreements = sheet_rows(path, "Agreements")
    datasets = sheet_rows(path, "Datasets")
    releases = sheet_rows(path, "DataReleases")
    call_command("import_register", str(path), "--edition", "2025-11", stdout=None)
    assert Agreement.objects.count() == len({base(row["Reference Number"]) for row in agreements})
    assert AgreementVersion.objects.count() == len(agreements)
    assert DatasetUse.objects.count() == len(datasets)
    assert FileRelease.objects.count() == len(releases)
    files_per_agreement = Counter(base(row["Reference Number"]) for row in releases)
    assert dict(Agreement.objects.filter(file_count__gt=0).values_list("reference", "file_count")) == dict(
        files_per_agreement
    )
    # The seed's ICB agreement: 7 versions, no file rows in this edition.
    m4c8k = Agreement.objects.get(reference="DARS-NIC-616054-M4C8K")
    assert m4c8k.versions.count() == 7
    assert m4c8k.latest_version.reference == "DARS-NIC-616054-M4C8K-v6.3"
    # A name with commas stays whole, and is the reference sub-ICB location with its ICB.
    version = AgreementVersion.objects.get(reference="DARS-NIC-116560-R7F9J-v2.2")
    (link,) = version.controller_links.all()
    assert link.organisation.slug == "nhs-bath-and-north-east-somerset-swindon-and-wiltshire-icb-92g"
    assert link.organisation.parent.kind == Organisation.Kind.ICB


def test_reimporting_the_real_file_changes_nothing():
    path = shared_file(RECONSTRUCTED)
    call_command("import_register", str(path), "--edition", "2025-11", stdout=None)
    before = table_counts()
    call_command("import_register", str(path), "--edition", "2025-11", stdout=None)
    assert table_counts() == before


def test_the_2017_quarterly_register_imports_with_references_as_written():
    path = shared_file(RELEASE_2017)
    releases = sheet_rows(path, "DataReleases")
    purposes = sheet_rows(path, "PurposeStatements")
    call_command("import_register", str(path), stdout=None)
    edition = Edition.objects.get(code="2017-11")
    assert edition.register == Edition.Register.RELEASE
    assert not edition.lists_all_agreements
    references = {str(row["NIC Number"]).strip() for row in releases} | {
        str(row["Reference Number"]).strip() for row in purposes
    }
    assert AgreementVersion.objects.count() == len(references)
    assert Agreement.objects.count() == len({base(reference) for reference in references})
    assert FileRelease.objects.count() == len(releases)
    assert AgreementVersion.objects.filter(reference="GPCENSUS", version="").exists()
    assert Agreement.objects.filter(reference="NIC-56039-T9H7X").exists()  # written with a trailing space
    assert FileRelease.objects.filter(sensitivity="Non Sensitive", is_sensitive=False).exists()
    assert FileRelease.objects.filter(opt_outs_text="Y", opt_outs_applied=True).exists()
    assert Organisation.objects.filter(name="NHS HEYWOOD, MIDDLETON AND ROCHDALE CCG").count() == 0
    assert (
        Organisation.objects.get(aliases__key=name_key("NHS HEYWOOD, MIDDLETON AND ROCHDALE CCG")).slug
        == "nhs-heywood-middleton-and-rochdale-ccg"
    )


def greater_manchester_names():
    """Every name the reference data gathers under NHS Greater Manchester ICB: itself, its locations, their CCGs."""
    rows = json.loads((Path(settings.BASE_DIR) / "fixtures" / "nhs_organisations.json").read_text())
    organisations = {row["fields"]["slug"]: row["fields"] for row in rows if row["model"] == "register.organisation"}
    icb = "nhs-greater-manchester-integrated-care-board"
    locations = {slug for slug, fields in organisations.items() if fields["parent"] == [icb]}
    ccgs = {
        slug for slug, fields in organisations.items() if fields["successor"] and fields["successor"][0] in locations
    }
    return {name_key(organisations[slug]["name"]) for slug in {icb} | locations | ccgs}


def test_the_greater_manchester_icb_page_counts_the_files_of_every_agreement_it_gathers(client):
    monthly, quarterly = shared_file(RECONSTRUCTED), shared_file(RELEASE_2017)
    call_command("import_register", str(monthly), "--edition", "2025-11", stdout=None)
    call_command("import_register", str(quarterly), stdout=None)
    names = greater_manchester_names()
    held, files = set(), Counter()
    for row in sheet_rows(monthly, "Agreements"):
        holders = [row["Applicant Organisation"], *split_controllers(row["Data Controller(s)"] or "")]
        if any(name_key(holder) in names for holder in holders):
            held.add(base(row["Reference Number"]))
    for row in sheet_rows(monthly, "DataReleases"):
        files[base(row["Reference Number"])] += 1
    for row in sheet_rows(quarterly, "PurposeStatements"):
        if name_key(row["Organisation"]) in names:
            held.add(base(row["Reference Number"]))
    organisations_by_reference = defaultdict(set)
    for row in sheet_rows(quarterly, "DataReleases"):
        files[base(row["NIC Number"])] += 1
        organisations_by_reference[base(row["NIC Number"])].add(name_key(row["Organisation Name"]))
    held |= {reference for reference, holders in organisations_by_reference.items() if holders & names}
    expected = sum(files[reference] for reference in held)
    assert expected > 0
    response = client.get(reverse("register:organisation", args=["nhs-greater-manchester-integrated-care-board"]))
    text = page_text(response)
    assert f"{expected} data files in total were disseminated" in text
    assert f"Agreements ({len(held)})" in text


def test_a_csv_of_a_real_sheet_imports(tmp_path):
    """The 2017 DataReleases sheet saved as CSV (headed `us` for the dataset, notes inside headers)."""
    import csv

    import openpyxl

    source = shared_file(RELEASE_2017)
    book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    path = tmp_path / "releases-2017.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        rows = 0
        for row in book["DataReleases"].iter_rows(values_only=True):
            writer.writerow(["" if cell is None else cell for cell in row])
            rows += 1
    book.close()
    call_command("import_register", str(path), "--edition", "2017-11", stdout=None)
    edition = Edition.objects.get(code="2017-11")
    assert edition.register == Edition.Register.RELEASE
    assert FileRelease.objects.count() == rows - 1
    assert FileRelease.objects.filter(dataset_name="Hospital Episode Statistics Admitted Patient Care").exists()
