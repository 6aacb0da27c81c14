"""Refuse, with a clear 400, addresses no page of the site can answer: those carrying a NUL character, and those
with more query parameters than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS); and, with a 413, a request whose body
says it is larger than the largest register file an upload may be (REGISTER_UPLOAD_MAX_BYTES, and FORM_ALLOWANCE for
the form around it), before a byte of it is read: Django would otherwise write all of it to a temporary file
before anything refused it.

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
FORM_ALLOWANCE = 1_000_000  # an upload form's other fields and multipart boundaries, beside its file


def declared_length(request):
    """The body's length as the request declares it (0 when it declares none, or nonsense)."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


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
        declared = declared_length(request)
        limit = settings.REGISTER_UPLOAD_MAX_BYTES + FORM_ALLOWANCE
        if declared > limit:
            size = f"{round(declared / 1e6):,} MB" if declared < 10**15 else "more than a billion MB"
            message = (
                f"The request is {size}: this site accepts at most "
                f"{settings.REGISTER_UPLOAD_MAX_BYTES / 1e6:,.0f} MB, the largest register file an upload may be."
            )
            return render(request, "413.html", {"problem": message}, status=413)
        problem = problem_with(request)
        if problem is None:
            return self.get_response(request)
        name, message = problem
        for fmt in ("csv", "json"):
            if request.path_info.endswith(f".{fmt}"):
                return downloads.query_error([(name, "Query", message)], fmt)
        return render(request, "400.html", {"problem": message}, status=400)
