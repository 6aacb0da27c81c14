"""Page weight as served: every page type under 100 KB transferred (HTML, CSS and any JavaScript, compressed as
gunicorn, GZipMiddleware and whitenoise send them to a browser that accepts gzip and brotli), headers included.
Static files have hashed names and are cached for a year; public pages set no cookie and load no script.

No browser is needed: the requests are the ones a browser's first visit makes (the page, then what it links).
The sizes are printed at the end of the run."""

import re
from html.parser import HTMLParser

import pytest

from tests.browser.pages import PAGE_TYPES, WEIGHTS, PageType

LIMIT = 100 * 1024
ACCEPT = {"Accept-Encoding": "gzip, deflate, br", "Accept": "text/html,*/*"}
# The heaviest pages of their kind, weighed as well as the ordinary page types.
HEAVY = [PageType("agreement-list-100", "register:agreements", query=(("per_page", "100"), ("sort", "-files")))]


class Links(HTMLParser):
    """What a browser fetches after the HTML: stylesheets, scripts, images and icons."""

    def __init__(self):
        super().__init__()
        self.found = []  # (kind, url)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel:
            self.found.append(("css", attrs["href"]))
        elif tag == "link" and ("icon" in rel or "preload" in rel):
            self.found.append(("other", attrs["href"]))
        elif tag == "script":
            self.found.append(("js", attrs.get("src")))  # None: inline
        elif tag == "img" and attrs.get("src"):
            self.found.append(("other", attrs["src"]))


def header_bytes(status, headers):
    return len(f"HTTP/1.1 {status}\r\n") + len(str(headers).encode())


def weigh(site, path):
    status, headers, body = site.get(path, **ACCEPT)
    html = _decoded(headers, body)
    links = Links()
    links.feed(html)
    sizes = {"html": len(body) + header_bytes(status, headers), "css": 0, "js": 0, "other": 0}
    fetched = []
    for kind, url in links.found:
        if url is None:
            pytest.fail(f"{path} has an inline script")
        assert url.startswith("/"), f"{path} loads {url} from elsewhere"
        linked_status, linked_headers, linked_body = site.get(url, **ACCEPT)
        assert linked_status == 200, url
        sizes[kind] += len(linked_body) + header_bytes(linked_status, linked_headers)
        fetched.append((kind, url, linked_headers))
    return status, headers, html, sizes, fetched


def _decoded(headers, body):
    encoding = headers.get("Content-Encoding", "")
    if encoding == "gzip":
        import gzip

        body = gzip.decompress(body)
    elif encoding:
        raise AssertionError(f"unexpected Content-Encoding {encoding!r} for HTML")
    return body.decode()


@pytest.mark.parametrize("page", PAGE_TYPES + HEAVY, ids=lambda page: page.name)
def test_every_page_type_is_under_100_kb_as_served(live_site, examples, page):
    path = page.path(examples)
    status, headers, html, sizes, fetched = weigh(live_site, path)
    assert status == page.status, path
    WEIGHTS.append((page.name, sizes))
    total = sum(sizes.values())
    assert total < LIMIT, f"{page.name} ({path}) weighs {total:,} bytes: {sizes}"
    admin = page.url_name.startswith("admin:")
    if not admin:
        assert headers.get("Content-Encoding") == "gzip", f"{path} is not compressed"
        assert "Accept-Encoding" in headers.get("Vary", "")
        assert "Set-Cookie" not in headers, f"{path} sets a cookie: {headers.get('Set-Cookie')}"
        assert sizes["js"] == 0, f"{path} loads JavaScript"
    else:
        # BREACH: a page holding a CSRF token is never compressed (register/compression.py).
        assert "csrfmiddlewaretoken" in html
        assert "Content-Encoding" not in headers
    for kind, url, linked in fetched:
        # Hashed names, cached for a year, precompressed by whitenoise.
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), f"{url} has no content hash in its name"
        assert "max-age=31536000" in linked["Cache-Control"], url
        assert "immutable" in linked["Cache-Control"], url
        if kind in ("css", "js"):
            assert linked.get("Content-Encoding") in ("gzip", "br"), f"{url} is not served compressed"


def test_compressed_pages_are_the_same_pages(live_site, examples):
    """Compression changes the bytes sent, not the page, and a browser without gzip still gets plain HTML."""
    path = PAGE_TYPES[0].path(examples)
    _, plain_headers, plain = live_site.get(path)
    _, headers, body = live_site.get(path, **ACCEPT)
    assert "Content-Encoding" not in plain_headers
    assert headers["Content-Encoding"] == "gzip"
    assert _decoded(headers, body) == plain.decode()
    assert len(body) < len(plain) / 2
