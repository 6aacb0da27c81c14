"""Downloads: what a list page shows, as CSV or JSON: every matching row, streamed at flat memory.

Rows are read a chunk at a time (`.iterator(chunk_size=...)`, related rows prefetched per chunk; a search's
best-match order reads its ids in chunks the same way) and written out as they are read, so memory stays flat
however many rows match. Each file starts with a header naming every field.

CSV is for spreadsheets: a cell that a spreadsheet could run as a formula (text starting with =, +, -, @, a tab
or a carriage return, or one of those after leading spaces) is prefixed with an apostrophe, so it shows as text;
lists are joined with "; "; yes/no as Yes/No. JSON is for programs: values as they are (lists as arrays, booleans
as true/false, dates as YYYY-MM-DD), with the fields described in its "fields" header.
"""

import csv
import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponse, StreamingHttpResponse

from register.models import Agreement, AgreementFacet, VersionController

CHUNK = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(text):
    """Text a spreadsheet shows as text, never runs as a formula."""
    if text[:1] in FORMULA_STARTS or text.lstrip(" ")[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = "; ".join(str(item) for item in value)
    return safe_cell(str(value))


def json_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    value: Any  # row -> value


class _Echo:
    """csv.writer writes to this and gets back what it wrote, so each row can be yielded at once."""

    def write(self, value):
        return value


def stream_csv(columns, rows, filename):
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([column.name for column in columns])  # the BOM tells Excel it is UTF-8
        for row in rows:
            yield writer.writerow([csv_value(column.value(row)) for column in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def stream_json(columns, rows, filename, about):
    def chunks():
        header = {**about, "fields": [{"name": c.name, "description": c.description} for c in columns]}
        yield json.dumps(header, ensure_ascii=False)[:-1] + ', "rows": [\n'
        first = True
        for row in rows:
            record = {column.name: json_value(column.value(row)) for column in columns}
            yield ("" if first else ",\n") + json.dumps(record, ensure_ascii=False)
            first = False
        yield "\n]}\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


def query_error(errors):
    """A download's answer to a query it cannot run: plain text saying what was wrong, and status 400."""
    lines = ["The download could not be made, because of its query:", *(f"- {error}" for error in errors)]
    lines.append("Correct the query string (the same as the list page's) and try again.")
    return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")


# --- Agreements ---------------------------------------------------------------------------------------------------


@dataclass
class AgreementRow:
    agreement: Agreement
    url: str

    @property
    def latest(self):
        return self.agreement.latest_version

    def values(self, facet):
        return [row.label for row in self.agreement.facets.all() if row.facet == facet]


def _code(edition):
    return edition.code if edition else None


def _latest(name):
    return lambda row: getattr(row.latest, name) if row.latest else None


AGREEMENT_COLUMNS = [
    Column("reference", "The agreement's base reference (all its versions share it).", lambda r: r.agreement.reference),
    Column("url", "Its page on this site.", lambda r: r.url),
    Column("title", "Application title (latest version).", _latest("title")),
    Column("latest_version", "Full reference of the latest version.", _latest("reference")),
    Column("applicant", "Applicant (latest version), as the register wrote it.", _latest("applicant_name")),
    Column(
        "applicant_organisation",
        "The applicant's name on this site, every spelling of it linked together.",
        lambda r: r.latest.applicant.name if r.latest and r.latest.applicant else None,
    ),
    Column("applicant_type", "Applicant organisation type (latest version).", _latest("applicant_type")),
    Column(
        "data_controllers",
        "Data controllers (latest version), by their names on this site.",
        lambda r: [link.organisation.name for link in r.latest.controller_links.all()] if r.latest else [],
    ),
    Column("dsa_start", "Data sharing agreement start date (latest version).", _latest("dsa_start")),
    Column("dsa_end", "Data sharing agreement end date (latest version).", _latest("dsa_end")),
    Column("commercial", "For commercial purposes (latest version); empty when not stated.", _latest("commercial")),
    Column("sublicensing", "Does sublicensing apply (latest version); empty when not stated.", _latest("sublicensing")),
    Column("datasets", "Datasets named on any version or released as files.", lambda r: r.values("dataset")),
    Column("legal_bases", "Legal bases for providing the data.", lambda r: r.values("legal_basis")),
    Column("types_of_data", "Types of data.", lambda r: r.values("type_of_data")),
    Column("sensitivity", "Sensitive or non-sensitive.", lambda r: r.values("sensitivity")),
    Column("access_methods", "Access methods (the register's frequency).", lambda r: r.values("access_method")),
    Column("patient_opt_outs", "Were patient opt-outs applied to its files?", lambda r: r.values("opt_outs")),
    Column("files_released", "Data files released under it, in the loaded register.", lambda r: r.agreement.file_count),
    Column("first_edition", "First register edition listing it.", lambda r: _code(r.agreement.first_edition)),
    Column("last_edition", "Last register edition listing it.", lambda r: _code(r.agreement.last_edition)),
    Column("withdrawn_in", "First edition that no longer listed it.", lambda r: _code(r.agreement.withdrawn_in)),
    Column("objectives", "Objective for processing (latest version).", _latest("objectives")),
    Column("processing_activities", "Processing activities (latest version).", _latest("processing_activities")),
    Column("expected_outputs", "Expected outputs (latest version).", _latest("expected_outputs")),
    Column("expected_benefits", "Expected measurable benefits (latest version).", _latest("expected_benefits")),
    Column("yielded_benefits", "Yielded benefits (latest version).", _latest("yielded_benefits")),
]  # fmt: skip


def agreements_for_export():
    """Agreements with everything a download row reads, prefetched per chunk."""
    return Agreement.objects.select_related(
        "latest_version__applicant", "first_edition", "last_edition", "withdrawn_in"
    ).prefetch_related(
        Prefetch("facets", queryset=AgreementFacet.objects.order_by("facet", "label")),
        Prefetch(
            "latest_version__controller_links",
            queryset=VersionController.objects.select_related("organisation").order_by("position"),
        ),
    )


def agreements_in_order(queryset=None, ids=None):
    """Agreements for a download: a sorted queryset read with .iterator(), or a search's ranked ids in chunks."""
    if ids is None:
        yield from queryset.iterator(chunk_size=CHUNK)
        return
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = agreements_for_export().in_bulk(chunk)
        yield from (found[pk] for pk in chunk if pk in found)
