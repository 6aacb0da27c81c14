"""What an import did, in one object that the command prints, the admin shows, tests read and Edition.summary keeps.

Counts are per kind of entry (agreements, versions, datasets, dataset uses, organisations, files), each
created / changed / unchanged / withdrawn. Skipped rows keep their sheet, row number and reason; disagreements
list where the register now says something else than a curator's corrected value (which was kept).
"""

from dataclasses import dataclass, field

KINDS = ["agreements", "versions", "datasets", "dataset_uses", "organisations", "files"]
OUTCOMES = ["created", "changed", "unchanged", "withdrawn"]
LIST_LIMIT = 500  # references listed per heading in the summary; the counts are always complete


@dataclass
class ImportReport:
    file: str
    edition: str = ""
    register: str = ""
    dry_run: bool = False
    already_imported: bool = False
    is_synthetic: bool = False
    counts: dict = field(default_factory=lambda: {kind: dict.fromkeys(OUTCOMES, 0) for kind in KINDS})
    rows_read: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    disagreements: list = field(default_factory=list)
    references: dict = field(
        default_factory=lambda: {
            key: []
            for key in (
                "added_agreements",
                "changed_agreements",
                "withdrawn_agreements",
                "added_versions",
                "changed_versions",
                "withdrawn_versions",
            )
        }
    )
    signals: dict = field(default_factory=dict)  # register.signals.store.Outcome.as_dict()
    seconds: float = 0.0

    def add(self, kind, outcome, number=1):
        self.counts[kind][outcome] += number

    def disagree(self, obj, field_name, curated, register):
        self.disagreements.append(
            {
                "model": type(obj).__name__,
                "object": str(obj),
                "id": obj.pk,
                "field": field_name,
                "curated": _plain(curated),
                "register": _plain(register),
            }
        )

    def as_dict(self):
        references = {key: sorted(values)[:LIST_LIMIT] for key, values in self.references.items()}
        return {
            "file": self.file,
            "edition": self.edition,
            "register": self.register,
            "dry_run": self.dry_run,
            "already_imported": self.already_imported,
            "is_synthetic": self.is_synthetic,
            "counts": self.counts,
            "rows_read": self.rows_read,
            "skipped": self.skipped,
            "warnings": self.warnings,
            "disagreements": self.disagreements,
            "references": references,
            "reference_totals": {key: len(values) for key, values in self.references.items()},
            "signals": self.signals,
            "seconds": round(self.seconds, 2),
        }

    def lines(self):
        """The summary as plain text lines, for the command's output."""
        if self.already_imported:
            return [f"{self.file} was already imported as edition {self.edition}: nothing changed."]
        head = "Dry run (nothing was saved)" if self.dry_run else "Imported"
        out = [f"{head}: {self.file} as edition {self.edition} ({self.register}) in {self.seconds:.1f} s"]
        if self.is_synthetic:
            out.append("The file is marked as synthetic: generated data, not real.")
        out.append(f"{'':14}" + "".join(f"{outcome:>11}" for outcome in OUTCOMES))
        for kind in KINDS:
            counts = self.counts[kind]
            out.append(f"{kind.replace('_', ' '):14}" + "".join(f"{counts[outcome]:>11,}" for outcome in OUTCOMES))
        out.append(f"Rows skipped: {len(self.skipped)}")
        out.extend(f"  {row['sheet']} row {row['row']}: {row['reason']}" for row in self.skipped[:50])
        if len(self.skipped) > 50:
            out.append(f"  ... and {len(self.skipped) - 50} more")
        out.extend(signal_lines(self.signals))
        for warning in self.warnings:
            out.append(f"Note: {warning}")
        if self.disagreements:
            out.append(f"The register disagrees with {len(self.disagreements)} curated value(s), which were kept:")
            for item in self.disagreements[:50]:
                out.append(f"  {item['model']} {item['object']}, {item['field']}: register says {item['register']!r}")
        return out


def _plain(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def signal_lines(signals, heading="Signals of the agreements imported"):
    """What a computation of signals found and changed, as text lines."""
    if not signals:
        return []
    found = signals.get("found", {})
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in found.items()) or "none"
    changes = [f"{signals.get(name, 0):,} {label}" for name, label in SIGNAL_OUTCOMES]
    return [f"{heading}: {kinds}", "  " + ", ".join(changes) + f" ({signals.get('seconds', 0):.1f} s)"]


SIGNAL_OUTCOMES = [
    ("created", "new"),
    ("changed", "changed"),
    ("reopened", "reviews reopened (evidence changed)"),
    ("no_longer_found", "no longer found"),
    ("unchanged", "unchanged"),
]
