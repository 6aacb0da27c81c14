"""The seed's two agreements, loaded from fixtures, shown field by field on their pages."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from register import actions
from register.importing import import_register_file
from register.models import Agreement, AgreementVersion, Edition, FileRelease, Organisation
from tests.conftest import SEED_PAGE
from tests.importing import small_register, write_register
from tests.pagetext import page_text

ICB_SLUG = "nhs-greater-manchester-integrated-care-board"
SEED_REFERENCES = ["DARS-NIC-616054-M4C8K", "DARS-NIC-193456-W3M0H"]
LIST_MARKER = re.compile(r"^(?:\d{1,3}[.)]|[a-z][.)]|[-\u2022~o])\s+")
SECTION_LINES = {"Objectives:", "Processing:", "Outputs:", "Expected Benefits:", "Yielded Benefits:", "Datasets:"}


def seed_blocks():
    """The seed page's lines, grouped under the agreement header they follow (read independently of the app)."""
    if not SEED_PAGE.exists():
        pytest.skip(f"the seed page is not available at {SEED_PAGE}")
    blocks, current = {}, None
    for line in SEED_PAGE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(.+) \u2014 (DARS-\S+)$", line)
        if match:
            current = match.group(2)
            blocks[current] = {"title": match.group(1), "lines": []}
        elif current:
            blocks[current]["lines"].append(line)
    return blocks


def expected_fragments(line):
    """What of one seed line must be visible on the page, whatever label or list marker it sits under."""
    if line in SECTION_LINES:
        return []
    label, sep, value = line.partition(":")
    if sep and label in {
        "Type of data",
        "Opt outs honoured",
        "Legal basis",
        "Purposes",
        "Sensitive",
        "When",
        "Access method",
        "Data-controller type",
        "Sublicensing allowed",
    }:
        value = value.strip().removesuffix(".")
        if label == "When":
            value = re.sub(r"(\d{4})\.(\d{2})", r"\1-\2", value.replace("DSA runs", ""))
            return [part for part in re.split(r"\s+\u2014\s+|\s+", value) if part]
        if label in {"Opt outs honoured", "Purposes"}:
            head, _, bracket = value.partition(" (")
            return [part.strip() for part in head.split(", ")] + [bracket.removesuffix(")")]
        if label == "Legal basis":
            return [
                part.strip()
                for part in re.split(r", (?=Health and Social Care Act|National Health Service Act)", value)
            ]
        return [part.strip() for part in value.split(", ") if part.strip()]
    return [LIST_MARKER.sub("", line.strip())]


def test_fixtures_load_the_reference_organisations(db):
    assert Organisation.objects.filter(kind="icb").count() == 42
    sub_icbs = Organisation.objects.filter(kind="sub-icb")
    assert sub_icbs.count() == 106
    assert not sub_icbs.filter(parent__isnull=True).exists()
    ccgs = Organisation.objects.filter(kind="ccg")
    assert ccgs.count() == 106
    assert not ccgs.filter(successor__isnull=True).exists()
    bolton = Organisation.objects.get(name="NHS Bolton CCG")
    assert bolton.successor.ods_code == "00T"
    assert bolton.successor.parent.name == "NHS Greater Manchester Integrated Care Board"
    assert bolton.successor.parent.region == "North West"


def test_fixtures_load_the_seed_agreements(seed_data):
    assert Edition.objects.filter(code="seed").exists()
    assert sorted(Agreement.objects.values_list("reference", flat=True)) == sorted(SEED_REFERENCES)
    version = AgreementVersion.objects.get(reference="DARS-NIC-193456-W3M0H")
    assert version.controller_links.count() == 60
    controllers = set(version.controllers.values_list("name", flat=True))
    assert "NHS Heywood, Middleton and Rochdale CCG" in controllers
    assert "NHS Greater Manchester ICB - 00T" in controllers
    assert FileRelease.objects.filter(agreement__reference="DARS-NIC-193456-W3M0H").count() == 33


@pytest.mark.django_db
def test_the_seed_never_loads_over_an_imported_register(tmp_path):
    """Its two agreements are real ones: loaded after an import, it would overwrite what the register says."""
    import_register_file(write_register(small_register(agreements=3, files=6), tmp_path))
    before = list(AgreementVersion.objects.order_by("pk").values_list("reference", "title", "agreement__reference"))
    out = io.StringIO()
    call_command("load_site_data", stdout=out)
    assert "Seed agreements: not loaded, as register files are imported already" in out.getvalue()
    assert not Edition.objects.filter(code="seed").exists()
    assert (
        list(AgreementVersion.objects.order_by("pk").values_list("reference", "title", "agreement__reference"))
        == before
    )


@pytest.mark.parametrize("reference", SEED_REFERENCES)
def test_every_seed_field_appears_on_its_agreement_page(client, seed_data, reference):
    block = seed_blocks()[reference]
    response = client.get(reverse("register:agreement", args=[reference]))
    assert response.status_code == 200
    text = page_text(response)
    assert block["title"] in text
    assert reference in text
    missing = [fragment for line in block["lines"] for fragment in expected_fragments(line) if fragment not in text]
    assert missing == []


def test_agreement_page_renders_numbered_items_as_lists(client, seed_data):
    response = client.get(reverse("register:agreement", args=["DARS-NIC-616054-M4C8K"]))
    body = response.content.decode()
    assert '<li value="1">Ensuring that activity is fully financially validated.</li>' in body
    assert '<li value="20">To evaluate the impact of new services' in body
    assert "<p>INVOICE VALIDATION</p>" in body


def test_agreement_reference_in_any_case_and_with_a_version_leads_to_the_agreement(client, seed_data):
    canonical = reverse("register:agreement", args=["DARS-NIC-616054-M4C8K"])
    for variant in [
        "dars-nic-616054-m4c8k",
        "DARS-NIC-616054-M4C8K-v9.9",
        "NIC-616054-M4C8K",
        " DARS-NIC-616054-M4C8K ",
    ]:
        response = client.get(reverse("register:agreement", args=[variant]))
        assert response.status_code == 301
        assert response["Location"] == canonical
    assert client.get(reverse("register:agreement", args=["DARS-NIC-000000-XXXXX"])).status_code == 404


def test_icb_page_lists_both_seed_agreements_and_the_files_count(client, seed_data):
    response = client.get(reverse("register:organisation", args=[ICB_SLUG]))
    assert response.status_code == 200
    text = page_text(response)
    assert "NHS Greater Manchester Integrated Care Board projects" in text
    assert "33 data files in total were disseminated" in text
    for reference in SEED_REFERENCES:
        assert reference in text
    assert "DSfC - NHS Greater Manchester Integrated Care Board - Comm/IV/RS" in text
    assert "DSfC - STP 31 CCGs Comm" in text


def test_sub_icb_location_page_shows_what_it_holds_and_its_icb(client, seed_data):
    response = client.get(reverse("register:organisation", args=["nhs-greater-manchester-icb-00t"]))
    text = page_text(response)
    assert "DARS-NIC-193456-W3M0H" in text
    assert "DARS-NIC-616054-M4C8K" not in text
    assert "NHS Greater Manchester Integrated Care Board" in text  # its parent
    assert "NHS Bolton CCG" in text  # its predecessor


def test_organisation_with_nothing_says_none_recorded(client, db):
    response = client.get(reverse("register:organisation", args=["nhs-kent-and-medway-integrated-care-board"]))
    assert response.status_code == 200
    assert "none recorded in the loaded data" in page_text(response)


def test_an_organisation_address_in_capitals_leads_to_its_page(client, seed_data, curator):
    response = client.get(reverse("register:organisation", args=["NHS-Bolton-CCG"]) + "?role=applicant")
    assert response.status_code == 301
    assert response["Location"] == reverse("register:organisation", args=["nhs-bolton-ccg"]) + "?role=applicant"
    assert client.get(reverse("register:organisation", args=["NO-SUCH-BODY"])).status_code == 404
    # and a former address, or an address a curator wrote in capitals, in any capitals
    bolton = Organisation.objects.get(slug="nhs-bolton-ccg")
    for slug in ("NHS-Bolton-X", "nhs-bolton-y"):
        bolton.slug = slug
        actions.save_curated(bolton, curator, ["slug"])
    for typed in ("NHS-Bolton-X", "nhs-bolton-x", "NHS-BOLTON-CCG"):
        moved = client.get(reverse("register:organisation", args=[typed]))
        assert moved["Location"] == reverse("register:organisation", args=["nhs-bolton-y"]), typed
    bolton.slug = "NHS-Bolton-Z"
    actions.save_curated(bolton, curator, ["slug"])
    assert client.get(reverse("register:organisation", args=["nhs-bolton-z"]))["Location"] == bolton.get_absolute_url()
    dataset = client.get(reverse("register:agreements"), {"dataset": "SUS-For-Commissioners"})
    assert dataset.status_code == 200
    lower = client.get(reverse("register:agreements"), {"dataset": "sus-for-commissioners"})
    assert dataset.context["list"].total == lower.context["list"].total > 0


def test_unknown_organisation_is_a_404_page(client, db):
    response = client.get(reverse("register:organisation", args=["no-such-body"]))
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_base_layout_has_skip_link_and_licence_footer(client, seed_data):
    response = client.get(reverse("register:agreement", args=["DARS-NIC-616054-M4C8K"]))
    body = response.content.decode()
    assert '<a class="skip-link" href="#main">' in body
    assert 'id="main"' in body
    text = page_text(response)
    assert "Open Government Licence v3.0" in text
    assert "independent reformatting" in text


@pytest.mark.django_db
def test_an_import_beside_the_seed_says_the_seed_is_counted_too(seed_data, tmp_path):
    """Imported onto the site `make run` gives, a register's figures silently counted the seed's 33 files too."""
    report = import_register_file(write_register(small_register(agreements=3, files=6), tmp_path))
    assert any("also holds the seed" in warning for warning in report.warnings)
    assert "Note: This database also holds the seed" in "\n".join(report.lines())


@pytest.mark.django_db
def test_an_import_without_the_seed_says_nothing_of_it(tmp_path):
    report = import_register_file(write_register(small_register(agreements=3, files=6), tmp_path))
    assert not any("seed" in warning for warning in report.warnings)
