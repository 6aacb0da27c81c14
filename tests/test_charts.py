"""register.charts: series of numbers into SVG geometry. Pure functions, so plain tests; the rendered SVG is
checked for its accessible names, descriptions and escaping."""

import itertools
import re
from datetime import date

import pytest
from django.template.loader import render_to_string

from register import charts


@pytest.mark.parametrize(
    ("largest", "top", "step"),
    [(1, 1, 1), (3, 3, 1), (4, 4, 1), (5, 6, 2), (7, 8, 2), (9, 10, 5), (37, 40, 10), (88, 100, 50), (1234, 1500, 500)],
)
def test_scales_are_round_numbers_at_or_above_the_largest(largest, top, step):
    assert charts.nice_scale(largest) == (top, step)
    assert top >= largest
    assert top % step == 0


def test_a_scale_for_nothing_is_not_a_division_by_zero():
    assert charts.nice_scale(0) == (1, 1)


def test_monthly_columns_fill_the_months_between_and_leave_gaps_for_months_without_files():
    chart = charts.monthly_columns(
        [(date(2021, 1, 1), 4), (date(2021, 4, 1), 8), (date(2021, 4, 1), 2), (None, 3)],
        key="t",
        title="Files released per month",
    )
    # Four months (Jan to Apr) across the width: two columns drawn, February and March are gaps.
    assert [(c.month, c.value) for c in chart.columns] == [("2021-01", 4), ("2021-04", 10)]
    assert chart.columns[0].x == "2.5%"  # a quarter of the width each, a fifth of it a gap split both sides
    assert chart.columns[0].width == "20%"
    assert chart.columns[1].x == "77.5%"
    # The tallest column reaches the top gridline (10 of a scale of 10), the other is 4/10 of it.
    assert chart.columns[1].height == charts.PLOT_HEIGHT
    assert chart.columns[0].height == pytest.approx(charts.PLOT_HEIGHT * 0.4)
    assert chart.columns[1].y + chart.columns[1].height == chart.plot_bottom
    assert [g.label for g in chart.gridlines] == ["0", "5", "10"]
    assert chart.gridlines[0].y == chart.plot_bottom
    assert chart.rows == [("2021-01", 4), ("2021-04", 10), ("Month not stated", 3)]
    assert "from 2021-01 to 2021-04: 14 files in all, the most in 2021-04 (10); 2 months with none" in (
        chart.description
    )
    assert "3 more with no month stated" in chart.description


def test_monthly_columns_label_years_across_a_long_span_without_crowding():
    counts = [(date(2013 + i // 12, i % 12 + 1, 1), i % 7 + 1) for i in range(3, 150)]  # 2013-04 to 2025-06
    chart = charts.monthly_columns(counts, key="t", title="t")
    assert len(chart.columns) == 147
    texts = [label.text for label in chart.axis_labels]
    assert len(texts) <= charts.MAX_YEAR_LABELS
    # 2024 starts 12% from the right edge, too near for a phone; ending where its columns end, it would overlap 2022.
    assert texts == ["2014", "2016", "2018", "2020", "2022"]
    assert all(label.anchor == "start" for label in chart.axis_labels)
    # Every column stays inside the width.
    assert all(float(c.x[:-1]) >= 0 and float(c.x[:-1]) + float(c.width[:-1]) <= 100.0001 for c in chart.columns)


def test_a_short_span_is_labelled_by_month():
    chart = charts.monthly_columns([(date(2024, 1, 1), 1), (date(2024, 9, 1), 2)], key="t", title="t")
    assert [(label.text, label.x) for label in chart.axis_labels] == [
        ("2024-01", "0%"),
        ("2024-04", "33.333%"),
        ("2024-07", "66.667%"),
    ]


def test_a_label_at_the_right_edge_ends_there_instead_of_running_off_it():
    chart = charts.monthly_columns([(date(2024, 1, 1), 1), (date(2024, 5, 1), 2)], key="t", title="t")
    assert [(label.text, label.anchor, label.x) for label in chart.axis_labels] == [
        ("2024-01", "start", "0%"),
        ("2024-03", "start", "40%"),
        ("2024-05", "end", "100%"),  # 80% in: it ends where its column does
    ]


def test_no_axis_label_runs_off_a_phone_chart_or_into_another():
    """ "2025" from January 2025 of a chart to November 2025 ran 2 px off a 288 px phone chart; ending labels at the
    edge instead made them overlap the one before (2,862 pairs over these spans, at a phone's label widths)."""
    for span in range(1, 200):
        for start in range(12):
            labels = charts._axis_labels(2000 * 12 + start, span, 100 / span)
            taken = []
            for label in labels:
                x, needs = float(label.x[:-1]), charts.LABEL_NEEDS[len(label.text) == 4]
                taken.append((x, x + needs) if label.anchor == "start" else (x - needs, x))
            assert labels
            assert all(left >= 0 and right <= 100.001 for left, right in taken), (span, start, labels)
            assert all(before[1] <= after[0] + 0.001 for before, after in itertools.pairwise(taken)), (span, start)


def test_nothing_to_draw_gives_no_chart():
    assert charts.monthly_columns([], key="t", title="t") is None
    assert charts.monthly_columns([(None, 5)], key="t", title="t") is None
    assert charts.ranked_bars([], key="t", title="t", label_heading="a", value_heading="b") is None
    assert charts.ranked_bars([("x", 0)], key="t", title="t", label_heading="a", value_heading="b") is None


def test_ranked_bars_scale_to_the_largest_and_keep_every_row_for_the_table():
    long_name = "Health and Social Care Act 2012 – s261(7); National Health Service Act 2006 - s251"
    rows = [(long_name, 40), ("Short", 10), ("Nothing", 0)] + [(f"Other {n}", 1) for n in range(10)]
    chart = charts.ranked_bars(
        rows, key="t", title="Agreements by legal basis", label_heading="Legal basis", value_heading="Agreements"
    )
    assert len(chart.bars) == 10
    assert chart.left_out == 3
    assert chart.rows == rows
    first, second, third = chart.bars[:3]
    assert first.width == f"{charts.LONGEST_BAR}%"
    assert second.width == f"{charts.LONGEST_BAR / 4:g}%"
    assert third.width == "0%"
    assert first.label == long_name
    assert first.value_text == "40"
    assert first.tooltip == f"{long_name}: 40"


def test_a_bar_chart_is_a_list_of_labels_in_text_with_their_numbers_escaped():
    """Labels are HTML text, not SVG text: they wrap on a phone and take a reader's text spacing (WCAG 1.4.10,
    1.4.12). A screen reader reads each item's label and number; the bar itself is hidden from it."""
    rows = [("<script>alert(1)</script>", 5), ("Bolton & Bury", 3)] + [(f"Other {n}", 1) for n in range(11)]
    chart = charts.ranked_bars(
        rows, key="bases", title="Agreements <by> legal basis", label_heading="Legal basis", value_heading="Agreements"
    )
    html = render_to_string("register/includes/chart_bars.html", {"chart": chart})
    assert (
        '<figcaption id="chart-bases-caption" class="chart-title">Agreements &lt;by&gt; legal basis</figcaption>'
        in html
    )
    items = re.findall(r"<li .*?</li>", html, flags=re.S)
    assert len(items) == 10
    label, svg = re.match(
        r'<li [^>]*><span class="chart-bar-label">(.*?)</span>\s*(<svg.*</svg>)</li>', items[1], re.S
    ).groups()
    assert label == 'Bolton &amp; Bury<span class="visually-hidden">: 3</span>'
    assert 'aria-hidden="true"' in svg
    assert '<rect class="chart-bar" x="0" y="0" width="46.8%"' in svg  # 3 of 5 of the longest bar's 78%
    assert ">3</text>" in svg
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "style=" not in html
    assert "The chart draws the first 10 of 13." in html


def test_the_scale_gets_a_gutter_as_wide_as_its_longest_number():
    small = charts.monthly_columns([(date(2020, 1, 1), 3)], key="t", title="t")
    large = charts.monthly_columns([(date(2020, 1, 1), 12345)], key="t", title="t")
    assert [line.label for line in large.gridlines][-1] == "15,000"
    assert large.gutter > small.gutter
    assert large.gutter >= 8 * len("15,000")


def test_a_rendered_column_chart_and_its_table_carry_the_same_numbers():
    chart = charts.monthly_columns(
        [(date(2020, 5, 1), 7), (date(2020, 9, 1), 1200)], key="files", title="Files released per month"
    )
    figure = render_to_string("register/includes/chart_columns.html", {"chart": chart})
    table = render_to_string("register/includes/chart_table.html", {"chart": chart})
    assert figure.count("<rect ") == 2
    assert '<svg class="chart-scale" width="' in figure  # the scale's numbers, beside the image, hidden from it
    assert 'aria-hidden="true"' in figure
    assert "<title>2020-09: 1,200</title>" in figure
    assert 'aria-labelledby="chart-files-title chart-files-desc"' in figure
    assert "<td>2020-05</td>" in table
    assert '<td class="number">1,200</td>' in table
