"""Full-text search: agreements by their titles, references, organisations and narrative texts; organisations by name.

SQLite (the default database) uses FTS5 virtual tables; PostgreSQL a tsvector column with a GIN index, ranked with
ts_rank (migration 0003 makes the tables). Nothing here scans text with LIKE. Both index whole words without
stemming (PostgreSQL's 'simple' configuration): a stemmed index makes prefixes miss ("validat*" would not find
"validation", stored as "valid"), and the two databases' stemmers differ. Instead a word asks for its singular and
plural forms (`word_forms`), so "fracture" finds "fractures", and both databases find the same agreements.

Both databases read one query syntax, parsed here once so that they understand a query alike. It is the syntax of
PostgreSQL's websearch_to_tsquery, plus prefixes:
    words          every word must appear, in the singular or the plural (case and punctuation do not matter)
    "a phrase"     the words together, in this order, exactly
    manch*         a prefix: finds Manchester; hospital* finds hospitals
    a or b         either one
    -word          without it
A reference typed in any case, with or without its version or its DARS- prefix, finds its agreement first.

What is indexed, per agreement version: its title; its reference and its agreement's; every organisation it names
(applicant and data controllers, as the register wrote them, by their canonical names and every spelling curators
linked to them); its five narrative texts. Per organisation: its name, every spelling, its ODS code, and the names
of the bodies it replaced (old names).

The index holds nothing of its own: `rebuild()` derives it from register content (the `register_changed` receiver
calls it with the agreements that changed; `manage.py rebuild_search_index` rebuilds everything).
"""

import re
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models.expressions import RawSQL

from register.models import Agreement, AgreementVersion, Organisation, OrganisationAlias, VersionController
from register.names import name_key, reference_key, split_reference

MARK_START, MARK_END = "\ue000", "\ue001"  # around matched words in passages; never in indexed text
NARRATIVE = [
    ("objectives", "Objective for processing"),
    ("processing_activities", "Processing activities"),
    ("expected_outputs", "Expected outputs"),
    ("expected_benefits", "Expected measurable benefits"),
    ("yielded_benefits", "Yielded benefits"),
]
PASSAGE_SOURCES = [*NARRATIVE, ("organisations", "Organisations named")]
MAX_QUERY_LENGTH = 200

_WORD = re.compile(r"[^\W_]+")
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_MARKS = str.maketrans({MARK_START: " ", MARK_END: " "})


# --- The query syntax -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    words: tuple  # lower-case words; more than one is a phrase
    prefix: bool = False

    @property
    def forms(self):
        """The single words that satisfy it: a word in the singular and the plural."""
        return word_forms(self.words[0]) if len(self.words) == 1 and not self.prefix else self.words


def word_forms(word):
    """A word and its plural or singular (regular English forms only: "fracture"/"fractures", "study"/"studies",
    "box"/"boxes"). Short words, numbers and codes stay as they are."""
    if len(word) < 3 or not word.isalpha():
        return (word,)
    forms = [word]
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    elif word.endswith(("ses", "xes", "zes", "ches", "shes")):
        forms += [word[:-2], word[:-1]]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        forms.append(word[:-1])
    elif word.endswith("y") and word[-2] not in "aeiou":
        forms.append(word[:-1] + "ies")
    elif word.endswith(("s", "x", "z", "ch", "sh")):
        forms.append(word + "es")
    else:
        forms.append(word + "s")
    return tuple(forms)


@dataclass
class Query:
    """A parsed search: every group must match (any one term of a group will do); no excluded term may."""

    text: str
    groups: list = field(default_factory=list)
    excluded: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.groups)


def parse(text):
    """The query a search box's text asks for. Anything the syntax cannot use (stray quotes, symbols) is dropped."""
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    query, pending_or = Query(text), False
    for match in _QUERY_TOKEN.finditer(text):
        negated, phrase, bare = match.groups()
        if bare is not None:
            if bare.casefold() == "or":
                pending_or = bool(query.groups)
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            body = bare[1:] if negated else bare
            term = Term(tuple(_WORD.findall(body.casefold())), prefix=body.endswith("*"))
        else:
            term = Term(tuple(_WORD.findall(phrase.casefold())))
        if not term.words:
            continue
        if negated:
            query.excluded.append(term)
        elif pending_or:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = False
    return query


def _clean(text):
    return (text or "").translate(_MARKS)


def words(text):
    """Text as the words FTS5 sees in it. PostgreSQL's parser would also index "covid-19" and "s261(2)" whole,
    beside their parts, which shifts word positions and breaks phrases; giving it plain words keeps both alike."""
    return " ".join(_WORD.findall(text or ""))


def _reference_words(*references):
    return " ".join(" ".join(_WORD.findall(reference)) for reference in references if reference)


# --- The two databases ----------------------------------------------------------------------------------------


class _SQLite:
    """FTS5: bm25 ranking with titles and references weighted above organisations, and those above narrative."""

    VERSION_WEIGHTS = "0, 10, 10, 4, 1, 1, 1, 1, 1"  # agreement_id, title, reference, organisations, narrative x5
    ORGANISATION_WEIGHTS = "10, 5, 10, 1"  # name, spellings, codes, old names

    @staticmethod
    def _term(term):
        if term.prefix:
            return '"' + " ".join(term.words) + '"*'
        if len(term.words) > 1:
            return '"' + " ".join(term.words) + '"'
        return "(" + " OR ".join(f'"{form}"' for form in term.forms) + ")"

    def match(self, query):
        groups = " AND ".join("(" + " OR ".join(self._term(term) for term in group) + ")" for group in query.groups)
        if query.excluded:
            groups = f"({groups}) NOT (" + " OR ".join(self._term(term) for term in query.excluded) + ")"
        return groups

    def agreements_sql(self, query):
        return "SELECT agreement_id FROM register_search_version WHERE register_search_version MATCH %s", [
            self.match(query)
        ]

    def rank_agreements(self, query):
        sql = f"""
            WITH hits AS MATERIALIZED (
                SELECT rowid AS version_id, agreement_id,
                       bm25(register_search_version, {self.VERSION_WEIGHTS}) AS score
                FROM register_search_version WHERE register_search_version MATCH %s
            )
            SELECT agreement_id, version_id, min(score) AS best FROM hits GROUP BY agreement_id
            ORDER BY best, agreement_id
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.match(query)])
            return [(agreement_id, version_id) for agreement_id, version_id, _ in cursor.fetchall()]

    def passages(self, query, version_ids):
        columns = ["organisations", *(name for name, _ in NARRATIVE)]
        order = ["agreement_id", "title", "reference", *columns]
        snippets = ", ".join(
            f"snippet(register_search_version, {order.index(name)}, %s, %s, '…', 24)" for name, _ in PASSAGE_SOURCES
        )
        placeholders = ", ".join(["%s"] * len(version_ids))
        sql = (
            f"SELECT rowid, {snippets} FROM register_search_version "
            f"WHERE register_search_version MATCH %s AND rowid IN ({placeholders})"
        )
        params = [MARK_START, MARK_END] * len(PASSAGE_SOURCES) + [self.match(query), *version_ids]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0]: row[1:] for row in cursor.fetchall()}

    def clear_versions(self, agreement_ids):
        with connection.cursor() as cursor:
            if agreement_ids is None:
                cursor.execute("DELETE FROM register_search_version")
            else:
                placeholders = ", ".join(["%s"] * len(agreement_ids))
                cursor.execute(
                    f"DELETE FROM register_search_version WHERE agreement_id IN ({placeholders})", list(agreement_ids)
                )

    def insert_versions(self, documents):
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO register_search_version (rowid, agreement_id, title, reference, organisations, "
                "objectives, processing_activities, expected_outputs, expected_benefits, yielded_benefits) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (d.version_id, d.agreement_id, d.title, d.reference, d.organisations, *d.narrative)
                    for d in documents
                ],
            )

    def organisation_match(self, words):
        return " AND ".join(f'"{word}"*' for word in words)

    def organisations_sql(self, words):
        return "SELECT rowid FROM register_search_organisation WHERE register_search_organisation MATCH %s", [
            self.organisation_match(words)
        ]

    def rank_organisations(self, words):
        sql = (
            "SELECT rowid FROM register_search_organisation WHERE register_search_organisation MATCH %s "
            f"ORDER BY bm25(register_search_organisation, {self.ORGANISATION_WEIGHTS}), rowid"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.organisation_match(words)])
            return [row[0] for row in cursor.fetchall()]

    def replace_organisations(self, documents):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM register_search_organisation")
            cursor.executemany(
                "INSERT INTO register_search_organisation (rowid, name, spellings, codes, old_names) "
                "VALUES (%s, %s, %s, %s, %s)",
                [(d.organisation_id, d.name, d.spellings, d.codes, d.old_names) for d in documents],
            )


class _Postgres:
    """A tsvector per version (title and references weighted A, organisations B, narrative D), ranked by ts_rank."""

    HEADLINE = (
        f'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, MaxFragments=1, FragmentDelimiter=" … "'
    )

    @staticmethod
    def _term(term):
        if term.prefix:
            words = [f"'{word}'" for word in term.words]
            return "to_tsquery('simple', %s)", [" <-> ".join(words) + ":*"]
        text = " or ".join(term.forms) if len(term.words) == 1 else '"' + " ".join(term.words) + '"'
        return "websearch_to_tsquery('simple', %s)", [text]

    def tsquery(self, query):
        sql, params = [], []
        for group in query.groups:
            parts = [self._term(term) for term in group]
            sql.append("(" + " || ".join(part for part, _ in parts) + ")")
            params += [value for _, values in parts for value in values]
        expression = " && ".join(sql)
        if query.excluded:
            parts = [self._term(term) for term in query.excluded]
            expression = f"({expression}) && !!(" + " || ".join(part for part, _ in parts) + ")"
            params += [value for _, values in parts for value in values]
        return expression, params

    def agreements_sql(self, query):
        expression, params = self.tsquery(query)
        return f"SELECT agreement_id FROM register_search_version WHERE document @@ ({expression})", params

    def rank_agreements(self, query):
        expression, params = self.tsquery(query)
        sql = f"""
            SELECT agreement_id, version_id FROM (
                SELECT DISTINCT ON (agreement_id) agreement_id, version_id, ts_rank(document, q) AS score
                FROM register_search_version CROSS JOIN (SELECT {expression} AS q) AS query WHERE document @@ q
                ORDER BY agreement_id, score DESC, version_id DESC
            ) best ORDER BY score DESC, agreement_id
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def passages(self, query, version_ids):
        expression, params = self.tsquery(query)
        headlines = ", ".join(
            f"ts_headline('simple', {'s.organisations' if name == 'organisations' else 'v.' + name}, q, %s)"
            for name, _ in PASSAGE_SOURCES
        )
        sql = (
            f"SELECT v.id, {headlines} FROM register_agreementversion v "
            "JOIN register_search_version s ON s.version_id = v.id "
            f"CROSS JOIN (SELECT {expression} AS q) AS query WHERE v.id = ANY(%s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.HEADLINE] * len(PASSAGE_SOURCES) + params + [list(version_ids)])
            return {row[0]: row[1:] for row in cursor.fetchall()}

    def clear_versions(self, agreement_ids):
        with connection.cursor() as cursor:
            if agreement_ids is None:
                cursor.execute("TRUNCATE register_search_version")
            else:
                cursor.execute(
                    "DELETE FROM register_search_version WHERE agreement_id = ANY(%s)", [list(agreement_ids)]
                )

    def insert_versions(self, documents):
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO register_search_version (version_id, agreement_id, organisations, document) "
                "VALUES (%s, %s, %s, setweight(to_tsvector('simple', %s), 'A') || "
                "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B') || "
                "setweight(to_tsvector('simple', %s), 'D'))",
                [
                    (
                        d.version_id,
                        d.agreement_id,
                        d.organisations,
                        *(words(text) for text in (d.title, d.reference, d.organisations, " ".join(d.narrative))),
                    )
                    for d in documents
                ],
            )

    @staticmethod
    def organisation_tsquery(words):
        return " & ".join(f"'{word}':*" for word in words)

    def organisations_sql(self, words):
        return (
            "SELECT organisation_id FROM register_search_organisation WHERE document @@ to_tsquery('simple', %s)",
            [self.organisation_tsquery(words)],
        )

    def rank_organisations(self, words):
        sql = (
            "SELECT organisation_id FROM register_search_organisation "
            "CROSS JOIN (SELECT to_tsquery('simple', %s) AS q) AS query "
            "WHERE document @@ q ORDER BY ts_rank(document, q) DESC, organisation_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.organisation_tsquery(words)])
            return [row[0] for row in cursor.fetchall()]

    def replace_organisations(self, documents):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE register_search_organisation")
            cursor.executemany(
                "INSERT INTO register_search_organisation (organisation_id, document) VALUES (%s, "
                "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B') || "
                "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'C'))",
                [(d.organisation_id, d.name, d.spellings, d.codes, d.old_names) for d in documents],
            )


def _backend():
    if connection.vendor == "postgresql":
        return _Postgres()
    if connection.vendor == "sqlite":
        return _SQLite()
    raise NotImplementedError(f"Full-text search needs SQLite or PostgreSQL, not {connection.vendor}.")


# --- Searching agreements ---------------------------------------------------------------------------------------


def reference_match(text):
    """The id of the agreement a reference names (any case, with or without its version or DARS- prefix), or None."""
    text = (text or "").strip()
    if not text or " " in text or len(text) > 200:
        return None
    base, _ = split_reference(text)
    keys = {reference_key(text), reference_key(base)}
    keys |= {key.removeprefix("DARS-") if key.startswith("DARS-") else "DARS-" + key for key in set(keys)}
    return Agreement.objects.filter(key__in=keys).order_by("pk").values_list("pk", flat=True).first()


def matching_agreements(query, reference_id=None):
    """An expression for `pk__in`: the agreements the query finds (the subquery runs inside the caller's SQL)."""
    sql, params = _backend().agreements_sql(query) if query else ("SELECT NULL WHERE 1 = 0", [])
    if reference_id is not None:
        sql, params = f"{sql} UNION SELECT %s", [*params, reference_id]
    return RawSQL(sql, params)


def ranked_agreements(query, reference_id=None):
    """[(agreement id, id of its best-matching version)], best first; the agreement a reference names leads."""
    ranked = _backend().rank_agreements(query) if query else []
    if reference_id is None:
        return ranked
    return [(reference_id, None)] + [row for row in ranked if row[0] != reference_id]


@dataclass
class Passage:
    source: str  # which text it comes from
    text: str  # with MARK_START and MARK_END around matched words; escape it, then mark them


def passages(query, version_ids):
    """{version id: the Passage that best shows why it matched}, for a page of results (one query)."""
    version_ids = [pk for pk in version_ids if pk is not None]
    if not query or not version_ids:
        return {}
    found = {}
    for version_id, snippets in _backend().passages(query, version_ids).items():
        scored = [
            (snippet.count(MARK_START), -position, label, snippet)
            for position, ((_, label), snippet) in enumerate(zip(PASSAGE_SOURCES, snippets, strict=True))
            if snippet and MARK_START in snippet
        ]
        if scored:
            _, _, label, snippet = max(scored)
            found[version_id] = Passage(label, " ".join(snippet.split()))
    return found


# --- Searching organisations ------------------------------------------------------------------------------------


def organisation_words(text):
    """The words of a name search, spelled as the index spells names ("&" is "and", apostrophes go).

    "NHS" is dropped unless it is all there is: names are written with and without it.
    """
    words = name_key((text or "")[:MAX_QUERY_LENGTH]).split()
    return [word for word in words if word != "nhs"] or words


def matching_organisations(text):
    """An expression for `pk__in`: the organisations whose name, spelling, code or old name starts each word."""
    words = organisation_words(text)
    sql, params = _backend().organisations_sql(words) if words else ("SELECT NULL WHERE 1 = 0", [])
    return RawSQL(sql, params)


def ranked_organisations(text):
    words = organisation_words(text)
    return _backend().rank_organisations(words) if words else []


# --- Keeping the index ------------------------------------------------------------------------------------------


@dataclass
class VersionDocument:
    version_id: int
    agreement_id: int
    title: str
    reference: str
    organisations: str
    narrative: tuple


@dataclass
class OrganisationDocument:
    organisation_id: int
    name: str
    spellings: str
    codes: str
    old_names: str


def _spellings():
    """{organisation id: [canonical name, then every other spelling]}."""
    names = {pk: [name] for pk, name in Organisation.objects.values_list("pk", "name")}
    for organisation_id, spelling in OrganisationAlias.objects.values_list("organisation_id", "spelling"):
        if spelling not in names.get(organisation_id, []):
            names.setdefault(organisation_id, []).append(spelling)
    return names


def _unique(values):
    """Values without blanks or repeats that differ only in case or spacing, first spelling kept."""
    seen = {}
    for value in values:
        text = " ".join((value or "").split())
        if text:
            seen.setdefault(text.casefold(), text)
    return list(seen.values())


def version_documents(version_ids, spellings):
    fields = ["id", "agreement_id", "agreement__reference", "reference", "title", "applicant_id", "applicant_name"]
    fields += ["controllers_text", *(name for name, _ in NARRATIVE)]
    controllers = {}
    for version_id, organisation_id, spelling in VersionController.objects.filter(
        version_id__in=version_ids
    ).values_list("version_id", "organisation_id", "spelling"):
        controllers.setdefault(version_id, []).extend([spelling, *spellings.get(organisation_id, [])])
    for row in AgreementVersion.objects.filter(pk__in=version_ids).values(*fields):
        organisations = [row["applicant_name"], *spellings.get(row["applicant_id"], [])]
        organisations += [*controllers.get(row["id"], []), row["controllers_text"]]
        yield VersionDocument(
            version_id=row["id"],
            agreement_id=row["agreement_id"],
            title=_clean(row["title"]),
            reference=_reference_words(row["agreement__reference"], row["reference"]),
            organisations=_clean("; ".join(_unique(organisations))),
            narrative=tuple(_clean(row[name]) for name, _ in NARRATIVE),
        )


def organisation_documents(spellings):
    old_names = {}
    for successor_id, predecessor_id in Organisation.objects.filter(successor__isnull=False).values_list(
        "successor_id", "pk"
    ):
        old_names.setdefault(successor_id, []).extend(spellings.get(predecessor_id, []))
    for pk, ods_code in Organisation.objects.values_list("pk", "ods_code"):
        names = spellings.get(pk, [""])
        yield OrganisationDocument(
            organisation_id=pk,
            name=name_key(names[0]),
            spellings=" \n".join(name_key(name) for name in _unique(names[1:])),
            codes=name_key(ods_code),
            old_names=" \n".join(name_key(name) for name in _unique(old_names.get(pk, []))),
        )


BATCH = 500


@transaction.atomic
def rebuild(agreement_ids=None):
    """Re-index these agreements' versions (every version when None) and every organisation. Returns the counts."""
    backend = _backend()
    versions = AgreementVersion.objects.order_by("pk")
    if agreement_ids is not None:
        agreement_ids = sorted(set(agreement_ids))
        for start in range(0, len(agreement_ids), BATCH):
            backend.clear_versions(agreement_ids[start : start + BATCH])
        version_ids = []
        for start in range(0, len(agreement_ids), BATCH):
            batch = agreement_ids[start : start + BATCH]
            version_ids += versions.filter(agreement_id__in=batch).values_list("pk", flat=True)
    else:
        backend.clear_versions(None)
        version_ids = list(versions.values_list("pk", flat=True))
    spellings = _spellings()
    for start in range(0, len(version_ids), BATCH):
        backend.insert_versions(list(version_documents(version_ids[start : start + BATCH], spellings)))
    organisations = list(organisation_documents(spellings))
    backend.replace_organisations(organisations)
    return {"versions": len(version_ids), "organisations": len(organisations)}
