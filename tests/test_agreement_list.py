"""/agreements/: every filter, the facet counts, active filters, sorting, pagination, empty results, hostile query
strings, and a query count that does not grow with the page."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from register import facets
from register.models import Agreement, AgreementFacet, Organisation
from tests import factories
from tests.pagetext import page_text
from tests.test_downloads import read_csv, read_json

GM_ICB = "nhs-greater-manchester-integrated-care-board"
HES_APC = "hospital-episode-statistics-admitted-patient-care-hes-apc"
S261_2B = "health-and-social-care-act-2012-s261-2-b-ii"


@pytest.fixture
def register(db):
    """Four agreements that differ in every way the list filters, with the register's spelling quirks."""
    october = factories.edition("2025-10", month=datetime.date(2025, 10, 1))
    november = factories.edition("2025-11")
    factories.agreement(
        "DARS-NIC-100001-AAAAA",
        title="Commissioning in Bolton",
        applicant=factories.organisation("NHS Greater Manchester ICB - 00T"),
        applicant_type="Sub ICB Location",
        datasets=[factories.use(factories.HES_APC, sensitivity="Sensitive", legal_basis=factories.LEGAL_BASES[0])],
        files=[(factories.HES_APC, datetime.date(2021, m, 1), False) for m in (1, 2, 3)],
        dsa_start=datetime.date(2020, 4, 1),
        dsa_end=datetime.date(2023, 3, 31),
    )
    factories.agreement(
        "DARS-NIC-100002-BBBBB",
        title="Urgent care in Bolton",
        applicant=factories.organisation("NHS Bolton CCG"),
        applicant_type="CLINICAL COMMISSIONING GROUP (CCG)",
        datasets=[
            factories.use(
                factories.ECDS,
                type_of_data="Anonymised - ICO code compliant",
                sensitivity="Non Sensitive",
                legal_basis=factories.LEGAL_BASES[1],
                frequency="Ongoing",
            )
        ],
        files=[(factories.ECDS, datetime.date(2019, 1, 1), True), (factories.ECDS, datetime.date(2019, 2, 1), True)],
        dsa_start=datetime.date(2018, 4, 1),
        dsa_end=datetime.date(2019, 3, 31),
    )
    factories.agreement(
        "DARS-NIC-100003-CCCCC",
        title="Hip fracture outcomes in a trusted research environment",
        applicant="UNIVERSITY OF OXFORD",
        applicant_type="Academic",
        controllers=["UNIVERSITY OF OXFORD", factories.organisation("NHS Greater Manchester Integrated Care Board")],
        datasets=[
            factories.use(factories.HES_APC, type_of_data="Identifiable", legal_basis=factories.LEGAL_BASES[4],
                          frequency="System Access", sensitivity="Sensitive"),
            factories.use(factories.DEATHS, type_of_data="Identifiable", frequency="System Access",
                          legal_basis=factories.LEGAL_BASES[4], sensitivity="Sensitive"),
        ],
        commercial=True,
        dsa_start=datetime.date(2024, 1, 1),
        dsa_end=datetime.date(2027, 1, 1),
    )  # fmt: skip
    factories.agreement(
        "DARS-NIC-100004-DDDDD",
        title="Outpatient analytics",
        applicant=factories.organisation("IGNITE DATA LIMITED", kind="company"),
        applicant_type="Commercial",
        datasets=[factories.use(factories.HES_OP, legal_basis=factories.LEGAL_BASES[2])],
        files=[(factories.HES_OP, datetime.date(2022, 5, 1), False)],
        commercial=True,
        sublicensing=True,
        dsa_start=None,
        dsa_end=None,
        editions=[october],
    )
    factories.organisation("OXFORD UNIVERSITY HOSPITALS NHS FOUNDATION TRUST", kind="trust")
    assert november.code == "2025-11"
    factories.index()


def listed(client, **params):
    response = client.get(reverse("register:agreements"), params)
    assert response.status_code == 200, page_text(response)
    return sorted(row.agreement.reference for row in response.context["list"].rows)


REFERENCES = {
    1: "DARS-NIC-100001-AAAAA",
    2: "DARS-NIC-100002-BBBBB",
    3: "DARS-NIC-100003-CCCCC",
    4: "DARS-NIC-100004-DDDDD",
}


def refs(*numbers):
    return sorted(REFERENCES[number] for number in numbers)


def test_the_list_shows_every_agreement_with_a_count(client, register):
    response = client.get(reverse("register:agreements"))
    assert response.status_code == 200
    text = page_text(response)
    assert "4 agreements" in text
    for title in ["Commissioning in Bolton", "Urgent care in Bolton", "Outpatient analytics"]:
        assert title in text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"organisation": GM_ICB}, (1, 2, 3)),  # gathers its sub-ICB location and that location's CCG
        ({"organisation": GM_ICB, "role": "applicant"}, (1, 2)),
        ({"organisation": GM_ICB, "role": "controller"}, (1, 2, 3)),
        ({"organisation": "nhs-greater-manchester-icb-00t"}, (1, 2)),
        ({"organisation": "NHS GREATER MANCHESTER INTEGRATED CARE BOARD"}, (1, 2, 3)),  # a spelling, not a slug
        ({"organisation": "nhs-bolton-ccg"}, (2,)),
        ({"organisation": "Bolton CCG"}, (2,)),  # words that fit one organisation only ("NHS" left out)
        ({"organisation": "oxford university"}, (3,)),  # in any order
        ({"organisation": "university oxford"}, (3,)),  # beside a longer name with the same words: the exact fit
        ({"organisation": "Greater Manchester Integrated Care Board"}, (1, 2, 3)),  # the exact fit, not 00T's
        ({"organisation_type": "academic"}, (3,)),
        ({"organisation_type": "clinical-commissioning-group-ccg"}, (2,)),  # upper case in the register
        ({"dataset": HES_APC}, (1, 3)),
        ({"legal_basis": S261_2B}, (1, 2)),  # written with an en dash and with a hyphen
        ({"legal_basis": "national-health-service-act-2006-s251-control-of-patient-information"}, (3,)),
        ({"type_of_data": "anonymised-ico-code-compliant"}, (1, 2, 4)),  # two spellings, one value
        ({"type_of_data": "identifiable"}, (3,)),
        ({"sensitivity": "non-sensitive"}, (2, 4)),  # "Non Sensitive" and "Non-Sensitive"
        ({"sensitivity": "sensitive"}, (1, 3)),
        ({"access_method": "system-access"}, (3,)),
        ({"opt_outs": "yes"}, (2,)),
        ({"opt_outs": "no"}, (1, 4)),
        ({"commercial": "yes"}, (3, 4)),
        ({"commercial": "no"}, (1, 2)),
        ({"sublicensing": "yes"}, (4,)),
        ({"files": "no"}, (3,)),
        ({"files": "yes"}, (1, 2, 4)),
        ({"edition": "2025-10"}, (4,)),
        ({"active_on": "2021-06-30"}, (1,)),
        ({"active_from": "2019-01-01", "active_to": "2020-06-01"}, (1, 2)),
        ({"active_from": "2026-01-01"}, (3,)),
        ({"q": "bolton"}, (1, 2)),
        ({"q": "bolton", "files": "yes", "opt_outs": "yes"}, (2,)),
        # Several facets at once are one subquery (facets.matching_all): an agreement must have every value.
        ({"dataset": HES_APC, "sensitivity": "sensitive", "commercial": "no"}, (1,)),
        ({"type_of_data": "anonymised-ico-code-compliant", "sensitivity": "non-sensitive", "files": "yes"}, (2, 4)),
        ({"dataset": HES_APC, "sublicensing": "yes"}, ()),
        ({"dataset": HES_APC, "active_on": "2021-06-30", "files": "yes"}, (1,)),
    ],
)
def test_each_filter_selects_the_agreements_that_have_it(client, register, params, expected):
    assert listed(client, **params) == refs(*expected)


def test_facet_counts_say_what_each_choice_would_give(client, register):
    response = client.get(reverse("register:agreements"), {"dataset": HES_APC, "commercial": "no"})
    panels = response.context["list"].facet_map
    datasets = {choice.value: choice.count for choice in panels["dataset"].choices}
    # The dataset filter is in use: its other choices are counted as if it were not (with commercial=no).
    assert datasets[HES_APC] == 1
    assert datasets["emergency-care-data-set-ecds"] == 1
    commercial = {choice.value: choice.count for choice in panels["commercial"].choices}
    assert commercial == {"yes": 1, "no": 1, "not-stated": 0}  # with the dataset filter
    sensitivity = {choice.value: choice.count for choice in panels["sensitivity"].choices}
    assert sensitivity == {"sensitive": 1, "non-sensitive": 0}  # both filters in use
    body = response.content.decode()
    assert re.search(r'<option value="yes">Yes \(1\)</option>', body)


def test_active_filters_are_listed_and_each_removable_alone(client, register):
    response = client.get(reverse("register:agreements"), {"dataset": HES_APC, "files": "yes", "sort": "title"})
    active = {item.name: item for item in response.context["list"].active}
    assert set(active) == {"dataset", "files"}
    assert active["dataset"].value == factories.HES_APC
    remove = active["dataset"].remove_url
    assert "dataset=" not in remove
    assert "files=yes" in remove
    assert "sort=title" in remove
    assert active["dataset"].count_without == 3  # files released: 1, 2, 4
    assert active["files"].count_without == 2
    assert listed(client, files="yes", sort="title") == refs(1, 2, 4)
    text = page_text(response)
    assert "Filters in use" in text
    assert "1 agreement matches" in text
    assert "Files released: At least one" in text  # the chip names the filter and its value, once each


def test_an_empty_result_says_why_and_how_to_widen_it(client, register):
    response = client.get(reverse("register:agreements"), {"dataset": HES_APC, "files": "no", "commercial": "no"})
    assert response.status_code == 200
    text = page_text(response)
    assert "0 agreements match" in text
    assert "No agreement in the loaded register matches all of these together" in text
    assert "Remove for commercial purposes: No : 1 agreement" in text
    assert f"Remove dataset: {factories.HES_APC} : 0 agreements" in text  # its name, though nothing has it now


def test_an_empty_search_suggests_how_to_search(client, register):
    text = page_text(client.get(reverse("register:agreements"), {"q": "zebra"}))
    assert "check the spelling" in text


def test_search_results_show_the_matching_passage_marked(client, register):
    response = client.get(reverse("register:agreements"), {"q": '"trusted research"'})
    body = response.content.decode()
    assert "<mark>trusted research</mark>" in body or "<mark>trusted</mark>" in body
    assert response.context["list"].sort == "relevance"


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-files", [1, 2, 4, 3]),
        ("start", [2, 1, 3, 4]),  # an agreement without dates comes last either way
        ("-start", [3, 1, 2, 4]),
        ("end", [2, 1, 3, 4]),
        ("title", [1, 3, 4, 2]),
        ("organisation", [4, 2, 1, 3]),  # IGNITE, NHS Bolton, NHS Greater Manchester, University of Oxford
    ],
)
def test_sorting(client, register, sort, expected):
    response = client.get(reverse("register:agreements"), {"sort": sort})
    assert [row.agreement.reference for row in response.context["list"].rows] == [REFERENCES[n] for n in expected]


def test_column_headings_sort_and_say_which_way(client, register):
    response = client.get(reverse("register:agreements"), {"sort": "title", "dataset": HES_APC})
    links = {link.label: link for link in response.context["list"].sort_links}
    assert links["Agreement"].state == "ascending"
    assert "sort=-title" in links["Agreement"].url
    assert f"dataset={HES_APC}" in links["Agreement"].url
    assert 'aria-sort="ascending"' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"active_on": "2020-13-01"}, "There is no month 13: months go from 01 to 12."),
        ({"active_from": "2024-02-31"}, "There is no such day: February 2024 has 29 days."),
        ({"active_to": "2023-02-29"}, "There is no such day: February 2023 has 28 days."),
        ({"active_on": "0000-01-32"}, "There is no such day: January 0 has 31 days."),
        ({"active_on": "01/02/2024"}, "Enter a date as YYYY-MM-DD"),
        ({"active_from": "2024-01-01", "active_to": "2023-01-01"}, "before its start"),
        ({"active_on": "99999-01-01"}, "Enter a date as YYYY-MM-DD"),
        ({"dataset": "no-such-dataset"}, "No agreement in the loaded register has dataset “no-such-dataset”"),
        ({"edition": "<script>alert(1)</script>"}, "has register edition"),
        ({"sensitivity": "maybe"}, "Select a valid choice"),
        ({"sort": "'; DROP TABLE register_agreement; --"}, "Select a valid choice"),
        ({"per_page": "1000000"}, "Select a valid choice"),
        ({"q": "x" * 201}, "at most 200 characters"),
        ({"organisation": "No Such Body"}, "No organisation is called “No Such Body”"),
        ({"organisation": "Greater Manchester"}, "“Greater Manchester” fits 11 organisations (NHS Greater"),
        ({"dataset": "x" * 5000}, "at most 200 characters"),
    ],
)
def test_hostile_query_strings_get_a_clear_message_never_a_500(client, register, params, message):
    response = client.get(reverse("register:agreements"), params)
    assert response.status_code == 400
    text = page_text(response)
    assert "This query cannot be run" in text
    assert message in text
    assert "<script>alert" not in response.content.decode()
    if "per_page" not in params:  # a download has no pages: test_downloads_and_feeds_ignore_page_settings
        download = client.get(reverse("register:agreements-csv"), params)
        assert download.status_code == 400
        assert message in download.content.decode()


def test_an_organisation_is_found_by_its_ods_code_in_any_case(client, register):
    Organisation.objects.filter(slug=GM_ICB).update(ods_code="QOP")
    assert listed(client, organisation="qop") == refs(1, 2, 3)
    # A sub-ICB location kept its CCG's code: the code names the body holding it now, which gathers the CCG's too.
    Organisation.objects.filter(slug__in=["nhs-bolton-ccg", "nhs-greater-manchester-icb-00t"]).update(ods_code="00T")
    assert listed(client, organisation="00t") == refs(1, 2)


def test_downloads_and_feeds_ignore_page_settings(client, register):
    query = {"files": "yes", "per_page": "1000", "page": "0"}
    data = read_json(client.get(reverse("register:agreements-json"), query))
    assert sorted(row["reference"] for row in data["rows"]) == listed(client, files="yes")
    assert data["query"] == {"files": "yes"}  # what was read
    assert client.get(reverse("register:agreements-csv"), query).status_code == 200
    feed = client.get(reverse("register:agreements-atom"), {**query, "sort": "nonsense"})
    assert feed.status_code == 200
    assert client.get(reverse("register:agreements-atom"), {"files": "maybe"}).status_code == 400


@pytest.mark.parametrize("name", ["agreements", "agreements-csv", "agreements-json"])
def test_a_nul_character_in_the_query_is_refused_before_any_filter_runs(client, register, name):
    response = client.get(reverse(f"register:{name}"), {"q": "hip\x00"})
    assert response.status_code == 400
    assert "The query parameter “q” contains a NUL character (%00)" in page_text(response)


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999999999999999", "1e9"])
def test_any_page_number_gives_a_page(client, register, page):
    response = client.get(reverse("register:agreements"), {"page": page})
    assert response.status_code == 200


def test_the_error_offers_the_query_without_the_part_in_error(client, register):
    response = client.get(reverse("register:agreements"), {"dataset": "nope", "files": "yes"})
    assert response.context["list"].retry_url == reverse("register:agreements") + "?files=yes"
    text = page_text(response)
    assert "Correct the part in error where the form marks it, go to the query without it , or start again" in text
    alone = client.get(reverse("register:agreements"), {"dataset": "nope"})
    assert "Correct the part in error where the form marks it or start again with no filters ." in page_text(alone)
    assert "<title>Error: data sharing agreements ·" in alone.content.decode()


def test_a_query_in_error_shows_the_form_marking_it_and_the_list_without_it(client, register):
    response = client.get(reverse("register:agreements"), {"active_on": "01/02/2024", "files": "yes", "sort": "title"})
    assert response.status_code == 400
    shown = response.context["list"]
    assert sorted(row.agreement.reference for row in shown.rows) == listed(client, files="yes", sort="title")
    body = response.content.decode()
    assert '<a href="#id_active_on">DSA in force on</a>' in body  # the summary leads to the box
    box = re.search(r'<input id="id_active_on"[^>]*>', body)[0]
    assert 'aria-invalid="true"' in box
    assert 'aria-describedby="hint_dates error_active_on"' in box
    message = re.search(r'<p class="error-message" id="error_active_on">(.*?)</p>', body)[1]
    assert "Enter a date as YYYY-MM-DD" in message
    assert "You gave “01/02/2024”." in message  # a date box cannot show it
    assert re.search(r'<option value="yes" selected>At least one', body)  # the rest of the query is kept
    assert re.search(r'<option value="title" selected>', body)
    assert 'aria-invalid="true"' not in body.replace(box, "")  # only the box in error is marked
    assert response.context["feed_url"] == ""  # no feed of a query that cannot be run


def test_a_text_in_error_stays_in_its_box_as_typed(client, register):
    response = client.get(reverse("register:agreements"), {"organisation": "No Such <Body>", "dataset": "nope"})
    assert response.status_code == 400
    body = response.content.decode()
    box = re.search(r'<input id="id_organisation"[^>]*>', body)[0]
    assert 'value="No Such &lt;Body&gt;"' in box
    assert 'aria-invalid="true"' in box
    select = re.search(r'<select id="id_dataset"[^>]*>', body)[0]
    assert 'aria-describedby="hint_dataset error_dataset" aria-invalid="true"' in select
    assert "You gave “nope”." in re.search(r'<p class="error-message" id="error_dataset">(.*?)</p>', body)[1]
    assert len(response.context["list"].rows) == len(listed(client))  # without both, every agreement


def test_a_long_value_in_error_is_quoted_shortened(client, register):
    response = client.get(reverse("register:agreements"), {"edition": "x" * 150})
    message = response.context["list"].field_errors["edition"]
    assert message.endswith(f"You gave “{'x' * 60}…”.")


def test_each_query_and_page_of_the_list_has_its_own_title(client, big_register):
    def title(**query):
        return re.search(r"<title>(.*?) · ", client.get(reverse("register:agreements"), query).content.decode())[1]

    assert title() == "Data sharing agreements, page 1 of 6"
    assert title(page="2") == "Data sharing agreements, page 2 of 6"
    assert title(commercial="yes", per_page="100") == "Data sharing agreements (For commercial purposes: Yes)"
    assert (
        title(files="no", q="data", per_page="100") == "Data sharing agreements (Search: “data”; Files released: None)"
    )
    searched = title(q="<b>x</b>")
    assert searched.startswith("Data sharing agreements (Search: “&lt;b&gt;x&lt;/b&gt;”)")


# --- Many agreements: pages and query counts --------------------------------------------------------------------


@pytest.fixture
def big_register(db):
    factories.bulk_register(agreements=130, versions=300, files=1500, seed=7)
    factories.index()


def test_pages_keep_the_filters(client, big_register):
    response = client.get(reverse("register:agreements"), {"files": "yes", "per_page": "10", "sort": "title"})
    page = response.context["list"].page
    assert page.paginator.num_pages > 2
    body = response.content.decode()
    next_link = re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
    for part in ("files=yes", "per_page=10", "page=2"):
        assert part in next_link
    second = client.get(reverse("register:agreements") + next_link)
    assert second.context["list"].page.number == 2
    first_ids = {row.agreement.pk for row in response.context["list"].rows}
    second_ids = {row.agreement.pk for row in second.context["list"].rows}
    assert first_ids.isdisjoint(second_ids)
    assert all(row.agreement.file_count > 0 for row in second.context["list"].rows)


LIST_QUERIES = [
    {},
    {"dataset": HES_APC, "sensitivity": "sensitive", "commercial": "no"},
    {"q": "hospital", "files": "yes"},
    {"organisation": GM_ICB, "active_on": "2020-06-01", "type_of_data": "identifiable"},
]


def test_a_page_number_below_one_or_not_a_number_gives_the_first_page_and_one_past_the_end_the_last(
    client, big_register
):
    for asked, shown in [("0", 1), ("-1", 1), ("2.5", 1), ("abc", 1), ("2", 2), ("99999", 6)]:
        response = client.get(reverse("register:agreements"), {"page": asked})
        assert response.context["list"].page.number == shown, asked
    organisations = client.get(reverse("register:organisations"), {"page": "-1"})
    assert organisations.context["list"].page.number == 1


@pytest.mark.parametrize("params", LIST_QUERIES)
def test_the_list_reads_the_same_number_of_times_whatever_the_page_size(client, big_register, params):
    counts = {}
    for size in ("10", "100"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("register:agreements"), {**params, "per_page": size})
        assert response.status_code == 200
        counts[size] = len(queries)
    assert counts["10"] == counts["100"]
    assert len(response.context["list"].rows) > 10 or response.context["list"].total <= 10


@pytest.mark.parametrize("params", LIST_QUERIES)
def test_the_list_needs_few_queries(client, big_register, django_assert_max_num_queries, params):
    with django_assert_max_num_queries(13):
        response = client.get(reverse("register:agreements"), {**params, "per_page": "100"})
    assert response.status_code == 200


def test_facet_rows_keep_every_agreement_counted_once_per_value(big_register):
    assert AgreementFacet.objects.filter(facet=facets.TOTAL_FACET).count() == 130
    counted = facets.count({"": (Agreement.objects.all(), ["files"])})[""]
    assert facets.total(counted) == 130


def test_a_search_sorted_another_way_still_shows_its_passages(client, register):
    response = client.get(reverse("register:agreements"), {"q": "trusted", "sort": "title"})
    (row,) = response.context["list"].rows
    assert row.passage is not None
    assert "trusted" in row.passage.text.lower()


def test_a_search_of_one_letter_prefixes_alone_is_no_search_and_says_why(client, register):
    response = client.get(reverse("register:agreements"), {"q": "a* b*"})
    assert response.context["list"].total == Agreement.objects.count()
    text = page_text(response)
    assert "Not searched: “a*”, “b*”. A word ending in * needs at least 2 letters before it." in text
    assert "No search was made" in text


@pytest.mark.parametrize("text", ["!!!", "or", '""', "*"])
def test_a_search_with_nothing_searchable_is_no_search_and_says_so(client, register, text):
    every = client.get(reverse("register:agreements")).context["list"].total
    response = client.get(reverse("register:agreements"), {"q": text})
    assert response.status_code == 200
    listing = response.context["list"]
    assert listing.total == every > 0
    assert not listing.active  # no "Search: …" filter in use
    assert f"Nothing in “{text}” can be searched for: a search needs letters or numbers." in page_text(response)
    assert "No search was made: every agreement the other filters allow is shown." in page_text(response)
    assert len(read_csv(client.get(reverse("register:agreements-csv"), {"q": text}))) == every


def test_a_search_of_exclusions_alone_finds_every_agreement_without_them(client, register):
    every = set(Agreement.objects.values_list("reference", flat=True))
    with_it = {
        row["reference"] for row in read_json(client.get(reverse("register:agreements-json"), {"q": "bolton"}))["rows"]
    }
    assert 0 < len(with_it) < len(every)
    response = client.get(reverse("register:agreements"), {"q": "-bolton", "per_page": 100})
    listing = response.context["list"]
    assert {row.agreement.reference for row in listing.rows} == every - with_it
    assert listing.sort == "-start"  # nothing to rank by: the default order, and no "best match first"
    assert "best match first" not in page_text(response)
    rows = read_json(client.get(reverse("register:agreements-json"), {"q": "-bolton"}))["rows"]
    assert {row["reference"] for row in rows} == every - with_it
