"""Full-text search, on whichever database DATABASE_URL names (SQLite FTS5 by default; run this file with a
PostgreSQL DATABASE_URL to test the tsvector index): what it finds, how it ranks, the passage it shows, and the
index kept current by the register_changed receiver."""

import re
from collections import Counter

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from register import actions, search
from register.events import announce
from register.models import Agreement, AgreementVersion, Organisation
from tests import factories
from tests.pagetext import page_text


def found(text):
    """References of the agreements a search finds, best first, as the list page ranks them."""
    query = search.parse(text)
    ranked = search.ranked_agreements(query, search.reference_match(text))
    references = dict(Agreement.objects.filter(pk__in=ranked).values_list("pk", "reference"))
    return [references[pk] for pk in ranked]


@pytest.fixture
def register(db):
    factories.agreement(
        "DARS-NIC-00574-V2H1F",
        title="LAPH Standard Extract",
        applicant="SOUTHAMPTON CITY COUNCIL",
        versions=["4.2", "5.2"],
        texts={
            "objectives": "The Local Authority will use hospital data to study hip fractures in older people.",
            "yielded_benefits": "Examples include:\n~ looking at the causes of hospital admissions for self-harm",
        },
    )
    factories.agreement(
        "DARS-NIC-121849-W0T5C",
        title="Invoice validation for NHS Bolton",
        applicant=factories.organisation(
            "NHS Bolton CCG", spellings=["NHS BOLTON CCG", "Bolton Clinical Commissioning Group"]
        ),
        applicant_type="Clinical Commissioning Group (CCG)",
        texts={"objectives": "Invoice validation: the Controlled Environment for Finance checks each invoice."},
    )
    factories.agreement(
        "DARS-NIC-393658-D0V9N",
        title="Hip fracture outcomes",
        applicant="UNIVERSITY OF OXFORD",
        applicant_type="Academic",
        controllers=["UNIVERSITY OF OXFORD", "St John’s Research Trust"],
        texts={"objectives": "A cohort study of outcomes after fracture of the hip, using hospitalisation records."},
    )
    factories.agreement("GPCENSUS", title="GP census", applicant="DEPARTMENT OF HEALTH AND SOCIAL CARE", versions=[""])
    factories.index()


def test_every_word_must_appear_in_any_case(register):
    assert sorted(found("HIP fracture")) == ["DARS-NIC-00574-V2H1F", "DARS-NIC-393658-D0V9N"]
    assert found("hip invoice") == []


def test_a_phrase_keeps_its_words_together_and_in_order(register):
    assert found('"hip fractures"') == ["DARS-NIC-00574-V2H1F"]
    assert found('"fracture of the hip"') == ["DARS-NIC-393658-D0V9N"]
    assert found('"hip of fracture the"') == []
    # Typed with a phone's or a word processor's curly quotes, it is the same phrase.
    assert found("“fracture of the hip”") == ["DARS-NIC-393658-D0V9N"]
    assert found("„hip of fracture the“") == []
    assert found("-“hip fractures” hip") == found('-"hip fractures" hip') != []


def test_a_prefix_finds_words_that_start_with_it(register):
    assert found("invo*") == ["DARS-NIC-121849-W0T5C"]
    assert found("hospitali*") == ["DARS-NIC-393658-D0V9N"]  # "hospitalisation"
    assert found("hospitali") == []  # without the star, whole words only


def test_or_and_exclusion(register):
    assert sorted(found("invoice or cohort")) == ["DARS-NIC-121849-W0T5C", "DARS-NIC-393658-D0V9N"]
    assert found("hip -oxford") == ["DARS-NIC-00574-V2H1F"]


def filler(count):
    """`count` different words: none is repeated, so they only push the words after them further in."""
    return " ".join(f"w{number}" for number in range(count))


@pytest.fixture
def long_narratives(register):
    """Phrases where a tsvector no longer has their words' positions: past a word's 256th use, past the 16,383rd
    word, and past both (real narratives reach 16,000 words, and use "data" hundreds of times)."""
    factories.agreement(
        "DARS-NIC-100001-AAAAA",
        title="Wellbeing survey",
        applicant="UNIVERSITY OF LEEDS",
        texts={"objectives": "Mental wellbeing. " * 300 + "Outcomes in mental health services."},
    )
    factories.agreement(
        "DARS-NIC-100002-BBBBB",
        title="Service evaluation",
        applicant="UNIVERSITY OF YORK",
        texts={"objectives": filler(17_000) + " Outcomes in mental health services."},
    )
    factories.agreement(
        "DARS-NIC-100003-CCCCC",
        title="Cohort linkage",
        applicant="UNIVERSITY OF HULL",
        texts={"expected_outputs": "data " * 17_000 + "A data sharing agreement with mental health trusts."},
    )
    factories.index()


def test_a_phrase_is_found_past_the_256th_use_of_its_words(long_narratives):
    assert "DARS-NIC-100001-AAAAA" in found('"mental health"')
    assert found('"health services"') == ["DARS-NIC-100001-AAAAA", "DARS-NIC-100002-BBBBB"]
    query = search.parse('"health services"')
    (passage,) = search.passages(query, [Agreement.objects.get(reference="DARS-NIC-100001-AAAAA").pk]).values()
    assert " ".join(re.findall(f"{search.MARK_START}(.*?){search.MARK_END}", passage.text)) == "health services"


def test_a_phrase_is_found_past_the_16383rd_word(long_narratives):
    assert "DARS-NIC-100002-BBBBB" in found('"mental health"')
    assert found('"w16999 outcomes in"') == ["DARS-NIC-100002-BBBBB"]


def test_a_phrase_or_prefix_is_found_however_long_and_repetitive_the_narrative(client, long_narratives):
    assert found('"data sharing agreement"') == ["DARS-NIC-100003-CCCCC"]
    assert found("data-shar*") == ["DARS-NIC-100003-CCCCC"]
    assert found('"sharing data"') == []
    response = client.get(reverse("register:agreements"), {"q": '"mental health"'})
    listed = [row.agreement.reference for row in response.context["list"].rows]
    assert sorted(listed) == ["DARS-NIC-100001-AAAAA", "DARS-NIC-100002-BBBBB", "DARS-NIC-100003-CCCCC"]


def test_phrases_late_in_long_narratives_keep_or_and_exclusion(long_narratives):
    assert sorted(found('"mental health" -leeds')) == ["DARS-NIC-100002-BBBBB", "DARS-NIC-100003-CCCCC"]
    assert sorted(found('"data sharing agreement" or "hip fractures" -york')) == [
        "DARS-NIC-00574-V2H1F",
        "DARS-NIC-100003-CCCCC",
    ]
    assert found('invoice or "mental health" trusts') == ["DARS-NIC-100003-CCCCC"]
    assert sorted(found('"health services" or invoice')) == [
        "DARS-NIC-100001-AAAAA",
        "DARS-NIC-100002-BBBBB",
        "DARS-NIC-121849-W0T5C",
    ]
    assert found('outcomes -"mental health"') == ["DARS-NIC-393658-D0V9N"]
    assert found('-"mental health" -"hip fractures" -invoice') == ["DARS-NIC-393658-D0V9N", "GPCENSUS"]


def test_stretches_hold_every_phrase_the_search_box_allows_and_no_word_past_what_a_tsvector_keeps():
    text = ("data " * 600 + filler(2_500) + " data" * 300).split()
    cut = list(search.stretches(text))
    assert all(len(stretch) <= search.STRETCH_WORDS for stretch in cut)
    assert all(max(Counter(stretch).values()) <= search.MOST_USES for stretch in cut)
    longest = search.STRETCH_OVERLAP
    for typed in ['"' + "a " * search.MAX_QUERY_LENGTH + '"', "a-" * search.MAX_QUERY_LENGTH + "*"]:
        assert len(search.parse(typed).groups[0][0].words) <= longest
    joined = [f" {' '.join(stretch)} " for stretch in cut]
    for start in range(len(text) - longest + 1):
        phrase = f" {' '.join(text[start : start + longest])} "
        assert any(phrase in stretch for stretch in joined), start
    assert list(search.stretches([])) == []


def test_the_stretches_follow_an_announced_change(long_narratives, django_capture_on_commit_callbacks):
    version = AgreementVersion.objects.get(agreement__reference="DARS-NIC-100003-CCCCC")
    version.expected_outputs = "data " * 17_000 + "A data access agreement."
    version.save()
    with django_capture_on_commit_callbacks(execute=True):
        announce({version.agreement_id})
    assert found('"data sharing agreement"') == []
    assert found('"data access agreement"') == ["DARS-NIC-100003-CCCCC"]


def test_a_phrase_does_not_run_from_one_text_into_the_next(register):
    """As FTS5 reads each text (column) apart, a phrase is found within one text only, on either database."""
    factories.agreement(
        "DARS-NIC-100004-DDDDD",
        texts={"objectives": "A survey of road safety near a zebra", "processing_activities": "Crossing the data."},
    )
    factories.index()
    assert found('"zebra crossing"') == []
    assert found('"near a zebra"') == found('"crossing the data"') == ["DARS-NIC-100004-DDDDD"]


@pytest.mark.parametrize(
    "typed",
    ["DARS-NIC-00574-V2H1F", "dars-nic-00574-v2h1f", "DARS-NIC-00574-V2H1F-v5.2", "dars-nic-00574-v2h1f-V4.2",
     "NIC-00574-V2H1F", "  DARS-NIC-00574-V2H1F-v9.9 "],
)  # fmt: skip
def test_a_reference_in_any_case_with_or_without_its_version_finds_its_agreement_first(register, typed):
    assert found(typed)[0] == "DARS-NIC-00574-V2H1F"


def test_a_local_code_reference_finds_its_agreement(register):
    assert found("gpcensus") == ["GPCENSUS"]


def test_every_spelling_of_an_organisation_finds_its_agreements(register):
    assert found('"Bolton Clinical Commissioning Group"') == ["DARS-NIC-121849-W0T5C"]
    assert found("St John's") == ["DARS-NIC-393658-D0V9N"]  # the register wrote a curly apostrophe
    assert found("southampton") == ["DARS-NIC-00574-V2H1F"]


def test_a_possessive_typed_alone_finds_the_word_however_the_register_wrote_it(register):
    """ "king's" was the phrase "king s": it missed "Kings College" and "King College"."""
    factories.agreement("DARS-NIC-700001-AAAAA", title="Kings College cohort", applicant="KINGS COLLEGE LONDON")
    factories.agreement("DARS-NIC-700002-BBBBB", title="A King’s Fund review", applicant="THE KING'S FUND")
    factories.index()
    assert sorted(found("king's")) == ["DARS-NIC-700001-AAAAA", "DARS-NIC-700002-BBBBB"]
    assert sorted(found("KING’S")) == sorted(found("kings")) == sorted(found("king's"))
    assert found('"king\'s fund"') == ["DARS-NIC-700002-BBBBB"]  # a phrase in quotes keeps its apostrophe
    assert found('"king fund"') == []
    assert found("hip -oxford's") == ["DARS-NIC-00574-V2H1F"]  # and an excluded word loses its ending too


def test_not_and_and_in_capitals_are_read_as_a_search_engine_means_them(register):
    """ "cancer NOT diabetes" searched the word "not": it found agreements with both words."""
    assert found("hip NOT oxford") == found("hip -oxford") == ["DARS-NIC-00574-V2H1F"]
    assert found('hip NOT "fracture of the hip"') == ["DARS-NIC-00574-V2H1F"]
    assert sorted(found("hip AND fracture")) == sorted(found("hip fracture"))
    assert "NOT leaves out the term after it" in " ".join(search.parse("hip NOT oxford").notes)
    assert "DARS-NIC-393658-D0V9N" in found("hip not oxford")  # in lower case, "not" is a word like any other


def test_a_not_with_nothing_after_it_is_named_as_not_searched(register):
    """A trailing NOT did nothing, yet the note said it left out the term after it."""
    query = search.parse("hip NOT")
    assert query.notes == ["Not searched: “NOT” at the end, as no term followed it to leave out."]
    assert found("hip NOT") == found("hip")
    notes = search.parse("hip NOT oxford NOT").notes
    assert notes[0] == "Not searched: “NOT” at the end, as no term followed it to leave out."
    assert "NOT leaves out the term after it" in notes[-1]  # the first NOT did


def test_a_star_inside_quotes_is_named_as_not_a_prefix(register):
    query = search.parse('"hip frac*"')
    assert query.notes == [
        'In “"hip frac*"”, * was not a prefix: a phrase in quotes is searched as written, without it. '
        'A prefix goes outside quotes: hospital*, or "hospital episode"* for a phrase.'
    ]


def test_a_star_after_a_phrase_makes_its_last_word_a_prefix(register):
    """ "mental heal"* dropped its star silently: the phrase was searched whole, for "heal"."""
    assert found('"fracture of the hi"*') == ["DARS-NIC-393658-D0V9N"]
    assert sorted(found('"hip fract"*')) == ["DARS-NIC-00574-V2H1F", "DARS-NIC-393658-D0V9N"]
    assert found('"hip fract"') == []
    assert search.parse('"hip fract"*').notes == []


def test_titles_and_references_rank_above_narrative_mentions(register):
    factories.agreement(
        "DARS-NIC-555555-AAAAA", title="Diabetes audit", applicant="UNIVERSITY OF LEEDS", texts={"objectives": "x"}
    )
    factories.agreement(
        "DARS-NIC-666666-BBBBB",
        title="Cardiac outcomes",
        applicant="UNIVERSITY OF YORK",
        texts={"objectives": "Patients with diabetes, among others, and their cardiac outcomes."},
    )
    factories.index()
    assert found("diabetes") == ["DARS-NIC-555555-AAAAA", "DARS-NIC-666666-BBBBB"]


def test_the_matching_passage_is_shown_with_the_words_marked(register):
    query = search.parse("self-harm")
    passages = search.passages(query, search.ranked_agreements(query))
    (passage,) = passages.values()
    assert passage.source == "Yielded benefits"
    marked = re.findall(f"{search.MARK_START}(.*?){search.MARK_END}", passage.text)
    assert any("self" in words for words in marked)
    assert "hospital admissions" in passage.text


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5's snippet(): SQLite only")
def test_passages_are_those_one_snippet_per_column_of_the_whole_query_gives(register):
    """The backend asks for each column's passage with the query's terms filtered to that column (cheaper on long
    documents); the passages must be the ones FTS5 gives for the whole query, as the list showed them before."""
    factories.agreement(
        "DARS-NIC-777777-CCCCC",
        title="Cancer data linkage",
        applicant="UNIVERSITY OF HULL",
        texts={
            "objectives": "Linking data on care pathways: data from hospitals, data from registries.",
            "expected_outputs": "Capacity planning for cancer care; a cancer dashboard.",
            "yielded_benefits": "Faster diagnosis of cancer in the cohort.",
        },
    )
    factories.index()
    backend = search._backend()
    columns = ", ".join(
        f"snippet(register_search_agreement, {backend.COLUMNS.index(name)}, %s, %s, '…', 24)"
        for name, _ in search.PASSAGE_SOURCES
    )
    for text in ["data ca*", "ca*", "cancer OR hospital", '"data from" cancer', "data -asthma", "hospital", "hull"]:
        query = search.parse(text)
        ids = search.ranked_agreements(query)
        assert ids, text
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, {columns} FROM register_search_agreement WHERE register_search_agreement MATCH %s "
                f"AND rowid IN ({', '.join(['%s'] * len(ids))})",
                [search.MARK_START, search.MARK_END] * len(search.PASSAGE_SOURCES) + [backend.match(query), *ids],
            )
            whole = {
                row[0]: [snippet if search.MARK_START in (snippet or "") else "" for snippet in row[1:]]
                for row in cursor.fetchall()
            }
        per_column = {
            pk: [snippet if search.MARK_START in (snippet or "") else "" for snippet in snippets]
            for pk, snippets in backend.passages(query, ids).items()
        }
        assert per_column == {pk: snippets for pk, snippets in whole.items() if any(snippets)}, text


def test_syntax_never_reaches_the_database_unescaped(register):
    for text in ['"unclosed', "NEAR(hip fracture)", "hip AND OR NOT", "col:hip", "*", "-", "()", "a\"b'c", "hip^2"]:
        found(text)  # no error from FTS5 or tsquery syntax


def test_what_a_search_may_cost_is_bounded_and_the_reader_told_what_was_left_out():
    repeated = search.parse("cancer cancer cancer or cancer -x -x")
    assert repeated.groups == [[search.Term(("cancer",))]]
    assert repeated.excluded == [search.Term(("x",))]
    assert repeated.notes == []
    short = search.parse("a* a* a* hip* b*")
    assert short.groups == [[search.Term(("hip",), prefix=True)]]
    assert short.notes == ["Not searched: “a*”, “b*”. A word ending in * needs at least 2 letters before it."]
    # A term left out does not join its neighbours with its "or": "x a* or y" asks for x and y.
    assert search.parse("hip a* or knee").groups == [[search.Term(("hip",))], [search.Term(("knee",))]]
    prefixes = search.parse("hip* knee* ank* foo* bar* elbow")
    assert [group[0].words[0] for group in prefixes.groups] == ["hip", "knee", "ank", "elbow"]
    assert prefixes.notes == ["Only the first 3 words ending in * were searched, not “foo*”, “bar*”."]
    many = search.parse(" ".join(f"w{n}" for n in range(search.MAX_TERMS + 3)))
    assert many.size == search.MAX_TERMS
    assert many.notes == [f"Only the first {search.MAX_TERMS} terms were searched, not “w10”, “w11”, “w12”."]
    assert not search.parse("-hip")  # ranks nothing
    assert search.parse("-hip").usable
    assert not search.parse("!!! or").usable


SLOW = {  # a statement that would run for many seconds
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1e9) SELECT max(i) FROM n",
    "postgresql": "SELECT pg_sleep(30)",
}


def test_a_statement_past_its_time_limit_is_stopped_and_the_connection_goes_on(db):
    backend = search._backend()
    with pytest.raises(OperationalError) as stopped, backend.time_limit(0.05), connection.cursor() as cursor:
        cursor.execute(SLOW[connection.vendor])
    assert search._interrupted(stopped.value)
    with backend.time_limit(5), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
        if connection.vendor == "postgresql":  # the limit was for those statements alone, stopped or not
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone() == ("0",)


def test_passages_that_take_too_long_are_left_out_and_the_list_says_so(client, register, monkeypatch):
    backend = type(search._backend())

    def slow_passages(self, query, agreement_ids):
        with connection.cursor() as cursor:
            cursor.execute(SLOW[connection.vendor])
        return {}

    monkeypatch.setattr(search, "PASSAGE_SECONDS", 0.05)
    monkeypatch.setattr(backend, "passages", slow_passages)
    assert search.passages(search.parse("hip"), search.ranked_agreements(search.parse("hip"))).cut_short
    response = client.get(reverse("register:agreements"), {"q": "hip"})
    listing = response.context["list"]
    assert [row.agreement.reference for row in listing.rows] == found("hip")
    assert all(row.passage is None for row in listing.rows)
    assert "shown without passages quoting the words found" in page_text(response)


def test_searching_never_scans_text_with_like(register):
    with CaptureQueriesContext(connection) as queries:
        found("hip fracture")
        search.ranked_organisations("bolton")
    assert queries.captured_queries
    assert not any(" LIKE " in query["sql"].upper() for query in queries.captured_queries)


def test_every_version_is_indexed_and_an_older_versions_text_gives_the_passage(register):
    version = AgreementVersion.objects.get(reference="DARS-NIC-00574-V2H1F-v4.2")
    version.objectives = "An older text about asthma."
    version.save()
    factories.index()
    query = search.parse("asthma")
    assert found("asthma") == ["DARS-NIC-00574-V2H1F"]
    (passage,) = search.passages(query, search.ranked_agreements(query)).values()
    assert passage.source == "Objective for processing"
    assert "older text" in passage.text


def test_the_index_follows_an_announced_change(register, django_capture_on_commit_callbacks):
    version = AgreementVersion.objects.get(reference="DARS-NIC-393658-D0V9N-v1.2")
    version.objectives = "A study of tuberculosis."
    version.save()
    assert found("tuberculosis") == []
    with django_capture_on_commit_callbacks(execute=True):
        announce({version.agreement_id})
    assert found("tuberculosis") == ["DARS-NIC-393658-D0V9N"]


def test_a_curators_edit_reaches_the_index(register, curator, django_capture_on_commit_callbacks):
    organisation = Organisation.objects.get(slug="university-of-oxford")
    organisation.name = "University of Oxford (Nuffield Department)"
    with django_capture_on_commit_callbacks(execute=True):
        actions.save_curated(organisation, curator, ["name"])
    assert found("nuffield") == ["DARS-NIC-393658-D0V9N"]
    assert search.ranked_organisations("nuffield") == [organisation.pk]


def test_rebuild_is_idempotent(register):
    first = factories.index()
    second = factories.index()
    assert first == second
    assert sorted(found("hip")) == ["DARS-NIC-00574-V2H1F", "DARS-NIC-393658-D0V9N"]


# --- Organisations by name ----------------------------------------------------------------------------------------


def organisations(text):
    names = dict(Organisation.objects.values_list("pk", "name"))
    return [names[pk] for pk in search.ranked_organisations(text)]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("greater manchester integrated", "NHS Greater Manchester Integrated Care Board"),
        ("GREATER MANCHESTER INTEGRATED CARE BOARD", "NHS Greater Manchester Integrated Care Board"),
        ("nhs greater manchester integrated", "NHS Greater Manchester Integrated Care Board"),
        ("Tameside & Glossop", "NHS Tameside and Glossop CCG"),
        ("tameside and glossop", "NHS Tameside and Glossop CCG"),
        ("00T", "NHS Greater Manchester ICB - 00T"),
        ("QOP", "NHS Greater Manchester Integrated Care Board"),
        ("bath north east somerset swindon", "NHS Bath and North East Somerset, Swindon and Wiltshire ICB - 92G"),
        ("manch integ", "NHS Greater Manchester Integrated Care Board"),
    ],
)
def test_organisation_search_tolerates_how_names_are_written(db, typed, expected):
    factories.index()
    assert expected in organisations(typed)


def test_organisation_search_puts_the_short_names_that_fit_before_the_bodies_that_repeat_the_word(db):
    """On PostgreSQL the eleven Greater Manchester bodies (whose old names repeat "Manchester") came before NHS
    Manchester CCG and the University of Manchester; SQLite's bm25 put those two first."""
    factories.organisation("NHS Manchester CCG", kind=Organisation.Kind.CCG)
    factories.organisation("THE UNIVERSITY OF MANCHESTER", kind=Organisation.Kind.UNIVERSITY)
    factories.index()
    found = organisations("manchester")
    assert len(found) > 5
    assert sorted(found[:2]) == ["NHS Manchester CCG", "THE UNIVERSITY OF MANCHESTER"]


def test_organisation_search_finds_a_body_by_its_old_name_and_its_spellings(db):
    factories.organisation("St John’s Hospice", spellings=["ST JOHNS HOSPICE"])
    factories.index()
    # The sub-ICB location that replaced NHS Bolton CCG is found by the CCG's name.
    assert "NHS Greater Manchester ICB - 00T" in organisations("bolton ccg")
    assert organisations("st john's hospice") == ["St John’s Hospice"]
    assert organisations("St John’s") == ["St John’s Hospice"]
