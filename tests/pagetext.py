"""Read a rendered page as a person would: its visible text, whitespace collapsed."""

import html
import re


def page_text(response):
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
