"""Every page type the browser, accessibility and weight tests visit: one line each.

A page type names a URL pattern and how to fill it from the live site's data (`Examples`). A page type whose URL
name is not routed yet is skipped with the reason given (`arrives_with`), so a page another branch is building can
be listed before it exists and is checked as soon as it does. To add one: a line in PAGE_TYPES.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class PageType:
    name: str
    url_name: str
    args: tuple = ()  # names of Examples attributes that fill the URL's parameters
    query: tuple = ()  # (parameter, Examples attribute or literal) pairs for the query string
    status: int = 200
    arrives_with: str = ""  # why it may be absent: its URL name is not routed yet

    def path(self, examples):
        try:
            path = reverse(self.url_name, args=[getattr(examples, arg) for arg in self.args])
        except NoReverseMatch:
            if self.arrives_with:
                import pytest

                pytest.skip(f"{self.name}: no page named {self.url_name!r} yet (it arrives with {self.arrives_with})")
            raise
        if self.query:
            path += "?" + urlencode([(name, getattr(examples, value, value)) for name, value in self.query])
        return path


PAGE_TYPES = [
    PageType("home", "register:home"),
    PageType("agreement-list", "register:agreements"),
    PageType("filtered-list", "register:agreements", query=(("organisation", "icb"), ("dataset", "dataset"))),
    PageType("search-results", "register:agreements", query=(("q", "search_words"),)),
    PageType("empty-result", "register:agreements", query=(("q", "zzyzx-no-such-word"),)),
    PageType(
        "query-in-error", "register:agreements", query=(("active_on", "01/02/2024"), ("dataset", "dataset")), status=400
    ),
    PageType("agreement", "register:agreement", args=("agreement",)),
    PageType("organisation", "register:organisation", args=("organisation",)),
    PageType("organisation-list", "register:organisations"),
    PageType("organisation-list-in-error", "register:organisations", query=(("kind", "spaceship"),), status=400),
    PageType("icb", "register:organisation", args=("icb",)),
    PageType("icb-list", "register:icbs"),
    PageType("dataset", "register:dataset", args=("dataset",)),
    PageType("dataset-list", "register:datasets"),
    PageType("changes", "register:changes", arrives_with="issue 5, what changed"),
    PageType("edition-changes", "register:edition-changes", args=("edition",)),
    PageType(
        "edition-changes-in-error",
        "register:edition-changes",
        args=("edition",),
        query=(("organisation", "No Such Body"), ("dataset", "dataset")),
        status=400,
    ),
    PageType("agreement-changes", "register:agreement-changes", args=("agreement",)),
    PageType("signals", "register:signals", arrives_with="issue 8, signals"),
    PageType("about", "register:about"),
    PageType("not-found", "register:agreement", args=("missing_reference",), status=404),
    PageType("admin-login", "admin:login"),
]
BY_NAME = {page.name: page for page in PAGE_TYPES}


@dataclass(frozen=True)
class Examples:
    """Real pages of the live site to fill the page types with, found through its own downloads."""

    icb: str  # slug of the ICB holding the most agreements
    icb_name: str
    dataset: str  # slug of the dataset its agreements name most often
    dataset_name: str
    agreement: str  # reference of the agreement with the most files released (the heaviest page of its kind)
    organisation: str  # slug of the organisation, not an ICB, holding the most agreements
    search_words: str = "data"
    missing_reference: str = "DARS-NIC-00000-NOPE0"
    edition: str = "2025-11"  # the synthetic register's (tests/browser/conftest.py SYNTHETIC)


def _slug(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


def find_examples(site):
    organisations = site.json(reverse("register:organisations-json"))["rows"]
    icb = max((row for row in organisations if row["type"] == "Integrated Care Board"), key=lambda r: r["agreements"])
    others = [row for row in organisations if row["type"] != "Integrated Care Board"]
    organisation = max(others, key=lambda row: (row["agreements"], row["name"]))
    held = site.json(reverse("register:agreements-json") + "?" + urlencode({"organisation": _slug(icb["url"])}))
    named = [name for row in held["rows"] for name in row["datasets"]]
    dataset_name = max(sorted(set(named)), key=named.count)
    datasets = {row["name"]: row["url"] for row in site.json(reverse("register:datasets-json"))["rows"]}
    heaviest = site.json(reverse("register:agreements-json") + "?sort=-files")["rows"][0]
    return Examples(
        icb=_slug(icb["url"]),
        icb_name=icb["name"],
        dataset=_slug(datasets[dataset_name]),
        dataset_name=dataset_name,
        agreement=heaviest["reference"],
        organisation=_slug(organisation["url"]),
        search_words=icb["name"].split()[1].lower(),
    )


PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10: 1280 CSS px at 400% zoom
DESKTOP = {"width": 1366, "height": 900}

# What this run measured, printed at its end by tests/browser/conftest.py: page weights (test_weight.py) and
# axe-core's violations per page type and width (test_accessibility.py).
WEIGHTS = []
AXE_RESULTS = {}
