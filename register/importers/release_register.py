"""The older NHS Digital Data Release Register (quarterly, to about 2020): sheets DataReleases and PurposeStatements.

A quarterly register lists only what was released that quarter, so it withdraws nothing. It has no
Agreements sheet: a version is what its rows say about one reference (`NIC Number` in DataReleases,
`Reference Number` in PurposeStatements), kept as written (`NIC-...` without `DARS-`, local codes like
GPCENSUS). Its applicant is the organisation its files were released to (DataReleases `Organisation Name`),
else the PurposeStatements organisation: the purpose statements sometimes shorten the name ("NHS TRAFFORD "
for the files' "NHS TRAFFORD CCG").
One reference can have several purpose statements (one per dataset group of a CCG's agreement): their texts
are kept in row order, separated by a blank line, each text once (a CCG's 11 statements repeat the same 4
processing activities, outputs and benefits: NIC-41087-X6Y1L's 64 paragraphs held 23 different ones). The
datasets named on a version are those its files were released from, with the values of their first file row; the
register gives no month per file.
"""

from collections import defaultdict

from register.importers.records import DatasetRecord, RegisterContents, VersionRecord
from register.importers.sheets import PURPOSES, RELEASES, read_files, read_purposes
from register.importers.tables import Table
from register.text import NARRATIVE_FIELDS

SHEETS = {"datareleases": RELEASES, "purposestatements": PURPOSES}


def read(tables, contents: RegisterContents, known_keys, counted):
    versions = {}

    def version(reference, sheet, row):
        if reference not in versions:
            versions[reference] = VersionRecord(reference=reference, sheet=sheet, row=row)
        return versions[reference]

    if "purposestatements" in tables:
        table = tables["purposestatements"]
        stated = defaultdict(set)  # (reference, field) -> texts already kept
        for reference, number, fields in counted(read_purposes(table, contents.skipped), "PurposeStatements"):
            record = version(reference, table.sheet.name, number)
            record.applicant_name = record.applicant_name or fields["applicant_name"]
            for key in NARRATIVE_FIELDS:
                text = fields[key]
                if text and text not in stated[reference, key]:
                    stated[reference, key].add(text)
                    setattr(record, key, "\n\n".join(part for part in (getattr(record, key), text) if part))
    if "datareleases" in tables:
        contents.files = list(counted(read_files(tables["datareleases"], contents.skipped), "DataReleases"))
        named, released_to = set(), {}
        for file in contents.files:
            record = version(file.reference, file.sheet, file.row)
            if file.organisation_name and file.reference not in released_to:
                released_to[file.reference] = file.organisation_name
                record.applicant_name = file.organisation_name
            if (file.reference, file.dataset_name) not in named:
                named.add((file.reference, file.dataset_name))
                contents.datasets.append(
                    DatasetRecord(
                        reference=file.reference,
                        dataset_name=file.dataset_name,
                        sheet=file.sheet,
                        row=file.row,
                        type_of_data=file.type_of_data,
                        sensitivity=file.sensitivity,
                        is_sensitive=file.is_sensitive,
                        frequency=file.frequency,
                        legal_basis=file.legal_basis,
                    )
                )
    contents.versions = list(versions.values())
    return contents


def tables_for(workbook, sheets_by_role, label):
    return {role: Table(sheet, SHEETS[role], label) for role, sheet in sheets_by_role.items() if role in SHEETS}
