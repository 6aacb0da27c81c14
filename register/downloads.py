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
import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from register.models import Agreement, AgreementFacet, VersionController
from register.queries import newest_edition
from register.text import NARRATIVE_FIELDS

CHUNK = 200
LICENCE = "Open Government Licence v3.0"  # the register's, and so every download's
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
    """The rows as a JSON download, after what every one says of itself: its source (from `about`), licence, query
    (`about`'s, or none), the newest edition counted, the day it was made, and its fields."""

    def chunks():
        newest = newest_edition()
        made = {"newest_edition": newest.code if newest else None, "made": timezone.localdate().isoformat()}
        about_it = {"source": about["source"], "licence": LICENCE, "query": about.get("query", {})}
        header = {**about_it, **made, "fields": [{"name": c.name, "description": c.description} for c in columns]}
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


QUERY_ERROR = "The download could not be made, because of its query"
QUERY_ERROR_HINT = "Correct the query string (the same as the list page's) and try again."


def stream(fmt, columns, rows, filename, about):
    """The rows as a CSV download (`fmt` "csv"; `about` is for JSON only) or as a JSON one."""
    if fmt == "csv":
        return stream_csv(columns, rows, filename)
    return stream_json(columns, rows, filename, about)


NAME_QUERY_AT_MOST = 60
NAME_DIGEST_LENGTH = 8


def file_name(kind, query):
    """A download's file name: what it holds and the day it was made, so that several downloads keep apart in a
    folder and say when they were taken (agreements_organisation-nhs-bolton_files-yes_2026-12-01).

    The parameters are named in alphabetical order, so one query has one name however its address orders them.
    Where the words cannot tell two queries apart (cut short, or a value that is not a slug already: `-cancer`
    leaves cancer out, `sort=-files` is the reverse of `files`, `NOT` in capitals is an operator and `long-term` a
    phrase, quotes, non-Latin letters), a digest of the whole query follows them (agreements_q-cancer_1f0c2a9e_...),
    so different queries never share a name."""
    given = sorted((name, str(value)) for name, value in query.items() if value)
    full = "_".join(slugify(f"{name} {value}") for name, value in given)
    described = full[:NAME_QUERY_AT_MOST].rstrip("-_")
    lossless = described == full and all(slugify(value) == value for _, value in given)
    digest = "" if lossless else hashlib.sha256(urlencode(given).encode()).hexdigest()
    parts = (kind, described, digest[:NAME_DIGEST_LENGTH], timezone.localdate().isoformat())
    return "_".join(part for part in parts if part)


def applied_query(data, filterset):
    """The query parameters the filterset reads, as given: for a JSON download's header."""
    return {name: value for name, value in data.items() if name in filterset.filters}


def query_error(problems, fmt="csv"):
    """A download's answer to a query it cannot run, status 400, saying what was wrong: plain text for a CSV
    download, a JSON object (`error`, `problems`, `hint`) for a JSON one, so that a program reading it can too.
    `problems`: [(parameter, its label, message)], as `listing.form_errors` gives them."""
    errors = [f"{label} ({name}): {message}" for name, label, message in problems]
    if fmt == "json":
        body = {"error": QUERY_ERROR + ".", "problems": list(errors), "hint": QUERY_ERROR_HINT}
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    lines = [f"{QUERY_ERROR}:", *(f"- {error}" for error in errors), QUERY_ERROR_HINT]
    return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")


# --- Agreements ---------------------------------------------------------------------------------------------------

# What a download row reads of an agreement and its latest version, as plain values (a model instance per row and
# per related row would cost more than the rest of the export together).
LATEST = [
    "title", "applicant_name", "applicant_type", "dsa_start", "dsa_end", "commercial", "sublicensing",
    *NARRATIVE_FIELDS,
]  # fmt: skip
AGREEMENT_FIELDS = {
    "id": "pk",
    "reference": "reference",
    "file_count": "file_count",
    "first_edition": "first_edition__code",
    "last_edition": "last_edition__code",
    "withdrawn_in": "withdrawn_in__code",
    "latest_version_id": "latest_version_id",
    "latest_reference": "latest_version__reference",
    "applicant_organisation": "latest_version__applicant__name",
    **{name: f"latest_version__{name}" for name in LATEST},
}


@dataclass
class AgreementRow:
    data: dict  # AGREEMENT_FIELDS' names -> values
    facets: dict  # facet -> [labels]
    controllers: list  # names, in the register's order
    url: str

    def __getitem__(self, name):
        return self.data[name]

    def values(self, facet):
        return self.facets.get(facet, [])


def _field(name):
    return lambda row: row[name]


AGREEMENT_COLUMNS = [
    Column("reference", "The agreement's base reference (all its versions share it).", _field("reference")),
    Column("url", "Its page on this site.", lambda r: r.url),
    Column("title", "Application title (latest version).", _field("title")),
    Column("latest_version", "Full reference of the latest version.", _field("latest_reference")),
    Column("applicant", "Applicant (latest version), as the register wrote it.", _field("applicant_name")),
    Column(
        "applicant_organisation",
        "The applicant's name on this site, every spelling of it linked together.",
        _field("applicant_organisation"),
    ),
    Column("applicant_type", "Applicant organisation type (latest version).", _field("applicant_type")),
    Column("data_controllers", "Data controllers (latest version), by their names here.", lambda r: r.controllers),
    Column("dsa_start", "Data sharing agreement start date (latest version).", _field("dsa_start")),
    Column("dsa_end", "Data sharing agreement end date (latest version).", _field("dsa_end")),
    Column("commercial", "For commercial purposes (latest version); empty when not stated.", _field("commercial")),
    Column("sublicensing", "Does sublicensing apply (latest version); empty when not stated.", _field("sublicensing")),
    Column("datasets", "Datasets named on any version or released as files.", lambda r: r.values("dataset")),
    Column("legal_bases", "Legal bases for providing the data.", lambda r: r.values("legal_basis")),
    Column("types_of_data", "Types of data.", lambda r: r.values("type_of_data")),
    Column("sensitivity", "Sensitive or non-sensitive.", lambda r: r.values("sensitivity")),
    Column("access_methods", "Access methods (the register's frequency).", lambda r: r.values("access_method")),
    Column("patient_opt_outs", "Were patient opt-outs applied to its files?", lambda r: r.values("opt_outs")),
    Column("files_released", "Data files released under it, in the loaded register.", _field("file_count")),
    Column("first_edition", "First register edition listing it.", _field("first_edition")),
    Column("last_edition", "Last register edition listing it.", _field("last_edition")),
    Column("withdrawn_in", "First edition that no longer listed it.", _field("withdrawn_in")),
    Column("objectives", "Objective for processing (latest version).", _field("objectives")),
    Column("processing_activities", "Processing activities (latest version).", _field("processing_activities")),
    Column("expected_outputs", "Expected outputs (latest version).", _field("expected_outputs")),
    Column("expected_benefits", "Expected measurable benefits (latest version).", _field("expected_benefits")),
    Column("yielded_benefits", "Yielded benefits (latest version).", _field("yielded_benefits")),
    Column(
        "signals",
        "Kinds of its signals not dismissed by a curator, by code (defined on the site's /signals/ page).",
        lambda r: sorted(r.values("signal")),
    ),
]  # fmt: skip


def _read(queryset):
    return queryset.values(*AGREEMENT_FIELDS.values())


def _rename(row):
    return {name: row[path] for name, path in AGREEMENT_FIELDS.items()}


def _chunk_rows(chunk, site):
    """Download rows for a chunk of agreements (dicts), with their facet values and controllers: two reads."""
    ids = [row["id"] for row in chunk]
    facets = {}
    for agreement_id, facet, label, value in (
        AgreementFacet.objects.filter(agreement__in=ids)
        .order_by("facet", "label")
        .values_list("agreement_id", "facet", "label", "value")
    ):
        # Signals by their codes, as the agreement list's `signal` parameter takes them.
        facets.setdefault(agreement_id, {}).setdefault(facet, []).append(value if facet == "signal" else label)
    controllers = {}
    for version_id, name in (
        VersionController.objects.filter(version__in=[row["latest_version_id"] for row in chunk])
        .order_by("version", "position")
        .values_list("version_id", "organisation__name")
    ):
        controllers.setdefault(version_id, []).append(name)
    for row in chunk:
        url = site + reverse("register:agreement", args=[row["reference"]])
        yield AgreementRow(row, facets.get(row["id"], {}), controllers.get(row["latest_version_id"], []), url)


def agreement_rows(site, queryset=None, ids=None):
    """Download rows in order: a sorted queryset read with .iterator(), or a search's ranked ids, a chunk at a time."""
    if ids is None:
        chunks = itertools.batched(map(_rename, _read(queryset).iterator(chunk_size=CHUNK)), CHUNK)
    else:
        chunks = (
            [found[pk] for pk in chunk if pk in found]
            for chunk in itertools.batched(ids, CHUNK)
            for found in [{row["id"]: row for row in map(_rename, _read(Agreement.objects.filter(pk__in=chunk)))}]
        )
    for chunk in chunks:
        yield from _chunk_rows(chunk, site)
