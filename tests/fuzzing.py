"""The bad-input harness's parts: which query parameters a page reads, values to try, and what a good answer is.

Parameters are found by watching, not by being told: the page is requested once with a `request.GET` that notes
every name the view (or a django-filter FilterSet, which reads its form's fields from it) asks for; the names
and values of the page's own forms and links are added, and so are the fields of a view's `filterset_class`.
`EXAMPLES` counts the generated requests per URL pattern; conftest prints it at the end of the run.
"""

import csv
import functools
import io
import json
import string
from collections import Counter, defaultdict
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from django.core.handlers.wsgi import WSGIRequest
from django.http import QueryDict
from django.utils.encoding import force_str
from hypothesis import strategies as st

EXAMPLES = Counter()

# Values that have broken web apps before: NUL and other control characters, path tricks, injection attempts,
# huge numbers, impossible dates, long and non-Latin text.
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "%",
    "%00",
    "%zz",
    "..",
    "../../etc/passwd",
    "/",
    "//evil.example.com",
    "https://evil.example.com/",
    "' OR '1'='1",
    '"; DROP TABLE register_agreement; --',
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "=cmd|' /C calc'!A0",
    "-1",
    "0",
    "1e309",
    "99999999999999999999999999",
    "NaN",
    "2025-13-45",
    "0000-00-00",
    "0000-01-32",
    "2025-02-30",
    "true",
    "None",
    "null",
    "[]",
    "ｄａｒｓ",
    "\u202eevil",
    "\ud7ff",
    "😀" * 10,
    "x" * 3000,
]


class RecordingQueryDict(QueryDict):
    """A QueryDict that notes each parameter name asked for; copies note into the same set."""

    asked = set()

    def __getitem__(self, key):
        RecordingQueryDict.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        RecordingQueryDict.asked.add(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        RecordingQueryDict.asked.add(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        RecordingQueryDict.asked.add(key)
        return super().getlist(key, default)


def _recording_get(self):
    return RecordingQueryDict(self.environ.get("QUERY_STRING", ""), encoding=self._encoding)


def record_parameters(monkeypatch, client, url):
    """The query parameter names the page at `url` asks for, found by requesting it once."""
    prop = functools.cached_property(_recording_get)
    prop.__set_name__(WSGIRequest, "GET")
    RecordingQueryDict.asked = set()
    with monkeypatch.context() as patch:
        patch.setattr(WSGIRequest, "GET", prop)
        response = client.get(url)
    return set(RecordingQueryDict.asked), response


class FormAndLinkValues(HTMLParser):
    """Parameter names and values a page offers itself: form fields, select options, links with a query."""

    def __init__(self):
        super().__init__()
        self.values = defaultdict(set)
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag in {"input", "textarea", "select", "button"} and attrs.get("name"):
            self.values[attrs["name"]].add(attrs.get("value", ""))
            self.select = attrs["name"] if tag == "select" else self.select
        elif tag == "option" and self.select:
            self.values[self.select].add(attrs.get("value", ""))
        elif tag == "a" and "?" in attrs.get("href", ""):
            for name, value in parse_qsl(urlsplit(attrs["href"]).query, keep_blank_values=True):
                self.values[name].add(value)

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def offered_values(response):
    if not response.get("Content-Type", "").startswith("text/html"):
        return {}
    parser = FormAndLinkValues()
    parser.feed(force_str(response.content))
    return {name: sorted(values) for name, values in parser.values.items() if name != "csrfmiddlewaretoken"}


def filterset_fields(callback):
    """Form field names of a view's django-filter FilterSet, where the view declares one."""
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    filterset_class = getattr(view_class, "filterset_class", None) or getattr(callback, "filterset_class", None)
    if filterset_class is None:
        return set()
    names = set()
    for name, field in filterset_class().form.fields.items():
        suffixes = getattr(field.widget, "suffixes", None)
        names |= {f"{name}_{suffix}" if suffix else name for suffix in suffixes} if suffixes else {name}
    return names


def values_for(offered=()):
    safe_text = st.text(max_size=40).filter(lambda text: "\x00" not in text)
    choices = [st.sampled_from(sorted(offered))] if offered else []
    return st.one_of(
        *choices,
        st.sampled_from(NASTY),
        st.integers(min_value=-(10**12), max_value=10**12).map(str),
        st.dates().map(str),
        # Shaped like a date, any of them impossible: year 0, month 13, day 32.
        st.builds("{:04d}-{:02d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)),
        st.text(max_size=40),
        safe_text,
    )


def query_strategy(names, offered):
    """A query: some of the known parameters, each given one to three values, and now and then a stranger."""
    names = sorted(names)
    known = st.fixed_dictionaries(
        {}, optional={name: st.lists(values_for(offered.get(name, ())), min_size=1, max_size=3) for name in names}
    )
    stranger = st.dictionaries(
        st.text(string.ascii_letters + "_[]", min_size=1, max_size=12),
        st.lists(values_for(), min_size=1, max_size=2),
        max_size=1,
    )
    return st.tuples(known, stranger).map(lambda pair: {**pair[1], **pair[0]})


RAW_QUERIES = st.sampled_from(["%ff%fe=%c3%28", "a=%zz", "&&&", "=", "a[]=1&a[]=2", "page=1;DROP", "%00=%00"])


def check_answer(response, url):
    """Never a server error; an error is a clear 4xx page; a redirect stays on this site; a page is well formed."""
    status = response.status_code
    assert status < 500, f"{status} for {url}"
    assert status in {200, 301, 302, 304, 400, 404, 405, 410}, f"unexpected {status} for {url}"
    content_type = response.get("Content-Type", "")
    if status in (301, 302):
        location = response["Location"]
        assert location.startswith("/"), f"{url} redirects off the site: {location}"
        assert not location.startswith("//"), f"{url} redirects off the site: {location}"
        return
    if status >= 400:
        body = force_str(response.content)
        if content_type.startswith("application/json"):  # an API answer: the error must say something
            assert json.loads(body), f"the {status} answer for {url} is empty"
        elif url.endswith(".csv") and content_type.startswith("text/plain"):
            # A spreadsheet download answers a bad query in plain words.
            assert "could not be made" in body, f"the {status} answer for {url} does not say what went wrong"
        else:
            assert content_type.startswith("text/html"), f"{status} for {url} is not an HTML page"
            assert "<h1>" in body, f"the {status} page for {url} does not say what went wrong"
        return
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if content_type.startswith("text/html"):
        assert b"Skip to main content" in body, f"{url} is not a full page"
    elif content_type.startswith("application/json"):
        json.loads(body)
    elif content_type.startswith("text/csv"):
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert rows, f"{url} gave an empty CSV file"
