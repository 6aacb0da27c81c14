"""The register's narrative texts (objectives, processing, outputs, benefits) as blocks to render.

The register writes lists as plain lines: "1. ...", "1) ...", "a. ...", "- ...", "• ...", "o ...", "~ ..." and
private-use bullets (U+F0B7). `blocks()` keeps every line and its order and groups consecutive list lines into
lists, so a page can show numbered items as numbered lists and everything else as paragraphs.
"""

import re
from dataclasses import dataclass, field

_NUMBERED = re.compile(r"^\(?(?P<n>\d{1,3})[.)]\s+(?P<text>\S.*)$")
_LETTERED = re.compile(r"^\(?(?P<n>[a-z])[.)]\s+(?P<text>\S.*)$")
_BULLET = re.compile(r"^(?:[-\u2022\u2023\u25aa\u25cf\u00b7~*\uf0b7\uf0a7]|o(?=\s))\s*(?P<text>\S.*)$")


@dataclass
class Block:
    kind: str  # "paragraph", "numbered", "lettered" or "bullets"
    text: str = ""
    items: list = field(default_factory=list)  # (number or None, text) pairs for lists


def _classify(line):
    for kind, pattern in (("numbered", _NUMBERED), ("lettered", _LETTERED), ("bullets", _BULLET)):
        match = pattern.match(line)
        if match:
            number = match.groupdict().get("n")
            if kind == "numbered":
                number = int(number)
            elif kind == "lettered":
                number = ord(number) - ord("a") + 1
            return kind, number, match.group("text").strip()
    return "paragraph", None, line


def blocks(text):
    """The text as a list of Blocks; blank lines only separate, they never become content."""
    result = []
    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        kind, number, body = _classify(line)
        if kind == "paragraph":
            result.append(Block("paragraph", text=body))
        elif result and result[-1].kind == kind:
            result[-1].items.append((number, body))
        else:
            result.append(Block(kind, items=[(number, body)]))
    return result
