"""Read what the signal kinds need from the database into plain records (`register.signals.records`).

The only module of the package that reads register tables. Plain values only (`values_list`), a fixed number of
queries per chunk of agreements whatever their size, files streamed a chunk at a time, and narrative texts
reduced as they are read to their first characters and a fingerprint (see `records`).
"""

import datetime

from django.db import connection
from django.db.models.functions import Substr

from register import bulk
from register.models import (
    Agreement,
    AgreementVersion,
    DatasetUse,
    Edition,
    FileRelease,
    Organisation,
    VersionController,
    VersionListing,
)
from register.signals.base import fingerprint
from register.signals.records import (
    AgreementFacts,
    EditionFacts,
    FileFacts,
    RegisterFacts,
    UseFacts,
    VersionFacts,
)

SEED = "seed"  # Edition.Register.SEED
TEXT_START = 300  # characters of a narrative text kept: placeholders are far shorter

VERSION_FIELDS = [
    "id", "agreement_id", "reference", "version", "version_major", "version_minor", "title", "applicant_id",
    "applicant_name", "dsa_start", "dsa_start_text", "dsa_end", "dsa_end_text", "commercial", "commercial_text",
    "sublicensing", "sublicensing_text",
]  # fmt: skip
FILE_FIELDS = [
    "agreement_id", "file_reference", "version_id", "dataset_id", "dataset_name", "organisation_id",
    "organisation_name", "type_of_data", "month", "month_text", "opt_outs_applied", "opt_outs_text",
    "first_edition_id",
]  # fmt: skip


def chunks(ids):
    """The ids in order, ID_CHUNK at a time."""
    return bulk.chunks(sorted(ids))


def _scoped(queryset, field, ids):
    """The queryset once for every agreement (ids None), or once per chunk of ids."""
    if ids is None:
        yield queryset
        return
    for chunk in chunks(ids):
        yield queryset.filter(**{f"{field}__in": chunk})


def read(agreement_ids=None):
    """RegisterFacts of these agreements (of every agreement when None)."""
    facts = RegisterFacts()
    for pk, code, month, register, full in Edition.objects.values_list(
        "id", "code", "month", "register", "lists_all_agreements"
    ):
        facts.editions[pk] = EditionFacts(pk, code, month, register, full)
    agreements = facts.agreements
    for query in _scoped(Agreement.objects.all(), "pk", agreement_ids):
        for pk, reference in query.values_list("pk", "reference"):
            agreements[pk] = AgreementFacts(pk, reference)

    versions = {}
    ordered = AgreementVersion.objects.order_by("agreement_id", "version_major", "version_minor", "reference")
    for query in _scoped(ordered, "agreement_id", agreement_ids):
        for row in query.values_list(*VERSION_FIELDS):
            version = VersionFacts(
                id=row[0], agreement_id=row[1], reference=row[2], version=row[3], major=row[4], minor=row[5],
                title=row[6], applicant_id=row[7], applicant_name=row[8], dsa_start=row[9], dsa_start_text=row[10],
                dsa_end=row[11], dsa_end_text=row[12], commercial=row[13], commercial_text=row[14],
                sublicensing=row[15], sublicensing_text=row[16],
            )  # fmt: skip
            versions[version.id] = version
            agreements[row[1]].versions.append(version)
    # Objectives: only their start is needed, cut by the database (the full texts are 40 MB at full size).
    texts = AgreementVersion.objects.order_by().annotate(objectives_start=Substr("objectives", 1, TEXT_START))
    for query in _scoped(texts, "agreement_id", agreement_ids):
        for pk, objectives, yielded in query.values_list("id", "objectives_start", "yielded_benefits").iterator(500):
            version = versions[pk]
            version.objectives_start = objectives or ""
            version.yielded_benefits_start = yielded[:TEXT_START]
            version.yielded_benefits_fingerprint = fingerprint(yielded)
    for query in _scoped(VersionListing.objects.order_by(), "version__agreement_id", agreement_ids):
        for version_id, edition_id in query.values_list("version_id", "edition_id"):
            versions[version_id].editions.append(edition_id)
    for version in list(versions.values()):
        version.editions.sort()
        listed_by = [facts.editions[pk] for pk in version.editions if pk in facts.editions]
        if listed_by and all(edition.register == SEED for edition in listed_by):
            # The project's seed is a reformatted page summarising each agreement in one row, with reconstructed
            # file months: not the register's rows, so nothing to judge. Its files go with it (below).
            del versions[version.id]
            agreements[version.agreement_id].versions.remove(version)
            continue
        version.states_details = any(edition.states_agreement_details for edition in listed_by)
    controllers = VersionController.objects.order_by("version_id", "position")
    for query in _scoped(controllers, "version__agreement_id", agreement_ids):
        for version_id, spelling in query.values_list("version_id", "spelling"):
            if version_id in versions:
                versions[version_id].controllers.append(spelling)
    uses = DatasetUse.objects.order_by("version_id", "position")
    for query in _scoped(uses, "version__agreement_id", agreement_ids):
        for row in query.values_list(
            "version_id", "position", "dataset_id", "dataset_name", "type_of_data", "frequency", "common_law_duty"
        ):
            if row[0] in versions:
                versions[row[0]].uses.append(UseFacts(*row[1:]))

    for query in _scoped(FileRelease.objects.order_by(), "agreement_id", agreement_ids):
        for row in plain_rows(query.values_list(*FILE_FIELDS)):
            if row[2] in versions:
                agreements[row[0]].files.append(FileFacts(*row[1:]))

    named = {version.applicant_id for version in versions.values()}
    named |= {file.organisation_id for agreement in agreements.values() for file in agreement.files}
    named.discard(None)
    for chunk in chunks(named):
        facts.organisations.update(Organisation.objects.filter(pk__in=chunk).values_list("pk", "name"))
    return facts


def plain_rows(values_list):
    """The rows of a `values_list` of file releases, read by the database cursor with their month and opt-outs
    converted here: at 100k rows, Django's per-value converters took longer than the query (the same few hundred
    months recur, so each is parsed once)."""
    month, applied = FILE_FIELDS.index("month"), FILE_FIELDS.index("opt_outs_applied")
    months = {None: None}
    sql, params = values_list.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(5000):
            for row in batch:
                row = list(row)
                value = row[month]
                if value not in months:
                    months[value] = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
                row[month] = months[value]
                row[applied] = None if row[applied] is None else bool(row[applied])
                yield row


def organisations_of(agreement_ids):
    """Every organisation the agreements' files went to: named on the file, else an applicant of their versions."""
    found = set()
    for chunk in chunks(agreement_ids):
        found |= set(
            FileRelease.objects.filter(agreement_id__in=chunk, organisation__isnull=False)
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        found |= set(
            AgreementVersion.objects.filter(agreement_id__in=chunk, applicant__isnull=False)
            .values_list("applicant_id", flat=True)
            .distinct()
        )
    return found


def agreements_of(organisation_ids):
    """Every agreement whose files may have gone to these organisations (named on a file, or an applicant)."""
    found = set()
    for chunk in chunks(organisation_ids):
        found |= set(
            FileRelease.objects.filter(organisation_id__in=chunk).values_list("agreement_id", flat=True).distinct()
        )
        found |= set(
            AgreementVersion.objects.filter(applicant_id__in=chunk).values_list("agreement_id", flat=True).distinct()
        )
    return found
