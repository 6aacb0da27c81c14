"""Pure functions for the register's names and references: no models or database, so importers can use them.

- `name_key` turns any spelling of an organisation or dataset into the key that every spelling of the same
  name shares (case, curly apostrophes, "&" vs "and", dashes, spacing and punctuation do not matter).
- `split_reference` splits a full reference (`DARS-NIC-00574-V2H1F-v4.2`) into its base and its version.
- `reference_key` is how a reference is looked up from a URL or a search box, in any case.
- `agreement_heading` names an agreement on its pages: its title, or (the 2017 register gives none) its applicant.
- `dataset_family_key` is what two names of one dataset written two ways share, to suggest merges to curators.
"""

import re
import unicodedata

from django.utils.text import slugify as django_slugify

_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_VERSION = re.compile(r"^(?P<base>.+?)-v(?P<version>\d+(?:\.\d+)*)$", re.IGNORECASE)


def clean_text(value):
    """A register cell as text: None becomes "", surrounding whitespace goes, inner text stays as written."""
    if value is None:
        return ""
    return str(value).strip()


def name_key(name):
    """The key every spelling of one name shares: "NHS Tameside & Glossop CCG" == "nhs tameside and glossop ccg"."""
    text = unicodedata.normalize("NFKC", clean_text(name)).translate(_APOSTROPHES)
    text = _DASHES.sub("-", text).casefold()
    text = text.replace("&", " and ").replace("'", "")
    return " ".join(_NON_WORD.sub(" ", text).split())


_TRAILING_VERSION = re.compile(r"\s+v\d+(?:\.\d+)*$", re.IGNORECASE)
_TRAILING_BRACKETS = re.compile(r"\s*\([^()]*\)$")


def dataset_family_key(name):
    """What names the register gives one dataset in different years share: the name's key without a trailing
    version ("v1.5"), bracketed abbreviation or note ("(HES APC)", "(linkable to HES)") or "data set"/"dataset".

    "Hospital Episode Statistics Outpatients" and "... Outpatients (HES OP)", or "Diagnostic Imaging Dataset" and
    "Diagnostic Imaging Data Set (DID)", share one. Only a suggestion to curators (the admin's "Possibly named
    twice"): a bracketed note can also mark a different extract, so nothing is ever merged by it.
    """
    text = _TRAILING_VERSION.sub("", clean_text(name))
    text = _TRAILING_BRACKETS.sub("", text) or text
    key = name_key(text).replace("data set", "dataset")
    return key.removesuffix(" dataset") or key


def slugify(name, max_length=200):
    return django_slugify(name_key(name))[:max_length].strip("-") or "unnamed"


def split_reference(reference):
    """(base, version) of a reference as written; local codes like GPCENSUS have no version."""
    text = clean_text(reference)
    match = _VERSION.match(text)
    if not match:
        return text, ""
    return match.group("base"), match.group("version")


def version_sort_key(version):
    """'0.25' sorts after '0.10' and '1.13' after '1.2': compare the numbers, not the text."""
    parts = []
    for part in version.split("."):
        parts.append(int(part) if part.isdigit() else 0)
    return tuple(parts)


def reference_key(reference):
    """How a base reference is stored for lookups: upper case, no surrounding spaces."""
    return clean_text(reference).upper()


def prefix_variants(key):
    """A reference key, then the same key with its `DARS-` prefix taken off, or put on (both are written)."""
    return [key, key.removeprefix("DARS-") if key.startswith("DARS-") else "DARS-" + key]


def agreement_heading(title, applicant_name=""):
    """The agreement's title; without one, "Untitled agreement with" its applicant, so that it still says whose."""
    title, applicant_name = " ".join((title or "").split()), " ".join((applicant_name or "").split())
    if title:
        return title
    return f"Untitled agreement with {applicant_name}" if applicant_name else "Untitled agreement"
