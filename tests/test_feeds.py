"""Atom feeds of what changed: all changes, per organisation, per dataset, per agreement-list query. Each one is
validated for real (tests/atomfeeds.py: XML parser, RFC 4287 RELAX NG schema, its Schematron rules) and read for
what it says, over three editions imported out of order."""

import datetime

import pytest
from django.urls import reverse

from register.models import Agreement, AgreementVersion, DatasetUse
from tests import factories
from tests.atomfeeds import NS, entry_ids, entry_titles, validate_atom
from tests.editions import import_three_editions
from tests.pagetext import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(tmp_path, settings, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        return import_three_editions(tmp_path)


def fetch(client, url, data=None):
    response = client.get(url, data or {})
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    return validate_atom(response.content)


def test_the_feed_of_all_changes_validates_and_carries_each_change(client, three):
    root = fetch(client, reverse("register:changes-atom"))
    titles = entry_titles(root)
    for code, previous in (("2025-12", "2025-11"), ("2025-11", "2025-10")):
        for base in three.bases(code) - three.bases(previous):
            assert any(title.startswith(f"{base} added in edition {code}") for title in titles), (base, code)
        for base in three.bases(previous) - three.bases(code):
            assert any(title.startswith(f"{base} withdrawn in edition {code}") for title in titles), (base, code)
        for reference in three.expected_changes(code, previous)["changed"]:
            base = three.base_of(reference)
            assert any(title.startswith(f"{base} changed in edition {code}") for title in titles), (base, code)
    for base in three.bases("2025-10"):
        assert f"{base} listed (first edition loaded) in edition 2025-10" in " ".join(titles)
    first = root.find("atom:entry", NS)
    assert "edition 2025-12" in titles[0]  # newest edition first
    link = first.find("atom:link", NS).get("href")
    assert link == first.findtext("atom:id", namespaces=NS)
    base = titles[0].split(" ")[0]
    assert link == f"http://testserver{reverse('register:agreement-changes', args=[base])}?edition=2025-12"
    summary = first.findtext("atom:summary", namespaces=NS)
    assert "Compared with edition 2025-11." in summary
    assert root.findtext("atom:author/atom:name", namespaces=NS).startswith("NHS England")


def test_entry_ids_are_stable_and_their_links_show_the_change(client, three):
    root = fetch(client, reverse("register:changes-atom"))
    again = fetch(client, reverse("register:changes-atom"))
    assert entry_ids(root) == entry_ids(again)
    entry = next(
        e
        for e in root.findall("atom:entry", NS)
        if " changed in edition 2025-11" in e.findtext("atom:title", namespaces=NS)
    )
    page = client.get(entry.findtext("atom:id", namespaces=NS).removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "What edition 2025-11 changed" in page_text(page)
    assert "Yielded benefits" in entry.findtext("atom:summary", namespaces=NS)


def test_an_organisations_feed_carries_only_its_agreements(client, three):
    reference = sorted(three.expected_changes("2025-11", "2025-10")["changed"])[0]
    agreement = AgreementVersion.objects.get(reference=reference).agreement
    organisation = agreement.latest_version.applicant
    root = fetch(client, reverse("register:organisation-atom", args=[organisation.slug]))
    held = {a.reference for a in Agreement.objects.filter(versions__applicant=organisation)}
    held |= {a.reference for a in Agreement.objects.filter(versions__controller_links__organisation=organisation)}
    titles = entry_titles(root)
    assert any(title.startswith(f"{agreement.reference} changed in edition 2025-11") for title in titles)
    assert {title.split(" ")[0] for title in titles} <= held
    assert root.findtext("atom:title", namespaces=NS) == f"What changed for {organisation.name}"
    assert client.get(reverse("register:organisation-atom", args=["no-such-organisation"])).status_code == 404


def test_a_datasets_feed_carries_only_agreements_naming_it(client, three):
    reference = sorted(three.expected_changes("2025-12", "2025-11")["changed"])[0]
    agreement = AgreementVersion.objects.get(reference=reference).agreement
    dataset = DatasetUse.objects.filter(version__agreement=agreement).first().dataset
    root = fetch(client, reverse("register:dataset-atom", args=[dataset.slug]))
    naming = {use.version.agreement.reference for use in DatasetUse.objects.filter(dataset=dataset)}
    naming |= set(Agreement.objects.filter(file_releases__dataset=dataset).values_list("reference", flat=True))
    titles = entry_titles(root)
    assert any(title.startswith(f"{agreement.reference} changed in edition 2025-12") for title in titles)
    assert {title.split(" ")[0] for title in titles} <= naming


def test_a_feed_of_any_agreement_list_query(client, three):
    reference = sorted(three.expected_changes("2025-11", "2025-10")["changed"])[0]
    agreement = AgreementVersion.objects.get(reference=reference).agreement
    root = fetch(client, reverse("register:agreements-atom"), {"q": agreement.reference, "sort": "title"})
    assert {title.split(" ")[0] for title in entry_titles(root)} == {agreement.reference}
    assert (
        root.find("atom:link[@rel='self']", NS)
        .get("href")
        .endswith(f"{reverse('register:agreements-atom')}?q={agreement.reference}")
    )
    everything = fetch(client, reverse("register:agreements-atom"))
    assert len(entry_titles(everything)) == len(entry_titles(fetch(client, reverse("register:changes-atom"))))
    bad = client.get(reverse("register:agreements-atom"), {"active_on": "31/12/2024"})
    assert bad.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in page_text(bad)


def test_register_text_that_xml_cannot_hold_does_not_break_a_feed(client, db):
    october = factories.edition("2025-10", month=datetime.date(2025, 10, 1))
    factories.agreement(
        "DARS-NIC-400001-CTRL1",
        title="Vertical\x0btab and form\x0cfeed <b>&amp;</b> “quotes”",
        editions=[october],
    )
    root = fetch(client, reverse("register:changes-atom"))
    assert entry_titles(root) == [
        "DARS-NIC-400001-CTRL1 listed (first edition loaded) in edition 2025-10: "
        "Vertical tab and form feed <b>&amp;</b> “quotes”"  # spacing characters become spaces
    ]
    root = fetch(client, reverse("register:agreements-atom"), {"q": "vertical\x0b"})
    assert root.findtext("atom:title", namespaces=NS) == "What changed: agreements (Search: “vertical”)"


def test_an_empty_register_has_a_valid_empty_feed(client, db):
    root = fetch(client, reverse("register:changes-atom"))
    assert entry_titles(root) == []


def test_a_query_feed_has_one_address_however_its_query_was_typed(client, three):
    organisation = AgreementVersion.objects.exclude(applicant=None).first().applicant
    canonical = f"?organisation={organisation.slug}&active_from=2020-01-01"
    spellings = [
        {"organisation": organisation.name.upper(), "active_from": "2020-01-01", "role": "", "sort": "title"},
        {"active_from": "2020-01-01", "organisation": f"  {organisation.slug}  ", "per_page": "10"},
    ]
    for query in spellings:
        listed = client.get(reverse("register:agreements"), query)
        assert listed.context["feed_url"] == reverse("register:agreements-atom") + canonical
        root = fetch(client, reverse("register:agreements-atom"), query)
        assert root.findtext("atom:id", namespaces=NS).endswith(reverse("register:agreements") + canonical)
        assert root.find("atom:link[@rel='self']", NS).get("href").endswith(canonical)
        title = root.findtext("atom:title", namespaces=NS)
        described = f"Organisation: {organisation.name}; DSA in force at some time from: 2020-01-01"
        assert title == f"What changed: agreements ({described})"
    role_alone = fetch(client, reverse("register:agreements-atom"), {"role": "applicant"})
    assert role_alone.findtext("atom:id", namespaces=NS).endswith(reverse("register:agreements"))  # it filters nothing
