"""Display helpers for "what changed": a difference (register.differences) as HTML, every text escaped.

Inserted words are in <ins> and deleted words in <del> (underlined and struck through, so not told by colour
alone), each opened and closed by words only screen readers hear, so a listener knows where a change starts
and ends.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from register.differences import DELETED, ELIDED, INSERTED, elide, text_difference

register = template.Library()

_MARKS = {
    INSERTED: ("ins", "[added: ", "]"),
    DELETED: ("del", "[removed: ", "]"),
}
_PARAGRAPH_CLASSES = {INSERTED: "diff-paragraph diff-added", DELETED: "diff-paragraph diff-removed"}


def _segment(segment):
    if segment.kind not in _MARKS:
        return format_html("{}", segment.text)
    tag, opening, closing = _MARKS[segment.kind]
    return format_html(
        '<{tag}><span class="visually-hidden">{}</span>{}<span class="visually-hidden">{}</span></{tag}>',
        opening,
        segment.text,
        closing,
        tag=mark_safe(tag),
    )


@register.filter
def difference(paragraphs):
    """[Paragraph] as <p> elements, with inserted and deleted words marked."""
    parts = []
    for paragraph in paragraphs or ():
        if paragraph.kind == ELIDED:
            count = int(paragraph.segments[0].text)
            parts.append(
                format_html(
                    '<p class="diff-elided">[… {} unchanged paragraph{} …]</p>', count, "" if count == 1 else "s"
                )
            )
            continue
        css = _PARAGRAPH_CLASSES.get(paragraph.kind, "diff-paragraph")
        body = mark_safe("".join(str(_segment(segment)) for segment in paragraph.segments))
        parts.append(format_html('<p class="{}">{}</p>', css, body))
    return mark_safe("".join(parts))


@register.filter
def changes_from(before, after):
    """What changed from `before` to `after`, word by word, long unchanged stretches left out: for a 26,000-character
    text that differs in a line (the import report's disagreements with a curator)."""
    return difference(elide(text_difference(str(before or ""), str(after or ""))))


@register.filter
def plain_paragraphs(text):
    """A value as written, one <p> per line, escaped: for fields shown without a comparison."""
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    return format_html_join("", "<p>{}</p>", ((line,) for line in lines))
