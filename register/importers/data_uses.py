"""The NHS England Data Uses Register (monthly since July 2021): sheets Agreements, Datasets and DataReleases.

Each edition is a full listing: every agreement version then in force is a row of Agreements, so an agreement
a later edition no longer lists has been withdrawn. A version named only by Datasets or DataReleases rows is
kept (nothing is lost) as an unlisted version and reported.
"""

from register.importers.records import RegisterContents, VersionRecord
from register.importers.sheets import (
    AGREEMENTS,
    DATASETS,
    RELEASES,
    read_datasets,
    read_files,
    read_versions,
    split_all_controllers,
)
from register.importers.tables import Table

SHEETS = {"agreements": AGREEMENTS, "datasets": DATASETS, "datareleases": RELEASES}


def read(tables, contents: RegisterContents, known_keys, counted):
    """Fill `contents` from whichever of the three sheets are in `tables` ({role: Table})."""
    if "agreements" in tables:
        contents.versions = list(counted(read_versions(tables["agreements"], contents.skipped), "Agreements"))
        split_all_controllers(contents.versions, known_keys)
    if "datasets" in tables:
        contents.datasets = list(counted(read_datasets(tables["datasets"], contents.skipped), "Datasets"))
    if "datareleases" in tables:
        contents.files = list(counted(read_files(tables["datareleases"], contents.skipped), "DataReleases"))
    listed = {version.reference for version in contents.versions}
    unlisted = {}
    for record in [*contents.datasets, *contents.files]:
        if record.reference not in listed and record.reference not in unlisted:
            unlisted[record.reference] = VersionRecord(
                reference=record.reference, sheet=record.sheet, row=record.row, listed=False
            )
    contents.versions.extend(unlisted.values())
    if unlisted and "agreements" in tables:
        examples = ", ".join(sorted(unlisted)[:5])
        contents.warnings.append(
            f"{len(unlisted)} version(s) named in Datasets or DataReleases are not rows of Agreements "
            f"(kept without their agreement details): {examples}"
        )
    return contents


def tables_for(workbook, sheets_by_role, label):
    return {role: Table(sheet, SHEETS[role], label) for role, sheet in sheets_by_role.items() if role in SHEETS}
