"""Organisation names as the register writes them: splitting a list of data controllers, guessing a kind.

The Data Controller(s) cell joins names with "; ", newlines or ", ", yet some names hold commas themselves
("NHS BATH AND NORTH EAST SOMERSET, SWINDON AND WILTSHIRE ICB - 92G", "NHS HEYWOOD, MIDDLETON AND ROCHDALE CCG",
"NORTHUMBERLAND, TYNE AND WEAR NHS FOUNDATION TRUST"). Semicolons and newlines always separate; a comma
separates only where the pieces on both sides are whole names: a spelling already known (reference data,
aliases, applicants of the same file) wins, longest first; otherwise a piece is whole when it has the shape
of an organisation name (an NHS body ends in ICB - code, CCG, TRUST...; others hold a word like UNIVERSITY,
LIMITED, COUNCIL). A piece that is not whole joins the next one, and a trailing one joins the previous, so a
name is never broken where the text gives no reason to.

Kinds are guessed from the name first (it is the more specific), then from the applicant organisation type.
No Django here.
"""

import re

from register.names import name_key

_SEPARATORS = re.compile(r"\s*(?:;|\r\n|\r|\n)\s*")
SUB_ICB = re.compile(r"^(?P<icb>.+?)\s+ICB\s*[-\u2010-\u2015]\s*(?P<code>[A-Z0-9]{3,5})$", re.IGNORECASE)

# How an NHS body's name ends; "NHS SOUTH" or "NHS BATH AND NORTH EAST SOMERSET" alone is not a name.
_NHS_ENDINGS = re.compile(
    r"(\bICB\s*[-\u2010-\u2015]\s*[A-Z0-9]{3,5}|\bICB|\bCCG|INTEGRATED CARE BOARD|CLINICAL COMMISSIONING GROUP|"
    r"\bTRUST|COMMISSIONING SUPPORT UNIT|\bCSU|\bENGLAND|\bDIGITAL|\bIMPROVEMENT|AUTHORITY|\bAGENCY|\bSERVICES?|"
    r"\bBOARD|\bPARTNERSHIP|\bNETWORK|\bEXECUTIVE|\bSCOTLAND|\bWALES|\bLIMITED|\bLTD|\(\w+\))\s*\.?$",
    re.IGNORECASE,
)
_ORGANISATION_WORDS = re.compile(
    r"\b(UNIVERSITY|COLLEGE|INSTITUTE|SCHOOL|LIMITED|LTD|PLC|LLP|INC|CORPORATION|COMPANY|GROUP|COUNCIL|BOROUGH|"
    r"COUNTY|CITY|DEPARTMENT|MINISTRY|OFFICE|AGENCY|AUTHORITY|COMMISSION|TRUST|FOUNDATION|CHARITY|SOCIETY|"
    r"ASSOCIATION|HOSPITALS?|NHS|ICB|CCG|CSU|SERVICES?|CENTRE|CENTER|BOARD|UNIT|LABORATORY|ACADEMY|PARTNERSHIP|"
    r"HEALTH|CARE|ENGLAND|DIGITAL|GOVERNMENT|EXECUTIVE|NETWORK|CONSORTIUM|BANK|REGISTRY|PRACTICE|SURGERY|"
    r"GMBH|AG|SA|BV|LLC|PTY|AB|AS|OY)\b",
    re.IGNORECASE,
)


def looks_whole(name):
    """Does this piece of a comma-separated list have the shape of a whole organisation name?"""
    name = name.strip()
    if not name:
        return False
    if re.match(r"^NHS\b", name, re.IGNORECASE):
        return bool(_NHS_ENDINGS.search(name))
    return bool(_ORGANISATION_WORDS.search(name))


def _split_commas(piece, known_keys):
    tokens = [token.strip() for token in piece.split(",")]
    if len(tokens) == 1 or name_key(piece) in known_keys:
        return [piece]
    names = []
    i = 0
    while i < len(tokens):
        # The longest run of tokens that is a known spelling.
        known = next(
            (j for j in range(len(tokens), i, -1) if name_key(", ".join(tokens[i:j])) in known_keys),
            None,
        )
        if known is None:
            # The shortest run that looks whole; none: everything left is one name.
            known = next((j for j in range(i + 1, len(tokens) + 1) if looks_whole(", ".join(tokens[i:j]))), None)
            if known is None:
                if names:
                    names[-1] = ", ".join([names[-1], *tokens[i:]])
                else:
                    names.append(", ".join(tokens[i:]))
                break
        names.append(", ".join(tokens[i:known]))
        i = known
    return [name for name in names if name]


def split_controllers(value, known_keys=frozenset()):
    """The names in a Data Controller(s) cell, in order, each as written (stripped)."""
    names = []
    for piece in _SEPARATORS.split(value or ""):
        piece = piece.strip().strip(",").strip()
        if piece:
            names.extend(_split_commas(piece, known_keys))
    return names


_KIND_BY_NAME = [
    ("sub-icb", re.compile(SUB_ICB.pattern, re.IGNORECASE)),
    ("icb", re.compile(r"INTEGRATED CARE BOARD$|\bICB$", re.IGNORECASE)),
    ("ccg", re.compile(r"\bCCG$|CLINICAL COMMISSIONING GROUP", re.IGNORECASE)),
    ("csu", re.compile(r"COMMISSIONING SUPPORT UNIT|\bCSU\b", re.IGNORECASE)),
    ("trust", re.compile(r"\bNHS (FOUNDATION )?TRUST\b|\bFOUNDATION TRUST$", re.IGNORECASE)),
    # Public bodies whose names would otherwise read as an institute's, or as nothing in particular.
    (
        "government",
        re.compile(
            r"^NATIONAL INSTITUTE FOR HEALTH AND CARE|^HMRC\b|"
            r"^(THE )?NATIONAL AUDIT OFFICE|^(THE )?HEALTH AND SAFETY EXECUTIVE",
            re.IGNORECASE,
        ),
    ),
    ("university", re.compile(r"\bUNIVERSITY\b|\bCOLLEGE\b|\bINSTITUTE\b|SCHOOL OF|\bACADEMY\b", re.IGNORECASE)),
    (
        "local-authority",
        re.compile(r"\bCOUNCIL\b|\bBOROUGH\b|COUNTY COUNCIL|GREATER LONDON AUTHORITY|COMBINED AUTHORITY", re.I),
    ),
    (
        "government",
        re.compile(
            r"^DEPARTMENT (OF|FOR)\b|\bMINISTRY\b|\bAGENCY\b|\bOFFICE (FOR|OF)\b|^HM |^NHS ENGLAND|^NHS DIGITAL|"
            r"PUBLIC HEALTH ENGLAND|UK HEALTH SECURITY|CARE QUALITY COMMISSION|HOME OFFICE|CABINET OFFICE",
            re.IGNORECASE,
        ),
    ),
    (
        "company",
        re.compile(r"\b(LIMITED|LTD|PLC|LLP|INC|LLC|GMBH|CORPORATION|AG|BV)\b\.?|(&|\bAND) COMPANY$", re.IGNORECASE),
    ),
    ("charity", re.compile(r"\bCHARITY\b|\bSOCIETY\b|\bFOUNDATION\b|\bTRUST$|\bASSOCIATION\b", re.IGNORECASE)),
]

_KIND_BY_TYPE = [
    ("sub-icb", re.compile(r"sub ?icb", re.IGNORECASE)),
    ("icb", re.compile(r"\bicb\b|integrated care board", re.IGNORECASE)),
    ("ccg", re.compile(r"\bccg\b|clinical commissioning", re.IGNORECASE)),
    ("csu", re.compile(r"\bcsu\b|commissioning support", re.IGNORECASE)),
    ("trust", re.compile(r"nhs trust|foundation trust|nhs provider", re.IGNORECASE)),
    ("university", re.compile(r"academic|university|research", re.IGNORECASE)),
    ("local-authority", re.compile(r"local authority|council", re.IGNORECASE)),
    ("government", re.compile(r"department|government|agency|public body|arm.s length|ministerial", re.I)),
    ("company", re.compile(r"commercial|supplier|company|private", re.IGNORECASE)),
    ("charity", re.compile(r"charit|third sector|voluntary", re.IGNORECASE)),
]


def guess_kind(name, applicant_type=""):
    """An Organisation.Kind value for a name as written, helped by the applicant organisation type."""
    name = (name or "").strip()
    for kind, pattern in _KIND_BY_NAME:
        if pattern.search(name):
            return kind
    for kind, pattern in _KIND_BY_TYPE:
        if applicant_type and pattern.search(applicant_type):
            return kind
    return "other"


def sub_icb_code(name):
    """The ODS code a sub-ICB location's name ends with ("NHS GREATER MANCHESTER ICB - 00T" -> "00T"), or ""."""
    match = SUB_ICB.match((name or "").strip())
    return match.group("code").upper() if match else ""
