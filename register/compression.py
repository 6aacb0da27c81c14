"""Gzip for the public pages' HTML (static files come compressed from whitenoise), never for the admin.

BREACH: when a compressed response holds both a secret and text an attacker can put into it, the attacker can
guess the secret from the sizes of many responses. The public pages hold no secret: their forms use GET (no CSRF
token), they set no cookie and show nothing particular to the visitor. Only the admin has secrets (CSRF tokens,
which Django masks afresh in every response, and the curator's session), and it is left uncompressed all the
same: curators are few, and their pages are small.
"""

from django.middleware.gzip import GZipMiddleware


class PublicPageGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        match = getattr(request, "resolver_match", None)
        if match is not None and "admin" in match.app_names:
            return response
        return super().process_response(request, response)
