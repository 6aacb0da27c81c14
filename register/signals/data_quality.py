"""Data-quality signals: where the register contradicts itself or puts a value where it does not belong.

Kept apart from the red flags (their own category, shown after them): they say the register is wrong or
incomplete, not that anything was done wrong with the data. Like the red flags, each kind is one pure function.
"""

from collections import defaultdict
from functools import lru_cache

from register.importers.values import FALSE_WORDS, TRUE_WORDS, parse_date, parse_month
from register.signals.base import (
    DATA_QUALITY,
    Finding,
    excerpt,
    file_rows,
    is_blank,
    listed,
    month_code,
    plural,
    signal_kind,
)


@signal_kind(
    code="end-before-start",
    title="DSA ends before it starts",
    category=DATA_QUALITY,
    summary="A version whose data sharing agreement end date is before its start date.",
    definition=(
        "Each version gives a DSA start date and a DSA end date. The signal counts a version whose end date is "
        "earlier than its start date: one of the two is wrong, and the site cannot tell which.",
    ),
    caveat="Dates the register writes in a form that cannot be read are not judged (see “A value in the wrong "
    "column”).",
    evidence_columns=(("version", "Version"), ("dsa_start", "DSA start date"), ("dsa_end", "DSA end date")),
)
def end_before_start(agreement, register):
    rows = [
        {
            "version": version.reference,
            "dsa_start": version.dsa_start_text or version.dsa_start.isoformat(),
            "dsa_end": version.dsa_end_text or version.dsa_end.isoformat(),
        }
        for version in agreement.versions
        if version.dsa_start and version.dsa_end and version.dsa_end < version.dsa_start
    ]
    if not rows:
        return []
    parts = [f"{row['version']} ends on {row['dsa_end']} but starts on {row['dsa_start']}" for row in rows]
    return [Finding("end-before-start", agreement.id, f"The DSA dates contradict each other: {listed(parts)}.", rows)]


@signal_kind(
    code="empty-purposes",
    title="No purpose stated",
    category=DATA_QUALITY,
    summary="A version listed in the register with no objective for processing.",
    definition=(
        "The objective for processing says what the data is for. The signal counts a version that an edition lists "
        "with that text empty or only a placeholder (“---”, “N/A”).",
    ),
    caveat="Versions named only by a dataset or file row, and not listed as versions, are left out: the register "
    "says nothing about them either way.",
    evidence_columns=(("version", "Version"), ("objectives", "Objective for processing")),
)
def empty_purposes(agreement, register):
    rows = [
        {"version": version.reference, "objectives": excerpt(version.objectives_start, 80) or "(empty)"}
        for version in agreement.versions
        if version.editions and is_blank(version.objectives_start)
    ]
    if not rows:
        return []
    labels = [row["version"] for row in rows]
    explanation = f"{listed(labels)} {'gives' if len(labels) == 1 else 'give'} no objective for processing: the "
    explanation += "register does not say what the data is for."
    return [Finding("empty-purposes", agreement.id, explanation, rows)]


YES_NO_WORDS = TRUE_WORDS | FALSE_WORDS


@lru_cache(maxsize=8192)
def not_a_name(value):
    """Why a value cannot be a name (a Yes/No answer, a date, a bare number), or "" when it could be one."""
    text = (value or "").strip()
    if not text:
        return ""
    if text.casefold() in YES_NO_WORDS:
        return "a Yes/No answer where a name belongs"
    if parse_date(text)[0] or parse_month(text)[0]:
        return "a date where a name belongs"
    if not any(character.isalpha() for character in text):
        return "a number where a name belongs"
    return ""


@lru_cache(maxsize=8192)
def not_a_description(value):
    """Why a value cannot be a type of data or a frequency (a Yes/No answer, a date), or ""."""
    text = (value or "").strip()
    if text.casefold() in YES_NO_WORDS:
        return "a Yes/No answer where a description belongs"
    if text and (parse_date(text)[0] or parse_month(text)[0]):
        return "a date where a description belongs"
    return ""


def not_a_date(parsed, text, what="date"):
    return f"not a {what}" if text and parsed is None and not is_blank(text) else ""


def not_yes_no(parsed, text):
    return "not a Yes/No answer" if text and parsed is None and not is_blank(text) else ""


def _checks(agreement):
    """(column, value, problem, where) for every value of the agreement in the wrong column."""
    for version in agreement.versions:
        if not version.editions:
            continue
        where = version.reference
        yield "Application Title", version.title, not_a_name(version.title), where
        yield "Applicant Organisation", version.applicant_name, not_a_name(version.applicant_name), where
        for spelling in version.controllers:
            yield "Data Controller(s)", spelling, not_a_name(spelling), where
        if version.states_details:
            yield "DSA Start Date", version.dsa_start_text, not_a_date(version.dsa_start, version.dsa_start_text), where
            yield "DSA End Date", version.dsa_end_text, not_a_date(version.dsa_end, version.dsa_end_text), where
            commercial = not_yes_no(version.commercial, version.commercial_text)
            yield "For Commercial Purposes", version.commercial_text, commercial, where
            sublicensing = not_yes_no(version.sublicensing, version.sublicensing_text)
            yield "Does Sublicensing Apply", version.sublicensing_text, sublicensing, where
        for use in version.uses:
            where = f"{version.reference}, dataset {use.position + 1}"
            yield "Dataset", use.dataset_name, not_a_name(use.dataset_name), where
            yield "Type of Data", use.type_of_data, not_a_description(use.type_of_data), where
            yield "Frequency", use.frequency, not_a_description(use.frequency), where
    for file in agreement.files:
        # 100k rows at full size: only values with a problem are yielded (the checks are cached per value).
        where = file.file_reference
        if problem := not_a_name(file.dataset_name):
            yield "Dataset", file.dataset_name, problem, where
        if problem := not_a_name(file.organisation_name):
            yield "Organisation Name", file.organisation_name, problem, where
        if problem := not_a_description(file.type_of_data):
            yield "Type of Data", file.type_of_data, problem, where
        if file.month is None and (problem := not_a_date(None, file.month_text, "month")):
            yield "Month File Released", file.month_text, problem, where
        if file.opt_outs_applied is None and (problem := not_yes_no(None, file.opt_outs_text)):
            yield "Patient Opt-Outs Applied", file.opt_outs_text, problem, where


@signal_kind(
    code="value-in-wrong-column",
    title="A value in the wrong column",
    category=DATA_QUALITY,
    summary="A date or a Yes/No answer where a name belongs, or text that is not a date where a date belongs.",
    definition=(
        "Some of the register's columns hold names (application titles, organisations, data controllers, "
        "datasets), some hold dates (DSA start and end, the month a file was released) and some hold Yes/No "
        "answers (commercial purposes, sublicensing, patient opt-outs). The signal counts a value that cannot "
        "belong to its column: a Yes/No answer, a date or a bare number where a name belongs; a Yes/No answer or a "
        "date as a type of data or a frequency; text that is not a date in a date column; an answer other than "
        "Yes or No in a Yes/No column.",
        "Such values usually mean that a row's cells were shifted, and that the values beside them may be in the "
        "wrong columns too.",
    ),
    caveat="Empty cells and placeholders (“N/A”, “---”) are not counted here. A real name that happens to look like "
    "a date would be counted: the evidence quotes each value as written.",
    evidence_columns=(
        ("column", "Column"),
        ("value", "Value as written"),
        ("problem", "Why it does not belong"),
        ("rows", "Rows"),
        ("where", "Where (references)"),
    ),
)
def value_in_wrong_column(agreement, register):
    found = defaultdict(list)
    for column, value, problem, where in _checks(agreement):
        if problem:
            found[(column, value, problem)].append(where)
    if not found:
        return []
    rows = [
        {"column": column, "value": value, "problem": problem, "rows": len(places), "where": sorted(set(places))}
        for (column, value, problem), places in sorted(found.items())
    ]
    parts = [f"{row['column']} “{excerpt(row['value'], 40)}” ({row['problem']})" for row in rows]
    count = sum(row["rows"] for row in rows)
    explanation = f"{plural(count, 'value')} in the wrong column: {listed(parts, limit=3)}."
    return [Finding("value-in-wrong-column", agreement.id, explanation, rows)]


@signal_kind(
    code="file-after-its-edition",
    title="A file released after the edition that lists it",
    category=DATA_QUALITY,
    summary="A file whose month of release is later than the month of the first edition of the register listing it.",
    definition=(
        "Each file released is recorded with the month it was sent, and each edition of the register covers a "
        "month (the older quarterly register, the last month of its quarter). An edition can only list files sent "
        "by then. The signal counts a file whose month is later than the month of the first edition that lists "
        "it: the file's month, or the edition's, is wrong.",
    ),
    caveat="Files without a month are not judged. An edition's month is the one its file name gives, or the one a "
    "curator gave when importing it.",
    evidence_columns=(
        ("edition", "Listed first in edition"),
        ("version", "Released under"),
        ("dataset", "Dataset"),
        ("month", "Month released"),
        ("files", "Files"),
        ("file_references", "File references"),
    ),
)
def file_after_its_edition(agreement, register):
    editions = register.editions
    late = [
        file
        for file in agreement.files
        if file.month
        and file.first_edition_id in editions
        and editions[file.first_edition_id].month
        and file.month > editions[file.first_edition_id].month
    ]
    if not late:
        return []
    by_version = agreement.versions_by_id()

    def describe(file):
        version = by_version.get(file.version_id)
        return {
            "edition": editions[file.first_edition_id].code,
            "version": version.reference if version else "",
            "dataset": file.dataset_name,
            "month": month_code(file.month),
        }

    rows = file_rows(late, describe)
    rows.sort(key=lambda row: (row["edition"], row["month"], row["version"], row["dataset"]))
    months = sorted({row["month"] for row in rows})
    span = months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"
    listing = listed(sorted({row["edition"] for row in rows}))
    explanation = (
        f"{plural(len(late), 'file')} {'is' if len(late) == 1 else 'are'} dated {span}, after the month of the "
        f"edition that first lists {'it' if len(late) == 1 else 'them'} ({listing})."
    )
    return [Finding("file-after-its-edition", agreement.id, explanation, rows)]
