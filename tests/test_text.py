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
