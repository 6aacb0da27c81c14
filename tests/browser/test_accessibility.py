"""axe-core (bundled by axe-playwright-python) with the WCAG 2.0, 2.1 and 2.2 A and AA rules, on every page type of
tests/browser/pages.py at a phone's width and a desktop's, in Chromium: no violation allowed. Each page is also
screenshotted at both widths into var/screenshots/ (full page), for people to look at."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import AXE_RESULTS, DESKTOP, PAGE_TYPES, PHONE

pytestmark = pytest.mark.browser

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_A_AA}, "resultTypes": ["violations"]}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.mark.parametrize("page", PAGE_TYPES, ids=lambda page: page.name)
def test_no_wcag_a_or_aa_violations_at_phone_and_desktop_width(visit, examples, screenshots, axe, page):
    path = page.path(examples)
    for width, viewport in WIDTHS.items():
        visitor = visit(viewport=viewport)
        response = visitor.page.goto(path)
        assert response.status == page.status, path
        visitor.page.screenshot(path=screenshots / f"{page.name}-{width}.png", full_page=True)
        results = axe.run(visitor.page, options=AXE_OPTIONS)
        assert results.response["testEngine"]["version"].startswith("4.")
        assert results.response["toolOptions"]["runOnly"]["values"] == WCAG_A_AA
        AXE_RESULTS.setdefault(page.name, {})[width] = results.violations_count
        assert results.violations_count == 0, f"{page.name} ({path}) at {width} width:\n{results.generate_report()}"
        visitor.check_clean(expect_errors=[f"status of {page.status}"] if page.status != 200 else [])
