"""Word-level differences (register.differences) and how they are shown (register.templatetags.change_tags):
paragraphs then words, whitespace and quote or dash style ignored, insertions and deletions marked with <ins>
and <del> and words for screen readers, everything escaped."""

from register.differences import DELETED, ELIDED, EQUAL, INSERTED, compare_contents, elide, text_difference
from register.templatetags.change_tags import difference


def kinds(paragraphs):
    return [(paragraph.kind, [(s.kind, s.text) for s in paragraph.segments]) for paragraph in paragraphs]


def test_changed_words_are_marked_within_a_paragraph():
    found = text_difference("The data will be used for research.", "The data will not be used for research, ever.")
    assert kinds(found) == [
        (
            "changed",
            [
                (EQUAL, "The data will"),
                (INSERTED, " not"),
                (EQUAL, " be used for research"),
                (INSERTED, ", ever"),
                (EQUAL, "."),
            ],
        )
    ]


def test_neighbouring_changed_words_read_as_one_change():
    found = text_difference("the quick brown fox", "the slow red fox")
    assert [(s.kind, s.text) for s in found[0].segments] == [
        (EQUAL, "the "),
        (DELETED, "quick brown"),
        (INSERTED, "slow red"),
        (EQUAL, " fox"),
    ]


def test_whitespace_quotes_and_dashes_alone_are_not_differences():
    before = "Health and Social Care Act 2012 – s261(7);  ‘Control of patient information’\n“Yes”"
    after = "Health and Social Care Act 2012 - s261(7); 'Control of patient information'\n\"Yes\""
    found = text_difference(before, after)
    assert all(paragraph.kind == EQUAL for paragraph in found)
    comparison = compare_contents({"legal": before, "title": before}, {"legal": after, "title": after})
    title = next(field for field in comparison.fields if field.name == "title")
    assert title.changed
    assert title.typographic_only
    assert not title.differs
    assert comparison.differing == []
    assert comparison.typographic_labels == ["Application title"]


def test_paragraphs_added_removed_or_rewritten_whole():
    found = text_difference("One.\nTwo two two.\nThree.", "One.\nThree.\nFour is new.")
    assert [paragraph.kind for paragraph in found] == [EQUAL, DELETED, EQUAL, INSERTED]
    rewritten = text_difference("Alpha beta gamma.", "Completely different words here.")
    assert [paragraph.kind for paragraph in rewritten] == [DELETED, INSERTED]


def test_long_unchanged_stretches_are_elided_around_the_change():
    before = "\n".join(f"Paragraph {n}." for n in range(10))
    after = before.replace("Paragraph 5.", "Paragraph five.")
    shown = elide(text_difference(before, after))
    assert [paragraph.kind for paragraph in shown] == [ELIDED, EQUAL, "changed", EQUAL, ELIDED]
    assert shown[0].segments[0].text == "4"
    assert shown[-1].segments[0].text == "3"


def test_the_html_marks_changes_for_eyes_and_ears_and_escapes_everything():
    html = str(difference(text_difference("keep it <b>old</b> & this", "keep it <script>x</script> & this")))
    assert "<script" not in html
    assert "<b>" not in html
    assert "&lt;" in html
    assert "&amp; this" in html
    assert '<del><span class="visually-hidden">[removed: </span>' in html
    assert '<ins><span class="visually-hidden">[added: </span>' in html
    plain = str(difference(text_difference("We keep data.", "We keep no data.")))
    assert plain == (
        '<p class="diff-paragraph">We keep <ins><span class="visually-hidden">[added: </span>no '
        '<span class="visually-hidden">]</span></ins>data.</p>'
    )


def test_fields_a_register_format_does_not_state_are_not_compared():
    quarterly = {"title": "", "applicant_name": "NHS TRAFFORD CCG", "objectives": "To commission care."}
    monthly = {"title": "Commissioning", "applicant_name": "NHS TRAFFORD CCG", "objectives": "To commission care well."}
    comparison = compare_contents(quarterly, monthly, "release", "data-uses")
    by_name = {field.name: field for field in comparison.fields}
    assert not by_name["title"].comparable
    assert by_name["title"] in comparison.not_comparable
    assert by_name["objectives"].differs
    assert "Applicant organisation" in comparison.unchanged_labels
