"""Stable addresses for organisations' and datasets' pages.

A page's address is its slug. When a curator merges an organisation or a dataset into another, or changes its slug,
the old slug is kept (`OrganisationFormerSlug`, `DatasetFormerSlug`, recorded by register.actions) and the old
address answers with a permanent redirect to the same view at the slug now, query string kept, so links people made
and cited keep working (the page and its Atom feed alike); the agreement list's filters take a former address too
(register.filters). A slug a page holds now always wins over a former one.
"""

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse


class Moved(Exception):
    """The page asked for has moved: `slug` is its address now."""

    def __init__(self, slug):
        super().__init__(slug)
        self.slug = slug

    def redirect(self, request, url_name):
        """A permanent redirect to `url_name` at the slug now, with the request's query string."""
        return moved_permanently(request, reverse(url_name, args=[self.slug]))


def moved_permanently(request, target):
    """A permanent redirect to the address `target`, keeping the request's query string."""
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"{target}?{query}" if query else target, permanent=True)


def get(queryset, slug):
    """The object whose page is at `slug`. Raises Moved where a curator merged or renamed it away from there, or
    where `slug` is written in capitals, and Http404 where `slug` is neither a page's address nor a former one."""
    found = queryset.filter(slug=slug).first()
    if found is not None:
        return found
    written_otherwise = queryset.filter(slug__iexact=slug).values_list("slug", flat=True).first()
    if written_otherwise is not None:
        raise Moved(written_otherwise)  # typed or copied in other capitals, as agreements' references may be
    moved_to = slug_now(queryset.model, slug)
    if moved_to is None:
        raise Http404(f"No {queryset.model._meta.verbose_name} has the address “{slug}”.")
    raise Moved(moved_to)


def slug_now(model, former):
    """The slug now of the organisation or dataset (`model`) whose page had the slug `former` (as written, else in
    any capitals), or None."""
    relation = model.former_slugs.rel  # OrganisationFormerSlug.organisation, DatasetFormerSlug.dataset
    formers = relation.related_model.objects.values_list(f"{relation.field.name}__slug", flat=True)
    return formers.filter(slug=former).first() or formers.filter(slug__iexact=former).first()
