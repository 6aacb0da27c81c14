"""Display helpers for templates: the register's narrative texts as paragraphs and lists, yes/no/unknown."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from register.text import blocks

register = template.Library()

_LIST_TAGS = {"numbered": ("ol", ""), "lettered": ("ol", ' type="a"'), "bullets": ("ul", "")}


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
