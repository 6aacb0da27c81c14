"""The difference between two things the register said, field by field, with the words inserted and deleted.

Texts are compared paragraph by paragraph first (each non-blank line is a paragraph, as the register writes
lists one item a line), then word by word within a changed paragraph, with difflib. Changes of whitespace and of
quote or dash style only are not differences: “curly” and "straight" quotes, en and em dashes and hyphens,
doubled spaces and line breaks inside a paragraph compare equal (the new text is shown). A field whose text
changed only so is reported as such (`Field.typographic_only`), so a page can say why nothing is marked.

The result is plain data (paragraphs of `Segment`s: equal, inserted or deleted text); templates mark inserted
and deleted words with <ins> and <del> and words for screen readers (register.templatetags.change_tags).
"""

import difflib
import re
from dataclasses import dataclass, field

from register.editions import register_family
from register.text import NARRATIVE

EQUAL, INSERTED, DELETED = "equal", "inserted", "deleted"

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d]")
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
# Below this share of words in common, a changed paragraph reads better as deleted and inserted whole.
PAIRING_RATIO = 0.3


def typographic_key(text):
    """Text with what is ignored folded away: quote and dash style, and every run of whitespace."""
    return " ".join(_DASHES.sub("-", (text or "").translate(_QUOTES)).split())


@dataclass
class Segment:
    kind: str  # EQUAL, INSERTED or DELETED
    text: str


@dataclass
class Paragraph:
    kind: str  # EQUAL (unchanged), "changed" (words marked), INSERTED or DELETED (the whole paragraph)
    segments: list = field(default_factory=list)

    @property
    def changed(self):
        return self.kind not in (EQUAL, ELIDED)


def _token_key(token):
    return " " if token.isspace() else typographic_key(token)


def _merge(segments):
    merged = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].kind == segment.kind:
            merged[-1] = Segment(segment.kind, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def word_segments(before, after):
    """Segments of `after` against `before`, word by word: equal words as `after` writes them."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    matcher = difflib.SequenceMatcher(None, [_token_key(t) for t in old], [_token_key(t) for t in new], autojunk=False)
    segments = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment(EQUAL, "".join(new[j1:j2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment(DELETED, "".join(old[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment(INSERTED, "".join(new[j1:j2])))
    return _absorb_spaces(_merge(segments))


def _absorb_spaces(segments):
    """Changes separated only by spaces read as one: "quick brown" -> "slow red" is one deletion, one insertion."""
    result, run = [], []

    def flush():
        if any(segment.kind == DELETED for segment in run):
            result.append(Segment(DELETED, "".join(s.text for s in run if s.kind != INSERTED)))
        if any(segment.kind == INSERTED for segment in run):
            result.append(Segment(INSERTED, "".join(s.text for s in run if s.kind != DELETED)))
        run.clear()

    for index, segment in enumerate(segments):
        following = segments[index + 1] if index + 1 < len(segments) else None
        joins = bool(run) and segment.text.isspace() and following is not None and following.kind != EQUAL
        if segment.kind != EQUAL or joins:
            run.append(segment)
        else:
            flush()
            result.append(segment)
    flush()
    return result


def paragraphs_of(text):
    return [line.strip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]


def text_difference(before, after):
    """[Paragraph] of `after` against `before`: unchanged, changed word by word, inserted or deleted whole."""
    old, new = paragraphs_of(before), paragraphs_of(after)
    matcher = difflib.SequenceMatcher(None, [typographic_key(p) for p in old], [typographic_key(p) for p in new])
    result = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            result += [Paragraph(EQUAL, [Segment(EQUAL, text)]) for text in new[j1:j2]]
            continue
        olds, news = old[i1:i2], new[j1:j2]
        while olds and news:
            first, second = olds[0], news[0]
            ratio = difflib.SequenceMatcher(None, first.split(), second.split(), autojunk=False).ratio()
            if ratio < PAIRING_RATIO:
                break
            result.append(Paragraph("changed", word_segments(first, second)))
            olds, news = olds[1:], news[1:]
        result += [Paragraph(DELETED, [Segment(DELETED, text)]) for text in olds]
        result += [Paragraph(INSERTED, [Segment(INSERTED, text)]) for text in news]
    return result


ELIDED = "elided"
CONTEXT = 1  # unchanged paragraphs shown either side of a change


def elide(paragraphs, context=CONTEXT):
    """Only the changed paragraphs and `context` either side: longer runs of unchanged ones become one ELIDED
    paragraph whose only segment's text is the number left out (a 26,000-character text changes in one line)."""
    keep = set()
    for index, paragraph in enumerate(paragraphs):
        if paragraph.changed:
            keep.update(range(index - context, index + context + 1))
    result, hidden = [], 0
    for index, paragraph in enumerate(paragraphs):
        if index in keep:
            if hidden:
                result.append(Paragraph(ELIDED, [Segment(EQUAL, str(hidden))]))
                hidden = 0
            result.append(paragraph)
        else:
            hidden += 1
    if hidden:
        result.append(Paragraph(ELIDED, [Segment(EQUAL, str(hidden))]))
    return result


# Fields of a version's content (register.contents) in the order a page shows them: (name, label).
FIELDS = [
    ("title", "Application title"),
    ("applicant_name", "Applicant organisation"),
    ("applicant_type", "Applicant organisation type"),
    ("controllers_text", "Data controller(s)"),
    ("controller_arrangement", "Sole or joint data controller"),
    ("dsa_start", "DSA start date"),
    ("dsa_end", "DSA end date"),
    ("sublicensing_text", "Does sublicensing apply"),
    ("commercial_text", "For commercial purposes"),
    ("type_of_data_text", "Type of data (agreement)"),
    *NARRATIVE,
    ("datasets", "Datasets (type of data; sensitivity; frequency; legal basis; common law duty)"),
]
# What the older quarterly register states about a version; the rest it leaves unsaid.
STATED_BY = {
    "quarterly": {
        "applicant_name",
        "objectives",
        "processing_activities",
        "expected_outputs",
        "expected_benefits",
        "yielded_benefits",
        "datasets",
    }
}
_DATASET_PARTS = ["type_of_data", "sensitivity", "frequency", "legal_basis", "common_law_duty"]


def field_text(fields, name):
    """One field of a content dict as the text to compare."""
    if name in ("dsa_start", "dsa_end"):
        return str(fields.get(f"{name}_text") or fields.get(name) or "")
    if name == "datasets":
        lines = []
        for use in fields.get("datasets") or []:
            parts = "; ".join(str(use.get(part) or "") for part in _DATASET_PARTS if use.get(part))
            lines.append(f"{use.get('dataset', '')}: {parts}" if parts else str(use.get("dataset", "")))
        return "\n".join(lines)
    value = fields.get(name)
    return "" if value is None else str(value)


def stated_fields(register):
    """The content fields an edition of `register` (an Edition.register value) states; None: all of them."""
    return STATED_BY.get(register_family(register or ""))


@dataclass
class Field:
    name: str
    label: str
    before: str
    after: str
    paragraphs: list = field(default_factory=list)
    comparable: bool = True  # False when one side's register does not state the field at all

    @property
    def changed(self):
        return self.before != self.after

    @property
    def typographic_only(self):
        return self.changed and not self.differs

    @property
    def differs(self):
        return self.comparable and any(paragraph.changed for paragraph in self.paragraphs)


@dataclass
class Comparison:
    fields: list  # Field, in FIELDS order

    @property
    def differing(self):
        return [f for f in self.fields if f.differs]

    @property
    def typographic_only(self):
        return [f for f in self.fields if f.typographic_only]

    @property
    def typographic_labels(self):
        return [f.label for f in self.typographic_only]

    @property
    def not_comparable(self):
        return [f for f in self.fields if not f.comparable and f.changed]

    @property
    def unchanged_labels(self):
        return [f.label for f in self.fields if f.comparable and not f.changed]


def compare_contents(before, after, before_register="", after_register=""):
    """A Comparison of two version contents (dicts from register.contents), field by field."""
    stated = [stated_fields(before_register), stated_fields(after_register)]
    result = []
    for name, label in FIELDS:
        old, new = field_text(before, name), field_text(after, name)
        comparable = all(names is None or name in names for names in stated)
        found = Field(name, label, old, new, comparable=comparable)
        if comparable and old != new:
            found.paragraphs = elide(text_difference(old, new))
        result.append(found)
    return Comparison(result)
