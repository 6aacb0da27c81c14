"""How an agreement is cited: by its register's publisher and name, its title, reference, version and edition; and
how an organisation's or a dataset's page is, whose figures are this site's counts over the editions loaded.

The older quarterly register was NHS Digital's Data Release Register; the monthly one is NHS England's Data Uses
Register. A synthetic edition is cited as what it is, never as NHS England's. The page adds where it was read and
when ("Reformatted at ..., accessed ...")."""

from register.models import Edition
from register.names import agreement_heading

_REGISTERS = {
    Edition.Register.DATA_USES: ("NHS England", "Data Uses Register"),
    Edition.Register.RELEASE: ("NHS Digital", "Data Release Register"),
}
_SYNTHETIC = ("Synthetic data, not NHS England's", "a synthetic register generated for testing")
_UNKNOWN = ("NHS England", "register of data sharing agreements and data releases")


def cited_as(edition):
    """(publisher, register name) of the edition (None: an agreement no edition lists)."""
    if edition is None:
        return _UNKNOWN
    if edition.is_synthetic or edition.register == Edition.Register.SYNTHETIC:
        return _SYNTHETIC
    return _REGISTERS.get(edition.register, _UNKNOWN)


def citation(edition, title, reference, version="", applicant_name=""):
    """'Publisher, “Title”, data sharing agreement REF (version V), Register, edition X', without a full stop. An
    agreement the register gives no title is described in square brackets, as citations do: [Untitled agreement
    with its applicant]."""
    publisher, register = cited_as(edition)
    heading = agreement_heading(title, applicant_name)
    named = f"“{heading}”" if title and title.strip() else f"[{heading}]"
    numbered = f" (version {version})" if version else ""
    listed_in = f"edition {edition.code}" if edition else "edition not recorded"
    return f"{publisher}, {named}, data sharing agreement {reference}{numbered}, {register}, {listed_in}"


def page_citation(name, kind, edition, sources=()):
    """'Data Release Register, reformatted, “Name”, KIND page, counted over the editions loaded up to X (figures from
    Publisher, Register)', without a full stop. The figures on such a page are this site's counts, not a register
    entry, so the citation names the site and the newest edition counted: a reader can then tell which figures were
    cited. `sources`: the editions that listed the page's agreements (`queries.editions_counted`); each register
    among them is named, oldest first, as an organisation known only to NHS Digital's quarterly register is not
    counted from NHS England's (without any, the newest edition's register is named)."""
    if edition is None:
        return f"Data Release Register, reformatted, “{name}”, {kind} page, no edition loaded"
    registers = list(dict.fromkeys(cited_as(source) for source in sources))
    named = "; ".join(f"{publisher}, {register}" for publisher, register in registers or [cited_as(edition)])
    counted = f"counted over the editions loaded up to {edition.code} ({'figures from ' if registers else ''}{named})"
    return f"Data Release Register, reformatted, “{name}”, {kind} page, {counted}"
