"""What every signal kind shares: its definition (`Kind`), what it returns (`Finding`) and small text helpers.

A kind is one pure function over plain records (`register.signals.records`), registered with `signal_kind(...)`
together with the words the site shows about it: a title, a definition (what counts, why it matters) and a caveat
(what it cannot tell). Kinds of scope "agreement" see one agreement at a time; kinds of scope "organisation" see
every agreement in the records at once (an organisation's agreements together) and name the organisation on each
finding, so that a partial recomputation can tell which of its findings are complete.
"""

import calendar
import datetime
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

RED_FLAG = "red-flag"
DATA_QUALITY = "data-quality"
CATEGORIES = {
    RED_FLAG: "Red flags",
    DATA_QUALITY: "The register's own inconsistencies (data quality)",
}


@dataclass
class Finding:
    """One thing a kind found: about one agreement (and an organisation or a dataset where that matters).

    `key` tells apart findings of one kind on one agreement; `evidence` is a list of plain dicts (JSON-safe: the
    register's identifiers, names as written, dates as YYYY-MM-DD) that a reader can check against the register.
    """

    kind: str
    agreement_id: int
    explanation: str
    evidence: list
    key: str = ""
    organisation_id: int | None = None
    dataset_id: int | None = None

    def serialised(self):
        """(the evidence as JSON text, its hash): worked out once, stored as they are."""
        text = evidence_text(self.evidence)
        return text, evidence_hash(self.kind, self.key, text)

    @property
    def evidence_hash(self):
        return self.serialised()[1]


def evidence_text(evidence):
    """Evidence as the JSON text that is stored and hashed."""
    return json.dumps(evidence, sort_keys=True, ensure_ascii=False)


def evidence_hash(kind, key, evidence_text):
    """A hash of what a finding rests on; its wording (the explanation) is left out, so rewording reopens nothing."""
    return hashlib.sha256(f"{kind}\x1f{key}\x1f{evidence_text}".encode()).hexdigest()


@dataclass(frozen=True)
class Kind:
    code: str  # in URLs (?signal=...), anchors (#signal-...) and Signal.kind
    title: str
    category: str  # RED_FLAG or DATA_QUALITY
    summary: str  # one sentence
    definition: tuple  # paragraphs: what counts and why it matters
    caveat: str  # what it cannot tell
    evidence_columns: tuple  # (key in an evidence row, column heading) for showing its evidence
    find: Callable = field(compare=False, repr=False)
    scope: str = "agreement"  # or "organisation"
    # What its findings' keys are made of, when they are database ids ("<organisation id>:<dataset id>"): a
    # curator's merge re-keys stored findings by them (register.signals.store.follow_merge), so reviews stand.
    key_ids: tuple = ()

    @property
    def anchor(self):
        return f"signal-{self.code}"

    @property
    def category_label(self):
        return CATEGORIES[self.category]

    @property
    def is_data_quality(self):
        return self.category == DATA_QUALITY


KINDS = []


def signal_kind(**definition):
    """Register a kind's function with its definition. Adding a kind: one decorated function and its test."""

    def register(function):
        KINDS.append(Kind(find=function, **definition))
        return function

    return register


# --- Helpers the kinds share --------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def month_end(month):
    """The last day of a month given by any of its days."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def iso(day):
    return day.isoformat() if isinstance(day, datetime.date) else ""


@lru_cache(maxsize=4096)
def month_code(day):
    return day.strftime("%Y-%m") if isinstance(day, datetime.date) else ""


def file_rows(files, describe):
    """Evidence rows for files: one per group (as `describe(file)` gives it), with its file references."""
    rows = {}
    for file in files:
        values = describe(file)
        row = rows.setdefault(tuple(values.items()), {**values, "files": 0, "file_references": []})
        row["files"] += 1
        row["file_references"].append(file.file_reference)
    for row in rows.values():
        row["file_references"].sort()
    return list(rows.values())


def plural(count, word, many=None):
    return f"{count:,} {word if count == 1 else many or word + 's'}"


def listed(items, limit=6):
    """'a, b and c'; long lists end '... and N more'."""
    items = list(items)
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit:,} more"
    if len(items) > 1:
        return ", ".join(items[:-1]) + " and " + items[-1]
    return items[0] if items else ""


# Texts that say nothing: the register writes "---", "N/A", "None" or the application form's stock sentence where a
# text is empty. Compared after case, punctuation and spacing are folded.
PLACEHOLDERS = {
    "n a",
    "na",
    "none",
    "nil",
    "tbc",
    "tbd",
    "not applicable",
    "not known",
    "not yet known",
    "not available",
    "none yet",
    "none to date",
    "no yielded benefits",
    "yielded benefits is not a requirement for new applications",
}
_FOLD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=8192)
def folded(text):
    return _FOLD.sub(" ", (text or "").casefold()).strip()


def is_blank(text):
    """Empty, only punctuation ("---"), or a placeholder ("N/A", "None")."""
    words = folded(text)
    return not words or words in PLACEHOLDERS


def fingerprint(text):
    """A short hash of a text with case and spacing folded: two versions' texts compare without keeping both."""
    return hashlib.sha1(" ".join((text or "").split()).casefold().encode()).hexdigest()[:20]


def excerpt(text, length=200):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
