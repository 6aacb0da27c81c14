"""Importers: read a register file into plain records (`RegisterContents`), with no database access.

`read_register_file(path)` opens the file (workbook or CSV, decided by its content), recognises the register
format from its sheet names (or, for a CSV of one sheet, from its header) and hands the sheets to the module
for that format:

- `data_uses`: NHS England's monthly Data Uses Register (Agreements, Datasets, DataReleases);
- `release_register`: NHS Digital's older quarterly Data Release Register (DataReleases, PurposeStatements).

Anything wrong with the file as a whole raises `RegisterFileError` naming the file, sheet, column or row;
rows that cannot be read are skipped and listed. Generated files (register.synthetic) carry a "Synthetic Data"
sheet, or column in a CSV, which the official format does not have: they are read as synthetic.
`register.loader` writes the records.
"""

import re

from register.importers import data_uses, release_register
from register.importers.errors import RegisterFileError
from register.importers.records import RegisterContents
from register.importers.sheets import AGREEMENTS, DATASETS, PURPOSES, RELEASES
from register.importers.sources import open_register_file
from register.importers.tables import HEADER_SEARCH_ROWS, match_columns, normalise_header

__all__ = ["RegisterContents", "RegisterFileError", "read_register_file"]

DATA_USES, RELEASE, SYNTHETIC = "data-uses", "release", "synthetic"
SYNTHETIC_MARK = "syntheticdata"
MONTHLY_SHEETS = ("Agreements", "Datasets", "DataReleases")
QUARTERLY_SHEETS = ("DataReleases", "PurposeStatements")
CSV_ROLES = {"agreements": AGREEMENTS, "datasets": DATASETS, "datareleases": RELEASES, "purposestatements": PURPOSES}
PROGRESS_EVERY = 5000


def sheet_role(name):
    return re.sub(r"[^a-z]", "", name.casefold())


def _counter(progress):
    def counted(records, label):
        for number, record in enumerate(records, start=1):
            if progress and number % PROGRESS_EVERY == 0:
                progress(f"Reading {label}", number, None)
            yield record

    return counted


def read_register_file(path, label=None, known_keys=frozenset(), progress=None):
    """Everything a register file says, as records. `known_keys`: organisation name keys already known."""
    workbook = open_register_file(path, label)
    label = workbook.label
    if workbook.kind == "csv":
        register, lists_all, tables, synthetic = _csv_tables(workbook)
    else:
        register, lists_all, tables, synthetic = _workbook_tables(workbook)
    contents = RegisterContents(register=SYNTHETIC if synthetic else register, lists_all_agreements=lists_all)
    contents.is_synthetic = synthetic
    module = release_register if register == RELEASE else data_uses
    module.read(tables, contents, known_keys, _counter(progress))
    contents.sheets = [table.sheet.name for table in tables.values()]
    for table in tables.values():
        if table.missing_optional:
            contents.warnings.append(
                f"sheet {table.sheet.name!r} has no column {', '.join(map(repr, table.missing_optional))}: left blank"
            )
    if not (contents.versions or contents.files):
        raise RegisterFileError("the file holds no register rows (only headers or blank rows)", file=label)
    return contents


def _workbook_tables(workbook):
    label = workbook.label
    sheets = {sheet_role(sheet.name): sheet for sheet in workbook.sheets}
    synthetic = SYNTHETIC_MARK in sheets
    if "agreements" in sheets:
        register, module, expected, lists_all = DATA_USES, data_uses, MONTHLY_SHEETS, True
    elif "purposestatements" in sheets:
        register, module, expected, lists_all = RELEASE, release_register, QUARTERLY_SHEETS, False
    else:
        raise RegisterFileError(
            "not a register workbook: the monthly register has sheets "
            f"{', '.join(MONTHLY_SHEETS)} and the quarterly one {', '.join(QUARTERLY_SHEETS)}; "
            f"this file's sheets are {', '.join(repr(n) for n in workbook.sheet_names) or 'none'}",
            file=label,
        )
    for name in expected:
        if sheet_role(name) not in sheets:
            raise RegisterFileError(
                f"sheet {name!r} is missing: a {'monthly' if register == DATA_USES else 'quarterly'} register "
                f"workbook has sheets {', '.join(expected)} (this one has {', '.join(workbook.sheet_names)})",
                file=label,
                sheet=name,
            )
    roles = {sheet_role(name): sheets[sheet_role(name)] for name in expected}
    return register, lists_all, module.tables_for(workbook, roles, label), synthetic


def _csv_tables(workbook):
    """A CSV holds one sheet: which one is told by its header row."""
    sheet = workbook.sheets[0]
    best = None
    for number, row in enumerate(sheet.rows(), start=1):
        for role, columns in CSV_ROLES.items():
            found, missing = match_columns(row, columns)
            score = (not missing, len(found))
            if found and (best is None or score > best[0]):
                best = (score, role, row)
        if number >= HEADER_SEARCH_ROWS:
            break
    if best is None or best[0][1] < 2:
        where = f"in the first {HEADER_SEARCH_ROWS} rows"
        if str(workbook.label).lower().endswith((".xlsx", ".xlsm", ".xls")):
            problem = f"not an Excel workbook, though its name says so: read as text, it has no register header {where}"
        else:
            problem = f"no register header found {where}"
        raise RegisterFileError(
            f"{problem}: a CSV must hold one sheet of the register with its header row (for example Reference "
            "Number, Application Title, ...)",
            file=workbook.label,
        )
    (complete, _), role, header = best
    headers = {normalise_header(cell) for cell in header}
    synthetic = "synthetic data" in headers
    if role == "purposestatements" or (role == "datareleases" and headers & {"nic number", "rowid", "us"}):
        register, module = RELEASE, release_register
    else:
        register, module = DATA_USES, data_uses
    # An incomplete header raises the "required column missing" error, naming the column.
    named = {role: sheet}
    sheet.name = {"datareleases": "DataReleases", "purposestatements": "PurposeStatements"}.get(role, role.title())
    sheet.name = f"{sheet.name} (CSV)"
    lists_all = register == DATA_USES and role == "agreements"
    return register, lists_all, module.tables_for(workbook, named, workbook.label), synthetic
