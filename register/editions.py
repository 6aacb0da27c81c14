"""Edition codes: `YYYY-MM`, the month a register file covers, given with --edition or read from its file name.

The monthly register is published as `datausesregister_<month><year>.xlsx` (`nov2025`, `november2025`); the
older quarterly ones as `ReleaseRegister-<first month>-<last month>-<year>.xlsx`, whose edition is the
quarter's last month. A code may carry a label after the month (`2025-11-datasets`) to import one sheet of an
edition as a CSV beside the workbook. Any other name needs --edition.
"""

import datetime
import re

from django.utils import timezone

from register.importers.errors import RegisterFileError
from register.importers.values import MONTHS

CODE = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])(?:-[a-z0-9][a-z0-9-]{0,30})?$")
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTHLY = re.compile(rf"datausesregister[\s_-]*(?P<month>{_MONTH_NAMES})[\s_-]*(?P<year>\d{{4}})", re.IGNORECASE)
_QUARTERLY = re.compile(
    rf"releaseregister[\s_-]*(?:{_MONTH_NAMES})[\s_-]+(?P<month>{_MONTH_NAMES})[\s_-]+(?P<year>\d{{4}})",
    re.IGNORECASE,
)


def edition_from_name(file_name):
    """The edition code a file name gives, or None."""
    for pattern in (_MONTHLY, _QUARTERLY):
        match = pattern.search(file_name)
        if match:
            return f"{match['year']}-{MONTHS[match['month'].casefold()]:02d}"
    return None


def future_month_problem(code):
    """Why an edition code cannot be a register's month, or "": a register covers a month that has begun (a
    month's grace for clocks and time zones), so `9999-12` is a typing slip, not an edition."""
    match = CODE.match(code)
    latest = (timezone.now().date().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    if match and datetime.date(int(match["year"]), int(match["month"]), 1) > latest:
        return f"edition {code} is a month that has not begun: a register covers a month already under way or past"
    return ""


def edition_code(file_name, given=None):
    """The edition to import a file as: `given` (checked) or the one its name gives; else a clear error."""
    if given:
        code = given.strip().lower()
        if not CODE.match(code):
            raise RegisterFileError(
                f"edition {given!r} is not a month: write it as YYYY-MM, e.g. 2025-11 (optionally 2025-11-label)",
                file=file_name,
            )
    else:
        code = edition_from_name(file_name)
    if code is None:
        raise RegisterFileError(
            "the file name does not say which month the register covers (expected "
            "datausesregister_<month><year>.xlsx, e.g. datausesregister_nov2025.xlsx): give the edition as YYYY-MM "
            "(--edition on the command line, the Edition box on the upload page)",
            file=file_name,
        )
    problem = future_month_problem(code)
    if problem:
        raise RegisterFileError(problem, file=file_name)
    return code


# Registers that are one series of editions: a synthetic register stands in for the monthly one (it is written
# in its format, and `generate_register --next-of` derives a following month from a real edition), so a
# synthetic full listing withdraws what it no longer lists, and "what changed" compares it with the monthly
# edition before it. The older quarterly register and the seed page are series of their own.
FAMILIES = {"data-uses": "monthly", "synthetic": "monthly", "release": "quarterly", "seed": "seed"}


def register_family(register):
    """The series an edition of `register` belongs to (an Edition.register value)."""
    return FAMILIES.get(register, register)
