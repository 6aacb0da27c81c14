"""Refuse, with a clear 400, addresses no page of the site can answer: those carrying a NUL character, and those
with more query parameters than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS).

A NUL (`%00`) in the path or in a query parameter can never match anything in the register, and PostgreSQL
refuses it outright in a query, which would turn a lookup into a server error. Too many parameters make Django
raise as soon as anything reads the query string. Caught here, once, before any view sees it, the visitor is told
what was wrong and where: as a page, or, for a CSV or JSON download, in that download's own error format
(`downloads.query_error`), so that a program reading it can tell too.
"""

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.shortcuts import render

from register import downloads

NUL = "\x00"


def problem_with(request):
    """(parameter, what is wrong with it in words for the visitor), or None."""
    if NUL in request.path_info:
        return "address", "The address contains a NUL character (%00), which no page of this site has in its address."
    try:
        parameters = list(request.GET.lists())
    except TooManyFieldsSent:
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return "query", f"The address has more than {limit:,} query parameters; no page of this site reads that many."
    for name, values in parameters:
        if NUL in name or any(NUL in value for value in values):
            shown = name.replace(NUL, "%00")
            return (
                shown,
                f"The query parameter “{shown}” contains a NUL character (%00), which no search or filter accepts.",
            )
    return None


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = problem_with(request)
        if problem is None:
            return self.get_response(request)
        name, message = problem
        for fmt in ("csv", "json"):
            if request.path_info.endswith(f".{fmt}"):
                return downloads.query_error([(name, "Query", message)], fmt)
        return render(request, "400.html", {"problem": message}, status=400)
