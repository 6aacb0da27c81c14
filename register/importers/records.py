"""Plain records of what a register file says, one per row (or per version for the older registers).

Importers fill them; `register.loader` writes them. No Django here: the records can be built, compared and
tested without a database. Every value is kept as written (`*_text`) beside its parsed form.
"""

import datetime
from dataclasses import dataclass, field


@dataclass(slots=True)
class VersionRecord:
    """One agreement version: a row of the Agreements sheet (or what an older register says about a version)."""

    reference: str  # full reference as written, stripped: DARS-NIC-00574-V2H1F-v4.2, NIC-56039-T9H7X, GPCENSUS
    sheet: str = ""
    row: int = 0
    title: str = ""
    applicant_name: str = ""
    applicant_type: str = ""
    controllers_text: str = ""
    controllers: list = field(default_factory=list)  # spellings, split from controllers_text
    controller_arrangement: str = ""
    is_joint_controller: bool | None = None
    dsa_start: datetime.date | None = None
    dsa_start_text: str = ""
    dsa_end: datetime.date | None = None
    dsa_end_text: str = ""
    sublicensing: bool | None = None
    sublicensing_text: str = ""
    commercial: bool | None = None
    commercial_text: str = ""
    type_of_data_text: str = ""
    objectives: str = ""
    processing_activities: str = ""
    expected_outputs: str = ""
    expected_benefits: str = ""
    yielded_benefits: str = ""
    # False for a version named only by Datasets or DataReleases rows: the file does not list it as a version.
    listed: bool = True


@dataclass(slots=True)
class DatasetRecord:
    """A dataset named on a version: a row of the Datasets sheet."""

    reference: str
    dataset_name: str
    sheet: str = ""
    row: int = 0
    type_of_data: str = ""
    sensitivity: str = ""
    is_sensitive: bool | None = None
    frequency: str = ""
    legal_basis: str = ""
    common_law_duty: str = ""


@dataclass(slots=True)
class FileRecord:
    """One file released: a row of the DataReleases sheet."""

    file_reference: str
    reference: str
    dataset_name: str
    sheet: str = ""
    row: int = 0
    organisation_name: str = ""
    type_of_data: str = ""
    sensitivity: str = ""
    is_sensitive: bool | None = None
    legal_basis: str = ""
    frequency: str = ""
    opt_outs_text: str = ""
    opt_outs_applied: bool | None = None
    month: datetime.date | None = None
    month_text: str = ""


@dataclass(slots=True)
class SkippedRow:
    sheet: str
    row: int
    reason: str

    def as_dict(self):
        return {"sheet": self.sheet, "row": self.row, "reason": self.reason}


@dataclass
class RegisterContents:
    """Everything read from one file, ready for the loader."""

    register: str  # an Edition.Register value
    lists_all_agreements: bool  # a full monthly listing: agreements it omits are withdrawn
    versions: list = field(default_factory=list)
    datasets: list = field(default_factory=list)
    files: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    sheets: list = field(default_factory=list)  # the sheets read, with their row counts
    is_synthetic: bool = False
    note: str = ""
