"""Register content for tests and the benchmark, written through the ORM as the loader writes it.

Values are the register's own (dataset names, legal bases, types of data, frequencies, applicant types and the
quirks of their spelling, from the real files in ../shared/data); agreements keep `latest_version`, `file_count`
and their versions' `editions`, as the loader keeps them. `agreement()` builds one agreement for a test;
`bulk_register()` builds a whole synthetic register (with `bulk_create`) for query-count tests and the benchmark.
After building, call `index()` (or announce the change) so the list's facets and the search index see it.
"""

import datetime
import random

from register.models import (
    Agreement,
    AgreementVersion,
    Dataset,
    DatasetAlias,
    DatasetUse,
    Edition,
    FileRelease,
    Organisation,
    OrganisationAlias,
    VersionController,
)
from register.names import name_key, slugify
from register.receivers import refresh

HES_APC = "Hospital Episode Statistics Admitted Patient Care (HES APC)"
HES_OP = "Hospital Episode Statistics Outpatients (HES OP)"
HES_AE = "Hospital Episode Statistics Accident and Emergency (HES A and E)"
ECDS = "Emergency Care Data Set (ECDS)"
DEATHS = "Civil Registrations of Death - Secondary Care Cut"
DATASET_NAMES = [
    HES_APC,
    HES_OP,
    HES_AE,
    "Hospital Episode Statistics Critical Care (HES Critical Care)",
    ECDS,
    DEATHS,
    "Mental Health Services Data Set (MHSDS)",
    "Maternity Services Data Set (MSDS)",
    "Community Services Data Set (CSDS)",
    "Diagnostic Imaging Dataset (DID)",
    "Patient Reported Outcome Measures (Linkable to HES)",
    "HES-ID to MPS-ID HES Admitted Patient Care",
    "Cancer Registration Data",
    "National Diabetes Audit (NDA)",
    "Improving Access to Psychological Therapies (IAPT)",
    "Secondary Uses Service (SUS+)",
    "Demographics",
    "GPES Data for Pandemic Planning and Research (COVID-19)",
    "COVID-19 Second Generation Surveillance System",
    "Medicines dispensed in Primary Care (NHSBSA data)",
]
TYPES_OF_DATA = ["Anonymised - ICO Code Compliant", "Anonymised - ICO code compliant", "Pseudonymised", "Identifiable"]
SENSITIVITY = [("Sensitive", True), ("Non-Sensitive", False), ("Non Sensitive", False)]
FREQUENCIES = ["One-Off", "Ongoing", "Frequent Adhoc Flow", "System Access"]
LEGAL_BASES = [
    "Health and Social Care Act 2012 – s261(2)(b)(ii)",
    "Health and Social Care Act 2012 - s261(2)(b)(ii)",
    "Health and Social Care Act 2012 - s261 - 'Other dissemination of information'",
    "Health and Social Care Act 2012 – s261(2)(a)",
    "Health and Social Care Act 2012 – s261(7); National Health Service Act 2006 - s251 - 'Control of patient "
    "information'.",
    "Health and Social Care Act 2012 - s261(5)(d)",
]
CONFIDENTIALITY = [
    "Does not include the flow of confidential data",
    "Section 251 NHS Act 2006",
    "Consent (Reasonable Expectation)",
    "Mixture of confidential data flow(s) with support under section 251 NHS Act 2006 and non-confidential "
    "data flow(s)",
]
APPLICANT_TYPES = {
    "university": "Academic",
    "local-authority": "Local Authority",
    "company": "Commercial",
    "trust": "NHS Trust",
    "government": "Ministerial Department",
    "charity": "Charity",
    "icb": "ICB - Integrated Care Board",
    "sub-icb": "Sub ICB Location",
}
TOPICS = [
    "hip and knee replacement outcomes",
    "childhood asthma admissions",
    "cancer waiting times",
    "emergency readmissions after surgery",
    "maternity care and stillbirth",
    "diabetes complications",
    "mental health crisis care",
    "invoice validation and risk stratification",
    "COVID-19 hospital outcomes",
    "dementia diagnosis rates",
    "cardiac rehabilitation uptake",
    "antibiotic prescribing before caesarean section",
]
SENTENCES = [
    "The {org} will use the data to study {topic} across England.",
    "Data will be processed only by substantive employees of the {org} within a secure environment.",
    "No record level data will be linked with any other data, and outputs will contain only aggregated counts "
    "with small numbers suppressed in line with the HES analysis guide.",
    "Expected outputs include peer-reviewed papers, conference presentations and a report to the funder on {topic}.",
    "The findings will help commissioners to plan services and to reduce avoidable admissions.",
    "Yielded Benefits is not a requirement for new applications.",
    "1. Accurate budget reports.\n2. Enable a system of communication for invoice queries.\n3. Validate invoices.",
    "~ looking at the causes of hospital admissions for self-harm\n~ understanding the flow of deaths in hospital",
]


def edition(code="2025-11", register=Edition.Register.SYNTHETIC, month=datetime.date(2025, 11, 1)):
    found, _ = Edition.objects.get_or_create(
        code=code,
        defaults={
            "register": register,
            "month": month,
            "source_name": f"synthetic-{code}.xlsx",
            "sha256": (slugify(code) * 64)[:64],
            "is_synthetic": register == Edition.Register.SYNTHETIC,
        },
    )
    return found


def organisation(name, kind=Organisation.Kind.OTHER, spellings=(), **fields):
    """An organisation (found by its slug, or made) with its name and `spellings` as aliases."""
    found = (
        Organisation.objects.filter(slug=slugify(name)).first()
        or Organisation.objects.filter(aliases__key=name_key(name)).first()
    )
    if found is None:
        found = Organisation.objects.create(name=name, slug=slugify(name), kind=kind, **fields)
    for spelling in (name, *spellings):
        if not OrganisationAlias.objects.filter(key=name_key(spelling)).exists():
            OrganisationAlias.objects.create(organisation=found, spelling=spelling)
    return found


def dataset(name):
    found = Dataset.objects.filter(aliases__key=name_key(name)).first()
    if found is None:
        found = Dataset.objects.create(name=name, slug=slugify(name))
        DatasetAlias.objects.create(dataset=found, spelling=name)
    return found


def _organisation(value):
    return value if isinstance(value, Organisation) else organisation(value)


def use(name=HES_APC, **fields):
    """A dataset named on a version, as a Datasets sheet row."""
    sensitivity = fields.pop("sensitivity", "Non-Sensitive")
    row = {
        "name": name,
        "type_of_data": "Anonymised - ICO Code Compliant",
        "sensitivity": sensitivity,
        "is_sensitive": dict(SENSITIVITY).get(sensitivity),
        "frequency": "One-Off",
        "legal_basis": LEGAL_BASES[0],
        "common_law_duty": CONFIDENTIALITY[0],
    }
    row.update(fields)
    return row


def agreement(
    reference="DARS-NIC-00574-V2H1F",
    *,
    title="LAPH Standard Extract",
    applicant="SOUTHAMPTON CITY COUNCIL",
    applicant_type="Local Authority",
    controllers=None,
    versions=("1.2",),
    datasets=None,
    files=(),
    commercial=False,
    sublicensing=False,
    dsa_start=datetime.date(2023, 4, 1),
    dsa_end=datetime.date(2026, 3, 31),
    texts=None,
    editions=None,
):
    """One agreement with its versions (the last is the latest), dataset uses on each, and file releases.

    `versions` are version numbers, or dicts of version fields (with a "version" key) for versions that differ.
    `files` are (dataset name, month as a date, opt-outs applied) tuples, or dicts of FileRelease fields.
    """
    applicant = _organisation(applicant)
    controllers = [applicant] if controllers is None else [_organisation(c) for c in controllers]
    datasets = [use()] if datasets is None else [d if isinstance(d, dict) else use(d) for d in datasets]
    editions = [edition()] if editions is None else editions
    texts = texts or {}
    found = Agreement.objects.create(reference=reference, first_edition=editions[0], last_edition=editions[-1])
    made = []
    for position, spec in enumerate(versions):
        spec = {"version": spec} if isinstance(spec, str) else dict(spec)
        number = spec.pop("version")
        major, _, minor = number.partition(".")
        fields = {
            "title": title,
            "applicant": applicant,
            "applicant_name": applicant.name.upper(),
            "applicant_type": applicant_type,
            "controllers_text": "; ".join(c.name.upper() for c in controllers),
            "controller_arrangement": "Sole Data Controller" if len(controllers) == 1 else "Joint Data Controller",
            "dsa_start": dsa_start,
            "dsa_start_text": dsa_start.isoformat() if dsa_start else "",
            "dsa_end": dsa_end,
            "dsa_end_text": dsa_end.isoformat() if dsa_end else "",
            "commercial": commercial,
            "commercial_text": "Yes" if commercial else "No",
            "sublicensing": sublicensing,
            "sublicensing_text": "Yes" if sublicensing else "No",
            "objectives": texts.get("objectives", f"The data will be used by {applicant.name} to study {title}."),
            "processing_activities": texts.get("processing_activities", SENTENCES[1].format(org=applicant.name)),
            "expected_outputs": texts.get("expected_outputs", SENTENCES[3].format(topic=title)),
            "expected_benefits": texts.get("expected_benefits", SENTENCES[4]),
            "yielded_benefits": texts.get("yielded_benefits", SENTENCES[5]),
            "first_edition": editions[0],
            "last_edition": editions[-1],
        }
        fields.update(spec)
        version = AgreementVersion.objects.create(
            agreement=found,
            reference=f"{reference}-v{number}" if number else reference,
            version=number,
            version_major=int(major or 0),
            version_minor=int(minor or 0),
            **fields,
        )
        version.editions.set(editions if position == len(versions) - 1 else editions[:1])
        for index, controller in enumerate(controllers):
            VersionController.objects.create(
                version=version, organisation=controller, spelling=controller.name.upper(), position=index
            )
        for index, row in enumerate(datasets):
            row = dict(row)
            name = row.pop("name")
            DatasetUse.objects.create(version=version, dataset=dataset(name), dataset_name=name, position=index, **row)
        made.append(version)
    latest = made[-1]
    for number, spec in enumerate(files, start=1):
        if not isinstance(spec, dict):
            name, month, opt_outs = spec
            spec = {"dataset_name": name, "month": month, "opt_outs_applied": opt_outs}
        spec = dict(spec)
        name = spec.pop("dataset_name")
        described = next((row for row in datasets if row["name"] == name), use(name))
        values = {
            "type_of_data": described["type_of_data"],
            "sensitivity": described["sensitivity"],
            "is_sensitive": described["is_sensitive"],
            "legal_basis": described["legal_basis"],
            "frequency": described["frequency"] if described["frequency"] != "System Access" else "One-Off",
            "opt_outs_applied": False,
        }
        values.update(spec)
        values["opt_outs_text"] = values.get("opt_outs_text") or ("Yes" if values["opt_outs_applied"] else "No")
        month = values.get("month")
        FileRelease.objects.create(
            file_reference=f"FILE-{reference[-5:]}-{number:05d}",
            agreement=found,
            version=latest,
            reference_text=latest.reference,
            dataset=dataset(name),
            dataset_name=name,
            month_text=month.strftime("%b-%y") if month else "",
            first_edition=editions[0],
            last_edition=editions[-1],
            **values,
        )
    found.latest_version = latest
    found.file_count = len(files)
    found.save()
    return found


def index():
    """Derive the list's facet values and the search index from what the tests built."""
    return refresh()


# --- A whole synthetic register, fast -----------------------------------------------------------------------


def bulk_register(agreements=1900, versions=5500, files=100_000, seed=4, edition_code="2025-11"):
    """A full-size synthetic register (about the real one's size by default), in a few bulk inserts.

    Applicants are the reference ICBs and sub-ICB locations (so ICB pages gather something) and generated
    universities, councils, trusts and companies. Deterministic for a given seed.
    """
    rng = random.Random(seed)
    listed = edition(edition_code)
    sets = [dataset(name) for name in DATASET_NAMES]
    nhs = list(Organisation.objects.filter(kind__in=["icb", "sub-icb"]).order_by("pk"))
    others = _organisations_bulk(rng, 600)
    applicants = nhs + others
    rows = []
    for number in range(agreements):
        digits = 100000 + number * 37 % 900000
        suffix = "".join(rng.choice("ABCDEFGHJKLMNPQRSTVWXYZ0123456789") for _ in range(5))
        rows.append(Agreement(reference=f"DARS-NIC-{digits}-{suffix}", key=f"DARS-NIC-{digits}-{suffix}"))
    made = Agreement.objects.bulk_create(rows, batch_size=1000)
    counts = [1] * agreements
    for _ in range(max(0, versions - agreements)):
        counts[rng.randrange(agreements)] += 1
    version_rows, owners = [], []
    for agreement_row, count in zip(made, counts, strict=True):
        applicant = rng.choice(applicants)
        kind = applicant.kind if applicant.kind in APPLICANT_TYPES else "university"
        topic = rng.choice(TOPICS)
        start = datetime.date(2016 + rng.randrange(9), 1 + rng.randrange(12), 1)
        for n in range(count):
            version_start = start.replace(year=min(start.year + n, 2026))
            text = [rng.choice(SENTENCES).format(org=applicant.name, topic=topic) for _ in range(12)]
            minor = rng.randrange(1, 30)
            version_rows.append(
                AgreementVersion(
                    agreement=agreement_row,
                    reference=f"{agreement_row.reference}-v{n}.{minor}",
                    version=f"{n}.{minor}",
                    version_major=n,
                    version_minor=minor,
                    title=f"{topic.capitalize()} ({applicant.name})",
                    applicant=applicant,
                    applicant_name=applicant.name.upper(),
                    applicant_type=APPLICANT_TYPES[kind] if rng.random() > 0.05 else APPLICANT_TYPES[kind].upper(),
                    controllers_text=applicant.name.upper(),
                    controller_arrangement="Sole Data Controller",
                    dsa_start=version_start,
                    dsa_start_text=version_start.isoformat(),
                    dsa_end=version_start.replace(year=version_start.year + 3) - datetime.timedelta(days=1),
                    commercial=kind == "company",
                    commercial_text="Yes" if kind == "company" else "No",
                    sublicensing=rng.random() < 0.1,
                    sublicensing_text="No",
                    objectives=" ".join(text[:4]),
                    processing_activities=" ".join(text[4:7]),
                    expected_outputs=" ".join(text[7:9]),
                    expected_benefits=" ".join(text[9:11]),
                    yielded_benefits=text[11],
                    first_edition=listed,
                    last_edition=listed,
                )
            )
            owners.append(applicant)
    made_versions = AgreementVersion.objects.bulk_create(version_rows, batch_size=500)
    through = AgreementVersion.editions.through
    through.objects.bulk_create(
        [through(version_id=v.pk, edition_id=listed.pk) for v in made_versions], batch_size=2000
    )
    VersionController.objects.bulk_create(
        [
            VersionController(version=v, organisation=owner, spelling=owner.name.upper(), position=0)
            for v, owner in zip(made_versions, owners, strict=True)
        ],
        batch_size=2000,
    )
    uses, latest = [], {}
    for version in made_versions:
        latest[version.agreement_id] = version
        chosen = rng.sample(sets, rng.randint(1, 5))
        for position, dataset_row in enumerate(chosen):
            sensitivity, is_sensitive = rng.choice(SENSITIVITY)
            uses.append(
                DatasetUse(
                    version=version,
                    dataset=dataset_row,
                    dataset_name=dataset_row.name,
                    position=position,
                    type_of_data=rng.choice(TYPES_OF_DATA),
                    sensitivity=sensitivity,
                    is_sensitive=is_sensitive,
                    frequency=rng.choice(FREQUENCIES),
                    legal_basis=rng.choice(LEGAL_BASES),
                    common_law_duty=rng.choice(CONFIDENTIALITY),
                )
            )
    DatasetUse.objects.bulk_create(uses, batch_size=2000)
    uses_by_version = {}
    for row in uses:
        uses_by_version.setdefault(row.version_id, []).append(row)
    # Files go to agreements that are not trusted research environment projects, unevenly (a few get thousands).
    releasing = [a for a in made if rng.random() < 0.75]
    weights = [rng.paretovariate(1.2) for _ in releasing]
    file_counts = {}
    batch = []
    for number, owner in enumerate(rng.choices(releasing, weights=weights, k=files)):
        version = latest[owner.pk]
        described = rng.choice(uses_by_version[version.pk])
        applied = rng.random() < 0.15
        month = datetime.date(2019 + rng.randrange(7), 1 + rng.randrange(12), 1)
        batch.append(
            FileRelease(
                file_reference=f"FILE{number:07d}",
                agreement=owner,
                version=version,
                reference_text=version.reference,
                dataset=described.dataset,
                dataset_name=described.dataset_name,
                type_of_data=described.type_of_data,
                sensitivity=described.sensitivity,
                is_sensitive=described.is_sensitive,
                legal_basis=described.legal_basis,
                frequency="Ongoing",
                opt_outs_text="Yes" if applied else "No",
                opt_outs_applied=applied,
                month=month,
                month_text=month.strftime("%b-%y"),
                first_edition=listed,
                last_edition=listed,
            )
        )
        file_counts[owner.pk] = file_counts.get(owner.pk, 0) + 1
        if len(batch) == 5000:
            FileRelease.objects.bulk_create(batch)
            batch = []
    FileRelease.objects.bulk_create(batch)
    for agreement_row in made:
        agreement_row.latest_version = latest[agreement_row.pk]
        agreement_row.file_count = file_counts.get(agreement_row.pk, 0)
        agreement_row.first_edition = agreement_row.last_edition = listed
    Agreement.objects.bulk_update(
        made, ["latest_version", "file_count", "first_edition", "last_edition"], batch_size=1000
    )
    return {"agreements": len(made), "versions": len(made_versions), "files": files}


ORGANISATION_PATTERNS = [
    ("university", "University of {place}"),
    ("university", "{place} Institute of Health Research"),
    ("local-authority", "{place} City Council"),
    ("local-authority", "{place} County Council"),
    ("trust", "{place} Hospitals NHS Foundation Trust"),
    ("company", "{place} Health Analytics Limited"),
    ("charity", "{place} Research Trust"),
]
PLACES = [
    "Southampton", "Somerset", "Leeds", "Bristol", "Oxford", "Cambridge", "Sheffield", "Nottingham", "Leicester",
    "Birmingham", "Manchester", "Liverpool", "Newcastle", "York", "Exeter", "Plymouth", "Norwich", "Durham",
    "Warwick", "Surrey", "Kent", "Essex", "Lancaster", "Hull", "Bradford", "Derby", "Coventry", "Reading",
    "Brighton", "Cornwall", "Devon", "Dorset", "Wiltshire", "Swindon", "Bath", "Salford", "Wigan", "Bolton",
]  # fmt: skip


def _organisations_bulk(rng, count):
    rows, seen = [], set(Organisation.objects.values_list("slug", flat=True))
    for number in range(count):
        kind, pattern = ORGANISATION_PATTERNS[number % len(ORGANISATION_PATTERNS)]
        name = pattern.format(place=PLACES[number // len(ORGANISATION_PATTERNS) % len(PLACES)])
        if number >= len(ORGANISATION_PATTERNS) * len(PLACES):
            name = f"{name} {number // (len(ORGANISATION_PATTERNS) * len(PLACES)) + 1}"
        slug = slugify(name)
        if slug in seen:
            continue
        seen.add(slug)
        rows.append(Organisation(name=name, slug=slug, kind=kind))
    made = Organisation.objects.bulk_create(rows, batch_size=1000)
    OrganisationAlias.objects.bulk_create(
        [OrganisationAlias(organisation=o, spelling=o.name.upper(), key=name_key(o.name)) for o in made],
        batch_size=1000,
    )
    return made
