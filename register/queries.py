"""Read-only questions the pages ask of the register: what an organisation holds, what an agreement says.

Views call these and render the answers; nothing here writes.
"""

from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Prefetch, Q
from django.shortcuts import get_object_or_404

from register.models import Agreement, AgreementVersion, DatasetUse, FileRelease, Organisation, VersionController
from register.names import reference_key, split_reference


def gathered_organisation_ids(organisation):
    """The organisation and every body whose holdings it gathers: an ICB's sub-ICB locations, their CCGs.

    Follows `parent` downwards (children) and `successor` backwards (predecessors) until nothing new appears.
    """
    found = {organisation.pk}
    frontier = {organisation.pk}
    while frontier:
        rows = Organisation.objects.filter(Q(parent__in=frontier) | Q(successor__in=frontier)).values_list(
            "pk", flat=True
        )
        frontier = set(rows) - found
        found |= frontier
    return found


@dataclass
class Holding:
    """An agreement an organisation holds, and through whom and in which roles."""

    agreement: Agreement
    roles: "OrderedDict[str, set]" = field(default_factory=OrderedDict)  # role -> names of the holders

    @property
    def role_list(self):
        return [(role, sorted(names)) for role, names in self.roles.items()]


def holdings(organisation_ids):
    """Agreements in which any of `organisation_ids` is applicant or data controller, newest start first."""
    applicant_rows = AgreementVersion.objects.filter(applicant__in=organisation_ids).values_list(
        "agreement_id", "applicant__name"
    )
    controller_rows = VersionController.objects.filter(organisation__in=organisation_ids).values_list(
        "version__agreement_id", "organisation__name"
    )
    roles_by_agreement = {}
    for role, rows in (("Applicant", applicant_rows), ("Data controller", controller_rows)):
        for agreement_id, name in rows:
            roles_by_agreement.setdefault(agreement_id, OrderedDict()).setdefault(role, set()).add(name)
    agreements = (
        Agreement.objects.filter(pk__in=roles_by_agreement)
        .select_related("latest_version")
        .order_by("-latest_version__dsa_start", "reference")
    )
    return [Holding(agreement, roles_by_agreement[agreement.pk]) for agreement in agreements]


def find_agreement(reference):
    """The agreement a URL names, in any case, with or without its version or the `DARS-` prefix.

    Returns (agreement, canonical) where canonical is False when the URL should redirect to the base reference.
    """
    text = reference.strip()
    base, version = split_reference(text)
    candidates = [reference_key(base)]
    key = candidates[0]
    if key.startswith("DARS-"):
        candidates.append(key.removeprefix("DARS-"))
    else:
        candidates.append("DARS-" + key)
    for candidate in candidates:
        agreement = Agreement.objects.filter(key=candidate).first()
        if agreement:
            return agreement, agreement.reference == text
    # A local code whose text merely looks versioned, e.g. "ABC-v2", is its own reference.
    agreement = get_object_or_404(Agreement, key=reference_key(text))
    return agreement, agreement.reference == text


def distinct(values):
    """Values in first-seen order, without blanks or repeats that differ only by surrounding spaces."""
    seen = OrderedDict()
    for value in values:
        text = (value or "").strip()
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


@dataclass
class AgreementSummary:
    """What an agreement says across all its versions and files, for its page."""

    agreement: Agreement
    versions: list
    latest: AgreementVersion
    dataset_uses: list
    files_by_dataset: list  # (dataset name, [(month, count)], total)
    file_total: int
    first_file_month: object
    last_file_month: object
    types_of_data: list
    confidentiality: list
    legal_bases: list
    access_methods: list
    opt_outs: list
    sensitivity: list
    applicant_types: list
    datasets: list
    controllers: list  # VersionController rows of the latest version


def summarise_agreement(agreement):
    versions = list(
        agreement.versions.select_related("applicant", "first_edition", "last_edition")
        .prefetch_related(
            Prefetch("dataset_uses", queryset=DatasetUse.objects.select_related("dataset")),
            Prefetch("controller_links", queryset=VersionController.objects.select_related("organisation")),
        )
        .order_by("version_major", "version_minor", "reference")
    )
    latest = agreement.latest_version or versions[-1]
    latest = next((v for v in versions if v.pk == latest.pk), latest)
    uses = [use for version in versions for use in version.dataset_uses.all()]
    files = FileRelease.objects.filter(agreement=agreement)
    file_stats = files.aggregate(total=Count("id"), first=Min("month"), last=Max("month"))
    per_month = files.values("dataset__name", "month").annotate(n=Count("id")).order_by("dataset__name", "month")
    by_dataset = OrderedDict()
    for row in per_month:
        by_dataset.setdefault(row["dataset__name"], []).append((row["month"], row["n"]))
    file_values = files.values("type_of_data", "legal_basis", "frequency", "opt_outs_text", "sensitivity").distinct()
    file_values = list(file_values)
    return AgreementSummary(
        agreement=agreement,
        versions=versions,
        latest=latest,
        dataset_uses=uses,
        files_by_dataset=[(name, months, sum(n for _, n in months)) for name, months in by_dataset.items()],
        file_total=file_stats["total"],
        first_file_month=file_stats["first"],
        last_file_month=file_stats["last"],
        types_of_data=distinct([v.type_of_data_text for v in versions] + [u.type_of_data for u in uses]),
        confidentiality=distinct(u.common_law_duty for u in uses),
        legal_bases=distinct([u.legal_basis for u in uses] + [f["legal_basis"] for f in file_values]),
        access_methods=distinct([u.frequency for u in uses] + [f["frequency"] for f in file_values]),
        opt_outs=distinct(f["opt_outs_text"] for f in file_values),
        sensitivity=distinct([u.sensitivity for u in uses] + [f["sensitivity"] for f in file_values]),
        applicant_types=distinct(v.applicant_type for v in versions),
        datasets=distinct(u.dataset_name for u in uses),
        controllers=list(latest.controller_links.all()),
    )


def dataset_recipients(dataset):
    """Agreements naming the dataset, with the files of it released under each, most files first."""
    agreement_ids = DatasetUse.objects.filter(dataset=dataset).values("version__agreement_id")
    file_counts = dict(FileRelease.objects.filter(dataset=dataset).values_list("agreement_id").annotate(n=Count("id")))
    agreements = Agreement.objects.filter(Q(pk__in=agreement_ids) | Q(pk__in=file_counts)).select_related(
        "latest_version__applicant"
    )
    rows = [(agreement, file_counts.get(agreement.pk, 0)) for agreement in agreements]
    return sorted(rows, key=lambda row: (-row[1], row[0].reference))
