"""The register's narrative texts (objectives, processing, outputs, benefits) as blocks to render.

The register writes lists as plain lines: "1. ...", "1) ...", "a. ...", "i. ...", "(ii) ...", "- ...", "• ...",
"o ...", "~ ..." and private-use bullets (U+F0B7). `blocks()` keeps every line and its order and groups
consecutive list lines into lists, so a page can show numbered items as numbered lists and everything else as
paragraphs. What is not a list stays as written: "*Pseudonymisation is..." (a footnote, its asterisk glued to the
word; a bullet asterisk has a space after it) and "---" (a line of dashes, nothing to list).

"i", "v" and "x" are letters when they continue a lettered list ("h. ..." then "i. ..."), and roman numerals
otherwise ("a. ...", "b. ...", then "i. ...", "ii. ..." is a list of its own under "b").
"""

import re
from dataclasses import dataclass, field

# The five narrative texts of a version: its field, and the register's column in words. The one list of them.
NARRATIVE = (
    ("objectives", "Objective for processing"),
    ("processing_activities", "Processing activities"),
    ("expected_outputs", "Expected outputs"),
    ("expected_benefits", "Expected measurable benefits"),
    ("yielded_benefits", "Yielded benefits"),
)
NARRATIVE_FIELDS = tuple(name for name, _ in NARRATIVE)

_NUMBERED = re.compile(r"^\(?(?P<n>\d{1,3})[.)]\s+(?P<text>\S.*)$")
_ROMAN = re.compile(r"^\(?(?P<n>i{1,3}|iv|vi{0,3}|ix|x)[.)]\s+(?P<text>\S.*)$")
_LETTERED = re.compile(r"^\(?(?P<n>[a-z])[.)]\s+(?P<text>\S.*)$")
_BULLET = re.compile(r"^(?:[-\u2022\u2023\u25aa\u25cf\u00b7~\uf0b7\uf0a7]|[*o](?=\s))\s*(?P<text>\S.*)$")
_WORDLESS = re.compile(r"^\W*$")
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}


@dataclass
class Block:
    kind: str  # "paragraph", "numbered", "lettered", "roman" or "bullets"
    text: str = ""
    items: list = field(default_factory=list)  # (number or None, text) pairs for lists


def _letter(text):
    return ord(text) - ord("a") + 1


def _continues_letters(previous, letter):
    return previous is not None and previous.kind == "lettered" and previous.items[-1][0] == _letter(letter) - 1


def _classify(line, previous):
    """(kind, number, text) of a line, given the block before it."""
    match = _NUMBERED.match(line)
    if match:
        return "numbered", int(match["n"]), match["text"].strip()
    roman, lettered = _ROMAN.match(line), _LETTERED.match(line)
    if roman and not (lettered and _continues_letters(previous, lettered["n"])):
        return "roman", ROMAN[roman["n"]], roman["text"].strip()
    if lettered:
        return "lettered", _letter(lettered["n"]), lettered["text"].strip()
    match = _BULLET.match(line)
    if match and not _WORDLESS.match(match["text"]):
        return "bullets", None, match["text"].strip()
    return "paragraph", None, line


def blocks(text):
    """The text as a list of Blocks; blank lines only separate, they never become content."""
    result = []
    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        kind, number, body = _classify(line, result[-1] if result else None)
        if kind == "paragraph":
            result.append(Block("paragraph", text=body))
        elif result and result[-1].kind == kind:
            result[-1].items.append((number, body))
        else:
            result.append(Block(kind, items=[(number, body)]))
    return result
