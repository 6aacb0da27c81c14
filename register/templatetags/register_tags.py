"""Display helpers for templates: the register's narrative texts as paragraphs and lists, yes/no/unknown (also as
tags), counts with thousands separators, search passages with their matched words marked, and how a page is cited."""

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from register import citations, facets
from register.search import MARK_END, MARK_START
from register.text import blocks

register = template.Library()

_LIST_TAGS = {
    "numbered": ("ol", ""),
    "lettered": ("ol", ' type="a"'),
    "roman": ("ol", ' type="i"'),
    "bullets": ("ul", ""),
}


@register.filter
def narrative(text):
    """Paragraphs stay paragraphs; numbered, lettered and bulleted lines become lists. Everything is escaped."""
    parts = []
    for block in blocks(text):
        if block.kind == "paragraph":
            parts.append(format_html("<p>{}</p>", block.text))
            continue
        tag, attrs = _LIST_TAGS[block.kind]
        if block.kind == "bullets":
            items = format_html_join("", "<li>{}</li>", ((body,) for _, body in block.items))
        else:
            items = format_html_join("", '<li value="{}">{}</li>', block.items)
        parts.append(format_html("<{}{}>{}</{}>", tag, mark_safe(attrs), items, tag))
    return mark_safe("".join(parts))


@register.filter
def yes_no(value):
    """A normalised boolean in words; None is 'Not stated' rather than a guess."""
    return {True: "Yes", False: "No"}.get(value, "Not stated")


@register.filter
def flag(value, raised="yes"):
    """A normalised yes/no as a tag in words. `raised` ("yes" or "no") is the answer that deserves notice: it gets
    the red flag style; the words say the same for anyone who cannot tell the colours apart."""
    key = {True: "yes", False: "no"}.get(value, "not-stated")
    css = "tag tag-unknown" if key == "not-stated" else "tag tag-flag" if key == raised else "tag"
    return format_html('<span class="{}">{}</span>', css, yes_no(value))


@register.filter
def opt_out_tag(spellings):
    """An opt-out status as a tag in plain words, as the list's filter and the dataset pages name it ("Applied",
    "Not applied"), followed by the register's own words where they differ (the 2017 register writes "Y" and "N").
    Takes the status's spellings (queries.opt_out_spellings). Files released without opt-outs applied are the ones
    that deserve notice."""
    key, label = facets.opt_outs(None, spellings[0])
    css = {"yes": "tag", "no": "tag tag-flag"}.get(key, "tag tag-unknown")
    tag = format_html('<span class="{}">{}</span>', css, label)
    written = [text for text in spellings if facets.tidy(text) != label]
    if not written:
        return tag
    quoted = format_html_join(", ", "“{}”", ((text,) for text in written))
    return format_html('{} <span class="as-written">(register: {})</span>', tag, quoted)


@register.filter
def thousands(value):
    """A count with thousands separated by commas (12,345), as the charts print it. Anything else (text, a
    yes/no, nothing) is left as it is."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


@register.filter
def highlight(passage):
    """A search passage, escaped, with the words the search matched in <mark>. Unpaired marks are dropped."""
    parts, open_mark = [], False
    for piece in escape(passage or "").replace(MARK_END, MARK_START).split(MARK_START):
        if open_mark and piece:
            parts.append(format_html("<mark>{}</mark>", mark_safe(piece)))
        else:
            parts.append(piece)
        open_mark = not open_mark
    return mark_safe("".join(parts))


@register.simple_tag
def page_citation(name, kind, edition, sources=()):
    """How an organisation's or a dataset's page is cited (register.citations.page_citation); escaped as text."""
    return citations.page_citation(name, kind, edition, sources or ())
