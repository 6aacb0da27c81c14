"""The issue's "done when", as a person without JavaScript would do it: from the home page, find every agreement an
ICB holds, narrow it to one dataset, download that list as CSV. Only links and the GET form on each page are
followed, read from the HTML the way a browser would."""

import csv
import datetime
import io
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin

from django.db.models import Q
from django.urls import reverse

from register.models import Agreement
from register.queries import gathered_organisation_ids
from tests import factories


class Page(HTMLParser):
    """The links (text -> href) and the GET forms (action, [(name, value)]) of a page, as a browser reads them."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.links, self.forms = [], []
        self._link = None
        self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self._link = [attrs["href"], ""]
        elif tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": [], "selects": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"].append([attrs["name"], attrs.get("value", "")])
        elif tag == "select" and self.forms:
            self._select = attrs["name"]
            self.forms[-1]["selects"][self._select] = {"chosen": None, "options": []}
        elif tag == "option" and self._select:
            select = self.forms[-1]["selects"][self._select]
            select["options"].append([attrs.get("value", ""), ""])
            if "selected" in attrs or select["chosen"] is None:
                select["chosen"] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "a" and self._link:
            self.links.append((" ".join(self._link[1].split()), self._link[0]))
            self._link = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._link:
            self._link[1] += data
        if self._select and self.forms[-1]["selects"][self._select]["options"]:
            self.forms[-1]["selects"][self._select]["options"][-1][1] += data

    def link(self, starting):
        return next(href for text, href in self.links if text.startswith(starting))


def visit(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return Page(response.content.decode())


def test_from_home_to_an_icbs_agreements_narrowed_to_one_dataset_as_csv(client, db):
    factories.bulk_register(agreements=160, versions=300, files=2500, seed=5)
    factories.agreement(
        "DARS-NIC-400001-MANCH",
        title="Invoice validation, Bolton",
        applicant=factories.organisation("NHS Bolton CCG"),
        datasets=[factories.HES_APC],
        files=[(factories.HES_APC, datetime.date(2021, 1, 1), False)],
    )
    factories.index()

    home = visit(client, reverse("register:home"))
    icbs = visit(client, home.link("Every ICB, by region"))
    icb_page_url = icbs.link("NHS Greater Manchester Integrated Care Board")
    icb_page = visit(client, icb_page_url)
    listing_url = urljoin(icb_page_url, icb_page.link("Filter, search and sort these"))
    listing = visit(client, listing_url)

    form = next(form for form in listing.forms if "dataset" in form["selects"])  # the filter form, not the header's
    dataset_select = form["selects"]["dataset"]
    choice = next(value for value, label in dataset_select["options"] if label.startswith(factories.HES_APC))
    dataset_select["chosen"] = choice
    query = [(name, value) for name, value in form["fields"]]
    query += [(name, select["chosen"]) for name, select in form["selects"].items()]
    narrowed_url = form["action"] + "?" + urlencode(query)
    narrowed = visit(client, narrowed_url)

    rows = list(csv.DictReader(io.StringIO(
        b"".join(client.get(narrowed.link("CSV for spreadsheets")).streaming_content).decode().removeprefix("\ufeff")
    )))  # fmt: skip

    icb = factories.organisation("NHS Greater Manchester Integrated Care Board")
    gathered = gathered_organisation_ids(icb)
    expected = (
        Agreement.objects.filter(
            Q(versions__applicant__in=gathered) | Q(versions__controller_links__organisation__in=gathered)
        )
        .filter(Q(versions__dataset_uses__dataset__slug=choice) | Q(file_releases__dataset__slug=choice))
        .values_list("reference", flat=True)
        .distinct()
    )
    assert "DARS-NIC-400001-MANCH" in {row["reference"] for row in rows}
    assert sorted(row["reference"] for row in rows) == sorted(expected)
    assert all(factories.HES_APC in row["datasets"] for row in rows)
