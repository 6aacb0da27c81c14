"""The browsing pages besides the agreement list: home, about, organisations, ICBs, datasets, an agreement's versions
and citation, sitemap and robots; what every page shares (header search, no inline scripts); and their reads."""

import datetime
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models import Count
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from register import actions, contents, queries
from register.models import Agreement, AgreementVersion, Dataset, Edition, Organisation
from register.names import slugify
from tests import factories
from tests.pagetext import page_text

ROOT = Path(__file__).resolve().parent.parent
GM_ICB = "nhs-greater-manchester-integrated-care-board"


@pytest.fixture
def register(db):
    factories.agreement(
        "DARS-NIC-300001-AAAAA",
        title="Commissioning in Bolton",
        applicant=factories.organisation("NHS Greater Manchester ICB - 00T"),
        applicant_type="Sub ICB Location",
        versions=["1.2", {"version": "2.0", "dsa_start": datetime.date(2024, 4, 1), "title": "Commissioning, renewed"}],
        datasets=[factories.use(factories.HES_APC, legal_basis=factories.LEGAL_BASES[0]), factories.ECDS],
        files=[
            (factories.HES_APC, datetime.date(2021, 1, 1), False),
            (factories.HES_APC, datetime.date(2021, 1, 1), False),
            (factories.HES_APC, datetime.date(2021, 2, 1), True),
            (factories.ECDS, datetime.date(2021, 3, 1), False),
        ],
    )
    factories.agreement(
        "DARS-NIC-300002-BBBBB",
        title="Hip fractures",
        applicant=factories.organisation("UNIVERSITY OF OXFORD", kind="university"),
        applicant_type="Academic",
        datasets=[factories.use(factories.HES_APC, legal_basis=factories.LEGAL_BASES[4], frequency="System Access")],
    )
    factories.index()


def test_home_has_one_search_box_headline_numbers_and_ways_in(client, register):
    response = client.get(reverse("register:home"))
    assert response.status_code == 200
    text = page_text(response)
    assert "2 data sharing agreements listed" in text
    assert "4 data files released, under 1 of them" in text
    assert "2 datasets named" in text
    body = response.content.decode()
    assert body.count('name="q"') == 2  # the header's and the page's own
    assert f'href="{reverse("register:icbs")}"' in body
    hes = "hospital-episode-statistics-admitted-patient-care-hes-apc"
    assert f'href="{reverse("register:agreements")}?dataset={hes}"' in body
    assert f'href="{reverse("register:agreements")}?organisation_type=academic"' in body
    assert re.search(r"By type of applicant .*? Academic \(1 agreement\)", text)
    assert "The register gives a type for 2 of the 2 agreements" in text
    for kind in ("company", "university", "charity", "local-authority", "trust"):  # the site's own classes
        assert f'href="{reverse("register:organisations")}?kind={kind}"' in body
        assert kind in Organisation.Kind.values
    assert "dataset or reference" not in text  # the search box does not search dataset names: the page says where to
    assert "Counted over every edition loaded; the newest is edition 2025-11" in text


def test_about_explains_the_register_every_field_and_the_file_count(client, register):
    text = page_text(client.get(reverse("register:about")))
    for term in [
        "Application title",
        "Applicant organisation type",
        "Data controller(s)",
        "Sole or joint data controller",
        "DSA start and end date",
        "For commercial purposes",
        "Does sublicensing apply",
        "Objective for processing",
        "Processing activities",
        "Expected outputs",
        "Expected measurable benefits",
        "Yielded benefits",
        "Type of data",
        "Sensitive or non-sensitive",
        "Access method (frequency)",
        "Legal basis for provision of data",
        "Common law duty of confidentiality",
        "Patient opt-outs applied",
        "File reference and month file released",
    ]:
        assert term in text, term
    assert "Trusted research environment projects are not in that count" in text
    assert "Older CCGs count once a curator links them." in text  # why an ICB's count can leave some out
    for abbreviation in ("DARS", "DSA", "DSfC", "HSCIC"):  # as agreement titles and legal bases use them
        assert f"{abbreviation} " in text.split("Abbreviations the register uses")[1], abbreviation
    assert "synthetic-2025-11.xlsx" in text  # the edition loaded and where it came from
    assert "Source: Office for National Statistics licensed under the Open Government Licence v.3.0" in text


def test_an_agreement_shows_every_version_its_files_and_how_to_cite_it(client, register):
    response = client.get(reverse("register:agreement", args=["DARS-NIC-300001-AAAAA"]))
    text = page_text(response)
    assert "DARS-NIC-300001-AAAAA-v1.2" in text
    assert "DARS-NIC-300001-AAAAA-v2.0" in text
    assert "2024-04-01" in text
    versions = {version.reference: version.files_released for version in response.context["summary"].versions}
    assert versions == {"DARS-NIC-300001-AAAAA-v1.2": 0, "DARS-NIC-300001-AAAAA-v2.0": 4}
    assert f"{factories.HES_APC}: 3 files" in text
    assert "Cite this agreement" in text
    url = "http://testserver" + reverse("register:agreement", args=["DARS-NIC-300001-AAAAA"])
    assert "“Commissioning, renewed”, data sharing agreement DARS-NIC-300001-AAAAA (version 2.0)" in text
    assert "edition 2025-11" in text
    assert url in text


@pytest.mark.parametrize(
    ("register_kind", "cited"),
    [
        (Edition.Register.DATA_USES, "NHS England, “A study”, data sharing agreement {}, Data Uses Register, edition"),
        (Edition.Register.RELEASE, "NHS Digital, “A study”, data sharing agreement {}, Data Release Register, edition"),
        (
            Edition.Register.SYNTHETIC,
            "Synthetic data, not NHS England's, “A study”, data sharing agreement {}, a synthetic register generated "
            "for testing, edition",
        ),
    ],
)
def test_an_agreement_is_cited_as_its_register_names_it_and_a_synthetic_one_says_so(client, db, register_kind, cited):
    listed_in = factories.edition("2017-11", register=register_kind, month=datetime.date(2017, 11, 1))
    factories.agreement("DARS-NIC-500010-CCCCC", title="A study", versions=[""], editions=[listed_in])
    pages = [
        client.get(reverse("register:agreement", args=["DARS-NIC-500010-CCCCC"])),
        client.get(reverse("register:agreement-as-of", args=["DARS-NIC-500010-CCCCC", "2017-11"])),
    ]
    synthetic = "The latest edition listing this agreement, 2017-11, is <strong>synthetic</strong>: generated"
    for response in pages:
        assert response.status_code == 200
        [citation] = re.findall(r'<p class="citation">(.*?)</p>', response.content.decode().replace("&#x27;", "'"))
        assert citation.startswith(cited.format("DARS-NIC-500010-CCCCC"))
    assert (synthetic in pages[0].content.decode()) == (register_kind == Edition.Register.SYNTHETIC)


def test_an_agreement_is_cited_in_the_registers_words_when_a_curator_corrected_its_title(client, db, curator):
    """A citation names the register as its source, so a curator's correction of the title is not cited as NHS
    England's; the page's heading shows the correction."""
    agreement = factories.agreement("DARS-NIC-300001-AAAAA", title="Comissioning", versions=["1.0", "2.0"])
    latest = agreement.latest_version
    # as an import leaves it (the factory writes rows only): the row's content hash is what the register said
    latest.content_hash = contents.content_hash(contents.version_content(latest.pk))
    AgreementVersion.objects.filter(pk=latest.pk).update(content_hash=latest.content_hash)
    latest.title = "Commissioning"
    actions.save_curated(latest, curator, ["title"])
    response = client.get(reverse("register:agreement", args=["DARS-NIC-300001-AAAAA"]))
    assert re.findall(r"<h1>(.*?)</h1>", response.content.decode()) == ["Commissioning"]
    assert "“Comissioning”, data sharing agreement DARS-NIC-300001-AAAAA (version 2.0)" in page_text(response)


def test_an_organisation_with_one_agreement_is_not_offered_to_filter_it(client, db, settings):
    settings.PAGE_CACHE_SECONDS = 0
    factories.agreement("DARS-NIC-500012-EEEEE", applicant="Leeds City Council")
    text = page_text(client.get(reverse("register:organisation", args=["leeds-city-council"])))
    assert "See it in the agreement list · Download it: CSV · JSON" in text
    assert "these 1 agreement" not in text
    factories.agreement("DARS-NIC-500013-FFFFF", applicant="Leeds City Council")
    text = page_text(client.get(reverse("register:organisation", args=["leeds-city-council"])))
    assert "Filter, search and sort these 2 agreements · Download them: CSV · JSON" in text


def test_a_text_without_a_version_number_is_headed_without_one(client, db):
    factories.agreement("NIC-56039-T9H7X", versions=[""])
    html = client.get(reverse("register:agreement", args=["NIC-56039-T9H7X"])).content.decode()
    assert '<h2 id="purpose">What the data is for</h2>' in html
    factories.agreement("DARS-NIC-500014-GGGGG", versions=("1.0", "2.3"))
    html = client.get(reverse("register:agreement", args=["DARS-NIC-500014-GGGGG"])).content.decode()
    assert '<h2 id="purpose">What the data is for (version 2.3)</h2>' in html
    # "On this page" leads to every section, each link to a heading that is there.
    contents = re.search(r'<nav class="contents".*?</nav>', html, re.S)[0]
    targets = re.findall(r'href="#([\w-]+)"', contents)
    assert {"glance", "purpose", "versions", "history-title", "files", "cite-title"} <= set(targets)
    assert all(f'id="{target}"' in html for target in targets)


def test_a_renewals_dates_say_when_the_earliest_version_began(client, db):
    factories.agreement(
        "DARS-NIC-500015-HHHHH",
        versions=[
            {"version": "0.3", "dsa_start": datetime.date(2022, 11, 18), "dsa_end": datetime.date(2025, 11, 17)},
            {"version": "0.7", "dsa_start": datetime.date(2026, 6, 5), "dsa_end": datetime.date(2029, 6, 4)},
        ],
    )
    text = page_text(client.get(reverse("register:agreement", args=["DARS-NIC-500015-HHHHH"])))
    assert "2026-06-05 to 2029-06-04 (latest version); earliest start of any version: 2022-11-18" in text
    assert "The applicant, controllers, dates, and commercial and sublicensing terms are the latest version's." in text
    factories.agreement("DARS-NIC-500016-JJJJJ", versions=("1.0", "2.0"))  # the same dates: nothing to add
    text = page_text(client.get(reverse("register:agreement", args=["DARS-NIC-500016-JJJJJ"])))
    assert "2023-04-01 to 2026-03-31" in text
    assert "earliest start" not in text


def test_values_the_quarterly_register_has_no_column_for_are_not_given_not_unstated(client, db):
    quarter = factories.edition("2017-11", register=Edition.Register.RELEASE, month=datetime.date(2017, 11, 1))
    agreement = factories.agreement("NIC-56039-T9H7X", versions=[""], dsa_start=None, dsa_end=None, editions=[quarter])
    agreement.versions.update(
        commercial=None,
        commercial_text="",
        sublicensing=None,
        sublicensing_text="",
        controllers_text="",
        controller_arrangement="",
    )
    agreement.versions.get().controller_links.all().delete()
    html = client.get(reverse("register:agreement", args=["NIC-56039-T9H7X"])).content.decode()
    gap = "Not given: the quarterly register has no such column"
    for label in (
        "Data controller(s)",
        "Sole or joint data controller",
        "Data sharing agreement (DSA) runs",
        "For commercial purposes",
        "Sublicensing allowed",
    ):
        assert f"<dt>{label}</dt><dd>{gap}</dd>" in html, label
    assert "Not stated" not in page_text(client.get(reverse("register:agreement", args=["NIC-56039-T9H7X"])))


def test_a_dataset_page_links_the_names_that_may_be_the_same_dataset(client, db, settings):
    settings.PAGE_CACHE_SECONDS = 0
    factories.agreement("DARS-NIC-500017-KKKKK", datasets=["Diagnostic Imaging Dataset"])
    factories.agreement("DARS-NIC-500018-LLLLL", datasets=["Diagnostic Imaging Data Set (DID)", factories.HES_APC])
    one, other = Dataset.objects.get(name="Diagnostic Imaging Dataset"), Dataset.objects.get(name__endswith="(DID)")
    for page, twin in ((one, other), (other, one)):
        response = client.get(reverse("register:dataset", args=[page.slug]))
        assert response.context["twins"] == [twin]
        text = page_text(response)
        assert "Possibly the same dataset, named otherwise The register names some datasets differently" in text
        assert f'<a href="{twin.get_absolute_url()}">{twin.name}</a>' in response.content.decode()
    alone = client.get(reverse("register:dataset", args=[slugify(factories.HES_APC)]))
    assert "Possibly the same dataset" not in page_text(alone)


def test_organisation_and_dataset_pages_are_cited_with_the_newest_edition_counted(client, db):
    older = factories.edition("2017-11", register=Edition.Register.RELEASE, month=datetime.date(2017, 11, 1))
    newer = factories.edition("2025-11", register=Edition.Register.DATA_USES)
    factories.agreement(
        "DARS-NIC-500011-DDDDD",
        applicant="Leeds City Council",
        files=[(factories.HES_APC, datetime.date(2025, 1, 1), False)],
        editions=[older, newer],
    )
    counted = (
        "counted over the editions loaded up to 2025-11 "
        "(figures from NHS Digital, Data Release Register; NHS England, Data Uses Register)"
    )
    pages = {
        "“Leeds City Council”, organisation page": reverse("register:organisation", args=["leeds-city-council"]),
        f"“{factories.HES_APC}”, dataset page": reverse("register:dataset", args=[slugify(factories.HES_APC)]),
    }
    for named, url in pages.items():
        html = client.get(url).content.decode()
        [citation] = re.findall(r'<p class="citation">(.*?)</p>', html)
        assert citation.startswith(
            f"Data Release Register, reformatted, {named}, {counted}. At http://testserver{url},"
        )
        assert '<h2 id="cite-title">Cite this page</h2>' in html


def test_a_page_whose_figures_come_from_the_quarterly_register_alone_is_cited_from_it(client, db):
    """NHS Oldham CCG's figures all come from NHS Digital's 2017 register: its page was cited as NHS England's Data
    Uses Register's, the newest edition loaded."""
    older = factories.edition("2017-11", register=Edition.Register.RELEASE, month=datetime.date(2017, 11, 1))
    factories.edition("2025-11", register=Edition.Register.DATA_USES)
    factories.agreement("NIC-47141-V2B4Q", applicant="NHS OLDHAM CCG", editions=[older])
    factories.organisation("Nobody Yet")
    for slug, counted in [
        ("nhs-oldham-ccg", "(figures from NHS Digital, Data Release Register)"),
        ("nobody-yet", "(NHS England, Data Uses Register)"),  # nothing counted: the newest edition's register
    ]:
        html = client.get(reverse("register:organisation", args=[slug])).content.decode()
        [citation] = re.findall(r'<p class="citation">(.*?)</p>', html)
        assert f"counted over the editions loaded up to 2025-11 {counted}. At" in citation


def test_at_a_glance_shows_one_value_once_however_the_register_spelt_it(client, db):
    """DARS-NIC-00574-V2H1F showed "Non Sensitive · Non-Sensitive · Sensitive" and "Not applied" twice (the register
    wrote "No" and "N"), though the filters and the CSV count each as one value, as the About page says."""
    factories.agreement(
        "DARS-NIC-700201-AAAAA",
        datasets=[factories.use(sensitivity="Non Sensitive"), factories.use(factories.ECDS, sensitivity="Sensitive")],
        files=[
            {"dataset_name": factories.HES_APC, "month": datetime.date(2024, 1, 1), "sensitivity": "Non-Sensitive"},
            {"dataset_name": factories.HES_APC, "month": datetime.date(2024, 2, 1), "opt_outs_text": "N"},
            {"dataset_name": factories.HES_APC, "month": datetime.date(2024, 3, 1), "opt_outs_text": "No"},
            {"dataset_name": factories.ECDS, "month": datetime.date(2024, 3, 1), "opt_outs_applied": True},
        ],
    )
    response = client.get(reverse("register:agreement", args=["DARS-NIC-700201-AAAAA"]))
    glance = response.context["summary"]
    assert glance.sensitivity == ["Non Sensitive", "Sensitive"]
    assert glance.opt_outs == [("Yes",), ("No", "N")]  # in the order of the files' datasets
    text = page_text(response)
    assert "Applied (register: “Yes”) Not applied (register: “No”, “N”)" in text


def test_at_a_glance_gathers_every_released_files_type_legal_basis_and_sensitivity(client, db):
    """The quarterly register gives these per file: DARS-NIC-378523-Y5Q9L's first file of each dataset was
    aggregate, the rest identifiable, and the page once said only "Aggregated" (the dataset table, made from each
    dataset's first file, still does; At a glance must gather them all, as its hint says)."""
    aggregate = factories.use(type_of_data="Aggregated-Small Numbers Suppressed", sensitivity="Non-Sensitive")
    factories.agreement(
        "DARS-NIC-378523-Y5Q9L",
        datasets=[aggregate],
        files=[
            (factories.HES_APC, datetime.date(2017, 9, 1), False),
            {
                "dataset_name": factories.HES_APC,
                "month": datetime.date(2017, 10, 1),
                "type_of_data": "Identifiable",
                "sensitivity": "Sensitive",
                "is_sensitive": True,
                "legal_basis": "Informed Patient consent to permit the receipt, processing and release of data",
            },
        ],
    )
    glance = client.get(reverse("register:agreement", args=["DARS-NIC-378523-Y5Q9L"])).context["summary"]
    assert glance.types_of_data == ["Aggregated-Small Numbers Suppressed", "Identifiable"]
    assert glance.sensitivity == ["Non-Sensitive", "Sensitive"]
    assert "Informed Patient consent to permit the receipt, processing and release of data" in glance.legal_bases
    text = page_text(client.get(reverse("register:agreement", args=["DARS-NIC-378523-Y5Q9L"])))
    assert re.search(r"Type of data\s+Aggregated-Small Numbers Suppressed\s+Identifiable", text), text
    assert "this table shows a dataset's first file" not in text  # a monthly register names them once per version
    quarterly = factories.edition("2017-11", register=Edition.Register.RELEASE, month=datetime.date(2017, 11, 1))
    factories.agreement("NIC-41541-S0F4G", editions=[quarterly])
    text = page_text(client.get(reverse("register:agreement", args=["NIC-41541-S0F4G"])))
    assert "the older quarterly register gives these for each file: this table shows a dataset's first file" in text


def test_an_agreement_the_register_gives_no_title_is_named_after_its_applicant(client, db):
    """The 2017 register has no titles or dates: its agreements are headed by whose they are, never a bare
    "Untitled", and their dates are "not stated", never "?"."""
    listed_in = factories.edition("2017-11", register=Edition.Register.RELEASE, month=datetime.date(2017, 11, 1))
    council = factories.organisation("Cheshire East Borough Council", kind=Organisation.Kind.LOCAL_AUTHORITY)
    factories.agreement(
        "DARS-NIC-00747-G8G0Z",
        title="",
        applicant=council,
        versions=["1.2"],
        editions=[listed_in],
        dsa_start=None,
        dsa_end=None,
    )
    heading = "Untitled agreement with CHESHIRE EAST BOROUGH COUNCIL"
    urls = [
        reverse("register:agreement", args=["DARS-NIC-00747-G8G0Z"]),
        reverse("register:agreement-as-of", args=["DARS-NIC-00747-G8G0Z", "2017-11"]),
        reverse("register:agreement-changes", args=["DARS-NIC-00747-G8G0Z"]),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        [h1] = re.findall(r"<h1>(.*?)</h1>", html)
        assert h1.endswith(heading), url
        assert re.search(rf"<title>[^<]*{heading} \(DARS-NIC-00747-G8G0Z\)", html), url
    text = page_text(client.get(urls[0]))
    assert "Title None: the register gives this agreement no title" in text
    assert f"NHS Digital, [{heading}], data sharing agreement DARS-NIC-00747-G8G0Z (version 1.2), Data Release" in text
    feed = client.get(reverse("register:changes-atom")).content.decode()
    assert f"in edition 2017-11: {heading}</title>" in feed
    # the list names it as its page does, and sorting by title puts it after the titled ones
    factories.agreement("DARS-NIC-99999-Z9Z9Z", title="Zebra study", applicant=council, editions=[listed_in])
    (row, *_) = client.get(reverse("register:agreements"), {"q": "DARS-NIC-00747-G8G0Z"}).context["list"].rows
    assert row.title == heading
    for sort in ("title", "-title"):
        rows = client.get(reverse("register:agreements"), {"sort": sort}).context["list"].rows
        assert [row.agreement.reference for row in rows] == ["DARS-NIC-99999-Z9Z9Z", "DARS-NIC-00747-G8G0Z"]
    # on its applicant's page, where every agreement is the council's, the reference tells them apart
    listed = page_text(client.get(council.get_absolute_url()))
    assert "DARS-NIC-00747-G8G0Z DARS-NIC-00747-G8G0Z · DSA dates not stated · 0 files released" in listed
    assert "DSA ?" not in listed
    assert "to ?" not in listed


def test_an_icb_page_gathers_its_sub_icb_locations_and_links_its_agreements(client, register):
    response = client.get(reverse("register:organisation", args=[GM_ICB]))
    text = page_text(response)
    assert "4 data files in total were disseminated" in text
    assert "Commissioning, renewed" in text
    bodies = {body.organisation.name: body for body in response.context["summary"].bodies}
    assert bodies["NHS Greater Manchester ICB - 00T"].agreements == 1
    assert bodies["NHS Greater Manchester ICB - 00T"].files == 4
    assert bodies["NHS Bolton CCG"].agreements == 0
    assert "NHS Greater Manchester ICB - 00T (formerly NHS Bolton CCG)" in text  # where a code-named location is
    body = response.content.decode()
    assert f'href="{reverse("register:agreements")}?organisation={GM_ICB}"' in body
    assert f'href="{reverse("register:agreements-csv")}?organisation={GM_ICB}"' in body


def test_a_ccg_page_links_its_successor_and_the_successor_its_parent(client, register):
    text = page_text(client.get(reverse("register:organisation", args=["nhs-bolton-ccg"])))
    assert "Replaced by NHS Greater Manchester ICB - 00T" in text
    text = page_text(client.get(reverse("register:organisation", args=["nhs-greater-manchester-icb-00t"])))
    assert "Part of NHS Greater Manchester Integrated Care Board" in text
    assert "Replaced NHS Bolton CCG" in text


def test_the_icb_list_has_all_42_by_region_with_zero_shown_as_zero(client, register):
    response = client.get(reverse("register:icbs"))
    regions = response.context["directory"].regions
    rows = [row for _, region_rows in regions for row in region_rows]
    assert len(rows) == 42
    assert len(regions) == 7
    manchester = next(row for row in rows if row.icb.slug == GM_ICB)
    assert (manchester.agreements, manchester.files) == (1, 4)
    assert manchester.sub_icb_locations >= 1
    assert manchester.ccgs >= 1
    kent = next(row for row in rows if row.icb.slug == "nhs-kent-and-medway-integrated-care-board")
    assert (kent.agreements, kent.files) == (0, 0)
    text = page_text(response)
    assert "North West" in text
    assert re.search(r"NHS Kent and Medway Integrated Care Board QKS \d+ \d+ 0 0", text)
    assert "Not in these counts" not in text  # every CCG holding an agreement here is gathered by an ICB


def test_the_icb_list_names_the_ccgs_no_icb_gathers(client, register):
    factories.agreement("NIC-47190-V7H9B", versions=[""], applicant="NHS Central Manchester CCG")
    central = Organisation.objects.get(name="NHS Central Manchester CCG")
    Organisation.objects.filter(pk=central.pk).update(kind=Organisation.Kind.CCG)
    response = client.get(reverse("register:icbs"))
    assert response.context["directory"].ccgs_in_no_icb == [central]
    text = page_text(response)
    assert "Not in these counts: 1 Clinical Commissioning Group" in text
    assert "1 CCG holds agreements but is linked to no ICB yet" in text
    assert f'<a href="{central.get_absolute_url()}">NHS Central Manchester CCG</a>' in response.content.decode()
    icb = page_text(client.get(reverse("register:organisation", args=[GM_ICB])))
    assert "CCGs that merged before 2022 count here once a curator links them" in icb


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "greater manchester icb 00t"}, "NHS Greater Manchester ICB - 00T"),
        ({"q": "00T"}, "NHS Greater Manchester ICB - 00T"),
        ({"q": "Tameside & Glossop"}, "NHS Tameside and Glossop CCG"),
        ({"q": "BOLTON"}, "NHS Bolton CCG"),
        ({"kind": "university"}, "UNIVERSITY OF OXFORD"),
        ({"letter": "B", "kind": "ccg"}, "NHS Bolton CCG"),  # filed under the word after NHS
        ({"letter": "U"}, "UNIVERSITY OF OXFORD"),
        ({"letter": "u"}, "UNIVERSITY OF OXFORD"),  # typed by hand
    ],
)
def test_the_organisation_list_finds_bodies_by_name_type_and_letter(client, register, params, expected):
    response = client.get(reverse("register:organisations"), params)
    assert response.status_code == 200
    names = [row.organisation.name for row in response.context["list"].rows]
    assert expected in names


def test_the_organisation_list_counts_types_and_gathered_holdings(client, register):
    response = client.get(reverse("register:organisations"), {"q": "manchester"})
    listing = response.context["list"]
    kinds = {choice.value: choice.count for choice in listing.kinds}
    assert kinds["icb"] == 1
    assert kinds["sub-icb"] >= 1
    rows = {row.organisation.name: row for row in listing.rows}
    assert rows["NHS Greater Manchester Integrated Care Board"].agreements == 1
    assert rows["NHS Greater Manchester Integrated Care Board"].files == 4
    assert f'href="{listing.csv_url}"' in response.content.decode().replace("&amp;", "&")


def test_the_home_pages_count_of_holders_links_to_a_list_of_just_as_many(client, register):
    """The home page said "7 organisations holding them" and linked to a list of every organisation the site knows
    (hundreds: the ICB reference data)."""
    home = client.get(reverse("register:home"))
    holders = home.context["headline"].organisations
    link = re.search(r'<a href="([^"]+)">organisations?</a> holding them', home.content.decode())[1]
    listed = client.get(link.replace("&amp;", "&"))
    assert listed.context["list"].total == holders < Organisation.objects.count()
    assert "Organisations (holding an agreement)" in listed.content.decode()
    assert 'id="id_holds" name="holds" value="yes" checked' in listed.content.decode()
    letters = {link.letter: link.url for link in listed.context["list"].letters}
    assert "holds=yes" in letters["B"]  # the other ways through the list keep it
    assert "holds=yes" in listed.context["list"].csv_url
    csv_rows = b"".join(client.get(listed.context["list"].csv_url).streaming_content).decode().strip().splitlines()
    assert len(csv_rows) - 1 == holders


@pytest.mark.parametrize("typed", ["\x08", "!?", "  -  "])
def test_the_organisation_list_finds_nothing_for_a_search_with_no_words(client, register, typed):
    # A search that cleans down to no words once matched with a text NULL, which PostgreSQL refused to compare
    # with an id (found by the fuzzing harness on PostgreSQL).
    response = client.get(reverse("register:organisations"), {"q": typed})
    assert response.status_code == 200
    assert response.context["list"].total == 0


def test_the_organisation_list_rejects_an_unknown_type_clearly(client, register):
    response = client.get(reverse("register:organisations"), {"kind": "spaceship", "letter": "?", "q": "bolton"})
    assert response.status_code == 400
    assert "Select a valid choice" in page_text(response)
    # The form stays, marking what was wrong, above what the rest of the query finds.
    shown = response.context["list"]
    assert shown.total == client.get(reverse("register:organisations"), {"q": "bolton"}).context["list"].total > 0
    body = response.content.decode()
    assert '<a href="#id_kind">Type</a>' in body
    assert '<a href="#id_letter">Starting with</a>' in body
    assert 'aria-describedby="error_kind" aria-invalid="true"' in re.search(r'<select id="id_kind"[^>]*>', body)[0]
    assert "You gave “spaceship”." in re.search(r'<p class="error-message" id="error_kind">(.*?)</p>', body)[1]
    assert 'value="bolton"' in re.search(r'<input id="id_q"[^>]*>', body)[0]


def test_each_query_of_the_organisation_list_has_its_own_title(client, register):
    def title(**params):
        body = client.get(reverse("register:organisations"), params).content.decode()
        return re.search(r"<title>(.*?) · ", body)[1]

    assert re.fullmatch(r"Organisations, page 1 of \d+", title())
    assert re.fullmatch(r"Organisations, page 2 of \d+", title(page="2"))
    assert title(q="leeds") == "Organisations (Name: “leeds”)"
    assert title(kind="sub-icb", letter="N") == "Organisations (Type: Sub-ICB location; Starting with N)"
    assert title(kind="spaceship") == "Error: organisations"
    assert title(kind="icb") == "Organisations (Type: Integrated Care Board)"


def test_the_organisation_list_keeps_a_name_in_error_as_typed(client, register):
    response = client.get(reverse("register:organisations"), {"q": "<b>" + "x" * 200})
    assert response.status_code == 400
    box = re.search(r'<input id="id_q"[^>]*>', response.content.decode())[0]
    assert 'value="&lt;b&gt;xxx' in box
    assert 'aria-invalid="true"' in box
    assert response.context["list"].total == Organisation.objects.count()


def test_the_dataset_list_and_a_dataset_page_say_who_receives_it_and_how(client, register):
    rows = {row.dataset.name: row for row in client.get(reverse("register:datasets")).context["rows"]}
    assert (rows[factories.HES_APC].agreements, rows[factories.HES_APC].files) == (2, 3)
    assert (rows[factories.ECDS].agreements, rows[factories.ECDS].files) == (1, 1)
    slug = "hospital-episode-statistics-admitted-patient-care-hes-apc"
    response = client.get(reverse("register:dataset", args=[slug]))
    summary = response.context["summary"]
    assert summary.file_total == 3
    assert {tally.label: (tally.agreements, tally.files) for tally in summary.organisations} == {
        "NHS Greater Manchester ICB - 00T": (1, 3),
        "UNIVERSITY OF OXFORD": (1, 0),
    }
    bases = {tally.label: tally.agreements for tally in summary.legal_bases}
    assert bases["Health and Social Care Act 2012 – s261(2)(b)(ii)"] == 1
    assert bases["Health and Social Care Act 2012 – s261(7)"] == 1
    assert {tally.label: tally.files for tally in summary.opt_outs} == {"Not applied": 2, "Applied": 1}
    text = page_text(response)
    assert "3 files of it were released, under 2 agreements held by 2 organisations" in text


@pytest.mark.django_db
def test_a_dataset_counts_each_legal_basis_the_files_released_under_it():
    """Every basis an agreement named got all its files of the dataset: ECDS's bases showed 75, 75 and 75 files on
    the real register, against 11, 31 and 33 released under each (225 for 75 files)."""
    s261, s251, s261_2a = (
        "Health and Social Care Act 2012 – s261(7)",
        "National Health Service Act 2006 - s251",
        "Health and Social Care Act 2012 – s261(2)(a)",
    )
    factories.agreement(
        "DARS-NIC-700101-AAAAA",
        datasets=[factories.use(factories.ECDS, legal_basis=f"{s261}; {s251}; {s261_2a}")],
        files=[
            {"dataset_name": factories.ECDS, "month": datetime.date(2024, month, 1), "legal_basis": basis}
            for month, basis in ((1, s261), (2, s261), (3, f"{s261}; {s251}"))
        ],
    )
    summary = queries.summarise_dataset(Dataset.objects.get(name=factories.ECDS))
    assert summary.file_total == 3
    assert {tally.label: (tally.agreements, tally.files) for tally in summary.legal_bases} == {
        s261: (1, 3),
        s251: (1, 1),  # only the third file names it
        s261_2a: (1, 0),  # named on the agreement, no file released under it
    }


def test_sitemap_lists_agreements_organisations_and_datasets(client, register):
    response = client.get(reverse("sitemap"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("register:agreement", args=["DARS-NIC-300001-AAAAA"]) in body
    assert reverse("register:organisation", args=[GM_ICB]) in body
    assert reverse("register:organisation", args=["nhs-kent-and-medway-integrated-care-board"]) in body
    assert reverse("register:dataset", args=["emergency-care-data-set-ecds"]) in body
    assert reverse("register:about") in body


def test_robots_points_at_the_sitemap_and_keeps_crawlers_off_endless_filters(client, db):
    text = client.get(reverse("robots")).content.decode()
    assert f"Sitemap: http://testserver{reverse('sitemap')}" in text
    assert "Disallow: /agreements/?" in text
    assert "Disallow: /admin/" in text


def every_page(reference="DARS-NIC-300001-AAAAA"):
    return [
        reverse("register:home"),
        reverse("register:about"),
        reverse("register:agreements"),
        reverse("register:agreements") + "?q=bolton&files=yes",
        reverse("register:agreements") + "?dataset=nope",
        reverse("register:agreement", args=[reference]),
        reverse("register:organisations"),
        reverse("register:organisation", args=[GM_ICB]),
        reverse("register:icbs"),
        reverse("register:datasets"),
        reverse("register:dataset", args=["emergency-care-data-set-ecds"]),
    ]


def test_every_page_has_the_header_search_box_and_no_inline_script_or_style(client, register):
    inline = re.compile(r"<script|<style|\son[a-z]+\s*=|style\s*=|javascript:", re.IGNORECASE)
    for url in every_page():
        response = client.get(url)
        assert response.status_code in (200, 400), url
        body = response.content.decode()
        assert 'id="site-search"' in body, url
        assert 'role="search"' in body, url
        assert not inline.search(body), (url, inline.search(body).group(0))
        assert '<a class="skip-link" href="#main">' in body


def test_every_form_control_has_a_label(client, register):
    for url in every_page():
        body = client.get(url).content.decode()
        labelled = set(re.findall(r'<label for="([^"]+)"', body))
        controls = re.findall(r'<(?:input|select)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', body)
        assert set(controls) <= labelled, (url, set(controls) - labelled)


def test_templates_never_mark_register_text_safe():
    offenders = [path.name for path in (ROOT / "templates").rglob("*.html") if "|safe" in path.read_text()]
    assert offenders == []


# --- Reads per page ------------------------------------------------------------------------------------------------


@pytest.fixture
def big_register(db):
    factories.bulk_register(agreements=150, versions=320, files=3000, seed=11)
    factories.index()


@pytest.mark.parametrize(
    "page",
    ["home", "icbs", "gm_icb", "organisations", "organisations_search", "datasets", "dataset", "agreement", "about"],
)
def test_pages_need_few_queries(client, big_register, django_assert_max_num_queries, page):
    agreement = Agreement.objects.order_by("-file_count").first()
    url = {
        "home": reverse("register:home"),
        "icbs": reverse("register:icbs"),
        "gm_icb": reverse("register:organisation", args=[GM_ICB]),
        "organisations": reverse("register:organisations"),
        "organisations_search": reverse("register:organisations") + "?q=nhs+manchester&kind=sub-icb",
        "datasets": reverse("register:datasets"),
        "dataset": reverse("register:dataset", args=["hospital-episode-statistics-admitted-patient-care-hes-apc"]),
        "agreement": agreement.get_absolute_url(),
        "about": reverse("register:about"),
    }[page]
    # However many agreements, versions and files: 13 at most (an organisation's or a dataset's page reads the
    # registers its figures come from for its citation).
    with django_assert_max_num_queries(13):
        response = client.get(url)
    assert response.status_code == 200
    assert Organisation.objects.exists()


DOWNLOADS_AND_FEEDS = {
    "organisations-csv": lambda: reverse("register:organisations-csv"),
    "organisations-json": lambda: reverse("register:organisations-json") + "?kind=sub-icb",
    "datasets-csv": lambda: reverse("register:datasets-csv"),
    "datasets-json": lambda: reverse("register:datasets-json"),
    "changes-atom": lambda: reverse("register:changes-atom"),
    "agreements-atom": lambda: reverse("register:agreements-atom") + "?files=yes",
    "organisation-atom": lambda: reverse("register:organisation-atom", args=[_holder_of_everything().slug]),
    "dataset-atom": lambda: reverse(
        "register:dataset-atom", args=["hospital-episode-statistics-admitted-patient-care-hes-apc"]
    ),
}


def _holder_of_everything():
    """An organisation made the applicant of every version, so that its feed is full."""
    holder = Organisation.objects.order_by("pk").first()
    AgreementVersion.objects.update(applicant=holder)
    return holder


@pytest.mark.parametrize("name", sorted(DOWNLOADS_AND_FEEDS))
def test_downloads_and_feeds_need_few_queries_whatever_their_length(client, big_register, name):
    """Lists of every row, or of up to 100 feed entries: a fixed number of queries, never one per row."""
    url = DOWNLOADS_AND_FEEDS[name]()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    rows = body.count(b"<entry>") if name.endswith("atom") else body.count(b"\n")
    assert rows > 20  # many rows or entries: a query per row would show
    assert len(queries) <= 12, [query["sql"][:120] for query in queries]


def test_every_page_works_before_any_register_is_loaded(client, db):
    for url in every_page():
        if "/agreements/DARS" in url or "/datasets/emergency" in url:
            continue
        response = client.get(url)
        assert response.status_code in (200, 400), url
    text = page_text(client.get(reverse("register:agreements")))
    assert "0 agreements" in text
    assert "No register has been loaded yet" in text


# --- Numbers as people read them ----------------------------------------------------------------------------------

GROUPED = re.compile(r"(?<![\d,])\d{1,3}(?:,\d{3})+(?![\d,])")
# Four or more digits standing alone: not part of a reference, code, date or decimal, and not a year.
UNGROUPED = re.compile(r"(?<![\w,.\-/:])(?!(?:19|20)\d\d\b)\d{4,}(?![\w,\-/:])")


@pytest.fixture
def many_files(db):
    """Few agreements, many files: thousands of them on the busiest agreement, organisation, ICB and dataset."""
    factories.bulk_register(agreements=30, versions=40, files=20_000, seed=11)
    factories.index()


def test_counts_of_a_thousand_or_more_are_grouped_in_thousands(client, many_files):
    busiest = Agreement.objects.order_by("-file_count").first()
    holder = busiest.latest_version.applicant
    dataset = Dataset.objects.annotate(files=Count("file_releases")).order_by("-files").first()
    pages = [
        reverse("register:home"),
        reverse("register:agreements") + "?sort=-files",
        busiest.get_absolute_url(),
        holder.get_absolute_url(),
        reverse("register:organisations") + "?" + urlencode({"q": holder.name}),
        reverse("register:icbs"),
        reverse("register:datasets"),
        dataset.get_absolute_url(),
    ]
    for url in pages:
        text = page_text(client.get(url))
        assert GROUPED.search(text), f"{url} shows no count of a thousand or more, so it tests nothing"
        assert UNGROUPED.findall(text) == [], url


@pytest.mark.parametrize(
    ("value", "shown"),
    [(999, "999"), (1000, "1,000"), (105000, "105,000"), (0, "0"), (True, "True"), ("12345", "12345"), (None, "None")],
)
def test_the_thousands_filter_groups_counts_and_leaves_everything_else_as_it_is(value, shown):
    assert Template("{{ value|thousands }}").render(Context({"value": value})) == shown


def test_editions_are_newest_first_and_one_without_a_month_last_on_every_database(client, db):
    factories.edition("2025-10", month=datetime.date(2025, 10, 1))
    factories.edition("2025-11-files", month=None)  # a label: a CSV of one sheet of an edition already loaded
    factories.edition("2025-11", month=datetime.date(2025, 11, 1))
    shown = [edition.code for edition in client.get(reverse("register:about")).context["editions"]]
    assert shown == ["2025-11", "2025-10", "2025-11-files"]
    assert client.get(reverse("register:home")).context["latest_edition"].code == "2025-11"
