"""One agreement's history in the register, for its pages: the timeline of its versions and the editions that listed
them, what each edition changed, the difference between any two versions (or between what two editions said of
one version), and the agreement as one edition listed it (for citing it "as of" that edition).

Each edition is compared with the one before it in its series, exactly as on /changes/ (register.changes), so
the agreement page and the edition's page never disagree. What a version said comes from the stored contents
(register.contents): the register's words, never a curator's later correction. Nothing here writes.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from register import changes, citations, curation_history
from register.contents import contents_for, listed_content, version_content
from register.differences import compare_contents
from register.editions import register_family
from register.models import Edition, VersionListing
from register.names import agreement_heading, reference_key

FIRST, UNCHANGED = "first", "unchanged"


class HistoryError(Exception):
    """A page cannot show what its address asks for: `status` (400 or 404) and a message saying why."""

    def __init__(self, status, message, hints=()):
        super().__init__(message)
        self.status = status
        self.message = message
        self.hints = list(hints)


def version_label(version):
    return version.label


def changes_url(agreement, **params):
    url = reverse("register:agreement-changes", args=[agreement.reference])
    params = {name: value for name, value in params.items() if value}
    return f"{url}?{urlencode(params)}" if params else url


def as_of_url(agreement, edition):
    return reverse("register:agreement-as-of", args=[agreement.reference, edition.code])


def compare_url(agreement, before, after, before_edition=None, after_edition=None):
    return changes_url(
        agreement,
        **{
            "from": version_label(before),
            "from_edition": before_edition.code if before_edition else "",
            "to": version_label(after),
            "to_edition": after_edition.code if after_edition else "",
        },
    )


@dataclass
class VersionEvent:
    version: object  # AgreementVersion
    kind: str  # changes.ADDED, CHANGED or WITHDRAWN
    compare_url: str = ""
    before: object = None  # (version, edition) the change is compared with, where there is one

    @property
    def kind_words(self):
        """What happened to the version, after "Version 2.1: "."""
        return {changes.ADDED: "new", changes.CHANGED: "amended"}.get(self.kind, "withdrawn (no longer listed)")

    @property
    def heading_words(self):
        """The same, in a heading of its own ("Version 2.1: new version")."""
        return "new version" if self.kind == changes.ADDED else self.kind_words


@dataclass
class TimelineEntry:
    edition: Edition
    previous: Edition | None
    kind: str  # FIRST (first edition of its series), ADDED, CHANGED, WITHDRAWN or UNCHANGED
    listed: list = field(default_factory=list)  # versions the edition listed, oldest first
    events: list = field(default_factory=list)  # VersionEvent
    until: Edition | None = None  # the last of a run of editions that listed it unchanged
    as_of_url: str = ""
    changes_url: str = ""

    @property
    def kind_label(self):
        return {
            FIRST: "Listed (the first edition of this register loaded)",
            changes.ADDED: "Added to the register",
            changes.CHANGED: "Changed",
            changes.WITHDRAWN: "Withdrawn: no longer listed",
            UNCHANGED: "Listed, unchanged",
        }[self.kind]


@dataclass
class History:
    agreement: object
    versions: list  # AgreementVersion, oldest first
    editions: list  # Edition in month order that listed any version of the agreement
    listings: dict  # edition id -> {version id: content hash}
    previous: dict  # edition id -> the edition it is compared with
    timeline: list  # TimelineEntry, oldest first

    def entry_for(self, edition):
        return next((entry for entry in self.timeline if entry.edition.pk == edition.pk), None)


def history(agreement, versions):
    """The agreement's History: `versions` are its AgreementVersions (any order)."""
    versions = sorted(versions, key=lambda v: (v.version_major, v.version_minor, v.reference))
    by_id = {version.pk: version for version in versions}
    all_editions = sorted(Edition.objects.all(), key=changes.edition_order)
    listed = changes.editions_with_listings()
    previous = changes.previous_editions(all_editions, listed)
    listings = {}
    for edition_id, version_id, content_hash in VersionListing.objects.filter(version__agreement=agreement).values_list(
        "edition_id", "version_id", "content_hash"
    ):
        listings.setdefault(edition_id, {})[version_id] = content_hash
    timeline = []
    for edition in all_editions:
        if edition.pk not in listed:
            continue
        current = listings.get(edition.pk, {})
        before_edition = previous[edition.pk]
        before = listings.get(before_edition.pk, {}) if before_edition else None
        if not current and not before:
            continue
        as_listing = {pk: (agreement.pk, value) for pk, value in current.items()}
        before_listing = None if before is None else {pk: (agreement.pk, value) for pk, value in before.items()}
        withdraws = bool(before_edition and before_edition.lists_all_agreements and edition.lists_all_agreements)
        change = changes.compare(as_listing, before_listing, withdraws).get(agreement.pk)
        if not current and change is None:
            continue  # not listed by a register that lists only some agreements: nothing to say
        entry = TimelineEntry(
            edition,
            before_edition,
            FIRST if before_edition is None else change.kind if change else UNCHANGED,
            listed=[version for version in versions if version.pk in current],
            as_of_url=as_of_url(agreement, edition) if current else "",
            changes_url=changes_url(agreement, edition=edition.code),
        )
        if change and before_edition is not None:
            entry.events = [
                _event(agreement, by_id, listings, before_edition, edition, item) for item in change.versions
            ]
        if entry.kind == UNCHANGED and timeline and timeline[-1].kind == UNCHANGED and _same_run(timeline[-1], entry):
            timeline[-1].until = edition
            continue
        timeline.append(entry)
    editions = [edition for edition in all_editions if edition.pk in listings]
    return History(agreement, versions, editions, listings, previous, timeline)


def _same_run(last, entry):
    return [v.pk for v in last.listed] == [v.pk for v in entry.listed] and (
        register_family(last.edition.register) == register_family(entry.edition.register)
    )


def _event(agreement, by_id, listings, before_edition, edition, item):
    version = by_id[item.version_id]
    event = VersionEvent(version, item.kind)
    if item.kind == changes.CHANGED:
        event.before = (version, before_edition)
        event.compare_url = compare_url(agreement, version, version, before_edition, edition)
    elif item.kind == changes.ADDED:
        # A new version of an agreement already listed: compared with the newest version listed before it.
        earlier = [by_id[pk] for pk in listings.get(before_edition.pk, {}) if pk in by_id]
        if earlier:
            newest = max(earlier, key=lambda v: (v.version_major, v.version_minor, v.reference))
            event.before = (newest, before_edition)
            event.compare_url = compare_url(agreement, newest, version, before_edition, edition)
    return event


# --- One side of a comparison: a version, as one edition listed it (by default the newest that did) ------------


@dataclass
class Side:
    version: object
    edition: Edition | None  # the edition whose words these are; None: the version's row (no listing recorded)
    content: dict
    newest: bool = False  # the edition was not asked for: the newest listing was taken

    @property
    def register(self):
        return self.edition.register if self.edition else ""

    @property
    def description(self):
        label = f"version {version_label(self.version)}"
        if self.edition is None:
            return f"{label} (no edition's listing recorded)"
        if self.newest:
            return f"{label}, as edition {self.edition.code} (the newest listing it) listed it"
        return f"{label}, as edition {self.edition.code} listed it"


def find_version(found, text, parameter):
    """The version of the agreement that `text` names: its number (3.2) or its full reference, in any case."""
    wanted = (text or "").strip()
    if not wanted:
        raise HistoryError(400, f"“{parameter}” is empty: give a version number such as 1.2 or a full reference.")
    key = reference_key(wanted)
    for version in found.versions:
        if wanted == version.version or key == reference_key(version.reference):
            return version
    listed = ", ".join(version_label(version) for version in found.versions)
    raise HistoryError(
        404,
        f"This agreement has no version “{wanted[:80]}” (in “{parameter}”). Its versions are: {listed or 'none'}.",
    )


def find_edition(text, parameter):
    wanted = (text or "").strip().lower()
    edition = Edition.objects.filter(code=wanted).first() if wanted else None
    if edition is None:
        raise HistoryError(404, f"No edition “{(text or '')[:40]}” (in “{parameter}”) is loaded: give one as YYYY-MM.")
    return edition


def side(found, version, edition=None):
    """What `edition` (or, when None, the newest edition listing it) said of `version`."""
    listed = [
        e for e in found.editions if version.pk in found.listings.get(e.pk, {}) and found.listings[e.pk][version.pk]
    ]
    if edition is not None:
        if version.pk not in found.listings.get(edition.pk, {}):
            codes = ", ".join(e.code for e in found.editions if version.pk in found.listings.get(e.pk, {}))
            raise HistoryError(
                404,
                f"Edition {edition.code} did not list version {version_label(version)}. "
                f"Editions that did: {codes or 'none'}.",
            )
        listing = VersionListing.objects.select_related("version").get(edition=edition, version=version)
        content = listed_content(listing) or version_content(version.pk)
        return Side(version, edition, content)
    if listed:
        newest = listed[-1]
        listing = VersionListing.objects.select_related("version").get(edition=newest, version=version)
        content = listed_content(listing)
        if content is not None:
            return Side(version, newest, content, newest=True)
    return Side(version, None, version_content(version.pk))


@dataclass
class Difference:
    before: Side
    after: Side
    comparison: object  # register.differences.Comparison


def difference(found, before, after):
    return Difference(before, after, compare_contents(before.content, after.content, before.register, after.register))


def requested_difference(found, query):
    """The Difference the query asks for (from, to, from_edition, to_edition); None when it asks for none."""
    names = ("from", "to", "from_edition", "to_edition")
    given = {name: query.get(name, "") for name in names if query.get(name, "").strip()}
    if not given:
        return None
    if "from" not in given or "to" not in given:
        missing = "from" if "from" not in given else "to"
        raise HistoryError(
            400, f"“{missing}” is missing: give both versions to compare (from and to), e.g. ?from=1.2&to=2.3."
        )
    sides = []
    for end in ("from", "to"):
        version = find_version(found, given[end], end)
        edition = find_edition(given[f"{end}_edition"], f"{end}_edition") if f"{end}_edition" in given else None
        sides.append(side(found, version, edition))
    return difference(found, *sides)


def default_difference(found):
    """The newest version against the one before it, as the newest editions listing them said."""
    if len(found.versions) < 2:
        return None
    return difference(found, side(found, found.versions[-2]), side(found, found.versions[-1]))


def edition_differences(found, entry):
    """[(VersionEvent, Difference or None)] for what one edition changed in the agreement."""
    result = []
    for event in entry.events:
        if event.before is None:
            result.append((event, None))
            continue
        before_version, before_edition = event.before
        result.append(
            (
                event,
                difference(
                    found, side(found, before_version, before_edition), side(found, event.version, entry.edition)
                ),
            )
        )
    return result


# --- The agreement as one edition listed it ----------------------------------------------------------------------


@dataclass
class AsOf:
    edition: Edition
    listed: list  # (version, content dict), oldest version first
    entry: TimelineEntry | None
    reference: str = ""  # the agreement's

    @property
    def latest(self):
        return self.listed[-1]

    @property
    def others(self):
        return self.listed[:-1]

    @property
    def citation(self):
        version, content = self.latest
        return citations.citation(
            self.edition, content.get("title"), self.reference, version.version, content.get("applicant_name")
        )

    @property
    def heading(self):
        return agreement_heading(self.latest[1].get("title"), self.latest[1].get("applicant_name"))


def as_of(found, edition):
    """What `edition` listed of the agreement, each version as that edition said it."""
    hashes = found.listings.get(edition.pk, {})
    if not hashes:
        listed_in = [e for e in found.editions if found.listings.get(e.pk)]
        raise HistoryError(
            404,
            f"Edition {edition.code} does not list this agreement."
            + (f" Editions that list it: {', '.join(e.code for e in listed_in)}." if listed_in else ""),
            hints=[(e.code, as_of_url(found.agreement, e)) for e in listed_in],
        )
    stored = contents_for((version_id, value) for version_id, value in hashes.items())
    listed = []
    for version in found.versions:
        if version.pk in hashes:
            content = stored.get((version.pk, hashes[version.pk])) or version_content(version.pk)
            listed.append((version, content))
    return AsOf(edition, listed, found.entry_for(edition), reference=found.agreement.reference)


def page_context(agreement, versions):
    """What the agreement page's history sections show: the timeline, curators' edits, the citation's address."""
    found = history(agreement, versions)
    return {
        "history": found,
        "curator_edits": curation_history.agreement_edits(agreement, [version.pk for version in versions]),
        "cite_as_of_url": as_of_url(agreement, agreement.last_edition)
        if agreement.last_edition_id and found.listings.get(agreement.last_edition_id)
        else "",
    }
