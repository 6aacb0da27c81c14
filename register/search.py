"""Full-text search: agreements by their titles, references, organisations and narrative texts; organisations by name.

SQLite (the default database) uses FTS5 virtual tables; PostgreSQL a tsvector column with a GIN index, ranked with
ts_rank (migration 0005 makes the tables). Nothing here scans text with LIKE. Both index whole words without
stemming (PostgreSQL's 'simple' configuration): a stemmed index makes prefixes miss ("validat*" would not find
"validation", stored as "valid"), and the two databases' stemmers differ. Instead a word asks for its singular and
plural forms (`word_forms`), so "fracture" finds "fractures", and both databases find the same agreements.

Both databases read one query syntax, parsed here once so that they understand a query alike. It is the syntax of
PostgreSQL's websearch_to_tsquery, plus prefixes:
    words          every word must appear, in the singular or the plural (case and punctuation do not matter)
    "a phrase"     the words together, in this order, exactly
    manch*         a prefix: finds Manchester; hospital* finds hospitals
    "a phr"*       a phrase whose last word is a prefix
    a or b         either one
    -word          without it (NOT word, in capitals, too; AND in capitals is what a space means)
A reference typed in any case, with or without its version or its DARS- prefix, finds its agreement first.

What a search may cost is bounded, as anyone may type one: a term repeated is searched once; at most MAX_TERMS
terms are searched, at most MAX_PREFIXES of them prefixes (each stands for every word it starts); a prefix needs
SHORTEST_PREFIX letters (the index's shortest prefix: one letter would read every word). Terms left out are named
on the page (`Query.notes`). A search of exclusions alone ("-word") finds every agreement without them. Passages
are the costliest part (snippet() and ts_headline() grow with the square of the matches in a long text), so they
get PASSAGE_SECONDS: past it the page shows its results without them.

What is indexed is one document per agreement, gathering all its versions: their titles; its reference and theirs;
every organisation they name (applicant and data controllers, as the register wrote them, by their canonical names
and every spelling curators linked to them); the five narrative texts, each distinct text once (versions often
repeat them). One document per agreement, not per version, because the list shows agreements: ranking needs no
grouping, and a search over 1,900 documents is cheaper than over 5,500. Per organisation: its name, every
spelling, its ODS code, and the names of the bodies it replaced (old names).

PostgreSQL forgets where words are in long texts: a tsvector keeps at most 255 positions of a word and none past
16,383, and the register's narratives reach 16,000 words and use "data" or "health" hundreds of times. Words are
never dropped, only their positions, so a word is still found, but a phrase (which needs its words side by side)
was missed late in a long document. So PostgreSQL also indexes each agreement's texts in stretches (table
register_search_stretch; "passages" are what the list shows): each text apart, as FTS5 reads each column apart (so
a phrase never runs from one text into the next, on either database; it did in PostgreSQL's document), cut
into stretches of at most STRETCH_WORDS words in which no word is used more than MOST_USES times, each overlapping
the next by STRETCH_OVERLAP words. That overlap is the most words a phrase typed in the search box can have (a
word and a space each, within MAX_QUERY_LENGTH), so every phrase lies whole in some stretch. A phrase (or a prefix
of several words) matches an agreement when one of its stretches has it; single words are looked up in the whole
document as before, which also still ranks every result. The stretches are a second table rather than phrases
being checked in the stored texts: the texts leave out titles and references, and reading them all is what the GIN
indexes avoid. Passages still come from ts_headline over the stored texts, which marks phrases by reading the text
itself, except past the 16,383rd word of one text: a result found only there is listed without a passage.

The index holds nothing of its own: `rebuild()` derives it from register content (the `register_changed` receiver
calls it with the agreements that changed; `manage.py rebuild_search_index` rebuilds everything).
"""

import json
import logging
import re
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import OperationalError, connection, transaction
from django.db.models.expressions import RawSQL

from register.models import Agreement, AgreementVersion, Organisation, OrganisationAlias, VersionController
from register.names import name_key, prefix_variants, reference_key, split_reference
from register.text import NARRATIVE

logger = logging.getLogger(__name__)

MARK_START, MARK_END = "\ue000", "\ue001"  # around matched words in passages; never in indexed text
PASSAGE_SOURCES = [*NARRATIVE, ("organisations", "Organisations named")]
MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
MAX_PREFIXES = 3  # each expands to every word it starts: on PostgreSQL ranking ten two-letter prefixes took 4.5 s
SHORTEST_PREFIX = 2
BOOLEAN_WORDS = {"AND", "NOT"}  # typed in capitals, operators; in lower case, words ("or" is "or" in any case)
PASSAGE_SECONDS = 2.0  # PostgreSQL's ts_headline over a page of 100 long documents takes about 1 s
STRETCH_WORDS = 1_000  # far below PostgreSQL's 16,383 positions, even if it cut some words in two
MOST_USES = 255  # the positions a tsvector keeps of one word
STRETCH_OVERLAP = MAX_QUERY_LENGTH // 2  # the most words a phrase can have: each takes a letter and a space

_WORD = re.compile(r"[^\W_]+")
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?(\*?)|(\S+)')  # "a phrase"* : its last word a prefix
# A possessive ending on a word typed alone: "king's" searches king (and kings), as "King's", "Kings" and "King"
# are all written; a phrase in quotes keeps it, and finds what is written just so.
_POSSESSIVE = re.compile(r"(?<=[^\W_])['’]s?$", re.IGNORECASE)
# Typographic double quotes (as a phone's keyboard or a word processor types them) mark a phrase too.
_STRAIGHT_QUOTES = str.maketrans(dict.fromkeys("“”„‟«»", '"'))


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
    notes: list = field(default_factory=list)  # sentences for the reader: what of the text was not searched

    def __bool__(self):
        """Whether it ranks anything: a search of exclusions alone only takes agreements away."""
        return bool(self.groups)

    @property
    def usable(self):
        return bool(self.groups or self.excluded)

    @property
    def size(self):
        return sum(len(group) for group in self.groups) + len(self.excluded)

    @property
    def prefixes(self):
        return sum(term.prefix for group in [*self.groups, self.excluded] for term in group)


def parse(text):
    """The query a search box's text asks for. Anything the syntax cannot use (stray quotes, symbols) is dropped;
    what it could use but may not (see the module's docstring) is left out and named in `notes`."""
    text = (text or "").strip()[:MAX_QUERY_LENGTH].translate(_STRAIGHT_QUOTES)
    query, pending_or, pending_not, kept = Query(text), False, False, False
    short, beyond, prefixes_beyond, starred_phrases, operators = [], [], [], [], []
    for match in _QUERY_TOKEN.finditer(text):
        negated, phrase, starred, bare = match.groups()
        if bare in BOOLEAN_WORDS:  # in capitals, as a search engine's syntax writes them: "cancer NOT diabetes"
            pending_not = bare == "NOT"
            operators.append(bare)
            continue
        if bare is not None:
            if bare.casefold() == "or":
                pending_or = bool(query.groups) and kept  # "x a* or y", a* left out: x and y, not x or y
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            body = _POSSESSIVE.sub("", bare[1:] if negated else bare)
            term = Term(tuple(_WORD.findall(body.casefold())), prefix=body.endswith("*"))
        else:
            term = Term(tuple(_WORD.findall(phrase.casefold())), prefix=bool(starred))
            if "*" in phrase:
                starred_phrases.append(match.group(0))
        negated, pending_not = negated or ("-" if pending_not else ""), False
        joins, pending_or = pending_or, False
        if not term.words:
            continue
        if negated:
            into, item = query.excluded, term
        elif joins:
            into, item = query.groups[-1], term
        else:
            into, item = query.groups, [term]
        kept = True
        if term.prefix and len(term.words[-1]) < SHORTEST_PREFIX:
            short.append(match.group(0))
            kept = False
        elif item in into:
            continue  # said twice
        elif query.size >= MAX_TERMS:
            beyond.append(match.group(0))
            kept = False
        elif term.prefix and query.prefixes >= MAX_PREFIXES:
            prefixes_beyond.append(match.group(0))
            kept = False
        else:
            into.append(item)
    if pending_not:  # "cancer NOT": nothing after it to leave out (a later operator would have reset it)
        operators.pop()
        query.notes.append("Not searched: “NOT” at the end, as no term followed it to leave out.")
    if short:
        query.notes.append(
            f"Not searched: {_quoted(short)}. A word ending in * needs at least {SHORTEST_PREFIX} letters before it."
        )
    if prefixes_beyond:
        query.notes.append(
            f"Only the first {MAX_PREFIXES} words ending in * were searched, not {_quoted(prefixes_beyond)}."
        )
    if beyond:
        query.notes.append(f"Only the first {MAX_TERMS} terms were searched, not {_quoted(beyond)}.")
    if starred_phrases:
        query.notes.append(
            f"In {_quoted(starred_phrases)}, * was not a prefix: a phrase in quotes is searched as written, "
            'without it. A prefix goes outside quotes: hospital*, or "hospital episode"* for a phrase.'
        )
    if operators:
        query.notes.append(
            f"{_quoted(operators)} read as this site's syntax: every word must appear anyway (AND), and "
            "NOT leaves out the term after it, as - before it does."
        )
    return query


def _quoted(parts):
    return ", ".join(f"“{part}”" for part in dict.fromkeys(parts))


def _clean(text):
    """The text without the characters snippets use to mark matches (str.translate is ~100x slower on long texts)."""
    return (text or "").replace(MARK_START, " ").replace(MARK_END, " ")


def words(text):
    """Text as the words FTS5 sees in it. PostgreSQL's parser would also index "covid-19" and "s261(2)" whole,
    beside their parts, which shifts word positions and breaks phrases; giving it plain words keeps both alike."""
    return " ".join(_WORD.findall(text or ""))


def stretches(text_words):
    """A text's words (a list) in the overlapping stretches PostgreSQL indexes for phrases (see the module's
    docstring). A stretch ends at STRETCH_WORDS words, or before a word's use beyond MOST_USES; the next starts
    STRETCH_OVERLAP words before that end, which always moves on, as a stretch cut short has MOST_USES words."""
    start = 0
    while start < len(text_words):
        end, uses = start, Counter()
        while end < len(text_words) and end - start < STRETCH_WORDS:
            word = text_words[end].casefold()
            if uses[word] == MOST_USES:
                break
            uses[word] += 1
            end += 1
        yield text_words[start:end]
        if end == len(text_words):
            return
        start = end - STRETCH_OVERLAP


def _reference_words(*references):
    return " ".join(" ".join(_WORD.findall(reference)) for reference in references if reference)


# --- The two databases ----------------------------------------------------------------------------------------


class _SQLite:
    """FTS5, rowid = agreement id: bm25 ranking with titles and references weighted above organisations, and those
    above narrative."""

    AGREEMENT_WEIGHTS = "10, 10, 4, 1, 1, 1, 1, 1"  # title, reference, organisations, the five narrative texts
    ORGANISATION_WEIGHTS = "10, 5, 10, 1"  # name, spellings, codes, old names
    COLUMNS = ["title", "reference", "organisations", *(name for name, _ in NARRATIVE)]

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

    def rank_agreements(self, query):
        sql = (
            f"SELECT rowid FROM register_search_agreement WHERE register_search_agreement MATCH %s "
            f"ORDER BY bm25(register_search_agreement, {self.AGREEMENT_WEIGHTS}), rowid"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.match(query)])
            return [row[0] for row in cursor.fetchall()]

    @contextmanager
    def time_limit(self, seconds):
        """Statements run here are interrupted past `seconds` (OperationalError "interrupted")."""
        connection.ensure_connection()
        raw = connection.connection
        deadline = time.monotonic() + seconds
        raw.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        try:
            yield
        finally:
            raw.set_progress_handler(None, 0)

    def passages(self, query, agreement_ids):
        """One statement, a SELECT per passage source, each matching the query's terms in that column alone.

        snippet() weighs every candidate passage against every match in the row, so its cost grows with the square
        of the matches: a two-letter prefix matches hundreds of words in a long document. Filtered to one column,
        each snippet walks only that column's matches. The passages are the same as one snippet() per column of a
        single query would give, since snippet() scores a column's passages by that column's matches only; and
        the agreements are those the query matched, so its NOT terms (which match none of them) are left out."""
        terms = " OR ".join(self._term(term) for group in query.groups for term in group)
        placeholders = ", ".join(["%s"] * len(agreement_ids))
        selects, params = [], []
        for position, (name, _) in enumerate(PASSAGE_SOURCES):
            selects.append(
                f"SELECT rowid, {position}, "
                f"snippet(register_search_agreement, {self.COLUMNS.index(name)}, %s, %s, '…', 24) "
                f"FROM register_search_agreement WHERE register_search_agreement MATCH %s AND rowid IN ({placeholders})"
            )
            params += [MARK_START, MARK_END, f"{{{name}}} : ({terms})", *agreement_ids]
        found = {}
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            for agreement_id, position, snippet in cursor.fetchall():
                found.setdefault(agreement_id, [""] * len(PASSAGE_SOURCES))[position] = snippet
        return found

    def clear_agreements(self, agreement_ids):
        with connection.cursor() as cursor:
            if agreement_ids is None:
                cursor.execute("DELETE FROM register_search_agreement")
            else:
                placeholders = ", ".join(["%s"] * len(agreement_ids))
                cursor.execute(
                    f"DELETE FROM register_search_agreement WHERE rowid IN ({placeholders})", list(agreement_ids)
                )

    def insert_agreements(self, documents):
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO register_search_agreement (rowid, {', '.join(self.COLUMNS)}) "
                f"VALUES (%s, {', '.join(['%s'] * len(self.COLUMNS))})",
                [(d.agreement_id, d.title, d.reference, d.organisations, *d.narrative) for d in documents],
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
    """A tsvector per agreement (titles and references weighted A, organisations B, narrative D), ranked by ts_rank;
    the texts are kept beside it for ts_headline's passages. Phrases are found in the agreement's stretches (see the
    module's docstring)."""

    HEADLINE = (
        f'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, MaxFragments=1, FragmentDelimiter=" … "'
    )
    TEXTS = ["organisations", *(name for name, _ in NARRATIVE)]

    @staticmethod
    def _term(term):
        if term.prefix:
            words = [f"'{word}'" for word in term.words]
            return "to_tsquery('simple', %s)", [" <-> ".join(words) + ":*"]
        text = " or ".join(term.forms) if len(term.words) == 1 else '"' + " ".join(term.words) + '"'
        return "websearch_to_tsquery('simple', %s)", [text]

    @staticmethod
    def _words_of(term):
        """A term's words in any order: what the whole document is sure to have when a stretch has the term (its
        phrase may be past the positions the document keeps)."""
        if len(term.words) == 1:
            return _Postgres._term(term)
        words = " & ".join(f"'{word}'" for word in term.words)
        return "to_tsquery('simple', %s)", [words + ":*" if term.prefix else words]

    @staticmethod
    def _tsquery(groups, excluded, term_sql):
        """Groups ANDed, each its terms ORed, then none of the excluded terms: one tsquery, each term by term_sql."""
        sql, params = [], []
        for group in groups:
            parts = [term_sql(term) for term in group]
            sql.append("(" + " || ".join(part for part, _ in parts) + ")")
            params += [value for _, values in parts for value in values]
        expression = " && ".join(sql)
        if excluded:
            parts = [term_sql(term) for term in excluded]
            expression = f"({expression}) && !!(" + " || ".join(part for part, _ in parts) + ")"
            params += [value for _, values in parts for value in values]
        return expression, params

    def tsquery(self, query):
        """The query as one tsquery, phrases and all: what ranks the results and marks their passages."""
        return self._tsquery(query.groups, query.excluded, self._term)

    def words_tsquery(self, query):
        """A tsquery every agreement the query finds matches, through the GIN index: its phrases as their words in
        any order, its excluded phrases left out (the document may have a phrase without its positions). Those
        phrases are then checked in the stretches (`phrase_conditions`)."""
        return self._tsquery(query.groups, [term for term in query.excluded if len(term.words) == 1], self._words_of)

    def _found(self, term):
        """A condition on a row of register_search_agreement: the term is in that agreement."""
        expression, params = self._term(term)
        if len(term.words) == 1:
            return f"document @@ {expression}", params
        return (
            "agreement_id IN (SELECT stretch.agreement_id FROM register_search_stretch AS stretch "
            f"WHERE stretch.document @@ {expression})"
        ), params

    def phrase_conditions(self, query):
        """SQL conditions that, with `words_tsquery`, find what the query finds: each group with a phrase, its terms
        ORed, and no excluded phrase. Groups of single words are settled by `words_tsquery` already."""
        sql, params = [], []
        for group in query.groups:
            if any(len(term.words) > 1 for term in group):
                parts = [self._found(term) for term in group]
                sql.append("(" + " OR ".join(part for part, _ in parts) + ")")
                params += [value for _, values in parts for value in values]
        parts = [self._found(term) for term in query.excluded if len(term.words) > 1]
        if parts:
            sql.append("NOT (" + " OR ".join(part for part, _ in parts) + ")")
            params += [value for _, values in parts for value in values]
        return sql, params

    def rank_agreements(self, query):
        expression, params = self.tsquery(query)
        words, words_params = self.words_tsquery(query)
        conditions, condition_params = self.phrase_conditions(query)
        sql = (
            "SELECT agreement_id FROM register_search_agreement "
            f"CROSS JOIN (SELECT {expression} AS q, {words} AS words) AS query "
            f"WHERE {' AND '.join(['document @@ words', *conditions])} "
            "ORDER BY ts_rank(document, q) DESC, agreement_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params + words_params + condition_params)
            return [row[0] for row in cursor.fetchall()]

    @contextmanager
    def time_limit(self, seconds):
        """Statements run here are cancelled past `seconds`. They run in a transaction (or a savepoint) of their own
        with statement_timeout set for it alone, rolled back after: they only read, and the rollback puts the
        setting back as it was (one statement more than the search's own)."""
        with transaction.atomic():
            with connection.cursor() as cursor:
                milliseconds = max(1, round(seconds * 1000))  # never 0, which means no limit
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{milliseconds}ms"])
            yield
            transaction.set_rollback(True)

    def passages(self, query, agreement_ids):
        expression, params = self.tsquery(query)
        headlines = ", ".join(f"ts_headline('simple', {name}, q, %s)" for name, _ in PASSAGE_SOURCES)
        sql = (
            f"SELECT agreement_id, {headlines} FROM register_search_agreement "
            f"CROSS JOIN (SELECT {expression} AS q) AS query WHERE agreement_id = ANY(%s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.HEADLINE] * len(PASSAGE_SOURCES) + params + [list(agreement_ids)])
            return {row[0]: row[1:] for row in cursor.fetchall()}

    def clear_agreements(self, agreement_ids):
        with connection.cursor() as cursor:
            for table in ("register_search_agreement", "register_search_stretch"):
                # DELETE, never TRUNCATE: the rebuild runs in the change's transaction, and TRUNCATE would keep every
                # search waiting until it commits; after a DELETE readers see the old index until then.
                if agreement_ids is None:
                    cursor.execute(f"DELETE FROM {table}")
                else:
                    cursor.execute(f"DELETE FROM {table} WHERE agreement_id = ANY(%s)", [agreement_ids])

    def insert_agreements(self, documents):
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO register_search_agreement (agreement_id, {', '.join(self.TEXTS)}, document) "
                f"VALUES (%s, {', '.join(['%s'] * len(self.TEXTS))}, "
                "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'A') || "
                "setweight(to_tsvector('simple', %s), 'B') || setweight(to_tsvector('simple', %s), 'D'))",
                [
                    (
                        d.agreement_id,
                        d.organisations,
                        *d.narrative,
                        *(words(text) for text in (d.title, d.reference, d.organisations, " ".join(d.narrative))),
                    )
                    for d in documents
                ],
            )
            cursor.executemany(
                "INSERT INTO register_search_stretch (agreement_id, document) VALUES (%s, to_tsvector('simple', %s))",
                [
                    (d.agreement_id, " ".join(stretch))
                    for d in documents
                    for text in (d.title, d.reference, d.organisations, *d.narrative)
                    for stretch in stretches(_WORD.findall(text or ""))
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
            # Normalised by the document's length (1: divided by 1 + its log), as FTS5's bm25 is: a sub-ICB location
            # names "Manchester" over and over in its old names, and outranked NHS Manchester CCG for "manchester".
            "WHERE document @@ q ORDER BY ts_rank(document, q, 1) DESC, organisation_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.organisation_tsquery(words)])
            return [row[0] for row in cursor.fetchall()]

    def replace_organisations(self, documents):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM register_search_organisation")  # not TRUNCATE: see clear_agreements
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
    keys = {variant for key in (reference_key(text), reference_key(base)) for variant in prefix_variants(key)}
    return Agreement.objects.filter(key__in=keys).order_by("pk").values_list("pk", flat=True).first()


def among(ids):
    """An expression for `pk__in` over a list of ids, as one parameter however long the list: a search's hits are
    found once, then every count on the page (each facet branch) reads them without searching again."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(ids))])


def ranked_agreements(query, reference_id=None):
    """[agreement id] the query finds, best first; the agreement a reference names leads. A query of exclusions
    alone finds every agreement that has none of them, by id."""
    if query:
        ranked = _backend().rank_agreements(query)
    elif query.excluded:
        without = set(_backend().rank_agreements(Query(query.text, groups=[query.excluded])))
        ranked = [pk for pk in Agreement.objects.order_by("pk").values_list("pk", flat=True) if pk not in without]
    else:
        ranked = []
    if reference_id is None or not query:
        return ranked
    return [reference_id] + [pk for pk in ranked if pk != reference_id]


@dataclass
class Passage:
    source: str  # which text it comes from
    text: str  # with MARK_START and MARK_END around matched words; escape it, then mark them


class Passages(dict):
    """{agreement id: Passage}. `cut_short` when finding them took longer than PASSAGE_SECONDS and none are given."""

    cut_short = False


def _interrupted(error):
    message = str(error)
    return "interrupted" in message or "statement timeout" in message


def passages(query, agreement_ids):
    """{agreement id: the Passage that best shows why it matched}, for a page of results (one query), as Passages."""
    agreement_ids = list(agreement_ids)
    found = Passages()
    if not query or not agreement_ids:
        return found
    backend = _backend()
    try:
        with backend.time_limit(PASSAGE_SECONDS):
            snippets_of = backend.passages(query, agreement_ids)
    except OperationalError as error:
        if not _interrupted(error):
            raise
        logger.warning("Passages for %r took over %s s: the page is shown without them.", query.text, PASSAGE_SECONDS)
        found.cut_short = True
        return found
    for agreement_id, snippets in snippets_of.items():
        scored = [
            (snippet.count(MARK_START), -position, label, snippet)
            for position, ((_, label), snippet) in enumerate(zip(PASSAGE_SOURCES, snippets, strict=True))
            if snippet and MARK_START in snippet
        ]
        if scored:
            _, _, label, snippet = max(scored)
            found[agreement_id] = Passage(label, " ".join(snippet.split()))
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
    # No words match no ids; the empty select yields an integer, as PostgreSQL compares it with ids.
    sql, params = _backend().organisations_sql(words) if words else ("SELECT 0 WHERE 1 = 0", [])
    return RawSQL(sql, params)


def ranked_organisations(text):
    words = organisation_words(text)
    return _backend().rank_organisations(words) if words else []


# --- Keeping the index ------------------------------------------------------------------------------------------


@dataclass
class AgreementDocument:
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


def _unique(values, fold=True):
    """Values without blanks or repeats, first spelling kept; `fold` also drops repeats that differ only in case or
    spacing (names), and flattens each value's spacing."""
    seen = {}
    for value in values:
        text = " ".join((value or "").split()) if fold else (value or "").strip()
        if text:
            seen.setdefault(" ".join(text.split()).casefold() if fold else text, text)
    return list(seen.values())


def agreement_documents(agreement_ids, spellings):
    """One document per agreement from all its versions, newest first (so a passage favours the latest wording),
    each distinct text once."""
    fields = ["id", "agreement_id", "agreement__reference", "reference", "title", "applicant_id", "applicant_name"]
    fields += ["controllers_text", *(name for name, _ in NARRATIVE)]
    controllers = {}
    for version_id, organisation_id, spelling in VersionController.objects.filter(
        version__agreement_id__in=agreement_ids
    ).values_list("version_id", "organisation_id", "spelling"):
        controllers.setdefault(version_id, []).extend([spelling, *spellings.get(organisation_id, [])])
    gathered = {}
    for row in (
        AgreementVersion.objects.filter(agreement_id__in=agreement_ids)
        .order_by("agreement_id", "-version_major", "-version_minor", "-pk")
        .values(*fields)
    ):
        parts = gathered.setdefault(
            row["agreement_id"], {"title": [], "reference": [row["agreement__reference"]], "organisations": []}
        )
        parts["title"].append(row["title"])
        parts["reference"].append(row["reference"])
        parts["organisations"] += [row["applicant_name"], *spellings.get(row["applicant_id"], [])]
        parts["organisations"] += [*controllers.get(row["id"], []), row["controllers_text"]]
        for name, _ in NARRATIVE:
            parts.setdefault(name, []).append(row[name])
    for agreement_id, parts in gathered.items():
        yield AgreementDocument(
            agreement_id=agreement_id,
            title=_clean("\n".join(_unique(parts["title"]))),
            reference=_reference_words(*_unique(parts["reference"])),
            organisations=_clean("; ".join(_unique(parts["organisations"]))),
            narrative=tuple(_clean("\n\n".join(_unique(parts.get(name, []), fold=False))) for name, _ in NARRATIVE),
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
    """Re-index these agreements (every agreement when None) and every organisation. Returns the counts."""
    backend = _backend()
    if agreement_ids is None:
        backend.clear_agreements(None)
        agreement_ids = list(Agreement.objects.order_by("pk").values_list("pk", flat=True))
    else:
        agreement_ids = sorted(set(agreement_ids))
    spellings = _spellings()
    for start in range(0, len(agreement_ids), BATCH):
        batch = agreement_ids[start : start + BATCH]
        backend.clear_agreements(batch)
        backend.insert_agreements(list(agreement_documents(batch, spellings)))
    organisations = list(organisation_documents(spellings))
    backend.replace_organisations(organisations)
    return {"agreements": len(agreement_ids), "organisations": len(organisations)}
