"""The design's promises that need no browser: charts on the pages that carry them, with the same numbers as the
register; yes/no flags as tags in words; tables that stack on a phone carry their column names; compressed public
pages and an uncompressed admin; no cookie for a visitor on any public page; nothing loaded from elsewhere."""

import datetime
import gzip
import re

import pytest
from django.urls import reverse

from tests import factories
from tests.pagetext import page_text
from tests.urlwalk import public_routes, sample_url

BOLTON = "NHS Greater Manchester ICB - 00T"


@pytest.fixture
def register(db):
    factories.agreement(
        "DARS-NIC-500001-AAAAA",
        title="Commissioning in Bolton",
        applicant=factories.organisation(BOLTON),
        datasets=[factories.use(factories.HES_APC, legal_basis=factories.LEGAL_BASES[0]), factories.ECDS],
        commercial=True,
        files=[
            (factories.HES_APC, datetime.date(2021, 1, 1), False),
            (factories.HES_APC, datetime.date(2021, 1, 1), False),
            (factories.HES_APC, datetime.date(2021, 4, 1), True),
            (factories.ECDS, datetime.date(2021, 4, 1), False),
        ],
    )
    factories.agreement(
        "DARS-NIC-500002-BBBBB",
        title="Hip fractures",
        applicant=factories.organisation("UNIVERSITY OF OXFORD", kind="university"),
        datasets=[factories.use(factories.HES_APC, legal_basis=factories.LEGAL_BASES[4])],
        files=[(factories.HES_APC, datetime.date(2022, 6, 1), True)],
    )
    factories.index()


def chart_svgs(html):
    return re.findall(r"<svg class=\"chart-svg\".*?</svg>", html, flags=re.S)


def bar_charts(html):
    figure = r'<figure class="chart" aria-labelledby="chart-[\w-]+-caption">'
    return re.findall(
        figure + r'\s*<figcaption[^>]*>[^<]*</figcaption>\s*<ol class="chart-bars">.*?</figure>', html, re.S
    )


def column_values(svg):
    return [int(value.replace(",", "")) for value in re.findall(r"<rect [^>]*><title>[\d-]+: ([\d,]+)</title>", svg)]


def test_an_agreement_charts_its_files_per_month_across_datasets(client, register):
    html = client.get(reverse("register:agreement", args=["DARS-NIC-500001-AAAAA"])).content.decode()
    [svg] = chart_svgs(html)
    assert 'role="img"' in svg
    assert "<title>2021-01: 2</title>" in svg
    assert "<title>2021-04: 2</title>" in svg  # one HES APC file and one ECDS file
    assert sum(column_values(svg)) == 4
    assert "2 months with none" in svg  # February and March are gaps, not left out
    assert '<td>2021-01</td><td class="number">2</td>' in html  # the chart's numbers, in its table


def test_an_agreement_without_files_has_no_chart(client, register):
    factories.agreement("DARS-NIC-500003-CCCCC", title="A trusted research environment project")
    html = client.get(reverse("register:agreement", args=["DARS-NIC-500003-CCCCC"])).content.decode()
    assert chart_svgs(html) == []


def test_an_icb_charts_the_files_of_everything_it_gathers(client, register):
    response = client.get(reverse("register:organisation", args=["nhs-greater-manchester-integrated-care-board"]))
    [svg] = chart_svgs(response.content.decode())
    assert sum(column_values(svg)) == 4  # Bolton's agreement, gathered through the sub-ICB location
    assert "When the files were released" in page_text(response)


def test_a_dataset_charts_its_files_its_recipients_and_its_legal_bases(client, register):
    hes = "hospital-episode-statistics-admitted-patient-care-hes-apc"
    html = client.get(reverse("register:dataset", args=[hes])).content.decode()
    [files] = chart_svgs(html)
    organisations, bases = bar_charts(html)
    assert sum(column_values(files)) == 4
    assert "from 2021-01 to 2022-06" in files
    assert "The organisations receiving the most files of it</figcaption>" in organisations
    assert re.search(r">3</text>", organisations)  # the sub-ICB location's three HES APC files
    assert '<span class="chart-bar-label">UNIVERSITY OF OXFORD<span class="visually-hidden">: ' in organisations
    assert "Agreements naming it, by legal basis</figcaption>" in bases


def test_the_home_page_charts_agreements_by_legal_basis(client, register):
    html = client.get(reverse("register:home")).content.decode()
    assert chart_svgs(html) == []
    [chart] = bar_charts(html)
    assert (
        '<figcaption id="chart-legal-bases-caption" class="chart-title">Agreements by legal basis</figcaption>' in chart
    )
    bars = chart.count('class="chart-bar"')
    assert bars >= 2
    assert f"The numbers in this chart ({bars} rows)" in html


def test_flags_are_tags_that_say_yes_or_no_in_words(client, register):
    html = client.get(reverse("register:agreement", args=["DARS-NIC-500001-AAAAA"])).content.decode()
    assert '<dt>For commercial purposes</dt><dd><span class="tag tag-flag">Yes</span>' in html
    assert '<dt>Sublicensing allowed</dt><dd><span class="tag">No</span>' in html
    # files released without opt-outs applied are flagged; the register's own word follows the plain one
    assert '<span class="tag tag-flag">Not applied</span> <span class="as-written">(register: “No”)</span>' in html
    assert '<span class="tag">Applied</span> <span class="as-written">(register: “Yes”)</span>' in html
    listing = client.get(reverse("register:agreements")).content.decode()
    assert listing.count('<span class="tag tag-flag">For commercial purposes</span>') == 1


def test_opt_outs_written_as_a_letter_are_shown_in_words_with_the_letter_beside_them(client, db):
    """The 2017 register writes "Y" and "N" and gives no month for its files; a reader gets "Applied" and "Not
    applied", anything else (a sentence, as the register sometimes writes) as written with neither colour, and the
    files' count and the agreement's dates (which it does not give either) without made-up months."""
    files = [
        {"dataset_name": factories.HES_APC, "month": None, "opt_outs_text": text}
        for text in ["Y", "N", "No - data flow is not identifiable"]
    ]
    factories.agreement("DARS-NIC-500009-QQQQQ", files=files, dsa_start=None, dsa_end=None)
    html = client.get(reverse("register:agreement", args=["DARS-NIC-500009-QQQQQ"])).content.decode()
    assert "<dt>Data files released</dt><dd>3 files; the register does not say in which months</dd>" in html
    assert "<dt>Data sharing agreement (DSA) runs</dt><dd>Not stated</dd>" in html
    [cell] = re.findall(r"<dt>Patient opt-outs applied to released files</dt><dd>(.*?)</dd>", html)
    assert '<span class="tag">Applied</span> <span class="as-written">(register: “Y”)</span>' in cell
    assert '<span class="tag tag-flag">Not applied</span> <span class="as-written">(register: “N”)</span>' in cell
    assert '<span class="tag tag-unknown">No - data flow is not identifiable</span></li>' in cell
    assert not re.search(r">[YN]</span>", cell)
    # Files without months: one table of datasets and their files, not a block per dataset saying "Month not stated".
    assert '<h2 id="files">Files released, by dataset</h2>' in html
    assert "Month not stated" not in html
    assert re.search(rf"<td>{re.escape(factories.HES_APC)}</td><td class=\"number\">3</td>", html)


def test_tables_that_stack_on_a_phone_name_every_cell_after_the_first(client, register):
    urls = [
        reverse("register:agreements"),
        reverse("register:agreement", args=["DARS-NIC-500001-AAAAA"]),
        reverse("register:organisations"),
        reverse("register:icbs"),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        tables = re.findall(r"<table class=\"[^\"]*table-stack.*?</table>", html, flags=re.S)
        assert tables, url
        for table in tables:
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], flags=re.S):
                cells = re.findall(r"<td[^>]*>", row)
                assert all("data-label=" in cell for cell in cells[1:]), f"{url}: {cells}"


def test_public_pages_are_compressed_and_the_admin_is_not(client, register, curator_client):
    response = client.get(reverse("register:home"), headers={"accept-encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert b"Who has NHS patient data" in gzip.decompress(response.content)
    admin = curator_client.get(reverse("admin:index"), headers={"accept-encoding": "gzip"})
    assert admin.status_code == 200
    assert not admin.has_header("Content-Encoding")


@pytest.mark.parametrize("route", public_routes(), ids=lambda route: route.name)
def test_no_public_page_sets_a_cookie_or_links_anything_from_elsewhere(client, known_urls, route):
    url = sample_url(route, known_urls)
    response = client.get(url)
    assert not response.cookies, f"{url} sets {list(response.cookies)}"
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        for tag, address in re.findall(r"<(link|script|img|iframe|source)\b[^>]*\b(?:href|src)=\"([^\"]*)\"", html):
            assert address.startswith("/"), f"{url} loads {address} in a <{tag}>"
        assert "<script" not in html, f"{url} has a script: no page needs JavaScript"
