"""Read a sheet as a table whose columns are found by header name, never by position.

Headers are compared after normalising: case, spacing, newlines, punctuation and a trailing note do not
matter, so `Patient Opt-Outs applied (Note: Anonymised ...)` is the `Patient Opt-Outs Applied` column and
`Data provided to customer:\\nIdentifiable, ...` is the type of data. A column may have several names across
register formats (the 2017 register's dataset column really is headed `us`). The header row is the first of
the sheet's first rows that holds every required column, so a title row above it does no harm.
"""

import re
from dataclasses import dataclass

from register.importers.errors import RegisterFileError
from register.importers.values import text

HEADER_SEARCH_ROWS = 20
_NOTE = re.compile(r"\(\s*note\b.*$", re.IGNORECASE | re.DOTALL)
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_header(value):
    words = _NOTE.sub("", text(value).casefold())
    return " ".join(_NON_WORD.sub(" ", words).split())


@dataclass(frozen=True)
class Column:
    key: str  # the record field it fills
    names: tuple  # header spellings; the first is the official one, used in messages
    required: bool = False
    max_length: int | None = None  # longer values are not register values: the row is skipped
    expected: bool = True  # False: only some formats have it, so its absence is not worth a warning

    @property
    def label(self):
        return self.names[0]


def _matches(header, name):
    if header == name:
        return 2
    # Short names ("us") only match exactly; longer ones also match a header that adds a note after them.
    if len(name) >= 4 and header.startswith(name + " "):
        return 1
    return 0


def match_columns(header_row, columns):
    """{column key: index} for the columns found in `header_row`, and the list of required columns missing.

    Exact names are matched first; a header with a trailing note is then matched by its start, unless it is
    exactly another column's name (so `Applicant Organisation` never takes `Applicant Organisation Type`).
    """
    headers = [normalise_header(cell) for cell in header_row]
    names = {column.key: [normalise_header(name) for name in column.names] for column in columns}
    every_name = {name for column_names in names.values() for name in column_names}
    found = {}
    for exact in (True, False):
        for column in columns:
            if column.key in found:
                continue
            for index, header in enumerate(headers):
                if not header or index in found.values() or (not exact and header in every_name):
                    continue
                if any(_matches(header, name) == (2 if exact else 1) for name in names[column.key]):
                    found[column.key] = index
                    break
    missing = [column for column in columns if column.required and column.key not in found]
    return found, missing


class Table:
    """The rows of one sheet as dicts keyed by column, with their row numbers as a spreadsheet shows them."""

    def __init__(self, sheet, columns, label):
        self.sheet = sheet
        self.columns = columns
        self.label = label
        self.header_row = None
        self.index = None
        self.missing_optional = []

    def rows(self):
        """Yields (row number, {key: raw value}); raises RegisterFileError if no header row is found."""
        rows = iter(self.sheet.rows())
        best_missing = None
        for number, row in enumerate(rows, start=1):
            found, missing = match_columns(row, self.columns)
            if found and not missing:
                self.header_row, self.index = number, found
                self.missing_optional = [c.label for c in self.columns if c.key not in found and c.expected]
                break
            if found and (best_missing is None or len(missing) < len(best_missing)):
                best_missing = missing
            if number >= HEADER_SEARCH_ROWS:
                break
        if self.index is None:
            if best_missing:
                column = best_missing[0]
                raise RegisterFileError(
                    f"required column {column.label!r} is missing (columns are found by their header name)",
                    file=self.label,
                    sheet=self.sheet.name,
                    column=column.label,
                )
            expected = ", ".join(repr(c.label) for c in self.columns if c.required)
            raise RegisterFileError(
                f"no header row found in the first {HEADER_SEARCH_ROWS} rows (expected columns {expected})",
                file=self.label,
                sheet=self.sheet.name,
            )
        index = list(self.index.items())
        for number, row in enumerate(rows, start=self.header_row + 1):
            width = len(row)
            yield number, {key: (row[i] if i < width else None) for key, i in index}

    def too_long(self, values):
        """The first column whose value is longer than it may be, as (label, length, limit), or None."""
        for column in self.columns:
            if column.max_length:
                value = values.get(column.key)
                # Only text can be long; numbers and dates never are.
                if value.__class__ is str and len(value) > column.max_length and len(value.strip()) > column.max_length:
                    return column.label, len(value.strip()), column.max_length
        return None
