"""What people do with the site, in a real Chromium against the live site: a journalist's journey from the home page
to a CSV of one ICB's agreements naming one dataset; the filter form with JavaScript off; the keyboard alone (skip
link, filters, pagination, a focus indicator on everything that takes focus); an agreement printed; charts read as
images with names and kept inside their frame on a phone; and no cookie set for a visitor on any public page."""

import csv
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from tests.browser.pages import BY_NAME, NARROW, PAGE_TYPES, PHONE

pytestmark = pytest.mark.browser


def result_count(page):
    """The number in the list's heading, '37 agreements match'."""
    return int(re.match(r"\s*([\d,]+) agreement", page.locator("#result-count").inner_text()).group(1).replace(",", ""))


def test_a_journalist_finds_an_icb_narrows_it_to_one_dataset_downloads_the_csv_and_opens_an_agreement(
    visit, examples, screenshots
):
    visitor = visit(accept_downloads=True)
    page = visitor.page
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    # Searching the ICB by the words people use, not its full name.
    words = examples.icb_name.removeprefix("NHS ").removesuffix(" Integrated Care Board")
    page.get_by_label("Name or code").fill(words)
    page.get_by_label("Type").select_option("icb")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=examples.icb_name, exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == f"{examples.icb_name} projects"

    page.get_by_role("link", name=re.compile(r"^Filter, search and sort these \d+ agreements?$")).click()
    everything = result_count(page)
    page.get_by_label("Dataset").select_option(examples.dataset)
    page.get_by_role("button", name="Apply filters").click()
    query = parse_qs(urlparse(page.url).query)
    assert query["organisation"][0] in (examples.icb, examples.icb_name)  # the form shows the name it found
    assert query["dataset"] == [examples.dataset]
    narrowed = result_count(page)
    assert 0 < narrowed <= everything
    page.screenshot(path=screenshots / "journey-filtered.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV for spreadsheets").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) == narrowed
    assert all(examples.dataset_name in row["datasets"] for row in rows)
    titles = {row["title"] for row in rows}

    first = page.locator(".results-table .row-title").first
    title = first.inner_text()
    assert title in titles
    first.click()
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert page.get_by_role("link", name=examples.dataset_name).first.is_visible()
    visitor.check_clean()


def test_the_filter_form_works_with_javascript_off(visit, examples):
    visitor = visit(java_script_enabled=False)
    page = visitor.page
    page.goto(reverse("register:agreements"))
    commercial = page.get_by_label("For commercial purposes")
    label = commercial.locator("option[value='yes']").inner_text()
    expected = int(re.search(r"\((\d+)\)", label).group(1))
    commercial.select_option("yes")
    page.get_by_label("In force on").fill("2024-06-30")
    page.get_by_label("Sort by").select_option("-files")
    page.get_by_role("button", name="Apply filters").click()
    query = parse_qs(urlparse(page.url).query)
    assert query["commercial"] == ["yes"]
    assert query["active_on"] == ["2024-06-30"]
    assert result_count(page) <= expected
    assert page.get_by_label("For commercial purposes").input_value() == "yes"
    # Each filter in use can be removed by a plain link.
    page.get_by_role("link", name="Remove the dsa in force on filter").click()
    assert "active_on" not in parse_qs(urlparse(page.url).query)
    assert result_count(page) == expected
    visitor.check_clean()


def test_a_date_in_error_is_corrected_where_it_was_typed(visit, examples):
    """An old link with a date the list cannot read: the error summary leads to the box (its label and message in
    view), the rest of the query stays in the form, and correcting the date runs the whole query."""
    visitor = visit(java_script_enabled=False)
    page = visitor.page
    response = page.goto(reverse("register:agreements") + "?active_on=30/06/2024&commercial=yes")
    assert response.status == 400
    page.get_by_role("link", name="DSA in force on").click()
    assert page.evaluate("document.activeElement.id") == "id_active_on"
    message = page.locator("#error_active_on")
    assert "You gave “30/06/2024”" in message.inner_text()
    assert message.bounding_box()["y"] >= 0  # not scrolled out of view above the box
    assert page.get_by_label("For commercial purposes").input_value() == "yes"
    page.get_by_label("In force on").fill("2024-06-30")
    page.get_by_role("button", name="Apply filters").click()
    query = parse_qs(urlparse(page.url).query)
    assert (query["active_on"], query["commercial"]) == (["2024-06-30"], ["yes"])
    assert page.locator(".error-summary").count() == 0
    visitor.check_clean(expect_errors=["status of 400"])


def test_a_search_typed_into_the_lists_own_box_comes_back_best_match_first(visit, examples):
    """The list's form also sends its sort box: unless a reader chose an order, that must not turn a new search's
    best-match order into date order."""
    visitor = visit(java_script_enabled=False)
    page = visitor.page
    page.goto(reverse("register:agreements"))
    assert "best match first" not in page.locator("#results-caption").inner_text()
    page.locator("#id_q").fill(examples.search_words)
    page.locator("#id_q").press("Enter")
    assert parse_qs(urlparse(page.url).query)["q"] == [examples.search_words]
    assert page.locator("#results-caption").inner_text().endswith("best match first")
    # An order the reader chose stays chosen through the next search.
    page.get_by_label("Sort by").select_option("-files")
    page.get_by_role("button", name="Apply filters").click()
    page.locator("#id_q").fill(examples.icb_name.split()[-1].lower())
    page.locator("#id_q").press("Enter")
    assert parse_qs(urlparse(page.url).query)["sort"] == ["-files"]
    assert "best match first" not in page.locator("#results-caption").inner_text()
    visitor.check_clean()


# Visible: its box is on screen and the middle of what is on screen is the element itself, not clipped away (a
# visually hidden table header's link) nor scrolled out of its box nor covered (WCAG 2.4.7, 2.4.11).
FOCUS_STYLE = """element => {
    const style = getComputedStyle(element);
    const hits = [...element.getClientRects()].map(box => {
        const left = Math.max(box.left, 0), right = Math.min(box.right, innerWidth);
        const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, innerHeight);
        return right > left && bottom > top && document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
    });
    return {outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth), shadow: style.boxShadow,
            visible: hits.some(hit => hit && (element === hit || element.contains(hit))),
            hits: hits.map(hit => hit ? hit.tagName + '.' + hit.className : String(hit)),
            tag: element.tagName, text: (element.innerText || element.value || element.id || '').slice(0, 40)};
}"""


def focused(page):
    return page.evaluate_handle("document.activeElement")


def assert_focus_visible(page):
    style = page.evaluate(FOCUS_STYLE, focused(page))
    shows = (style["outline"] != "none" and style["outlineWidth"] >= 2) or style["shadow"] not in ("none", "")
    assert shows, f"no visible focus indicator on {style}"
    assert style["visible"], f"focused element is off screen: {style}"
    return style


def every_stop(page, most):
    """Press Tab through the page, up to `most` times, checking the focus indicator at each stop; returns each
    stop's focus style."""
    styles = []
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break  # past the last stop
        styles.append(assert_focus_visible(page))
    return styles


def tab_until(page, predicate, most=400):
    """Press Tab until `predicate(active element)` holds, checking the focus indicator at each stop."""
    for _ in range(most):
        page.keyboard.press("Tab")
        assert_focus_visible(page)
        if page.evaluate(predicate, focused(page)):
            return
    raise AssertionError(f"never reached {predicate} by Tab")


def test_the_keyboard_alone_reaches_everything_with_focus_always_visible(visit, examples, screenshots):
    visitor = visit()
    page = visitor.page
    page.goto(reverse("register:agreements"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    assert_focus_visible(page)
    page.screenshot(path=screenshots / "keyboard-skip-link.png")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Into the filters: choose a dataset with the arrow keys, apply with Enter.
    tab_until(page, "element => element.id === 'id_dataset'")
    page.keyboard.press("ArrowDown")
    chosen = page.evaluate("document.activeElement.value")
    assert chosen
    tab_until(page, "element => element.classList.contains('apply')")
    page.screenshot(path=screenshots / "keyboard-apply.png")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"dataset="))
    assert parse_qs(urlparse(page.url).query)["dataset"] == [chosen]

    # Pagination, on the unfiltered list: every link on the way has a visible focus.
    page.goto(reverse("register:agreements"))
    tab_until(page, "element => element.getAttribute('rel') === 'next'")
    page.screenshot(path=screenshots / "keyboard-next-page.png")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"page=2"))
    assert "Page 2 of" in page.locator(".pagination").inner_text()
    visitor.check_clean()


def test_a_keyboard_skips_the_filters_on_a_wide_screen_too(visit, examples):
    """Beside the results the filters are 30-odd stops: a link that shows while focused skips them (WCAG 2.4.1)."""
    visitor = visit()
    page = visitor.page
    page.goto(reverse("register:agreements"))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the site's skip link, to the main content
    tab_until(page, "element => element.textContent.startsWith('Skip the filters')", most=5)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop is past every filter: the first link after the results' heading (a download, here).
    assert page.evaluate(
        "document.getElementById('result-count').compareDocumentPosition(document.activeElement) "
        "& Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert not page.evaluate("document.activeElement.closest('.filter-panel')")
    visitor.check_clean()


@pytest.mark.parametrize("page_type", ["agreement-list", "edition-changes"])
def test_every_stop_shows_focus_on_a_phone(visit, examples, page_type):
    """On a phone, tables become cards: no stop may be a link hidden with its table header, or scrolled out of its
    table's box."""
    visitor = visit(viewport=PHONE)
    page = visitor.page
    page.goto(BY_NAME[page_type].path(examples))
    assert len(every_stop(page, most=250)) > 20
    visitor.check_clean()


def test_every_stop_on_an_agreement_and_the_home_page_shows_focus(visit, examples):
    visitor = visit()
    page = visitor.page
    for path in (reverse("register:agreement", args=[examples.agreement]), reverse("register:home")):
        page.goto(path)
        stops = {(style["tag"], style["text"]) for style in every_stop(page, most=120)}
        assert len(stops) > 10, path
    visitor.check_clean()


def test_an_agreement_prints_without_the_sites_navigation_and_with_its_tables_open(visit, examples, screenshots):
    visitor = visit()
    page = visitor.page
    page.goto(reverse("register:agreement", args=[examples.agreement]))
    page.emulate_media(media="print")
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator(".header-search").is_visible()
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator("dl.summary").first.is_visible()
    # The per-dataset tables live in closed <details> on screen; on paper they are open.
    assert page.locator("details.dataset-files table").first.is_visible()
    assert page.locator(".site-footer").get_by_text("independent reformatting").is_visible()
    page.screenshot(path=screenshots / "agreement-print.png", full_page=True)
    pdf = page.pdf(path=screenshots / "agreement-print.pdf", format="A4")
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    assert not page.locator("details.dataset-files table").first.is_visible()
    visitor.check_clean()


# WCAG 1.4.12: what a reader's own stylesheet may set, and content must survive.
TEXT_SPACING = "* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }"


@pytest.mark.parametrize("page_type", ["icb", "dataset", "home", "agreement"])
def test_charts_are_named_and_their_text_stays_inside_them_on_a_narrow_phone(visit, examples, page_type):
    """At 320 CSS px (WCAG 1.4.10) the column charts are named images and the bar charts lists whose labels are
    text; no chart text runs out of its figure. With a reader's text spacing (WCAG 1.4.12, added as a reader's own
    stylesheet would be, so past the page's content security policy) the bar labels, being text, still fit; the
    SVG's own small numbers and year labels are also in the table beside each chart."""
    visitor = visit(viewport=NARROW, bypass_csp=True)
    page = visitor.page
    page.goto(next(page for page in PAGE_TYPES if page.name == page_type).path(examples))
    figures = page.locator("figure.chart")
    assert figures.count() >= 1

    def assert_inside(figure, texts):
        frame = figure.bounding_box()
        for text in texts:
            box = text.bounding_box()
            assert box["x"] >= frame["x"] - 1, f"{name}: {text.text_content()!r} runs off the left"
            assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1, (
                f"{name}: {text.text_content()!r} runs off the right"
            )

    for index in range(figures.count()):
        figure = figures.nth(index)
        name = figure.locator("figcaption").text_content()
        columns = figure.locator("svg.chart-svg")
        if columns.count():
            assert columns.get_attribute("role") == "img"
            assert page.get_by_role("img", name=columns.locator("title").first.text_content()).count() >= 1
        else:
            assert figure.locator("ol.chart-bars > li .chart-bar-label").count() >= 1
        # the scale's numbers, the axis labels, the bars' labels and values
        assert_inside(figure, figure.locator("svg text, .chart-bar-label").all())
        # Its numbers are in a table right after it, or in the page's table below it.
        assert figure.evaluate("figure => !!figure.nextElementSibling"), f"{name} has nothing after it"
    page.add_style_tag(content=TEXT_SPACING)
    for index in range(figures.count()):
        figure = figures.nth(index)
        name = figure.locator("figcaption").text_content()
        assert_inside(figure, figure.locator(".chart-bar-label, .chart-bar-svg text").all())
    visitor.check_clean()


@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=lambda page: page.name)
def test_no_page_scrolls_sideways_at_320_css_pixels(visit, examples, page_type):
    """WCAG 1.4.10 Reflow: at 320 CSS px (1280 px zoomed to 400%) only a wide table may scroll, inside its own
    region; the page itself never does. Long addresses the register quotes, a page's citation and text hidden
    for screen readers inside a scrolling table all once made it do so."""
    visitor = visit(viewport=NARROW)
    page = visitor.page
    page.goto(page_type.path(examples))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{page_type.name} is {width} px wide at {NARROW['width']} px"
    visitor.check_clean(expect_errors=[f"status of {page_type.status}"] if page_type.status != 200 else [])


def test_no_public_page_sets_a_cookie_or_fetches_anything_from_elsewhere(visit, examples):
    visitor = visit()
    for page_type in PAGE_TYPES:
        if page_type.url_name.startswith("admin:"):
            continue
        try:
            path = page_type.path(examples)
        except pytest.skip.Exception:
            continue
        visitor.page.goto(path)
    assert visitor.context.cookies() == []
    visitor.check_clean(expect_errors=[f"status of {page.status}" for page in PAGE_TYPES if page.status != 200])


BOUNDARIES = """() => {
  const seen = (color) => !/rgba\\(.*, 0\\)$/.test(color) && color !== "transparent";
  const behind = (element) => {
    for (let node = element.parentElement; node; node = node.parentElement) {
      const color = getComputedStyle(node).backgroundColor;
      if (seen(color)) return color;
    }
    return "rgb(255, 255, 255)";
  };
  return [...document.querySelectorAll("a, button, input, select, textarea, summary")].flatMap((element) => {
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height || style.visibility === "hidden") return [];
    if (style.borderTopStyle === "none" || parseFloat(style.borderTopWidth) === 0) return [];
    if (!seen(style.borderTopColor)) return [];
    return [{
      what: element.outerHTML.slice(0, 120),
      border: style.borderTopColor,
      fill: seen(style.backgroundColor) ? style.backgroundColor : null,
      behind: behind(element),
    }];
  });
}"""


def contrast(first, second):
    """WCAG's contrast ratio of two CSS rgb()/rgba() colours (alpha ignored: the site's are opaque)."""

    def luminance(color):
        red, green, blue = (int(part) / 255 for part in re.findall(r"[\d.]+", color)[:3])
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("page_type", ["agreement-list", "organisation-list", "query-in-error", "home", "agreement"])
def test_every_bordered_control_stands_out_from_what_is_behind_it_by_3_to_1(visit, examples, page_type):
    """WCAG 1.4.11 Non-text Contrast: a control drawn as a box (a page number, a letter, a text box, a button) is
    told from the page by its border or its fill, at 3:1 at least. The page numbers' and letters' borders were
    2.19:1 once."""
    page_type = BY_NAME[page_type]
    visitor = visit(viewport=PHONE)
    visitor.page.goto(page_type.path(examples))
    controls = visitor.page.evaluate(BOUNDARIES)
    assert controls, f"{page_type.name} has no bordered control to check"
    faint = [
        (control["what"], round(contrast(control["border"], control["behind"]), 2))
        for control in controls
        if contrast(control["border"], control["behind"]) < 3
        and not (control["fill"] and contrast(control["fill"], control["behind"]) >= 3)
    ]
    assert faint == [], f"{page_type.name}: controls fainter than 3:1 against what is behind them: {faint}"
