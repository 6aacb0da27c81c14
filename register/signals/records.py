"""Plain records of what the register says, as the signal kinds see it: no Django, no database.

`register.signals.reader` builds them from the database; tests build them by hand. Values are the loader's
normalised ones (dates, booleans, linked organisations and datasets) beside the register's text as written, and
the register's own identifiers (references, file references) that evidence quotes.

Versions that only the project's seed page lists (a summary of each agreement in one row, with reconstructed file
months) are left out with their files: they are not the register's rows.

Long narrative texts are not carried whole: a version carries the first characters of its objectives and yielded
benefits (enough to tell an empty or placeholder text) and a fingerprint of each (enough to tell two versions'
texts apart), so the full register's ~100 MB of narrative never sits in memory at once.
"""

import datetime
from dataclasses import dataclass, field


@dataclass(slots=True)
class EditionFacts:
    id: int
    code: str
    month: datetime.date | None = None
    register: str = ""  # an Edition.Register value
    lists_all_agreements: bool = False

    @property
    def states_agreement_details(self):
        """The older quarterly register gives no DSA dates, flags, yielded benefits or confidentiality basis."""
        return self.register != "release"


@dataclass(slots=True)
class UseFacts:
    """A dataset named on a version (a row of the Datasets sheet)."""

    position: int
    dataset_id: int | None
    dataset_name: str
    type_of_data: str = ""
    frequency: str = ""
    common_law_duty: str = ""


@dataclass(slots=True)
class VersionFacts:
    id: int
    agreement_id: int
    reference: str
    version: str = ""
    major: int = 0
    minor: int = 0
    title: str = ""
    applicant_id: int | None = None
    applicant_name: str = ""
    controllers: list = field(default_factory=list)  # spellings as written
    dsa_start: datetime.date | None = None
    dsa_start_text: str = ""
    dsa_end: datetime.date | None = None
    dsa_end_text: str = ""
    commercial: bool | None = None
    commercial_text: str = ""
    sublicensing: bool | None = None
    sublicensing_text: str = ""
    objectives_start: str = ""  # the first characters
    yielded_benefits_start: str = ""
    yielded_benefits_fingerprint: str = ""
    editions: list = field(default_factory=list)  # ids of the editions that listed it
    uses: list = field(default_factory=list)  # UseFacts, in the register's order
    states_details: bool = False  # listed by an edition that states dates, flags and benefits

    @property
    def label(self):
        return f"v{self.version}" if self.version else self.reference

    @property
    def dsa(self):
        return f"{_day(self.dsa_start, self.dsa_start_text)} to {_day(self.dsa_end, self.dsa_end_text)}"

    def in_force(self, first_day, last_day):
        """Was its DSA in force at some time between these days? Unknown (no dates) counts as no."""
        return bool(self.dsa_start and self.dsa_end and self.dsa_start <= last_day and self.dsa_end >= first_day)


def _day(day, text):
    return day.isoformat() if day else (text or "not stated")


@dataclass(slots=True)
class FileFacts:
    """One file released (a row of the DataReleases sheet)."""

    file_reference: str
    version_id: int
    dataset_id: int | None
    dataset_name: str
    organisation_id: int | None = None  # the organisation the row names (older registers only)
    organisation_name: str = ""  # as written
    type_of_data: str = ""
    month: datetime.date | None = None
    month_text: str = ""
    opt_outs_applied: bool | None = None
    opt_outs_text: str = ""
    first_edition_id: int | None = None


@dataclass(slots=True)
class AgreementFacts:
    id: int
    reference: str
    versions: list = field(default_factory=list)  # VersionFacts, oldest version first
    files: list = field(default_factory=list)  # FileFacts

    def versions_by_id(self):
        return {version.id: version for version in self.versions}

    @property
    def editions(self):
        """Ids of the editions that listed any of its versions."""
        return {edition for version in self.versions for edition in version.editions}


@dataclass
class RegisterFacts:
    """The agreements a computation looks at, with the editions and the organisation names they need."""

    agreements: dict = field(default_factory=dict)  # id -> AgreementFacts
    editions: dict = field(default_factory=dict)  # id -> EditionFacts
    organisations: dict = field(default_factory=dict)  # id -> canonical name
