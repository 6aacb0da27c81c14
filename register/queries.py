"""Read-only questions the pages ask of the register: what an organisation holds, what an agreement says.

Views call these and render the answers; nothing here writes.
"""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, Sum
from django.shortcuts import get_object_or_404

from register import citations, facets
from register.contents import as_the_register_wrote
from register.models import (
    Agreement,
    AgreementFacet,
    AgreementVersion,
    Dataset,
    DatasetUse,
    Edition,
    FileRelease,
    Organisation,
    VersionController,
)
from register.names import dataset_family_key, prefix_variants, reference_key, split_reference
from register.text import NARRATIVE_FIELDS


def holds_an_agreement():
    """The condition on Organisation of naming one: applicant or data controller of any version."""
    return Q(pk__in=AgreementVersion.objects.values("applicant_id")) | Q(
        pk__in=VersionController.objects.values("organisation_id")
    )


def held_by(organisation_ids, role=None):
    """The condition on Agreement of being held by these organisations: applicant or data controller of any version
    (only the one when `role` is "applicant" or "controller")."""
    condition = Q()
    if role in (None, "", "applicant"):
        condition |= Q(pk__in=AgreementVersion.objects.filter(applicant__in=organisation_ids).values("agreement_id"))
    if role in (None, "", "controller"):
        condition |= Q(
            pk__in=VersionController.objects.filter(organisation__in=organisation_ids).values("version__agreement_id")
        )
    return condition


def naming_dataset(dataset_id):
    """The condition on Agreement of naming a dataset on any version, or of files of it released under it."""
    return Q(pk__in=DatasetUse.objects.filter(dataset=dataset_id).values("version__agreement_id")) | Q(
        pk__in=FileRelease.objects.filter(dataset=dataset_id).values("agreement_id")
    )


def gathered_organisation_ids(organisation):
    """The organisation and every body whose holdings it gathers: an ICB's sub-ICB locations, their CCGs.

    Follows `parent` downwards (children) and `successor` backwards (predecessors) until nothing new appears, in
    one recursive query (UNION, not UNION ALL, so that a curator's accidental cycle still ends).
    """
    table = Organisation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE gathered(id) AS (
                SELECT id FROM {table} WHERE id = %s
                UNION
                SELECT o.id FROM {table} o JOIN gathered g ON o.parent_id = g.id OR o.successor_id = g.id
            )
            SELECT id FROM gathered
            """,
            [organisation.pk],
        )
        return {row[0] for row in cursor.fetchall()}


@dataclass
class Gathering:
    members: dict  # organisation id -> the ids it gathers, itself included
    kinds: dict  # organisation id -> kind, for every organisation linked to another


def gathered_map(organisation_ids):
    """What many organisations gather, from one read of the links between organisations."""
    below, kinds = defaultdict(set), {}
    links = Organisation.objects.filter(Q(parent__isnull=False) | Q(successor__isnull=False))
    for pk, parent_id, successor_id, kind in links.values_list("pk", "parent_id", "successor_id", "kind"):
        kinds[pk] = kind
        for upper in (parent_id, successor_id):
            if upper:
                below[upper].add(pk)
    members = {}
    for root in organisation_ids:
        found, frontier = {root}, {root}
        while frontier:
            frontier = {child for pk in frontier for child in below.get(pk, ())} - found
            found |= frontier
        members[root] = found
    return Gathering(members, kinds)


def holder_pairs(organisation_ids=None):
    """{organisation id: {agreement id: files released}} for agreements each holds as applicant or controller.

    Every organisation when `organisation_ids` is None; two reads whatever their number.
    """
    applicants = AgreementVersion.objects.values_list("applicant_id", "agreement_id", "agreement__file_count")
    controllers = VersionController.objects.values_list(
        "organisation_id", "version__agreement_id", "version__agreement__file_count"
    )
    if organisation_ids is not None:
        organisation_ids = list(organisation_ids)
        applicants = applicants.filter(applicant__in=organisation_ids)
        controllers = controllers.filter(organisation__in=organisation_ids)
    held = defaultdict(dict)
    for rows in (applicants.distinct(), controllers.distinct()):
        for organisation_id, agreement_id, files in rows:
            if organisation_id is not None:
                held[organisation_id][agreement_id] = files
    return held


@dataclass
class HoldingCount:
    agreements: int = 0
    files: int = 0


def holding_counts(organisation_ids, gathering=None):
    """{organisation id: HoldingCount}: the agreements each holds (with what it gathers) and their files released.

    Agreements held through several gathered bodies count once. Three reads, however many organisations.
    """
    gathering = gathering or gathered_map(list(organisation_ids))
    gathered = {pk: gathering.members[pk] for pk in organisation_ids}
    everyone = set().union(*gathered.values()) if gathered else set()
    held = holder_pairs(everyone)
    counts = {}
    for pk, members in gathered.items():
        agreements = {}
        for member in members:
            agreements.update(held.get(member, {}))
        counts[pk] = HoldingCount(len(agreements), sum(agreements.values()))
    return counts


@dataclass
class Holding:
    """An agreement an organisation holds, and through whom and in which roles."""

    agreement: Agreement
    roles: "OrderedDict[str, set]" = field(default_factory=OrderedDict)  # role -> names of the holders

    @property
    def role_list(self):
        return [(role, sorted(names)) for role, names in self.roles.items()]


LATEST_NARRATIVE = [f"latest_version__{name}" for name in NARRATIVE_FIELDS]


@dataclass
class Body:
    """A body an organisation's page gathers (a sub-ICB location, a CCG), with what it holds itself."""

    organisation: Organisation
    agreements: int
    files: int


@dataclass
class OrganisationSummary:
    organisation: Organisation
    holdings: list  # Holding, newest DSA start first
    file_total: int
    bodies: list  # Body for every gathered organisation but itself, by kind then name
    children: list  # Part: an Organisation whose parent it is, with the names of the bodies that one replaced
    predecessors: list  # Organisations it replaced


@dataclass
class Part:
    """A body that is part of another (a sub-ICB location of an ICB), with the names it replaced: a sub-ICB
    location is named by its code ("NHS Greater Manchester ICB - 00T"); its former CCG says where it is."""

    organisation: Organisation
    formerly: list  # names of the bodies it replaced


def summarise_organisation(organisation):
    """What an organisation holds as applicant or data controller, with everything it gathers. Five reads."""
    gathered_ids = gathered_organisation_ids(organisation)
    others = list(Organisation.objects.filter(pk__in=gathered_ids - {organisation.pk}).order_by("kind", "name"))
    names = {body.pk: body.name for body in others} | {organisation.pk: organisation.name}
    roles_by_agreement, held_by = {}, defaultdict(set)
    applicant_rows = AgreementVersion.objects.filter(applicant__in=gathered_ids).values_list(
        "agreement_id", "applicant_id"
    )
    controller_rows = VersionController.objects.filter(organisation__in=gathered_ids).values_list(
        "version__agreement_id", "organisation_id"
    )
    for role, rows in (("Applicant", applicant_rows), ("Data controller", controller_rows)):
        for agreement_id, organisation_id in rows.distinct():
            roles_by_agreement.setdefault(agreement_id, OrderedDict()).setdefault(role, set()).add(
                names[organisation_id]
            )
            held_by[organisation_id].add(agreement_id)
    agreements = (
        Agreement.objects.filter(pk__in=roles_by_agreement)
        .select_related("latest_version")
        .defer(*LATEST_NARRATIVE)
        .order_by(F("latest_version__dsa_start").desc(nulls_last=True), "reference")
    )
    holdings = [Holding(agreement, roles_by_agreement[agreement.pk]) for agreement in agreements]
    files = {holding.agreement.pk: holding.agreement.file_count for holding in holdings}
    bodies = [Body(body, len(held_by[body.pk]), sum(files[pk] for pk in held_by[body.pk])) for body in others]
    return OrganisationSummary(
        organisation=organisation,
        holdings=holdings,
        file_total=sum(files.values()),
        bodies=bodies,
        children=[
            Part(body, [other.name for other in others if other.successor_id == body.pk])
            for body in others
            if body.parent_id == organisation.pk
        ],
        predecessors=[body for body in others if body.successor_id == organisation.pk],
    )


def find_agreement(reference):
    """The agreement a URL names, in any case, with or without its version or the `DARS-` prefix.

    Returns (agreement, canonical) where canonical is False when the URL should redirect to the base reference.
    A version the loaded register does not hold redirects too: it may be newer than the newest edition loaded (a
    citation of this month's register, before it is imported), and the agreement's page lists the versions it has.
    """
    text = reference.strip()
    base, version = split_reference(text)
    candidates = prefix_variants(reference_key(base))
    found = Agreement.objects.select_related("first_edition", "last_edition", "withdrawn_in")
    for candidate in candidates:
        agreement = found.filter(key=candidate).first()
        if agreement:
            return agreement, agreement.reference == reference
    # A local code whose text merely looks versioned, e.g. "ABC-v2", is its own reference.
    agreement = get_object_or_404(found, key=reference_key(text))
    return agreement, agreement.reference == reference  # an address with spaces around it redirects too


def newest_edition():
    """The newest register edition loaded (the seed's page only where nothing else is), or None."""
    registers = Edition.objects.exclude(register=Edition.Register.SEED).order_by(*Edition.NEWEST_FIRST)
    return registers.first() or Edition.objects.order_by("-imported_at").first()


def editions_counted(agreements):
    """The editions that listed any version of `agreements` (ids or a queryset of them), oldest first, each only
    as far as a page's citation needs it: the register it belongs to (register.citations.page_citation)."""
    listed = Edition.objects.filter(versions__agreement__in=agreements).values("pk")
    return list(Edition.objects.filter(pk__in=listed).only("register", "is_synthetic", "month").order_by("month"))


def distinct(values, same=str.casefold):
    """Values in first-seen order, without blanks or repeats: values whose `same` key is one are one value."""
    seen = OrderedDict()
    for value in values:
        text = (value or "").strip()
        if text:
            seen.setdefault(same(text) or text.casefold(), text)
    return list(seen.values())


def distinct_values(values):
    """A field's values as the filters count them: spellings that differ only in case, spaces and punctuation
    ("Non Sensitive", "Non-Sensitive") are one value, shown in its first spelling (facets.value_key)."""
    return distinct(values, same=facets.value_key)


def opt_out_spellings(texts):
    """[(spelling, ...)] of files' opt-out statuses, one per status ("No" and "N" are one: Not applied), each with
    every way the register wrote it, for the page to name beside the status."""
    statuses = OrderedDict()
    for text in distinct(texts):
        statuses.setdefault(facets.opt_outs(None, text)[0], []).append(text)
    return [tuple(spellings) for spellings in statuses.values()]


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

    @property
    def from_quarterly_register(self):
        """Whether the newest edition listing it is one of the older quarterly registers."""
        edition = self.agreement.last_edition
        return edition is not None and edition.register == Edition.Register.RELEASE

    @property
    def has_quarterly_versions(self):
        """Whether a version came from one of the older quarterly registers, which give a dataset's type, legal
        basis and the like for each file rather than once for the version."""
        return any(v.first_edition and v.first_edition.register == Edition.Register.RELEASE for v in self.versions)

    @property
    def not_given(self):
        """What the page says for a value the register does not give. The older quarterly register has no
        columns for titles, controllers, DSA dates, commercial or sublicensing terms, or the common law duty: for
        an agreement only it lists, "Not stated" would read as if NHS Digital had left a cell empty."""
        return "Not given: the quarterly register has no such column" if self.from_quarterly_register else "Not stated"

    @property
    def earliest_start(self):
        """The earliest DSA start of any version, when before the latest version's: a renewal's dates alone read
        as if the agreement began then (DARS-NIC-616054-M4C8K's latest version starts in 2026; its first, 2022)."""
        first = min((version.dsa_start for version in self.versions if version.dsa_start), default=None)
        latest = self.latest.dsa_start
        return first if first and latest and first < latest else None

    @cached_property
    def citation(self):
        """Cites the register, so in its words: a title or applicant a curator corrected is cited as written."""
        latest = self.latest
        written = as_the_register_wrote(latest, ["title", "applicant_name"])
        return citations.citation(
            self.agreement.last_edition,
            written["title"],
            self.agreement.reference,
            latest.version,
            written["applicant_name"],
        )

    @property
    def files_by_month(self):
        """[(month, files)] across its datasets (a month repeats once per dataset; charts add them up)."""
        return [(month, count) for _, months, _ in self.files_by_dataset for month, count in months]


FILE_VALUES = ["type_of_data", "legal_basis", "frequency", "opt_outs_text", "sensitivity"]


def summarise_agreement(agreement):
    versions = list(
        agreement.versions.select_related("applicant", "first_edition", "last_edition")
        .prefetch_related(
            Prefetch("dataset_uses", queryset=DatasetUse.objects.select_related("dataset")),
            Prefetch("controller_links", queryset=VersionController.objects.select_related("organisation")),
        )
        .order_by("version_major", "version_minor", "reference")
    )
    # The latest version is one of `versions`: find it by id rather than load it again.
    latest = next((v for v in versions if v.pk == agreement.latest_version_id), versions[-1])
    uses = [use for version in versions for use in version.dataset_uses.all()]
    # One pass over the agreement's files (thousands for some), grouped by everything the page shows of them.
    grouped = list(
        FileRelease.objects.filter(agreement=agreement)
        .values("dataset__name", "month", "version_id", *FILE_VALUES)
        .annotate(n=Count("id"))
        .order_by("dataset__name", "month")
    )
    by_dataset, by_version = OrderedDict(), defaultdict(int)
    for row in grouped:
        months = by_dataset.setdefault(row["dataset__name"], OrderedDict())
        months[row["month"]] = months.get(row["month"], 0) + row["n"]
        by_version[row["version_id"]] += row["n"]
    for version in versions:
        version.files_released = by_version.get(version.pk, 0)
    file_values = grouped
    released_months = [row["month"] for row in grouped if row["month"]]
    file_stats = {
        "total": sum(row["n"] for row in grouped),
        "first": min(released_months, default=None),
        "last": max(released_months, default=None),
    }
    return AgreementSummary(
        agreement=agreement,
        versions=versions,
        latest=latest,
        dataset_uses=uses,
        files_by_dataset=[(name, list(months.items()), sum(months.values())) for name, months in by_dataset.items()],
        file_total=file_stats["total"],
        first_file_month=file_stats["first"],
        last_file_month=file_stats["last"],
        types_of_data=distinct_values(
            [v.type_of_data_text for v in versions]
            + [u.type_of_data for u in uses]
            + [f["type_of_data"] for f in file_values]
        ),
        confidentiality=distinct_values(u.common_law_duty for u in uses),
        legal_bases=distinct_values([u.legal_basis for u in uses] + [f["legal_basis"] for f in file_values]),
        access_methods=distinct_values([u.frequency for u in uses] + [f["frequency"] for f in file_values]),
        opt_outs=opt_out_spellings(f["opt_outs_text"] for f in file_values),
        sensitivity=distinct_values([u.sensitivity for u in uses] + [f["sensitivity"] for f in file_values]),
        applicant_types=distinct_values(v.applicant_type for v in versions),
        datasets=distinct(u.dataset_name for u in uses),
        controllers=list(latest.controller_links.all()),
    )


@dataclass
class Recipient:
    """An agreement naming a dataset or receiving files of it."""

    agreement: Agreement = None  # read only for the rows a page shows
    reference: str = ""
    files: int = 0
    legal_bases: dict = field(default_factory=dict)  # key -> label
    access_methods: dict = field(default_factory=dict)
    opt_outs: dict = field(default_factory=dict)  # label -> files
    basis_files: dict = field(default_factory=dict)  # legal basis key -> files released under it

    def files_under(self, label):
        """Files released under a legal basis (by its label), as each file's own row states its basis."""
        return sum(files for key, files in self.basis_files.items() if self.legal_bases.get(key) == label)

    @property
    def legal_basis_list(self):
        return sorted(self.legal_bases.values())

    @property
    def access_method_list(self):
        return sorted(self.access_methods.values())


@dataclass
class Tally:
    label: str
    agreements: int
    files: int


SHOWN = 50  # rows of a dataset page's long tables; the agreement list has them all


@dataclass
class DatasetSummary:
    dataset: Dataset
    recipients: list  # Recipient, most files first
    file_total: int
    organisations: list  # Tally per applicant organisation (latest versions), most files first
    legal_bases: list  # Tally per legal basis
    opt_outs: list  # Tally per opt-out status of released files
    agreement_ids: list  # of every recipient, most files first

    @property
    def recipients_shown(self):
        return [row for row in self.recipients[:SHOWN] if row.agreement is not None]

    @property
    def organisations_shown(self):
        return self.organisations[:SHOWN]


def dataset_families(datasets):
    """{family key: [datasets]} of the families of two or more (register.names.dataset_family_key)."""
    families = {}
    for dataset in datasets:
        families.setdefault(dataset_family_key(dataset.name), []).append(dataset)
    return {key: members for key, members in families.items() if len(members) > 1}


def possible_twins(dataset):
    """The other datasets whose names differ from this one's only as one dataset's names do from year to year
    ("Diagnostic Imaging Dataset", "Diagnostic Imaging Data Set (DID)"): a reader finds them from either page,
    until a curator merges them (or decides they are not one). One read."""
    family = dataset_families(Dataset.objects.only("name", "slug").order_by("name"))
    return [other for other in family.get(dataset_family_key(dataset.name), []) if other.pk != dataset.pk]


def summarise_dataset(dataset):
    """Who receives a dataset, how many files, under which legal bases, with what opt-out status. Five reads.

    Every agreement counts in the totals; only the rows shown are read as model instances (a common dataset is
    named on hundreds of agreements). An agreement counts under every legal basis it or its files name for the
    dataset; a basis's files are those released under it, as each file's row states its basis (a file under two
    bases counts under both; a basis named only on the agreement has none).
    """
    recipients = defaultdict(Recipient)
    uses = DatasetUse.objects.filter(dataset=dataset).values_list("version__agreement_id", "legal_basis", "frequency")
    for agreement_id, basis, frequency in uses.distinct():
        _note(recipients[agreement_id], basis, frequency)
    files = (
        FileRelease.objects.filter(dataset=dataset)
        .values_list("agreement_id", "legal_basis", "frequency", "opt_outs_applied", "opt_outs_text")
        .annotate(n=Count("id"))
        .order_by()
    )
    for agreement_id, basis, frequency, applied, text, n in files:
        row = recipients[agreement_id]
        _note(row, basis, frequency)
        row.files += n
        for key, _ in facets.keyed(basis, split=True):
            row.basis_files[key] = row.basis_files.get(key, 0) + n
        label = facets.opt_outs(applied, text)[1] if applied is not None or text else "Not stated"
        row.opt_outs[label] = row.opt_outs.get(label, 0) + n
    applicants = {}
    for pk, reference, canonical, as_written in Agreement.objects.filter(pk__in=list(recipients)).values_list(
        "pk", "reference", "latest_version__applicant__name", "latest_version__applicant_name"
    ):
        recipients[pk].reference = reference
        applicants[pk] = canonical or as_written or "Not stated"
    ordered = sorted(recipients.items(), key=lambda item: (-item[1].files, item[1].reference))
    shown = [pk for pk, _ in ordered[:SHOWN]]
    agreements = (
        Agreement.objects.filter(pk__in=shown)
        .select_related("latest_version__applicant")
        .defer(*LATEST_NARRATIVE)
        .in_bulk()
    )
    for pk in shown:
        recipients[pk].agreement = agreements[pk]
    rows = [row for _, row in ordered]
    return DatasetSummary(
        dataset=dataset,
        recipients=rows,
        file_total=sum(row.files for row in rows),
        organisations=_tally(ordered, lambda pk, row: [applicants.get(pk, "Not stated")]),
        legal_bases=_tally(ordered, lambda pk, row: row.legal_bases.values(), files_of=Recipient.files_under),
        opt_outs=_tally(ordered, lambda pk, row: row.opt_outs, files_of=lambda row, label: row.opt_outs[label]),
        agreement_ids=[pk for pk, _ in ordered],
    )


def _note(row, basis, frequency):
    for key, part in facets.keyed(basis, split=True):
        row.legal_bases[key] = max(row.legal_bases.get(key, part), part)
    for key, label in facets.keyed(frequency):
        row.access_methods.setdefault(key, label)


def _tally(rows, labels_of, files_of=None):
    tallies = {}
    for pk, row in rows:
        for label in labels_of(pk, row):
            tally = tallies.setdefault(label, Tally(label, 0, 0))
            tally.agreements += 1
            tally.files += files_of(row, label) if files_of else row.files
    return sorted(tallies.values(), key=lambda t: (-t.files, -t.agreements, t.label))


def files_per_month(releases):
    """[(month, files)] of a FileRelease queryset, month None where the register gives none. One read."""
    return list(releases.values_list("month").annotate(files=Count("id")).order_by("month"))


def dataset_counts():
    """{dataset slug: Tally} of agreements naming each dataset and files of it released, from the facet values."""
    rows = (
        AgreementFacet.objects.filter(facet="dataset")
        .values("value")
        .annotate(agreements=Count("agreement_id"), files=Sum("file_count"))
        .order_by()
    )
    return {row["value"]: Tally(row["value"], row["agreements"], row["files"] or 0) for row in rows}


@dataclass
class IcbRow:
    icb: Organisation
    agreements: int
    files: int
    sub_icb_locations: int
    ccgs: int


@dataclass
class IcbDirectory:
    regions: list  # [(region, [IcbRow])]
    ccgs_in_no_icb: list  # [Organisation]: CCGs holding agreements that no ICB gathers (yet)


def icbs_by_region():
    """Every Integrated Care Board with what it gathers, grouped by NHS England region; and the CCGs holding
    agreements that none gathers: most had merged before 2022, the year of the lookup that links CCGs to their
    sub-ICB locations, and count for an ICB once a curator links them to their successor."""
    icbs = list(Organisation.objects.filter(kind=Organisation.Kind.ICB).order_by("region", "name"))
    gathering = gathered_map([icb.pk for icb in icbs])
    gathered = set().union(*gathering.members.values()) if icbs else set()
    counts = holding_counts([icb.pk for icb in icbs], gathering)
    regions = OrderedDict()
    for icb in icbs:
        kinds = [gathering.kinds.get(pk) for pk in gathering.members[icb.pk]]
        row = IcbRow(
            icb,
            counts[icb.pk].agreements,
            counts[icb.pk].files,
            kinds.count(Organisation.Kind.SUB_ICB),
            kinds.count(Organisation.Kind.CCG),
        )
        regions.setdefault(icb.region or "Region not recorded", []).append(row)
    unlinked = Organisation.objects.filter(holds_an_agreement(), kind=Organisation.Kind.CCG).exclude(pk__in=gathered)
    return IcbDirectory(list(regions.items()), list(unlinked.order_by("name")))


@dataclass
class Headline:
    listed: int
    withdrawn: int
    files: int
    with_files: int
    organisations: int
    datasets: int
    typed: int = 0  # agreements the register gives an applicant type for

    @property
    def agreements(self):
        return self.listed + self.withdrawn


def headline_numbers():
    """The loaded register in numbers, for the home page. Three reads."""
    agreements = Agreement.objects.aggregate(
        listed=Count("pk", filter=Q(withdrawn_in__isnull=True)),
        withdrawn=Count("pk", filter=Q(withdrawn_in__isnull=False)),
        files=Sum("file_count"),
        with_files=Count("pk", filter=Q(file_count__gt=0)),
        typed=Count(
            "pk", filter=Q(pk__in=AgreementFacet.objects.filter(facet="organisation_type").values("agreement_id"))
        ),
    )
    holders = Organisation.objects.filter(holds_an_agreement())
    datasets = AgreementFacet.objects.filter(facet="dataset").values("value").distinct()
    return Headline(
        listed=agreements["listed"],
        withdrawn=agreements["withdrawn"],
        files=agreements["files"] or 0,
        with_files=agreements["with_files"],
        organisations=holders.count(),
        datasets=datasets.count(),
        typed=agreements["typed"],
    )
