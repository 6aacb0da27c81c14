"""Read a rendered page as a person would: its visible text, whitespace collapsed."""

import html
import re


def page_text(response):
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def changes_row(text, code, previous, numbers):
    """The first `numbers` numbers of the /changes/ page's row for edition `code` against `previous` (agreements
    added, amended, withdrawn; versions added, changed, withdrawn; ...), or None when the page has no such row."""
    row = re.search(rf"{code} [^0-9]*against {previous} ((?:\d+ ){{{numbers}}})", text + " ")
    return [int(n) for n in row.group(1).split()] if row else None
