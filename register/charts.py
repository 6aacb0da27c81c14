"""Charts drawn on the server: series of numbers turned into SVG geometry that templates render (escaped).

Pure: no database, no requests. Two shapes:
- `monthly_columns(counts, ...)`: a column per calendar month from the first month with a count to the last; a
  month with nothing is drawn as a gap, never left out (a gap is news). Round-number gridlines, year labels.
- `ranked_bars(rows, ...)`: labelled horizontal bars, in the order given (legal bases, organisations). The
  template draws them as a list: each label is HTML text (it wraps, reflows on a phone and takes a reader's text
  spacing, which SVG text cannot), and only the bar and its value are a small SVG.

Geometry runs across in percentages and down in pixels. The SVG takes the width of its column and a fixed
height, so on a phone the bars narrow while the text keeps its size (a scaled viewBox would shrink the text
to nothing). The columns chart carries its title and a description in words (for `role="img"`: a screen reader
hears those, not the shapes); the bars are a list a screen reader reads as label and number. Every chart
carries the rows of numbers it draws, for the table that goes beside it.
"""

import math
from dataclasses import dataclass
from datetime import date

# Pixels down. Text is 13px (static/css/site.css); labels sit in their own bands, never under a column.
TOP = 20  # room above the plot for the top gridline's label
PLOT_HEIGHT = 160
AXIS_BAND = 26  # below the plot: ticks and year labels
LABEL_SIZE = 13

# Across, for a phone about 340px wide: how many axis labels fit without touching.
MAX_YEAR_LABELS = 7
MAX_MONTH_LABELS = 4
# The percent of a phone's chart (288 px) an axis label takes, with room to spare: a year, a month (YYYY-MM).
LABEL_NEEDS = {True: 14, False: 24}
MONTH_MODE_SPAN = 24  # up to this many months, label months; beyond it, years

# Ranked bars: a row is its label, HTML text that wraps like any other, above a bar; the value is written just
# past the bar's end.
BAR_HEIGHT = 16
LONGEST_BAR = 78  # percent of the width: leaves room for the value written after the longest bar


def number(value):
    return f"{value:,}"


def percent(value):
    return f"{value:.3f}".rstrip("0").rstrip(".") + "%"


def nice_scale(largest, steps=4):
    """(top, step): a round step (1, 2 or 5 times a power of ten, at least 1) and the first multiple of it at or
    above `largest`, so gridlines fall on numbers people read at a glance."""
    if largest <= 0:
        return 1, 1
    raw = largest / steps
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude * steps >= largest)
    step = max(1, int(step))
    return step * math.ceil(largest / step), step


@dataclass(frozen=True)
class Gridline:
    y: float
    label: str


@dataclass(frozen=True)
class Column:
    x: str  # left edge, percent of the width
    width: str
    y: float
    height: float
    month: str  # YYYY-MM
    value: int

    @property
    def tooltip(self):
        return f"{self.month}: {number(self.value)}"


@dataclass(frozen=True)
class AxisLabel:
    x: str
    anchor: str  # "start", or "end" near the right edge so the text stays inside
    text: str


@dataclass
class ColumnChart:
    key: str  # unique on the page: element ids derive from it
    title: str
    description: str
    value_heading: str  # the table's column heading for the values, e.g. "Files released"
    columns: list
    gridlines: list
    axis_labels: list
    rows: list  # (label, value) for the table: months with a count, then any count with no month
    label_heading: str = "Month"
    plot_bottom: float = TOP + PLOT_HEIGHT
    height: float = TOP + PLOT_HEIGHT + AXIS_BAND
    label_size: int = LABEL_SIZE

    @property
    def gutter(self):
        """Width in pixels of the scale's own narrow SVG, left of the plot: its longest label, right-aligned, with
        room for a reader's letter spacing (WCAG 1.4.12: 0.12em, about 1.6 px a character)."""
        return 10 + round(9.5 * max(len(line.label) for line in self.gridlines))

    @property
    def scale_x(self):
        return self.gutter - 6

    @property
    def axis_y(self):
        return self.plot_bottom + 18

    @property
    def tick_bottom(self):
        return self.plot_bottom + 5


def _month_index(day):
    return day.year * 12 + day.month - 1


def _month_of(index):
    return date(index // 12, index % 12 + 1, 1)


def monthly_columns(counts, *, key, title, what="files", value_heading="Files released"):
    """A column chart of counts per calendar month.

    `counts` is an iterable of (month, count), month a date (any day of the month) or None when the register
    does not say; a month may appear more than once (its counts add up). Returns None when there is nothing to
    draw, so a template can simply leave the chart out.
    """
    per_month, unstated = {}, 0
    for month, count in counts:
        if month is None:
            unstated += count
        else:
            index = _month_index(month)
            per_month[index] = per_month.get(index, 0) + count
    if not any(per_month.values()):
        return None
    first, last = min(per_month), max(per_month)
    span = last - first + 1
    top, step = nice_scale(max(per_month.values()))
    width = 100 / span
    gap = width * (0.2 if span <= 60 else 0.1 if span <= 120 else 0)
    scale = PLOT_HEIGHT / top
    columns = []
    for offset in range(span):
        value = per_month.get(first + offset, 0)
        if not value:
            continue
        height = max(value * scale, 1)
        columns.append(
            Column(
                x=percent(offset * width + gap / 2),
                width=percent(width - gap),
                y=round(TOP + PLOT_HEIGHT - height, 2),
                height=round(height, 2),
                month=_month_of(first + offset).strftime("%Y-%m"),
                value=value,
            )
        )
    gridlines = [
        Gridline(y=round(TOP + PLOT_HEIGHT - tick * scale, 2), label=number(tick)) for tick in range(0, top + 1, step)
    ]
    total = sum(per_month.values())
    busiest = max(per_month, key=lambda index: (per_month[index], -index))
    first_text, last_text = (_month_of(i).strftime("%Y-%m") for i in (first, last))
    empty_months = span - len([v for v in per_month.values() if v])
    description = (
        f"Column chart, one column per month from {first_text} to {last_text}: {number(total)} {what} in all, "
        f"the most in {_month_of(busiest).strftime('%Y-%m')} ({number(per_month[busiest])})"
        + (f"; {number(empty_months)} month{'s' if empty_months != 1 else ''} with none" if empty_months else "")
        + (f". {number(unstated)} more with no month stated" if unstated else "")
        + ". The numbers are in the table with the chart."
    )
    rows = [(column.month, column.value) for column in columns]
    if unstated:
        rows.append(("Month not stated", unstated))
    return ColumnChart(
        key=key,
        title=title,
        description=description,
        value_heading=value_heading,
        columns=columns,
        gridlines=gridlines,
        axis_labels=_axis_labels(first, span, width),
        rows=rows,
    )


def _axis_labels(first, span, width):
    """Month labels for a short span, year labels (at each January) for a long one, thinned so they fit."""
    if span <= MONTH_MODE_SPAN:
        every = math.ceil(span / MAX_MONTH_LABELS)
        marks = [(offset, _month_of(first + offset).strftime("%Y-%m")) for offset in range(0, span, every)]
    else:
        januaries = [offset for offset in range(span) if (first + offset) % 12 == 0]
        every = math.ceil(len(januaries) / MAX_YEAR_LABELS)
        marks = [(offset, str(_month_of(first + offset).year)) for offset in januaries[::every]]
    labels, taken_to = [], -100.0
    for offset, text in marks:
        left = offset * width
        # A label that would run off the right ends instead where its year (its twelve columns) or its month (its
        # column) ends, or at the chart's right edge if that comes first; one that would then overlap the label
        # before it is left out (on a phone: LABEL_NEEDS).
        needs = LABEL_NEEDS[len(text) == 4]
        if left + needs > 100:
            end = min(100, left + (12 if len(text) == 4 else 1) * width)
            label, start = AxisLabel(percent(end), "end", text), end - needs
        else:
            label, start, end = AxisLabel(percent(left), "start", text), left, left + needs
        if start >= taken_to:
            labels.append(label)
            taken_to = end
    return labels


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: str  # percent of the chart's width

    @property
    def value_text(self):
        return number(self.value)

    @property
    def tooltip(self):
        return f"{self.label}: {number(self.value)}"


@dataclass
class BarChart:
    key: str
    title: str
    label_heading: str
    value_heading: str
    bars: list
    rows: list  # every (label, value) given: the table shows them all, the chart the first `limit`
    left_out: int = 0  # rows given but not drawn (beyond `limit`)
    bar_height: int = BAR_HEIGHT

    @property
    def value_y(self):
        """The value's baseline, inside the bar's own SVG."""
        return self.bar_height - 3


def ranked_bars(rows, *, key, title, label_heading, value_heading, limit=10):
    """Horizontal bars, one per (label, value) in the order given, at most `limit` of them.

    Returns None when there is nothing to draw.
    """
    rows = [(str(label), int(value)) for label, value in rows]
    shown = rows[:limit]
    if not shown or not any(value for _, value in shown):
        return None
    largest = max(value for _, value in shown)
    bars = [
        Bar(label=label, value=value, width=percent(value / largest * LONGEST_BAR if value else 0))
        for label, value in shown
    ]
    return BarChart(
        key=key,
        title=title,
        label_heading=label_heading,
        value_heading=value_heading,
        bars=bars,
        rows=rows,
        left_out=len(rows) - len(shown),
    )
