"""What changed from one edition of the register to the next, worked out from what each edition listed.

Every edition's listing of a version is stored with a hash of what that edition said (`VersionListing`), so no
guess is needed. An edition is compared with the edition before it, by month, of the same series of registers
(`register.editions.register_family`: the monthly register, the quarterly one, the seed page):

- a version is *added* when this edition lists it and the previous one did not;
- a version is *changed* when both list it and what they said differs (another content hash);
- a version is *withdrawn* when the previous edition listed it and this one does not, and both list every
  agreement (only the monthly register does: the quarterly one lists agreements that released files);
- an agreement is added, withdrawn or changed likewise: changed when any of its versions was added (a new
  version of an existing agreement), changed or withdrawn while the agreement stayed listed.

The first edition of a series has nothing to compare with: everything it lists counts as added, and the pages
say so (`EditionChanges.baseline`). Editions that list no versions (a CSV of the DataReleases sheet alone) are
neither compared nor compared with. A change is any change in what the register wrote, spacing included; the
difference pages (register.differences) show which words changed and say when only spacing, quotes or dashes did.

Editions may be imported in any order: these are worked out at reading time from the listings, so importing an
older edition later changes what the next edition is compared with, as it should. Nothing here writes.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from register.editions import register_family
from register.models import AgreementVersion, Edition, FileRelease, VersionListing

ADDED, CHANGED, WITHDRAWN = "added", "changed", "withdrawn"
KINDS = [ADDED, CHANGED, WITHDRAWN]


def edition_order(edition):
    """How editions sort: by the month they cover (none: oldest), then by code."""
    return (edition.month or datetime.date.min, edition.code)


@dataclass
class VersionChange:
    version_id: int
    kind: str
    before: str = ""  # what the previous edition said (its content hash), "" when it did not list the version
    after: str = ""  # what this edition said


@dataclass
class AgreementChange:
    agreement_id: int
    kind: str
    versions: list = field(default_factory=list)  # VersionChange, the agreement's versions that changed


@dataclass
class EditionChanges:
    """What one edition changed: per agreement, with its versions; plus the numbers the /changes/ pages show."""

    edition: Edition
    previous: Edition | None = None
    lists_versions: bool = True
    agreements: dict = field(default_factory=dict)  # agreement id -> AgreementChange
    listed_agreements: int = 0
    listed_versions: int = 0
    files_in_month: int = 0  # file rows whose month released is the edition's month
    files_first_listed: int = 0  # file rows no earlier edition listed

    @property
    def baseline(self):
        """The first edition of its series: nothing to compare with, so everything it lists is 'added'."""
        return self.lists_versions and self.previous is None

    @property
    def withdraws(self):
        return bool(self.previous and self.previous.lists_all_agreements and self.edition.lists_all_agreements)

    def counts(self):
        agreements = dict.fromkeys(KINDS, 0)
        versions = dict.fromkeys(KINDS, 0)
        for change in self.agreements.values():
            agreements[change.kind] += 1
            for version in change.versions:
                versions[version.kind] += 1
        return {"agreements": agreements, "versions": versions}

    def agreement_ids(self, kind=None):
        return [pk for pk, change in self.agreements.items() if kind is None or change.kind == kind]


def compare(current, previous, withdraws):
    """{agreement id: AgreementChange} between two listings, each {version id: (agreement id, content hash)}.

    `previous` is None for the first edition of a series (everything is added); `withdraws` says whether what
    the previous edition listed and this one does not counts as withdrawn.
    """
    previous = previous or {}
    by_agreement = defaultdict(list)
    listed_now = {agreement_id for agreement_id, _ in current.values()}
    listed_before = {agreement_id for agreement_id, _ in previous.values()}
    for version_id, (agreement_id, after) in current.items():
        if version_id not in previous:
            by_agreement[agreement_id].append(VersionChange(version_id, ADDED, "", after))
        else:
            before = previous[version_id][1]
            if before and after and before != after:
                by_agreement[agreement_id].append(VersionChange(version_id, CHANGED, before, after))
    if withdraws:
        for version_id, (agreement_id, before) in previous.items():
            if version_id not in current:
                by_agreement[agreement_id].append(VersionChange(version_id, WITHDRAWN, before, ""))
    changes = {}
    for agreement_id, versions in by_agreement.items():
        if agreement_id not in listed_before:
            kind = ADDED
        elif agreement_id not in listed_now:
            kind = WITHDRAWN
        else:
            kind = CHANGED
        changes[agreement_id] = AgreementChange(agreement_id, kind, sorted(versions, key=lambda c: c.version_id))
    return changes


def _listings(edition_ids, agreements=None):
    """{edition id: {version id: (agreement id, content hash)}}, for agreements (a queryset of them) if given.

    Versions' agreements are read apart from the listings: joining the two made SQLite read each version's row
    (narrative texts and all), 5x slower at full size than reading the agreement_id index alone.
    """
    versions = AgreementVersion.objects.order_by()
    if agreements is not None:
        versions = versions.filter(agreement__in=agreements)
    owner = dict(versions.values_list("id", "agreement_id"))
    rows = VersionListing.objects.filter(edition_id__in=list(edition_ids)).order_by()
    if agreements is not None:
        rows = rows.filter(version_id__in=versions.values("id"))
    found = defaultdict(dict)
    for edition_id, version_id, content_hash in rows.values_list("edition_id", "version_id", "content_hash").iterator(
        chunk_size=10000
    ):
        found[edition_id][version_id] = (owner[version_id], content_hash)
    return found


def editions_with_listings():
    return set(VersionListing.objects.order_by().values_list("edition_id", flat=True).distinct())


def previous_editions(editions=None, listed=None):
    """{edition id: the edition it is compared with, or None}, for editions that list versions."""
    editions = sorted(editions if editions is not None else Edition.objects.all(), key=edition_order)
    listed = editions_with_listings() if listed is None else listed
    last_of_series, previous = {}, {}
    for edition in editions:
        if edition.pk not in listed:
            continue
        family = register_family(edition.register)
        previous[edition.pk] = last_of_series.get(family)
        last_of_series[family] = edition
    return previous


def _file_counts(editions):
    months = {edition.month for edition in editions if edition.month}
    in_month = dict(
        FileRelease.objects.filter(month__in=months)
        .order_by()
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    first = dict(
        FileRelease.objects.filter(first_edition__in=[e.pk for e in editions])
        .order_by()
        .values("first_edition")
        .annotate(n=Count("id"))
        .values_list("first_edition", "n")
    )
    return in_month, first


def every_edition():
    """EditionChanges for every edition, newest first, with their numbers: what /changes/ shows."""
    editions = list(Edition.objects.all())
    listed = editions_with_listings()
    previous = previous_editions(editions, listed)
    listings = _listings(listed)
    in_month, first = _file_counts(editions)
    result = []
    for edition in sorted(editions, key=edition_order, reverse=True):
        found = EditionChanges(edition, lists_versions=edition.pk in listed)
        found.files_in_month = in_month.get(edition.month, 0) if edition.month else 0
        found.files_first_listed = first.get(edition.pk, 0)
        if found.lists_versions:
            found.previous = previous[edition.pk]
            current = listings.get(edition.pk, {})
            before = listings.get(found.previous.pk, {}) if found.previous else None
            found.agreements = compare(current, before, found.withdraws)
            found.listed_versions = len(current)
            found.listed_agreements = len({agreement_id for agreement_id, _ in current.values()})
        result.append(found)
    return result


def edition_changes(edition, agreements=None):
    """What `edition` changed (for the agreements in the queryset `agreements`, if given)."""
    listed = editions_with_listings()
    found = EditionChanges(edition, lists_versions=edition.pk in listed)
    in_month, first = _file_counts([edition])
    found.files_in_month = in_month.get(edition.month, 0) if edition.month else 0
    found.files_first_listed = first.get(edition.pk, 0)
    if not found.lists_versions:
        return found
    found.previous = previous_editions(listed=listed)[edition.pk]
    ids = [edition.pk] + ([found.previous.pk] if found.previous else [])
    listings = _listings(ids, agreements)
    current = listings.get(edition.pk, {})
    before = listings.get(found.previous.pk, {}) if found.previous else None
    found.agreements = compare(current, before, found.withdraws)
    found.listed_versions = len(current)
    found.listed_agreements = len({agreement_id for agreement_id, _ in current.values()})
    return found


def recent_changes(agreements=None, limit=100):
    """[(EditionChanges, AgreementChange)], newest edition first, at most `limit` (whole editions), for feeds.

    Editions are read two at a time from the newest, so a feed reads only the editions it shows.
    """
    editions = list(Edition.objects.all())
    listed = editions_with_listings()
    previous = previous_editions(editions, listed)
    entries = []
    for edition in sorted(editions, key=edition_order, reverse=True):
        if len(entries) >= limit:
            break
        if edition.pk not in listed:
            continue
        found = EditionChanges(edition, previous=previous[edition.pk])
        ids = [edition.pk] + ([found.previous.pk] if found.previous else [])
        listings = _listings(ids, agreements)
        before = listings.get(found.previous.pk, {}) if found.previous else None
        found.agreements = compare(listings.get(edition.pk, {}), before, found.withdraws)
        entries += [(found, found.agreements[pk]) for pk in sorted(found.agreements)]
    return entries[:limit]
