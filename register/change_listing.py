"""What the /changes/ pages show: every edition with its numbers, and one edition's changes, filterable by
organisation and dataset with the agreement list's own filters (register.filters.AgreementFilter).

The numbers come from register.changes. A page costs the same few queries whatever the edition's size.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Max
from django.urls import reverse

from register import changes, facets, listing
from register.agreement_history import changes_url, version_label
from register.filters import AgreementFilter
from register.models import Agreement, AgreementFacet, AgreementVersion
from register.queries import LATEST_NARRATIVE

FILTERS = ["organisation", "role", "dataset"]
SHOWN = 500  # rows listed per kind of change; the counts are always complete


@dataclass
class EditionRow:
    """One edition on /changes/."""

    changes: changes.EditionChanges
    counts: dict
    url: str


def edition_rows():
    rows = []
    for found in changes.every_edition():
        url = reverse("register:edition-changes", args=[found.edition.code])
        rows.append(EditionRow(found, found.counts(), url))
    return rows


@dataclass
class VersionLine:
    label: str
    reference: str
    kind: str


@dataclass
class ChangeRow:
    agreement: Agreement
    title: str
    applicant: str
    applicant_url: str
    url: str
    changes_url: str
    versions: list  # VersionLine


@dataclass
class ChangeSection:
    kind: str
    label: str
    rows: list
    total: int

    @property
    def more(self):
        return self.total - len(self.rows)


@dataclass
class EditionPage:
    found: changes.EditionChanges
    filterset: AgreementFilter
    sections: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    field_errors: dict = field(default_factory=dict)  # {parameter: message}, beside its box
    retry_url: str = ""  # the query without the part in error
    datasets: list = field(default_factory=list)  # (value, label, count)
    values: dict = field(default_factory=dict)
    filtered: bool = False
    matching: int = 0
    clear_url: str = ""
    list_url: str = ""

    @property
    def valid(self):
        return not self.errors


def edition_page(edition, data, *, in_error=True):
    """Everything /changes/<edition>/ shows for a query string. A query in error is shown as the agreement list
    shows one: its messages, the form with each part in error marked beside its box, and the changes the rest of
    the query finds (`in_error=False` is that second run)."""
    found = changes.edition_changes(edition)
    ids = list(found.agreements)
    query = {name: data.get(name) for name in FILTERS if data.get(name)}
    filterset = AgreementFilter(query, queryset=Agreement.objects.filter(pk__in=ids))
    base = reverse("register:edition-changes", args=[edition.code])
    page = EditionPage(found, filterset, clear_url=base)
    page.list_url = reverse("register:agreements") + f"?edition={facets.value_key(edition.code)}"
    if not filterset.is_valid():
        if in_error:
            page = edition_page(edition, listing.without_errors(query, filterset).values, in_error=False)
        listing.mark_errors(page, query, filterset, base, typed_boxes={"organisation"})
        if "organisation" in page.field_errors:
            page.values["organisation"] = query.get("organisation", "")
        return page
    cleaned = filterset.form.cleaned_data
    page.values = {
        "organisation": cleaned["organisation"].name if cleaned.get("organisation") else "",
        "role": cleaned.get("role") or "",
        "dataset": cleaned.get("dataset") or "",
    }
    page.filtered = bool(filterset.active)
    matching = set(filterset.qs.values_list("pk", flat=True)) if page.filtered else set(ids)
    page.matching = len(matching)
    page.datasets = list(
        AgreementFacet.objects.filter(agreement__in=ids, facet="dataset")
        .values("value")
        .annotate(label=Max("label"), n=Count("agreement_id"))
        .order_by("label")
        .values_list("value", "label", "n")
    )
    shown = {}
    for kind in changes.KINDS:
        chosen = sorted(pk for pk in matching if found.agreements[pk].kind == kind)
        shown[kind] = (chosen[:SHOWN], len(chosen))
    page.sections = _sections(edition, found, shown)
    return page


def _sections(edition, found, shown):
    wanted = [pk for ids, _ in shown.values() for pk in ids]
    agreements = (
        Agreement.objects.filter(pk__in=wanted)
        .select_related("latest_version__applicant")
        .defer(*LATEST_NARRATIVE)
        .in_bulk()
    )
    version_ids = [version.version_id for pk in wanted for version in found.agreements[pk].versions]
    versions = AgreementVersion.objects.only("reference", "version").in_bulk(version_ids)
    labels = {
        changes.ADDED: "Listed for the first time" if found.baseline else "Added",
        changes.CHANGED: "Changed",
        changes.WITHDRAWN: "Withdrawn (no longer listed)",
    }
    sections = []
    for kind in changes.KINDS:
        ids, total = shown[kind]
        rows = []
        for pk in sorted(ids, key=lambda pk: agreements[pk].reference):
            agreement = agreements[pk]
            latest = agreement.latest_version
            applicant = latest.applicant if latest else None
            lines = [
                VersionLine(version_label(versions[item.version_id]), versions[item.version_id].reference, item.kind)
                for item in found.agreements[pk].versions
            ]
            rows.append(
                ChangeRow(
                    agreement=agreement,
                    title=latest.heading if latest else agreement.reference,
                    applicant=applicant.name
                    if applicant
                    else (latest.applicant_name if latest else "") or "Not stated",
                    applicant_url=applicant.get_absolute_url() if applicant else "",
                    url=agreement.get_absolute_url(),
                    changes_url=changes_url(agreement, edition=edition.code),
                    versions=lines,
                )
            )
        sections.append(ChangeSection(kind, labels[kind], rows, total))
    return sections
