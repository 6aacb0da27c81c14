"""The register's sheets: which columns each has (by header name) and how a row becomes a record.

Shared by both register formats and by CSV files of a single sheet. A row that cannot be read (a blank
reference, a stray note such as "No filters applied" where a reference should be, a value far longer than any
register value) is skipped and listed with its row number and the reason; a wholly blank row is passed over.
"""

import re
import sys
from functools import lru_cache

from register.importers.organisations import split_controllers
from register.importers.records import DatasetRecord, FileRecord, SkippedRow, VersionRecord
from register.importers.tables import Column
from register.importers.values import (
    parse_bool,
    parse_date,
    parse_joint,
    parse_month,
    parse_sensitivity,
    text,
)
from register.names import name_key
from register.text import NARRATIVE_FIELDS

REFERENCE = Column("reference", ("Reference Number", "NIC Number", "Reference"), required=True, max_length=200)

AGREEMENTS = [
    REFERENCE,
    Column("title", ("Application Title", "Title")),
    Column("applicant_name", ("Applicant Organisation", "Applicant Organisation Name", "Applicant"), required=True),
    Column("applicant_type", ("Applicant Organisation Type", "Organisation Type"), max_length=200),
    Column("controllers_text", ("Data Controller(s)", "Data Controllers", "Data Controller")),
    Column("controller_arrangement", ("Sole/Joint Data Controller", "Sole or Joint Data Controller"), max_length=100),
    Column("dsa_start", ("DSA Start Date", "DSA Start", "Start Date"), max_length=100),
    Column("dsa_end", ("DSA End Date", "DSA End", "End Date"), max_length=100),
    Column("sublicensing", ("Does Sublicensing Apply", "Sublicensing", "Sublicensing Applies"), max_length=100),
    Column("commercial", ("For Commercial Purposes", "Commercial Purposes", "Commercial"), max_length=100),
    Column("type_of_data_text", ("Type of Data",), max_length=300, expected=False),
    Column("objectives", ("Objective for Processing", "Objectives for Processing", "Objective")),
    Column("processing_activities", ("Processing Activities", "Processing Activity")),
    Column("expected_outputs", ("Expected Output", "Expected Outputs")),
    Column("expected_benefits", ("Expected Measurable Benefits", "Expected Benefits")),
    Column("yielded_benefits", ("Yielded Benefits",)),
]

DATASETS = [
    REFERENCE,
    Column("dataset_name", ("Dataset", "Dataset Name", "Datasets"), required=True, max_length=500),
    Column("type_of_data", ("Type of Data", "Data provided to customer"), max_length=300),
    Column("sensitivity", ("Sensitive or Non-Sensitive", "Sensitivity"), max_length=100),
    Column("frequency", ("Frequency", "One off release or Ongoing releases", "Access Method"), max_length=200),
    Column("legal_basis", ("Legal Basis for Provision of Data", "Legal Basis")),
    Column("common_law_duty", ("Common Law Duty of Confidentiality", "Common Law Duty")),
]

RELEASES = [
    Column("file_reference", ("File Reference", "RowID", "Row ID", "File ID"), required=True, max_length=100),
    REFERENCE,
    Column("dataset_name", ("Dataset", "us", "Dataset Name"), required=True, max_length=500),
    Column("organisation_name", ("Organisation Name", "Organisation", "Recipient"), max_length=500, expected=False),
    Column("type_of_data", ("Type of Data", "Data provided to customer"), max_length=300),
    Column("sensitivity", ("Sensitive or Non-Sensitive", "Sensitivity"), max_length=100),
    Column("opt_outs", ("Patient Opt-Outs Applied", "Patient Opt-Outs", "Opt-Outs Applied"), max_length=200),
    Column("legal_basis", ("Legal Basis for Provision of Data", "Legal Basis")),
    Column("frequency", ("Frequency", "One off release or Ongoing releases"), max_length=200),
    Column("month", ("Month File Released", "Month Released", "Release Month"), max_length=50, expected=False),
]

PURPOSES = [
    REFERENCE,
    Column("applicant_name", ("Organisation", "Organisation Name", "Applicant Organisation"), required=True),
    Column("objectives", ("Objective for Processing", "Objectives for Processing", "Objective")),
    Column("processing_activities", ("Processing Activities", "Processing Activity")),
    Column("expected_outputs", ("Expected Output", "Expected Outputs")),
    Column("expected_benefits", ("Expected Measurable Benefits", "Expected Benefits")),
    Column("yielded_benefits", ("Yielded Benefits",), expected=False),
]

# Letters, digits and - _ . as references are written (DARS-NIC-00574-V2H1F-v5.2, GPCENSUS); never "/" or "..":
# a reference makes an address (/agreements/<reference>/), and those would point elsewhere once a browser resolved
# them ("NIC-777/../../admin" is /admin/; "…/changes" another agreement's changes page).
_REFERENCE_SHAPE = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def narrative(value):
    """A narrative text as written: line endings made one kind, surrounding blank space gone."""
    return text(value).replace("\r\n", "\n").replace("\r", "\n")


def short(value):
    """Short, often repeated values (dataset names, legal bases) are shared, so 100k file rows stay small."""
    written = text(value)
    return sys.intern(written) if len(written) < 200 else written


# Values that repeat down a sheet (sensitivity, opt-outs, months, frequencies) are parsed once each.
_sensitivity = lru_cache(maxsize=4096)(parse_sensitivity)
_bool = lru_cache(maxsize=4096)(parse_bool)
_month = lru_cache(maxsize=4096)(parse_month)
_short = lru_cache(maxsize=65536)(lambda value: short(value))


def is_blank(values):
    return not any(value.strip() if value.__class__ is str else value is not None for value in values.values())


def check_row(table, number, values, skipped, what="Reference Number", key="reference"):
    """The reference of a readable row, or None after listing why the row is skipped."""
    if is_blank(values):
        return None
    if too_long := table.too_long(values):
        label, length, limit = too_long
        skipped.append(
            SkippedRow(table.sheet.name, number, f"{label} is {length} characters long, more than a register value")
        )
        return None
    reference = text(values.get(key))
    if not reference:
        skipped.append(SkippedRow(table.sheet.name, number, f"blank {what}"))
        return None
    if key == "reference" and not _REFERENCE_SHAPE.match(reference):
        skipped.append(SkippedRow(table.sheet.name, number, f"not a reference: {reference[:80]!r}"))
        return None
    return reference


def read_versions(table, skipped):
    seen = {}
    for number, values in table.rows():
        reference = check_row(table, number, values, skipped)
        if reference is None:
            continue
        if reference in seen:
            skipped.append(
                SkippedRow(table.sheet.name, number, f"{reference} is listed again (first at row {seen[reference]})")
            )
            continue
        seen[reference] = number
        record = VersionRecord(reference=reference, sheet=table.sheet.name, row=number)
        for key in ("title", "applicant_name", "applicant_type", "type_of_data_text"):
            setattr(record, key, text(values.get(key)))
        for key in NARRATIVE_FIELDS:
            setattr(record, key, narrative(values.get(key)))
        record.controllers_text = narrative(values.get("controllers_text"))
        record.is_joint_controller, record.controller_arrangement = parse_joint(values.get("controller_arrangement"))
        record.dsa_start, record.dsa_start_text = parse_date(values.get("dsa_start"))
        record.dsa_end, record.dsa_end_text = parse_date(values.get("dsa_end"))
        record.sublicensing, record.sublicensing_text = parse_bool(values.get("sublicensing"))
        record.commercial, record.commercial_text = parse_bool(values.get("commercial"))
        yield record


def read_datasets(table, skipped):
    for number, values in table.rows():
        reference = check_row(table, number, values, skipped)
        if reference is None:
            continue
        dataset_name = text(values.get("dataset_name"))
        if not dataset_name:
            skipped.append(SkippedRow(table.sheet.name, number, "blank Dataset"))
            continue
        is_sensitive, sensitivity = parse_sensitivity(values.get("sensitivity"))
        yield DatasetRecord(
            reference=reference,
            dataset_name=short(dataset_name),
            sheet=table.sheet.name,
            row=number,
            type_of_data=short(values.get("type_of_data")),
            sensitivity=short(sensitivity),
            is_sensitive=is_sensitive,
            frequency=short(values.get("frequency")),
            legal_basis=short(values.get("legal_basis")),
            common_law_duty=short(values.get("common_law_duty")),
        )


def read_files(table, skipped):
    seen = {}
    sheet = table.sheet.name
    for number, values in table.rows():
        reference = check_row(table, number, values, skipped)
        if reference is None:
            continue
        file_reference = text(values.get("file_reference"))
        if not file_reference:
            skipped.append(SkippedRow(sheet, number, "blank File Reference"))
            continue
        dataset_name = _short(values.get("dataset_name"))
        if not dataset_name:
            skipped.append(SkippedRow(sheet, number, "blank Dataset"))
            continue
        key = (file_reference, dataset_name)
        if key in seen:
            skipped.append(
                SkippedRow(sheet, number, f"file {file_reference} of {dataset_name} again (row {seen[key]})")
            )
            continue
        seen[key] = number
        is_sensitive, sensitivity = _sensitivity(values.get("sensitivity"))
        opt_outs_applied, opt_outs_text = _bool(values.get("opt_outs"))
        month, month_text = _month(values.get("month"))
        yield FileRecord(
            file_reference,
            _short(reference),
            dataset_name,
            sheet,
            number,
            _short(values.get("organisation_name")),
            _short(values.get("type_of_data")),
            _short(sensitivity),
            is_sensitive,
            _short(values.get("legal_basis")),
            _short(values.get("frequency")),
            _short(opt_outs_text),
            opt_outs_applied,
            month,
            _short(month_text),
        )


def read_purposes(table, skipped):
    """(reference, row number, {field: text}) for each row of a PurposeStatements sheet."""
    for number, values in table.rows():
        reference = check_row(table, number, values, skipped)
        if reference is None:
            continue
        fields = {key: narrative(values.get(key)) for key in NARRATIVE_FIELDS}
        fields["applicant_name"] = text(values.get("applicant_name"))
        yield reference, number, fields


def split_all_controllers(versions, known_keys):
    """Split every version's controllers, knowing the reference spellings and every applicant in the file."""
    known = set(known_keys) | {name_key(version.applicant_name) for version in versions if version.applicant_name}
    for version in versions:
        version.controllers = split_controllers(version.controllers_text, known)
