"""Every URL pattern of the site, read from the resolver, so that tests cover pages added later unasked.

`routes()` lists each pattern with its full route, its parameters and their converters; `public_routes()`
leaves out the admin. `sample_url(route)` gives an address for a route: a real object's page where the
database has one (from the models' `get_absolute_url`), otherwise one built from plain values the
converters accept (which may well be a 404 page, itself a page type worth checking).
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import get_converters

# Plain values tried, in order, for a parameter of a route that no object in the database fills.
FALLBACK_VALUES = ["x", "1", "2025-01", "00000000-0000-0000-0000-000000000000"]


@dataclass
class Route:
    name: str  # "namespace:name", the name to reverse
    route: str  # the full pattern, e.g. "agreements/<path:reference>/"
    converters: dict = field(default_factory=dict)  # parameter -> converter (regex patterns: a `[^/]+` str)
    namespaces: tuple = ()
    callback: object = None

    @property
    def is_admin(self):
        return "admin" in self.namespaces

    def __str__(self):
        return self.route or "/"


def _converters(pattern):
    converters = dict(getattr(pattern, "converters", {}) or {})
    regex = getattr(pattern, "regex", None)
    for group in regex.groupindex if regex is not None else ():
        converters.setdefault(group, get_converters()["str"])
    return converters


def routes(patterns=None, prefix="", converters=None, namespaces=()):
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        here = {**(converters or {}), **_converters(entry.pattern)}
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespaces + ((entry.namespace,) if entry.namespace else ())
            found += routes(entry.url_patterns, route, here, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = ":".join(namespaces + (entry.name,))
            found.append(Route(name, route, here, namespaces, entry.callback))
    return found


def public_routes():
    return [route for route in routes() if not route.is_admin]


def object_urls(per_model=3):
    """Addresses of real pages: a few objects of every model that has a page."""
    urls = []
    for model in apps.get_models():
        if hasattr(model, "get_absolute_url"):
            urls += [obj.get_absolute_url() for obj in model._default_manager.all()[:per_model]]
    return urls


def sample_url(route, known_urls=()):
    for url in known_urls:
        match = resolve(url)
        if match.route == route.route and match.view_name == route.name:
            return url
    if not route.converters:
        return reverse(route.name)
    for value in FALLBACK_VALUES:
        try:
            return reverse(route.name, kwargs=dict.fromkeys(route.converters, value))
        except NoReverseMatch:
            continue
    raise AssertionError(f"no sample value fits the parameters of {route} ({route.name}): add one to FALLBACK_VALUES")
