"""The site as a visitor meets it, for the browser, accessibility and page-weight tests.

`live_site` (once per run) serves a committed scratch database holding the reference organisations, the seed
agreements and a generated synthetic register of a few hundred agreements (made with `generate_register` and
loaded with `import_register`, exactly as an editor would), under production settings: gunicorn, collected and
compressed static files with hashed names, DEBUG off. `browser` drives Debian's Chromium (/usr/bin/chromium,
installed by .ci/run) through Playwright; the tests that need it are marked `browser` and skip, saying why,
when it is absent. Page types to check are listed once, in tests/browser/pages.py.
"""

import json
import os
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser.pages import AXE_RESULTS, DESKTOP, WEIGHTS, find_examples
from tests.scratch import ROOT, manage
from tests.serving import production_env, serve

CHROMIUM = Path(os.environ.get("REGISTER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
SCREENSHOTS = ROOT / "var" / "screenshots"
SYNTHETIC = {"agreements": 300, "files": 6000, "seed": 3, "edition": "2025-11"}


@dataclass
class LiveSite:
    url: str  # e.g. http://127.0.0.1:54321, no trailing slash
    log: Path
    weights: list = field(default_factory=list)  # (page type, bytes by kind), for the summary at the end

    def get(self, path, **headers):
        """(status, headers, body) of a plain GET, as a browser's first visit would send it (no cookies)."""
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json(self, path):
        status, _, body = self.get(path)
        assert status == 200, f"{path}: {status}"
        return json.loads(body)


@pytest.fixture(scope="session")
def live_site(scratch_databases, tmp_path_factory):
    folder = tmp_path_factory.mktemp("live_site")
    database_url = scratch_databases.copy("browser")
    workbook = folder / "register.xlsx"
    manage(
        "generate_register",
        str(workbook),
        f"--agreements={SYNTHETIC['agreements']}",
        f"--files={SYNTHETIC['files']}",
        f"--seed={SYNTHETIC['seed']}",
        database_url=database_url,
    )
    manage("import_register", str(workbook), f"--edition={SYNTHETIC['edition']}", database_url=database_url)
    env = production_env(
        DATABASE_URL=database_url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",  # the browser speaks plain HTTP to loopback
    )
    with serve(env, folder) as (port, log):
        yield LiveSite(f"http://127.0.0.1:{port}", log)


@pytest.fixture(scope="session")
def examples(live_site):
    return find_examples(live_site)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: .ci/run installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A browser context on the live site that notes what a visitor would not want: requests to anywhere but the
    site, cookies, console errors (a Content-Security-Policy violation is one) and failed requests."""

    def __init__(self, browser, site, **options):
        self.site = site
        self.context = browser.new_context(base_url=site.url, **options)
        self.page = self.context.new_page()
        self.elsewhere, self.errors = [], []
        self.page.on("request", self._request)
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", self._failed)

    def _request(self, request):
        if not request.url.startswith(self.site.url + "/") and not request.url.startswith("data:"):
            self.elsewhere.append(request.url)

    def _failed(self, request):
        # Leaving a page cancels what it was still loading (its icon, say): that is not the site failing.
        if request.failure != "net::ERR_ABORTED":
            self.errors.append(f"failed: {request.url} ({request.failure})")

    def check_clean(self, expect_errors=()):
        """Nothing fetched from elsewhere, no console errors but those expected (an error page's own status)."""
        assert self.elsewhere == [], f"requests to other hosts: {self.elsewhere}"
        unexpected = [error for error in self.errors if not any(part in error for part in expect_errors)]
        assert unexpected == [], f"console errors: {unexpected}"

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, live_site):
    """visit(**context_options) -> Visit; every one opened is checked for requests elsewhere and closed."""
    opened = []

    def open_visit(**options):
        opened.append(Visit(browser, live_site, **{"viewport": DESKTOP, "locale": "en-GB", **options}))
        return opened[-1]

    yield open_visit
    for each in opened:
        each.close()


@pytest.fixture(scope="session")
def screenshots():
    """var/screenshots/ (git-ignored): every screenshot the run takes, named after its page type and width, each
    run overwriting the last one's."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter):
    """The weight of each page type as served, and axe-core's result for each, measured in this run."""
    if AXE_RESULTS:
        terminalreporter.section("axe-core, WCAG 2.0/2.1/2.2 A and AA: violations per page type")
        terminalreporter.write_line(f"{'page type':<22}{'phone':>8}{'desktop':>9}")
        for name, widths in AXE_RESULTS.items():
            terminalreporter.write_line(f"{name:<22}{widths.get('phone', '-'):>8}{widths.get('desktop', '-'):>9}")
    if WEIGHTS:
        terminalreporter.section("page weight as served, compressed (limit 100 KB)")
        terminalreporter.write_line(
            f"{'page type':<22}{'HTML':>9}{'CSS':>9}{'JS':>7}{'icon':>7}{'total':>9}  (bytes, headers included)"
        )
        for name, sizes in WEIGHTS:
            total = sum(sizes.values())
            terminalreporter.write_line(
                f"{name:<22}{sizes['html']:>9,}{sizes['css']:>9,}{sizes['js']:>7,}{sizes['other']:>7,}{total:>9,}"
            )
