"""Honest caching for public pages: they change only when the register's content does.

The data version is one database row (`DataVersion`) whose token is renewed by a `register_changed` receiver,
in the import's or curator's edit's own transaction (register.events), so once it commits every gunicorn worker sees
the new version at once, with the data and what is derived from it. Public GET
pages then carry an ETag and a Last-Modified taken from it, and a repeat request with either validator gets
304 Not Modified without rendering. Rendered pages are kept in Django's cache (one copy per page, address and
data version), so once the version changes old copies are never served again and simply expire.

Validators and cache keys also carry the code release (`RELEASE`): a deploy that changes templates or code
shows new pages even when the data has not changed. And they carry the day (`served_version`): pages print the day
they were read ("accessed 1 December 2026" in a citation), so neither a cached copy nor a 304 outlives its day.

Not cached, and given no validators: the admin, visitors with a session (signed-in curators), views marked
`page_cache_exempt`, and responses that are not 200, set a cookie, use a CSP nonce or say `no-store`/`private`.
Nor anything in development (DEBUG): the release is worked out once, when the process starts, and the development
server does not restart when a template changes, so an edited template would otherwise show only after a restart.
Streamed and large responses get validators but are not kept in the cache.
"""

import hashlib
import uuid
import zlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag

from register.models import DataVersion

# Pages are kept compressed (HTML shrinks about tenfold, in a few milliseconds): the cache holds up to MAX_ENTRIES
# of them per worker, and anyone can fill it with addresses of their own (junk parameters, searches), so what it
# may take is what matters, more than the millisecond a hit spends unpacking.
CACHE_COMPRESSION = 6
# Headers the page cache never replays: they belong to one response (or are set again by outer middleware).
NOT_REPLAYED = {"set-cookie", "date", "content-length", "vary", "x-page-cache", "etag", "last-modified"}


def _release():
    """(identifier, time) of the running code: settings.RELEASE (DJANGO_RELEASE) if set, else a hash of the code and
    templates."""
    root = Path(settings.BASE_DIR)
    files = sorted(
        path
        for folder in ("config", "register", "templates", "static")
        for path in (root / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    newest = max((path.stat().st_mtime for path in files), default=0)
    identifier = settings.RELEASE
    if not identifier:
        digest = hashlib.sha256()
        for path in files:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
        identifier = digest.hexdigest()[:12]
    return identifier, datetime.fromtimestamp(int(newest), tz=UTC)


RELEASE, RELEASED_AT = _release()


def current_version():
    """(token, changed_at) of the register's content; one primary-key query."""
    row = DataVersion.objects.filter(pk=1).values_list("token", "changed_at").first()
    return row or ("none", RELEASED_AT)


def served_version(version):
    """The version a page is served at: the data version on today's date (the site's time zone). Its time is the
    later of the last change and today's midnight, so an If-Modified-Since from yesterday gets the page again."""
    token, changed_at = version
    today = timezone.localdate()
    midnight = datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())
    return f"{token}-{today:%Y%m%d}", max(changed_at, midnight)


def bump():
    """Mark the register's content as changed: new token, new time, the next whole second after the last where that is
    at most a second ahead of the clock (Last-Modified has whole seconds: two changes within one second gave both
    versions one date, and a client that revalidates by date kept the first; a transaction that announces several
    changes, as a merge of many does, would otherwise push it ever further ahead)."""
    last = DataVersion.objects.filter(pk=1).values_list("changed_at", flat=True).first()
    now = timezone.now()
    changed_at = now
    if last is not None:
        changed_at = max(now, min(last.replace(microsecond=0) + timedelta(seconds=1), now + timedelta(seconds=1)))
    DataVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": changed_at})


def data_changed(sender, **kwargs):
    """`register_changed` receiver (connected in RegisterConfig.ready)."""
    bump()


def validators(version):
    token, changed_at = version
    etag = quote_etag(f"{RELEASE}-{token}")
    return f"W/{etag}", int(max(changed_at, RELEASED_AT).timestamp())  # HTTP dates have whole seconds


def page_key(request, version):
    # The absolute address: scheme and host matter to pages that print absolute links (sitemaps, feeds).
    raw = "\n".join([RELEASE, version[0], request.build_absolute_uri()])
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _applies_to(request, view_func):
    match = request.resolver_match
    return (
        not settings.DEBUG
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not getattr(view_func, "page_cache_exempt", False)
        and match is not None
        and "admin" not in match.app_names
    )


def _cacheable(request, response):
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and not getattr(request, "_csp_nonce", None)  # a nonce is per response: the page cannot be replayed
        and "no-store" not in cache_control
        and "private" not in cache_control
    )


def _mark(response, version, state):
    etag, last_modified = validators(version)
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified)
    # Browsers and proxies may keep a copy but must ask again each time: the answer is usually a cheap 304.
    patch_cache_control(response, public=True, no_cache=True)
    response.headers["X-Page-Cache"] = state
    return response


class DataVersionCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.page_cache = None
        response = self.get_response(request)
        state = request.page_cache
        if state is None or getattr(response, "page_cache_served", False):
            return response
        version, key = state
        if not _cacheable(request, response):
            return response
        if (
            request.method == "GET"
            and settings.PAGE_CACHE_SECONDS > 0
            and not response.streaming
            and len(response.content) <= settings.PAGE_CACHE_MAX_BYTES
        ):
            headers = [(name, value) for name, value in response.items() if name.lower() not in NOT_REPLAYED]
            cache.set(key, (zlib.compress(response.content, CACHE_COMPRESSION), headers), settings.PAGE_CACHE_SECONDS)
        return _mark(response, version, "miss")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _applies_to(request, view_func):
            return None
        version = served_version(current_version())
        key = page_key(request, version)
        request.page_cache = (version, key)
        etag, last_modified = validators(version)
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            not_modified.page_cache_served = True
            return _mark(not_modified, version, "not-modified")
        stored = cache.get(key)
        if stored is None:
            return None
        content, headers = stored
        response = HttpResponse(zlib.decompress(content))
        for name, value in headers:
            response.headers[name] = value
        response.page_cache_served = True
        return _mark(response, version, "hit")
