"""Downloads: the list's query as CSV and JSON, every matching row, streamed, safe in a spreadsheet."""

import csv
import datetime
import io
import json
import math
import re

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from register import downloads
from register.downloads import AGREEMENT_COLUMNS, safe_cell
from register.models import Agreement, Edition, Organisation
from tests import factories

HES_APC = "hospital-episode-statistics-admitted-patient-care-hes-apc"


def read_csv(response):
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def read_json(response):
    assert isinstance(response, StreamingHttpResponse)
    return json.loads(b"".join(response.streaming_content))


@pytest.fixture
def register(db):
    factories.agreement(
        "DARS-NIC-200001-AAAAA",
        title='=HYPERLINK("https://example.org", "Click")',
        applicant="UNIVERSITY OF LEEDS",
        applicant_type="Academic",
        datasets=[factories.HES_APC, factories.ECDS],
        files=[(factories.HES_APC, datetime.date(2021, 1, 1), False)] * 2,
        texts={"objectives": "-2+3 and then @SUM(A1)", "expected_outputs": "\tTabbed"},
    )
    factories.agreement(
        "DARS-NIC-200002-BBBBB",
        title="Plain title, with a comma",
        applicant=factories.organisation("NHS Greater Manchester ICB - 00T"),
        datasets=[factories.ECDS],
        commercial=True,
    )
    factories.index()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("  =1+1", "'  =1+1"),
        ("\uff1d1", "'\uff1d1"),
        ("Plain", "Plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_that_a_spreadsheet_could_run_are_neutralised(text, expected):
    assert safe_cell(text) == expected


def test_csv_has_a_header_naming_each_field_and_every_matching_row(client, register):
    rows = read_csv(client.get(reverse("register:agreements-csv")))
    assert list(rows[0]) == [column.name for column in AGREEMENT_COLUMNS]
    assert {row["reference"] for row in rows} == {"DARS-NIC-200001-AAAAA", "DARS-NIC-200002-BBBBB"}


def test_csv_cells_are_safe_and_values_readable(client, register):
    rows = {row["reference"]: row for row in read_csv(client.get(reverse("register:agreements-csv")))}
    first = rows["DARS-NIC-200001-AAAAA"]
    assert first["title"] == '\'=HYPERLINK("https://example.org", "Click")'
    assert first["objectives"] == "'-2+3 and then @SUM(A1)"
    assert first["expected_outputs"] == "'\tTabbed"
    assert first["files_released"] == "2"
    assert first["datasets"] == f"{factories.ECDS}; {factories.HES_APC}"
    assert first["url"] == "http://testserver" + reverse("register:agreement", args=["DARS-NIC-200001-AAAAA"])
    second = rows["DARS-NIC-200002-BBBBB"]
    assert second["title"] == "Plain title, with a comma"
    assert second["commercial"] == "Yes"
    assert second["applicant_organisation"] == "NHS Greater Manchester ICB - 00T"
    assert second["dsa_start"] == "2023-04-01"


def test_downloads_follow_the_lists_filters_and_order(client, register):
    rows = read_csv(client.get(reverse("register:agreements-csv"), {"dataset": HES_APC}))
    assert [row["reference"] for row in rows] == ["DARS-NIC-200001-AAAAA"]
    rows = read_csv(client.get(reverse("register:agreements-csv"), {"sort": "-files"}))
    assert [row["reference"] for row in rows] == ["DARS-NIC-200001-AAAAA", "DARS-NIC-200002-BBBBB"]
    rows = read_csv(client.get(reverse("register:agreements-csv"), {"q": "comma"}))
    assert [row["reference"] for row in rows] == ["DARS-NIC-200002-BBBBB"]


def test_json_has_its_fields_described_and_values_as_they_are(client, register):
    data = read_json(client.get(reverse("register:agreements-json"), {"commercial": "yes"}))
    assert [field["name"] for field in data["fields"]] == [column.name for column in AGREEMENT_COLUMNS]
    assert all(field["description"] for field in data["fields"])
    assert data["query"] == {"commercial": "yes"}
    # what it was counted over, and when: the register changes every month
    assert data["newest_edition"] == Edition.objects.order_by("-month").first().code
    assert data["made"] == timezone.localdate().isoformat()
    (row,) = data["rows"]
    assert row["reference"] == "DARS-NIC-200002-BBBBB"
    assert row["commercial"] is True
    assert row["datasets"] == [factories.ECDS]
    assert row["dsa_start"] == "2023-04-01"


@pytest.mark.parametrize("url", ["register:agreements-json", "register:organisations-json", "register:datasets-json"])
def test_every_json_download_says_its_source_licence_query_edition_and_day(client, register, url):
    """The organisations' and datasets' downloads had no licence, and the datasets' no query."""
    data = read_json(client.get(reverse(url)))
    assert list(data)[:5] == ["source", "licence", "query", "newest_edition", "made"]
    assert data["licence"] == "Open Government Licence v3.0"
    assert data["query"] == {}
    assert data["newest_edition"] == Edition.objects.order_by("-month").first().code


def test_an_empty_download_still_names_its_fields(client, register):
    rows = client.get(reverse("register:agreements-csv"), {"q": "zebra"})
    text = b"".join(rows.streaming_content).decode()
    assert text.strip() == "\ufeff" + ",".join(column.name for column in AGREEMENT_COLUMNS)
    assert read_json(client.get(reverse("register:agreements-json"), {"q": "zebra"}))["rows"] == []


def test_the_list_links_its_downloads_with_its_query(client, register):
    response = client.get(reverse("register:agreements"), {"dataset": HES_APC, "page": "1", "per_page": "10"})
    listing = response.context["list"]
    assert listing.csv_url == reverse("register:agreements-csv") + f"?dataset={HES_APC}"
    assert listing.json_url == reverse("register:agreements-json") + f"?dataset={HES_APC}"
    assert listing.csv_url.replace("&", "&amp;") in response.content.decode()


def test_a_big_download_is_read_in_chunks_not_per_row(client, db):
    factories.bulk_register(agreements=1200, versions=1300, files=2000, seed=3)
    factories.index()
    with CaptureQueriesContext(connection) as queries:
        rows = read_csv(client.get(reverse("register:agreements-csv")))
    assert len(rows) == Agreement.objects.count() == 1200
    # A chunk of rows costs one read of agreements and two of their related rows: never a query per row.
    chunks = math.ceil(1200 / downloads.CHUNK)
    assert len(queries) <= chunks * 3 + 3
    with CaptureQueriesContext(connection) as queries:
        rows = read_csv(client.get(reverse("register:agreements-csv"), {"q": "hospital"}))
    assert rows
    assert len(queries) <= chunks * 3 + 6


# --- Organisations and datasets -----------------------------------------------------------------------------------


def test_organisations_download_follows_the_list_and_counts_what_each_gathers(client, register):
    rows = read_csv(client.get(reverse("register:organisations-csv"), {"kind": "icb", "letter": "G"}))
    assert [row["name"] for row in rows] == [
        "NHS Gloucestershire Integrated Care Board",
        "NHS Greater Manchester Integrated Care Board",
    ]
    assert rows[0]["agreements"] == "0"
    row = rows[1]
    assert row["agreements"] == "1"  # through its sub-ICB location 00T
    assert row["ods_code"] == "QOP"
    assert row["region"] == "North West"
    assert row["url"].endswith(reverse("register:organisation", args=["nhs-greater-manchester-integrated-care-board"]))
    everything = read_csv(client.get(reverse("register:organisations-csv")))
    assert len(everything) == Organisation.objects.count()
    searched = read_json(client.get(reverse("register:organisations-json"), {"q": "leeds"}))
    # The sub-ICB location that replaced NHS Leeds CCG is found by that old name, after the names themselves.
    names = [row["name"] for row in searched["rows"]]
    assert set(names[:2]) == {"UNIVERSITY OF LEEDS", "NHS Leeds CCG"}
    assert names[2:] == ["NHS West Yorkshire ICB - 15F"]
    leeds = next(row for row in searched["rows"] if row["name"] == "UNIVERSITY OF LEEDS")
    assert leeds["files_released"] == 2


def test_datasets_download_has_each_dataset_with_its_counts(client, register):
    rows = {row["name"]: row for row in read_csv(client.get(reverse("register:datasets-csv")))}
    assert rows[factories.ECDS]["agreements"] == "2"
    assert rows[factories.HES_APC]["files_released"] == "2"
    data = read_json(client.get(reverse("register:datasets-json")))
    assert {row["name"] for row in data["rows"]} == set(rows)


def test_a_bad_query_gets_a_plain_error_not_a_file(client, register):
    response = client.get(reverse("register:organisations-json"), {"kind": "spaceship"})
    assert response.status_code == 400
    assert "Type (kind)" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "params"), [("agreements-json", {"sort": " "}), ("organisations-json", {"kind": "x"})]
)
def test_a_json_download_answers_a_bad_query_in_json(client, db, name, params):
    response = client.get(reverse(f"register:{name}"), params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "The download could not be made, because of its query."
    assert body["problems"]
    assert all(isinstance(problem, str) for problem in body["problems"])


def test_a_download_is_named_for_what_it_holds_and_the_day_it_was_made(client, register):
    today = timezone.localdate().isoformat()
    everything = client.get(reverse("register:agreements-csv"))
    assert everything["Content-Disposition"] == f'attachment; filename="agreements_{today}.csv"'
    query = {"q": "<b>x</b>", "files": "yes", "organisation": "nhs-greater-manchester-integrated-care-board"}
    filtered = client.get(reverse("register:agreements-json"), {**query, "per_page": "10"})
    name = re.search(r'filename="(.*)"', filtered["Content-Disposition"])[1]
    assert name.startswith("agreements_files-yes_organisation-nhs-greater-manchester-integrated")  # A to Z
    assert name.endswith(f"_{today}.json")
    digest = 1 + downloads.NAME_DIGEST_LENGTH  # the words are cut short: a digest tells the query apart
    assert len(name) == len("agreements_") + downloads.NAME_QUERY_AT_MOST + digest + len(f"_{today}.json")
    assert re.fullmatch(r"[a-z0-9_.-]+", name)  # nothing a file system or a header could trip on
    assert client.get(reverse("register:datasets-csv"))["Content-Disposition"].endswith(f'datasets_{today}.csv"')


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"q": "cancer"}, {"q": "-cancer"}),  # with cancer, and without it
        ({"sort": "files"}, {"sort": "-files"}),
        ({"q": "hip fracture"}, {"q": '"hip fracture"'}),
        ({"organisation": "nhs-greater-manchester-integrated-care-board", "role": "applicant"},
         {"organisation": "nhs-greater-manchester-integrated-care-board", "role": "controller"}),  # past 60 letters
        ({"q": "日本"}, {"q": "中国"}),
        ({"q": "cancer NOT diabetes"}, {"q": "cancer not diabetes"}),  # an operator, and a word
        ({"q": "long-term"}, {"q": "long term"}),  # a phrase, and two words
    ],
)  # fmt: skip
def test_different_queries_download_under_different_names(client, register, one, other):
    def name(query):
        response = client.get(reverse("register:agreements-csv"), query)
        return re.search(r'filename="(.*)"', response["Content-Disposition"])[1]

    assert name(one) != name(other)
    assert re.fullmatch(r"[a-z0-9_.-]+", name(other))


def test_a_query_its_words_describe_whole_is_named_by_them_alone_in_any_order(client, register):
    today = timezone.localdate().isoformat()
    named = f'filename="agreements_files-yes_organisation-nhs-bolton-ccg_{today}.csv"'
    for query in ("files=yes&organisation=nhs-bolton-ccg", "organisation=nhs-bolton-ccg&files=yes"):
        assert named in client.get(reverse("register:agreements-csv") + "?" + query)["Content-Disposition"]
