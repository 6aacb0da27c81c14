"""Security headers on every page type: each public URL pattern (read from the resolver, so new pages are covered
when they appear), the 404 page, the admin (every model's list and form), the lock-out page, static files and
/healthz. Public pages carry no inline script, style or event handler (the Content-Security-Policy forbids
them); the admin's few inline blocks carry the response's nonce."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from register import actions
from register.models import Organisation
from tests.urlwalk import public_routes, sample_url

FIXED_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
REFUSED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb"]
# Script types a browser does not run: data blocks, which the CSP does not govern.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def csp_directives(response):
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_security_headers(response):
    where = response.request["PATH_INFO"]
    for name, value in FIXED_HEADERS.items():
        assert response.get(name) == value, f"{name} on {where}: {response.get(name)!r}"
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"], where
    assert csp["object-src"] == ["'none'"], where
    assert csp["frame-ancestors"] == ["'none'"], where
    assert csp["base-uri"] == ["'none'"], where
    for directive in ("script-src", "style-src"):
        assert csp[directive][0] == "'self'", where
        for value in csp[directive][1:]:
            assert re.fullmatch(r"'nonce-[A-Za-z0-9_-]{16,}'", value), f"{directive} {value} on {where}"
    values = [value for directive_values in csp.values() for value in directive_values]
    assert not [value for value in values if "unsafe" in value or value in {"*", "http:", "https:"}], where
    policy = response.get("Permissions-Policy", "")
    for feature in REFUSED_FEATURES:
        assert f"{feature}=()" in policy, f"{feature} not refused on {where}"
    return csp


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block or must allow by nonce: inline scripts and styles, style
    attributes, on* handlers and javascript: links."""

    def __init__(self):
        super().__init__()
        self.inline = []  # (tag, nonce or None)
        self.forbidden = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                self.forbidden.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.forbidden.append(f"<{tag} {name}={value!r}>")
        if tag == "style" or (tag == "script" and not attrs.get("src") and attrs.get("type") not in DATA_SCRIPT_TYPES):
            self.inline.append((tag, attrs.get("nonce")))


def inline_code(response):
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.parametrize("route", public_routes(), ids=lambda route: route.name)
def test_every_public_page_type_has_the_security_headers_and_no_inline_code(client, known_urls, route):
    url = sample_url(route, known_urls)
    response = client.get(url, secure=True)
    assert response.status_code < 500, url
    csp = assert_security_headers(response)
    if response.get("Content-Type", "").startswith("text/html"):
        found = inline_code(response)
        assert found.inline == [], f"inline script or style on {url}"
        assert found.forbidden == [], f"inline handlers or styles on {url}"
        assert len(csp["script-src"]) == 1, "a public page that needs a nonce cannot be cached"


def test_the_not_found_page_and_static_files_have_the_security_headers(client, db):
    missing = client.get("/no-such-page/", secure=True)
    assert missing.status_code == 404
    assert_security_headers(missing)
    assert inline_code(missing).inline == []
    stylesheet = client.get("/static/css/site.css", secure=True)
    assert stylesheet.status_code == 200
    # Read to the end, as a server would: the test client then closes the file without closing the database.
    assert b"".join(stylesheet.streaming_content)
    assert_security_headers(stylesheet)
    health = client.get(reverse("healthz"), secure=True)
    assert health.status_code == 200
    assert_security_headers(health)


def admin_pages(superuser):
    """The admin's index, password change, and the list, add form and change form of every model."""
    actions.save_curated(Organisation.objects.first(), superuser, ["notes"])  # so the audit trail has an entry
    yield reverse("admin:index")
    yield reverse("admin:password_change")
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        if model_admin.has_add_permission(_request_for(superuser)):
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        obj = model._default_manager.first()
        if obj is not None:
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_every_admin_page_has_the_security_headers_and_nonces_its_inline_code(client, seed_data):
    superuser = User.objects.create_superuser("root", "root@example.org", "a-long-test-password")
    client.force_login(superuser)
    checked = 0
    for url in admin_pages(superuser):
        response = client.get(url, secure=True)
        if response.status_code == 302:  # an import run's "add" is the upload page
            assert_security_headers(response)
            url = response["Location"]
            assert url.startswith("/admin/"), url
            response = client.get(url, secure=True)
        assert response.status_code == 200, url
        csp = assert_security_headers(response)
        found = inline_code(response)
        assert found.forbidden == [], f"inline handlers or styles on {url}: {found.forbidden}"
        for tag, nonce in found.inline:
            assert nonce, f"an inline <{tag}> on {url} has no nonce"
            assert f"'nonce-{nonce}'" in csp["script-src" if tag == "script" else "style-src"], url
        checked += 1
    assert checked > 2 * len(admin.site._registry)


def test_the_admin_login_and_lockout_pages_have_the_security_headers(client, db):
    login = reverse("admin:login")
    assert_security_headers(client.get(login, secure=True))
    User.objects.create_user("curator", password="a-long-test-password", is_staff=True)
    for _ in range(10):
        response = client.post(login, {"username": "curator", "password": "wrong"}, secure=True)
        if response.status_code == 429:
            break
    assert response.status_code == 429
    assert_security_headers(response)
