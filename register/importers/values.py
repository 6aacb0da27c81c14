"""Parsers for the register's cell values: each returns the parsed value and keeps the verbatim text.

Dates come as real Excel dates (a date cell, or a bare serial number) or as text in several layouts; months
as `Jul-19`, `July 2019`, `2019-07` or a date; booleans as Yes/No/Y/N; sensitivity as `Sensitive`,
`Non-Sensitive` or `Non Sensitive`. A value that cannot be parsed gives None and keeps its text: it is shown
as written and simply not counted in filters, never guessed.
"""

import datetime
import re

EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Serial numbers that are plausibly dates (1954 to 2119), so a stray number is not taken for one.
EXCEL_SERIALS = range(20000, 80000)

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_D_MON_Y = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s/-]+([A-Za-z]+)[\s/,-]+(\d{2}|\d{4})$")
_MON_Y = re.compile(r"^([A-Za-z]+)[\s/,-]+(\d{2}|\d{4})$")
_Y_M = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_M_Y = re.compile(r"^(\d{1,2})[-/](\d{4})$")

TRUE_WORDS = {"yes", "y", "true"}
FALSE_WORDS = {"no", "n", "false"}


def text(value):
    """A cell as the register wrote it: None is "", numbers without a spurious ".0", surrounding spaces gone."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    written = str(value).strip()
    if written.isprintable() or not _CONTROL.search(written):  # most cells: isprintable() is the cheaper test
        return written
    return _CONTROL.sub("", written).strip()


# Control characters other than tab and line endings (C0, DEL and C1): a workbook's escapes (_x0000_, _x000B_) make
# them real, and they are no text (PostgreSQL refuses a NUL outright; a page or a CSV would carry them raw).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _year(digits):
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _safe_date(year, month, day):
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse_date(value):
    """(date or None, text as written)."""
    if isinstance(value, datetime.datetime):
        return value.date(), text(value)
    if isinstance(value, datetime.date):
        return value, text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if int(value) in EXCEL_SERIALS:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value)), text(value)
        return None, text(value)
    written = text(value)
    if not written:
        return None, ""
    if match := _ISO.match(written):
        return _safe_date(int(match[1]), int(match[2]), int(match[3])), written
    if match := _DMY.match(written):  # the register is British: day first
        return _safe_date(_year(match[3]), int(match[2]), int(match[1])), written
    if (match := _D_MON_Y.match(written)) and match[2].casefold() in MONTHS:
        return _safe_date(_year(match[3]), MONTHS[match[2].casefold()], int(match[1])), written
    if written.isdigit() and int(written) in EXCEL_SERIALS:
        return EXCEL_EPOCH + datetime.timedelta(days=int(written)), written
    return None, written


def parse_month(value):
    """(first day of the month or None, text as written): `Jul-19`, `July 2019`, `2019-07`, `07/2019`, a date."""
    if isinstance(value, (datetime.date, int, float)) and not isinstance(value, bool):
        day, written = parse_date(value)
        return (day.replace(day=1) if day else None), written
    written = text(value)
    if not written:
        return None, ""
    if (match := _MON_Y.match(written)) and match[1].casefold() in MONTHS:
        return _safe_date(_year(match[2]), MONTHS[match[1].casefold()], 1), written
    if match := _Y_M.match(written):
        return _safe_date(int(match[1]), int(match[2]), 1), written
    if match := _M_Y.match(written):
        return _safe_date(int(match[2]), int(match[1]), 1), written
    day, _ = parse_date(written)
    return (day.replace(day=1) if day else None), written


def parse_bool(value):
    """(True/False/None, text as written) from Yes/No/Y/N (any case)."""
    written = text(value)
    word = written.casefold()
    if word in TRUE_WORDS:
        return True, written
    if word in FALSE_WORDS:
        return False, written
    return None, written


def parse_sensitivity(value):
    """(is_sensitive, text as written): `Sensitive` is True; `Non-Sensitive`, `Non Sensitive` are False."""
    written = text(value)
    word = re.sub(r"[^a-z]", "", written.casefold())
    if word == "sensitive":
        return True, written
    if word in {"nonsensitive", "notsensitive"}:
        return False, written
    return None, written


def parse_joint(value):
    """(is_joint_controller, text as written) from `Sole Data Controller` / `Joint Data Controller`."""
    written = text(value)
    word = written.casefold()
    if word.startswith("joint"):
        return True, written
    if word.startswith("sole"):
        return False, written
    return None, written
