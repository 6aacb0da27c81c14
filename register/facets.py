"""The agreement list's filters as values each agreement has, and how many agreements have each value.

An agreement has many values for some filters (the datasets, legal bases, types of data... named on any of its
versions or on any file released under it) and one for others (the latest version's commercial purpose and
sublicensing; whether any file was released; the kinds of its signals not dismissed). `rebuild()` derives them
from register content into `AgreementFacet` rows; filters select on them and `count()` counts them under a query.

The register writes one value in several ways ("Anonymised - ICO Code Compliant" and "Anonymised - ICO code
compliant"; "Non Sensitive" and "Non-Sensitive"; "s261(7)" after an en dash or a hyphen; doubled spaces): a
value's key is its `slugify`d text, so such spellings count as one. Where the loader normalised a value (booleans
for sensitivity, opt-outs, commercial purpose, sublicensing) the key comes from the normalised value.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from django.db import transaction
from django.db.models import Count, Max, Q, Value

from register import signals
from register.bulk import insert_rows
from register.models import Agreement, AgreementFacet, AgreementVersion, DatasetUse, FileRelease, Signal
from register.names import slugify


@dataclass(frozen=True)
class Facet:
    code: str  # the URL parameter and AgreementFacet.facet
    label: str
    help: str = ""
    fixed: tuple = ()  # (value, label) for facets whose values are known in advance, in display order


YES_NO = (("yes", "Yes"), ("no", "No"), ("not-stated", "Not stated"))

FACETS = [
    Facet("organisation_type", "Applicant organisation type", "As the register classes the applicant."),
    Facet("dataset", "Dataset", "Named on any version, or released as a file."),
    Facet("legal_basis", "Legal basis", "For providing any dataset or file."),
    Facet("type_of_data", "Type of data", "Identifiable, pseudonymised, anonymised..."),
    Facet("sensitivity", "Sensitivity", fixed=(("sensitive", "Sensitive"), ("non-sensitive", "Non-sensitive"))),
    Facet("access_method", "Access method", "The register's “frequency”: one-off, ongoing, system access."),
    Facet(
        "opt_outs",
        "Patient opt-outs",
        "Applied to any file released.",
        fixed=(("yes", "Applied"), ("no", "Not applied")),
    ),
    Facet("commercial", "For commercial purposes", "As the latest version says.", fixed=YES_NO),
    Facet("sublicensing", "Sublicensing allowed", "As the latest version says.", fixed=YES_NO),
    Facet("files", "Files released", fixed=(("yes", "At least one"), ("no", "None"))),
    Facet("edition", "Register edition", "Listed in that edition."),
    Facet(
        "signal",
        "Signals",
        "Red flags and data-quality findings worked out from the register, unless a curator dismissed them.",
        fixed=tuple((kind.code, kind.title) for kind in signals.KINDS),
    ),
]
BY_CODE = {facet.code: facet for facet in FACETS}
# Every agreement has exactly one "files" value, so summing its counts gives the number of agreements.
TOTAL_FACET = "files"

_LIST_SEPARATORS = re.compile(r"[;\n]")
_YES = {"y", "yes", "true"}
_NO = {"n", "no", "false"}


def tidy(text):
    """A value as shown: surrounding and doubled whitespace removed, nothing else changed."""
    return " ".join(str(text or "").split())


@lru_cache(maxsize=4096)
def value_key(label):
    """The key that every spelling of a value shares (the register repeats a few hundred values many times)."""
    return slugify(label)[:200]


def yes_no(flag, text=""):
    """(key, label) of a normalised boolean; without one, of the register's Y/Yes/N/No text."""
    if flag is None:
        word = tidy(text).casefold()
        flag = True if word in _YES else False if word in _NO else None
    return {True: ("yes", "Yes"), False: ("no", "No")}.get(flag, ("not-stated", "Not stated"))


def sensitivity(is_sensitive, text):
    if is_sensitive is True:
        return "sensitive", "Sensitive"
    if is_sensitive is False:
        return "non-sensitive", "Non-sensitive"
    return value_key(text), tidy(text)


def opt_outs(applied, text):
    if applied is None and tidy(text).casefold() not in _YES | _NO:
        return value_key(text), tidy(text)
    key, _ = yes_no(applied, text)
    return key, {"yes": "Applied", "no": "Not applied"}[key]


def legal_bases(text):
    """One value per basis: the register joins several in one cell with semicolons or line breaks."""
    return [tidy(part) for part in _LIST_SEPARATORS.split(text or "") if tidy(part)]


@lru_cache(maxsize=4096)
def keyed(text, split=False):
    """((key, label), ...) of a cell's values (its legal bases when `split`): the same few cells recur thousands of
    times on a page."""
    parts = legal_bases(text) if split else [tidy(text)] if tidy(text) else []
    return tuple((value_key(part), part) for part in parts)


class _Collector:
    """Facet values per agreement, each with the files released under the agreement with that value."""

    def __init__(self):
        self.values = defaultdict(dict)  # agreement id -> {(facet, key): [label, file count]}

    def add(self, agreement_id, facet, label, key=None, files=0):
        label = tidy(label)
        if not label:
            return
        key = key or value_key(label)
        entry = self.values[agreement_id].setdefault((facet, key), [label, 0])
        entry[1] += files

    def rows(self):
        for agreement_id, values in self.values.items():
            for (facet, key), (label, files) in values.items():
                yield agreement_id, facet, key[:200], label[:500], files


def _scoped(queryset, field, agreement_ids):
    return queryset if agreement_ids is None else queryset.filter(**{f"{field}__in": agreement_ids})


def derive(agreement_ids=None):
    """The facet rows of the agreements (every agreement when None), from what the register says:
    (agreement id, facet, value, label, file count) tuples."""
    found = _Collector()
    agreements = _scoped(Agreement.objects.all(), "pk", agreement_ids).values_list(
        "pk", "file_count", "latest_version__commercial", "latest_version__commercial_text",
        "latest_version__sublicensing", "latest_version__sublicensing_text",
    )  # fmt: skip
    for pk, file_count, commercial, commercial_text, sublicensing, sublicensing_text in agreements:
        key, label = BY_CODE["files"].fixed[0 if file_count else 1]
        found.add(pk, "files", label, key, files=file_count)
        key, label = yes_no(commercial, commercial_text)
        found.add(pk, "commercial", label, key)
        key, label = yes_no(sublicensing, sublicensing_text)
        found.add(pk, "sublicensing", label, key)

    versions = _scoped(AgreementVersion.objects.all(), "agreement_id", agreement_ids)
    for agreement_id, applicant_type, type_of_data in versions.values_list(
        "agreement_id", "applicant_type", "type_of_data_text"
    ).distinct():
        found.add(agreement_id, "organisation_type", applicant_type)
        found.add(agreement_id, "type_of_data", type_of_data)
    editions = AgreementVersion.editions.through.objects.all()
    for agreement_id, code in (
        _scoped(editions, "version__agreement_id", agreement_ids)
        .values_list("version__agreement_id", "edition__code")
        .distinct()
    ):
        found.add(agreement_id, "edition", code, key=code)

    dataset_fields = ["dataset__slug", "dataset__name", "type_of_data", "is_sensitive", "sensitivity", "frequency"]
    uses = _scoped(DatasetUse.objects.all(), "version__agreement_id", agreement_ids)
    for row in uses.values("version__agreement_id", "legal_basis", *dataset_fields).distinct():
        _add_dataset_values(found, row["version__agreement_id"], row)
    files = _scoped(FileRelease.objects.all(), "agreement_id", agreement_ids)
    for row in (
        files.values("agreement_id", "legal_basis", "opt_outs_applied", "opt_outs_text", *dataset_fields)
        .annotate(n=Count("id"))
        .order_by()
    ):
        _add_dataset_values(found, row["agreement_id"], row, files=row["n"])
        if row["opt_outs_applied"] is not None or tidy(row["opt_outs_text"]):
            key, label = opt_outs(row["opt_outs_applied"], row["opt_outs_text"])
            found.add(row["agreement_id"], "opt_outs", label, key, files=row["n"])
    shown = Signal.objects.filter(is_current=True).exclude(status=Signal.Status.DISMISSED)
    for agreement_id, kind in (
        _scoped(shown, "agreement_id", agreement_ids).values_list("agreement_id", "kind").distinct()
    ):
        if kind in signals.BY_CODE:
            found.add(agreement_id, "signal", signals.BY_CODE[kind].title, key=kind)
    return list(found.rows())


def _add_dataset_values(found, agreement_id, row, files=0):
    """What a dataset use or a group of file releases says: dataset, type of data, sensitivity, frequency, basis."""
    found.add(agreement_id, "dataset", row["dataset__name"], key=row["dataset__slug"], files=files)
    found.add(agreement_id, "type_of_data", row["type_of_data"], files=files)
    if row["is_sensitive"] is not None or tidy(row["sensitivity"]):
        key, label = sensitivity(row["is_sensitive"], row["sensitivity"])
        found.add(agreement_id, "sensitivity", label, key, files=files)
    found.add(agreement_id, "access_method", row["frequency"], files=files)
    for part in legal_bases(row["legal_basis"]):
        found.add(agreement_id, "legal_basis", part, files=files)


def _batches(ids, size=500):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _insert(rows):
    # Below the ORM: a derived table of ~50k rows needs no model instances (bulk_create takes 10x longer).
    insert_rows(AgreementFacet, ["agreement", "facet", "value", "label", "file_count"], rows)
    return len(rows)


@transaction.atomic
def rebuild(agreement_ids=None):
    """Replace the facet rows of these agreements (of every agreement when None). Returns how many rows it wrote."""
    if agreement_ids is None:
        AgreementFacet.objects.all().delete()
        return _insert(derive())
    written = 0
    for batch in _batches(agreement_ids):
        AgreementFacet.objects.filter(agreement_id__in=batch).delete()
        written += _insert(derive(batch))
    return written


def matching(facet, value):
    """The ids of agreements with this value, as a subquery."""
    return AgreementFacet.objects.filter(facet=facet, value=value).values("agreement_id")


def matching_all(chosen):
    """The ids of agreements with every one of these {facet: value}, as ONE subquery (one scan of the facet index,
    grouped), however many facets are chosen: a subquery per facet made PostgreSQL plan a join of all of them in
    every branch of the counts' UNION (8 filters: 0.75 s of planning)."""
    if len(chosen) == 1:
        ((facet, value),) = chosen.items()
        return matching(facet, value)
    either = Q()
    for facet, value in chosen.items():
        either |= Q(facet=facet, value=value)
    return (
        AgreementFacet.objects.filter(either)
        .order_by()
        .values("agreement_id")
        .annotate(found=Count("facet"))
        .filter(found=len(chosen))  # one row per (agreement, facet, value): the unique constraint
        .values("agreement_id")
    )


def count(branches):
    """Facet counts under several queries in one SQL statement.

    `branches` maps a branch name to (an Agreement queryset, the facet codes to count under it). Returns
    {branch: {facet: [(value, label, agreements)]}}, most agreements first.
    """
    parts = [
        AgreementFacet.objects.filter(agreement__in=queryset.values("pk"), facet__in=codes)
        .values("facet", "value")
        .annotate(branch=Value(name), agreements=Count("agreement_id"), label=Max("label"))
        .values_list("branch", "facet", "value", "label", "agreements")
        .order_by()
        for name, (queryset, codes) in branches.items()
        if codes
    ]
    if not parts:
        return {}
    result = {name: defaultdict(list) for name in branches}
    # Meta.ordering would return on the combined query: clear it there too.
    query = parts[0].union(*parts[1:], all=True).order_by() if len(parts) > 1 else parts[0]
    for branch, facet, value, label, agreements in query:
        result[branch][facet].append((value, label, agreements))
    for facets in result.values():
        for values in facets.values():
            values.sort(key=lambda row: (-row[2], row[1].casefold()))
    return result


def total(counts):
    """How many agreements a branch of `count()` covers (every agreement has one "files" value)."""
    return sum(agreements for _, _, agreements in counts.get(TOTAL_FACET, []))
