from register.templatetags.register_tags import narrative
from register.text import blocks


def test_numbered_lettered_and_bulleted_lines_become_lists_and_the_rest_paragraphs():
    text = "INTRO\n1. one\n2) two\n\na. first\nb. second\n- dash\n\u2022 dot\n~ tilde\nclosing words"
    result = blocks(text)
    assert [block.kind for block in result] == ["paragraph", "numbered", "lettered", "bullets", "paragraph"]
    assert result[1].items == [(1, "one"), (2, "two")]
    assert result[2].items == [(1, "first"), (2, "second")]
    assert [body for _, body in result[3].items] == ["dash", "dot", "tilde"]


def test_blank_text_has_no_blocks_and_every_line_is_kept():
    assert blocks("") == []
    assert blocks(None) == []
    lines = ["alpha", "3. gamma", "omega"]
    rendered = blocks("\r\n".join(lines))
    assert [b.text for b in rendered if b.kind == "paragraph"] == ["alpha", "omega"]
    assert rendered[1].items == [(3, "gamma")]


def test_roman_numerals_under_a_lettered_list_are_a_list_of_their_own():
    # As DARS-NIC-116560-R7F9J writes its processing (tabs after the markers).
    text = "a.\tValidating\nb.\tChecking\ni.\tIn line with tariffs\nii.\tregistered with a GP\niii.\tpaid by the CCG"
    result = blocks(text)
    assert [block.kind for block in result] == ["lettered", "roman"]
    assert result[1].items == [(1, "In line with tariffs"), (2, "registered with a GP"), (3, "paid by the CCG")]
    assert [block.kind for block in blocks("(i)\tThe panel\n(ii)\tThe group")] == ["roman"]


def test_i_v_and_x_are_letters_when_they_continue_a_lettered_list():
    letters = "abcdefghijklmnopqrstuvwxyz"
    result = blocks("\n".join(f"{letter}. item {letter}" for letter in letters))
    assert [block.kind for block in result] == ["lettered"]
    assert [number for number, _ in result[0].items] == list(range(1, 27))
    assert blocks("h. eighth\ni. ninth")[0].items[-1] == (9, "ninth")
    assert blocks("b. second\ni. first of its own")[1].kind == "roman"


def test_a_footnote_asterisk_and_a_line_of_dashes_stay_as_written():
    text = "pseudonymised* record-level data\n*Pseudonymisation is defined as using a code\n**The data\n---\n* a bullet"
    result = blocks(text)
    assert [block.kind for block in result] == ["paragraph", "paragraph", "paragraph", "paragraph", "bullets"]
    assert [block.text for block in result[:4]] == text.split("\n")[:4]
    assert result[4].items == [(None, "a bullet")]
    assert blocks("-Traffic pollution study")[0].items == [(None, "Traffic pollution study")]  # a glued dash lists


def test_a_roman_list_renders_as_one_and_everything_is_escaped():
    html = narrative("b. then\ni. <first>\nii. second\n---")
    assert html == (
        '<ol type="a"><li value="2">then</li></ol>'
        '<ol type="i"><li value="1">&lt;first&gt;</li><li value="2">second</li></ol>'
        "<p>---</p>"
    )
