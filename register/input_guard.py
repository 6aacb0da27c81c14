"""Refuse, with a clear 400 page, addresses no page of the site can answer: those carrying a NUL character.

A NUL (`%00`) in the path or in a query parameter can never match anything in the register, and PostgreSQL
refuses it outright in a query, which would turn a lookup into a server error. Caught here, once, before any
view sees it, the visitor is told what was wrong and where.
"""

from django.shortcuts import render

NUL = "\x00"


def problem_with(request):
    """What is wrong with the request's address, in words for the visitor, or None."""
    if NUL in request.path_info:
        return "The address contains a NUL character (%00), which no page of this site has in its address."
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            shown = name.replace(NUL, "%00")
            return f"The query parameter “{shown}” contains a NUL character (%00), which no search or filter accepts."
    return None


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = problem_with(request)
        if problem:
            return render(request, "400.html", {"problem": problem}, status=400)
        return self.get_response(request)
