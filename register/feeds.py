"""Atom feeds (RFC 4287) of what changed in the register: all changes; an organisation's; a dataset's; and those of
any agreement-list query (the same filters as /agreements/, from register.filters).

One entry per agreement per edition that added, changed or withdrew it, newest edition first, at most
`ENTRIES`. An entry's link (and id) is the agreement's change page for that edition,
`/agreements/<reference>/changes/?edition=<code>`: a permanent address, unique per agreement and edition, that
shows exactly what the edition changed. `updated` is when the site learnt of the change: the later import of the
edition and of the edition it is compared with (an older edition imported later can change what a newer one
is compared with). The feed's author is NHS England, whose register it is.
"""

import datetime
import re
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join

from register import addresses, changes, listing
from register.contents import contents_for
from register.differences import FIELDS, field_text, typographic_key
from register.models import Agreement, AgreementVersion, Dataset, Organisation
from register.queries import gathered_organisation_ids, held_by, naming_dataset

ENTRIES = 100
AUTHOR = "NHS England (the register); Data Release Register, reformatted (this feed)"
# XML 1.0 allows no other control characters: a stray one in register text must not break a feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
KIND_WORDS = {changes.ADDED: "added", changes.CHANGED: "changed", changes.WITHDRAWN: "withdrawn"}


def xml_text(value):
    return _NOT_XML.sub("", str(value or ""))


@dataclass
class Subject:
    """What a feed is about: its title, the page it belongs to, and which agreements (None: all)."""

    title: str
    page: str
    feed: str
    description: str
    agreements: object = None  # a queryset of agreements, or None for every agreement
    guid: str = ""  # the feed's id: its page's absolute address


@dataclass
class Entry:
    title: str
    link: str
    updated: object
    published: object
    summary: str
    kind: str


def entries(agreements=None, limit=ENTRIES):
    """Entries of the newest changes (to `agreements` only, when given)."""
    found = changes.recent_changes(agreements, limit)
    agreement_ids = {change.agreement_id for _, change in found}
    version_ids = {version.version_id for _, change in found for version in change.versions}
    by_id = (
        Agreement.objects.select_related("latest_version")
        .only("reference", "latest_version__title", "latest_version__applicant_name", "latest_version__version")
        .in_bulk(agreement_ids)
    )
    versions = AgreementVersion.objects.only("reference", "version").in_bulk(version_ids)
    pairs = [
        (version.version_id, value)
        for _, change in found
        for version in change.versions
        if version.kind == changes.CHANGED
        for value in (version.before, version.after)
    ]
    stored = contents_for(pairs)
    result = []
    for edition_changes, change in found:
        agreement = by_id[change.agreement_id]
        edition = edition_changes.edition
        title = agreement.latest_version.heading if agreement.latest_version else "Untitled agreement"
        verb = KIND_WORDS[change.kind]
        if edition_changes.baseline:
            verb = "listed (first edition loaded)"
        link = reverse("register:agreement-changes", args=[agreement.reference]) + f"?edition={edition.code}"
        updated = max(
            [edition.imported_at] + ([edition_changes.previous.imported_at] if edition_changes.previous else [])
        )
        result.append(
            Entry(
                title=xml_text(f"{agreement.reference} {verb} in edition {edition.code}: {title}"),
                link=link,
                updated=updated,
                published=edition.imported_at,
                summary=_summary(edition_changes, change, versions, stored),
                kind=change.kind,
            )
        )
    return result


def _summary(edition_changes, change, versions, stored):
    lines = []
    for item in change.versions:
        version = versions[item.version_id]
        label = version.version or version.reference
        if item.kind == changes.CHANGED:
            before, after = stored.get((item.version_id, item.before)), stored.get((item.version_id, item.after))
            fields = _changed_fields(before, after)
            detail = ": " + ", ".join(fields) if fields else ": only spacing, quotes or dashes" if before else ""
            lines.append(f"Version {label} changed{detail}.")
        elif item.kind == changes.ADDED:
            lines.append(f"Version {label} {'listed' if edition_changes.baseline else 'added'}.")
        else:
            lines.append(f"Version {label} withdrawn (no longer listed).")
    previous = edition_changes.previous
    compared = f"Compared with edition {previous.code}." if previous else "The first edition of this register loaded."
    return format_html(
        "<p>{}</p><ul>{}</ul>", compared, format_html_join("", "<li>{}</li>", ((xml_text(line),) for line in lines))
    )


def _changed_fields(before, after):
    if before is None or after is None:
        return []
    changed = []
    for name, label in FIELDS:
        old, new = field_text(before, name), field_text(after, name)
        # Folding typography costs time on 26,000-character texts: only for fields whose text differs at all.
        if old != new and typographic_key(old) != typographic_key(new):
            changed.append(label)
    return changed


class ChangesFeed(Feed):
    """Base of the site's feeds: Atom 1.0, entries from `entries()`, the subject from `subject()`."""

    feed_type = Atom1Feed
    author_name = AUTHOR
    url_name = None  # of a feed about a page that can move (register.addresses): where a moved one redirects

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except FeedQueryError as error:
            return render(request, "register/feed_error.html", {"errors": error.errors}, status=400)
        except addresses.Moved as moved:
            return moved.redirect(request, self.url_name)

    def get_object(self, request, *args, **kwargs):
        # The feed's id is its page's absolute address: worked out here, as the feed object is shared by requests.
        subject = self.subject(request, *args, **kwargs)
        subject.guid = request.build_absolute_uri(subject.page)
        return subject

    def title(self, subject):
        return xml_text(subject.title)

    def subtitle(self, subject):
        return xml_text(subject.description)

    def link(self, subject):
        return subject.page

    def feed_url(self, subject):
        return subject.feed

    def feed_guid(self, subject):
        return subject.guid

    def items(self, subject):
        return entries(subject.agreements)

    def item_title(self, entry):
        return entry.title

    def item_link(self, entry):
        return entry.link

    def item_description(self, entry):
        return entry.summary

    def item_updateddate(self, entry):
        return entry.updated

    def item_pubdate(self, entry):
        return entry.published

    def item_categories(self, entry):
        return [entry.kind]


class FeedQueryError(Exception):
    def __init__(self, errors):
        super().__init__("; ".join(message for _, _, message in errors))
        self.errors = errors


class AllChangesFeed(ChangesFeed):
    def subject(self, request):
        return Subject(
            title="What changed in the register of data sharing agreements",
            page=reverse("register:changes"),
            feed=reverse("register:changes-atom"),
            description="Agreements added, changed and withdrawn in each edition of NHS England's register.",
        )


class OrganisationChangesFeed(ChangesFeed):
    url_name = "register:organisation-atom"

    def subject(self, request, slug):
        organisation = addresses.get(Organisation.objects.all(), slug)
        held = Agreement.objects.filter(held_by(gathered_organisation_ids(organisation)))
        return Subject(
            title=f"What changed for {organisation.name}",
            page=organisation.get_absolute_url(),
            feed=reverse("register:organisation-atom", args=[slug]),
            description=f"Changes to the agreements {organisation.name} holds (with what it gathers), per edition.",
            agreements=held,
        )


class DatasetChangesFeed(ChangesFeed):
    url_name = "register:dataset-atom"

    def subject(self, request, slug):
        dataset = addresses.get(Dataset.objects.all(), slug)
        naming = Agreement.objects.filter(naming_dataset(dataset.pk))
        return Subject(
            title=f"What changed for {dataset.name}",
            page=dataset.get_absolute_url(),
            feed=reverse("register:dataset-atom", args=[slug]),
            description=f"Changes to the agreements naming {dataset.name} or receiving files of it, per edition.",
            agreements=naming,
        )


def query_values(filterset):
    """{parameter: value} of a (valid) agreement-list query without its page, size and order, each value as the
    list read it: an organisation by its address, whichever spelling was typed; a dataset by its address now; a date
    as YYYY-MM-DD; the search text trimmed; a role only with an organisation. So a feed has one address and one id
    however its query was written."""
    cleaned = filterset.form.cleaned_data
    values = {}
    for name, value in cleaned.items():
        if value in (None, "") or name in {"sort", "per_page"} or (name == "role" and not cleaned.get("organisation")):
            continue
        if isinstance(value, Organisation):
            value = value.slug
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        values[name] = value
    return values


def query_string(filterset):
    """The agreement list's query as a feed of it reads it (`query_values`), for the feed's address."""
    values = query_values(filterset)
    return listing.Params(values, list(values)).url("")


class AgreementQueryFeed(ChangesFeed):
    def subject(self, request):
        filterset = listing.filterset_reading(request.GET, ignored=[*listing.PAGE_SETTINGS, "sort"])
        if not filterset.is_valid():
            raise FeedQueryError(listing.form_errors(filterset))
        query = query_string(filterset)
        described = "; ".join(listing.described_filters(filterset))
        return Subject(
            title="What changed: agreements" + (f" ({xml_text(described)[:200]})" if described else ""),
            page=reverse("register:agreements") + query,
            feed=reverse("register:agreements-atom") + query,
            description="Changes to the agreements this query of the agreement list finds, per edition.",
            agreements=filterset.qs if filterset.active else None,
        )


def query_feed_url(filterset):
    """The feed of an agreement-list query, given its (valid) AgreementFilter."""
    return reverse("register:agreements-atom") + query_string(filterset)
