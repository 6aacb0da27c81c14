"""Checks an Atom feed for real: parsed by an XML parser (no DTDs, no entities), validated against the RELAX NG
schema of RFC 4287 (Appendix B, converted to tests/schemas/atom.rng), plus the two rules that schema states as
Schematron annotations (an author for every entry; a link or content for every entry) and what RFC 4287 says
of ids (absolute IRIs, unique) and dates (RFC 3339)."""

import re
from pathlib import Path

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
NS = {"atom": ATOM}
SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).parent / "schemas" / "atom.rng")))
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def validate_atom(content):
    """The feed's root element, once every check passed (an AssertionError says which did not)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(content, parser)
    assert root.tag == f"{{{ATOM}}}feed", root.tag
    if not SCHEMA.validate(root):
        raise AssertionError(f"not valid Atom (RFC 4287 RELAX NG schema): {SCHEMA.error_log}")
    entries = root.findall("atom:entry", NS)
    if root.find("atom:author", NS) is None:
        assert all(entry.find("atom:author", NS) is not None for entry in entries), "an entry has no author"
    for entry in entries:
        alternate = entry.xpath("atom:link[@rel='alternate' or not(@rel)]", namespaces=NS)
        assert alternate or entry.find("atom:content", NS) is not None, "an entry has neither link nor content"
    ids = [element.text for element in root.iter(f"{{{ATOM}}}id")]
    assert all(_ABSOLUTE.match(value or "") for value in ids), ids
    entry_ids = [entry.findtext("atom:id", namespaces=NS) for entry in entries]
    assert len(entry_ids) == len(set(entry_ids)), "entry ids repeat"
    return root


def entry_titles(root):
    return [entry.findtext("atom:title", namespaces=NS) for entry in root.findall("atom:entry", NS)]


def entry_ids(root):
    return [entry.findtext("atom:id", namespaces=NS) for entry in root.findall("atom:entry", NS)]
