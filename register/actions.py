"""Curators' writes: the admin, scripts and tests change register content through these functions only.

Each one runs in a transaction, records an `AuditEntry` (who, when, each field before and after) and marks
the fields a curator corrected, so that a later import keeps them. Before a version's content first changes,
what the register said is kept (register.contents.keep_current), so "as edition X listed it" stays true.
"""

import datetime
import decimal
import functools

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from register.bulk import chunks
from register.contents import VERSION_FIELDS, as_the_register_wrote, keep_current
from register.events import announce
from register.locks import CURATOR_WAIT_SECONDS, writing
from register.models import (
    Agreement,
    AgreementVersion,
    AuditEntry,
    Curated,
    Dataset,
    DatasetAlias,
    DatasetUse,
    Edition,
    FileRelease,
    Organisation,
    OrganisationAlias,
    Signal,
    VersionController,
)
from register.names import name_key
from register.queries import naming_dataset
from register.signals import store as signal_store

# Fields that describe the curation itself, never register content a curator "corrects".
NOT_CURATED = {"notes", "curated_fields", "key", "slug"}
# Entries whose fields imports write: a correction of one of these can be handed back to the register. An
# organisation's or a dataset's fields are the site's own (the register gives only spellings), so are never handed.
HANDED_BACK = (Agreement, AgreementVersion, DatasetUse, FileRelease)
# What a merged organisation passes on to the one kept, where that one has none.
ORGANISATION_DETAILS = ["kind", "ods_code", "region", "parent", "successor"]
# A curator's note re-indexed every agreement naming the entry (507 for a common dataset: 5 s on PostgreSQL).
NOTES_ONLY = {"notes"}


def in_turn():
    """One transaction for a curator's change, or several made at once (a bulk action), which first waits its turn
    among the register's writers: at most CURATOR_WAIT_SECONDS behind an import, then RegisterBusy, and nothing is
    changed (register.locks)."""
    return writing(wait_seconds=CURATOR_WAIT_SECONDS)


def writes_register(action):
    """A curator's action, in its turn (`in_turn`)."""

    @functools.wraps(action)
    def action_in_turn(*args, **kwargs):
        with in_turn():
            return action(*args, **kwargs)

    return action_in_turn


def _plain(obj, field_name):
    """A JSON-safe description of one field's value, FK values by id and name."""
    try:
        field = obj._meta.get_field(field_name)
    except Exception:
        return None
    if field.many_to_many or field.one_to_many:
        return None
    if isinstance(field, models.ForeignKey):
        related = getattr(obj, field_name)
        return None if related is None else {"id": related.pk, "name": str(related)}
    value = field.value_from_object(obj)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def record(user, obj, action, changes):
    return AuditEntry.objects.create(
        user=user if user and user.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes,
    )


def _keep_register_content(obj):
    """Before a curator changes what a version says, keep what the register said (see register.contents)."""
    if isinstance(obj, AgreementVersion) and obj.pk:
        keep_current([obj.pk])
    elif isinstance(obj, DatasetUse | VersionController) and obj.version_id:
        keep_current([obj.version_id])


def _organisation_agreements(organisation_ids):
    return (
        set(AgreementVersion.objects.filter(applicant__in=organisation_ids).values_list("agreement_id", flat=True))
        | set(
            VersionController.objects.filter(organisation__in=organisation_ids).values_list(
                "version__agreement_id", flat=True
            )
        )
        | set(FileRelease.objects.filter(organisation__in=organisation_ids).values_list("agreement_id", flat=True))
    )


def affected_agreements(obj):
    """The agreements whose pages, search text or filter values a change to `obj` can alter.

    Announcing these (rather than "anything") keeps a curator's save from rebuilding the whole search index.
    """
    if isinstance(obj, Agreement):
        return {obj.pk}
    if isinstance(obj, AgreementVersion | FileRelease):
        return {obj.agreement_id}
    if isinstance(obj, DatasetUse | VersionController):
        return set(AgreementVersion.objects.filter(pk=obj.version_id).values_list("agreement_id", flat=True))
    if isinstance(obj, Organisation | OrganisationAlias):
        return _organisation_agreements([obj.pk if isinstance(obj, Organisation) else obj.organisation_id])
    if isinstance(obj, Edition):
        return set()  # its note and source address show on pages (the cache follows), in no agreement's derived data
    if isinstance(obj, Dataset | DatasetAlias):
        dataset_id = obj.pk if isinstance(obj, Dataset) else obj.dataset_id
        return set(Agreement.objects.filter(naming_dataset(dataset_id)).values_list("pk", flat=True))
    return None  # not register content we know: assume anything may have changed


@writes_register
def save_curated(obj, user, changed_fields, adding=False):
    """Save a curator's edit of `obj`; `changed_fields` are the model fields the curator changed."""
    changed_fields = [name for name in changed_fields if name != "curated_fields"]
    _keep_register_content(obj)
    affected = affected_agreements(obj) if obj.pk else set()  # what it belonged to before the edit
    before = {}
    if not adding and obj.pk:
        old = type(obj).objects.get(pk=obj.pk)
        before = {name: _plain(old, name) for name in changed_fields}
    if isinstance(obj, Curated):
        corrected = {name for name in changed_fields if name not in NOT_CURATED}
        if adding:
            # A new entry holds nothing of the register's to keep, but a dataset a curator adds to a version must
            # stay through imports, which keep only what was corrected.
            corrected = (corrected or {"dataset"}) if isinstance(obj, DatasetUse) else set()
        if corrected:
            obj.curated_fields = sorted(set(obj.curated_fields) | corrected)
    obj.save()
    if isinstance(obj, VersionController):
        _controllers_curated(obj.version_id, user)
    if hasattr(obj, "former_slugs"):
        if "slug" in before and before["slug"] != obj.slug:
            _keep_address(obj, before["slug"])  # which holds its address now, too
        else:
            _hold_address(obj)
    changes = {name: [before.get(name), _plain(obj, name)] for name in changed_fields}
    if not adding and type(obj) in SPELLING_ROWS:
        moved = _rows_follow_spelling(obj, before)
        if moved:
            changes["rows moved with the spelling"] = [None, moved]
    record(user, obj, AuditEntry.Action.ADD if adding else AuditEntry.Action.CHANGE, changes)
    after = affected_agreements(obj)
    affected = None if after is None or affected is None else affected | after
    if not adding and changed_fields and set(changed_fields) <= NOTES_ONLY:
        affected = set()  # shown on pages (the data version follows), in no search text, filter value or signal
    announce(_refresh_signals(affected, obj))
    return obj


@writes_register
def hand_back(obj, names, user):
    """Hand fields a curator corrected back to the register (HANDED_BACK entries): no longer kept through imports.
    A version's values and applicant take the register's words again at once (what it last said, kept apart since
    the correction); its controllers, and a dataset use's or a file's fields, at the next import that lists them.
    Audited like any edit."""
    if not isinstance(obj, HANDED_BACK):
        raise ValueError(f"{type(obj).__name__} fields are the site's own: there is no register value to hand back to")
    names = [name for name in names if name in obj.curated_fields]
    if not names:
        return obj
    affected = affected_agreements(obj)
    changes = {"curated_fields": [list(obj.curated_fields), [n for n in obj.curated_fields if n not in names]]}
    if isinstance(obj, AgreementVersion):
        written = as_the_register_wrote(obj, [name for name in names if name in VERSION_FIELDS])
        for name, value in written.items():
            field = obj._meta.get_field(name)
            before = _plain(obj, name)
            setattr(obj, field.attname, field.to_python(value))
            if _plain(obj, name) != before:
                changes[name] = [before, _plain(obj, name)]
        if "applicant" in names:  # the organisation the register's spelling of the applicant is linked to
            registered = Organisation.objects.filter(aliases__key=name_key(obj.applicant_name)).first()
            if registered and registered.pk != obj.applicant_id:
                changes["applicant"] = [_plain(obj, "applicant"), {"id": registered.pk, "name": str(registered)}]
                obj.applicant = registered
    obj.curated_fields = changes["curated_fields"][1]
    obj.save()
    record(user, obj, AuditEntry.Action.CHANGE, changes)
    announce(_refresh_signals(affected, obj))
    return obj


def _controllers_curated(version_id, user):
    """A curator who adds, re-links or removes a version's controller has corrected its controllers: an import then
    keeps them and reports where the register disagrees (register.loader), instead of writing them afresh."""
    version = AgreementVersion.objects.get(pk=version_id)
    if "controllers" in version.curated_fields:
        return
    before = list(version.curated_fields)
    version.curated_fields = sorted([*before, "controllers"])
    AgreementVersion.objects.filter(pk=version_id).update(curated_fields=version.curated_fields)
    record(user, version, AuditEntry.Action.CHANGE, {"curated_fields": [before, version.curated_fields]})


@writes_register
def delete_curated(obj, user):
    _keep_register_content(obj)
    affected = affected_agreements(obj)
    snapshot = {f.name: [_plain(obj, f.name), None] for f in obj._meta.concrete_fields}
    record(user, obj, AuditEntry.Action.DELETE, snapshot)
    obj.delete()
    if isinstance(obj, VersionController):
        _controllers_curated(obj.version_id, user)
    announce(_refresh_signals(affected, obj))


# Where the register wrote each spelling: (model, link to the organisation or dataset, the text as written).
SPELLING_ROWS = {
    OrganisationAlias: [
        (AgreementVersion, "applicant", "applicant_name"),
        (VersionController, "organisation", "spelling"),
        (FileRelease, "organisation", "organisation_name"),
    ],
    DatasetAlias: [(DatasetUse, "dataset", "dataset_name"), (FileRelease, "dataset", "dataset_name")],
}


def _rows_follow_spelling(alias, before):
    """A curator linked a spelling to another organisation or dataset: the rows the register wrote with that
    spelling move with it, as an import would now link them, except a row whose link a curator corrected by hand.
    Returns how many rows of each kind moved."""
    was = (before.get(alias.owner_field) or {}).get("id")
    now = getattr(alias, f"{alias.owner_field}_id")
    if was is None or was == now:
        return {}
    moved = {}
    for model, link, written in SPELLING_ROWS[type(alias)]:
        curated = issubclass(model, Curated)
        rows = model.objects.filter(**{f"{link}_id": was}).values_list(
            "pk", written, *(["curated_fields"] if curated else [])
        )
        ids = [row[0] for row in rows if name_key(row[1]) == alias.key and not (curated and link in row[2])]
        for chunk in chunks(ids, 500):  # under SQLite's limit on a statement's parameters
            model.objects.filter(pk__in=chunk).update(**{f"{link}_id": now})
        if ids:
            moved[f"{model._meta.verbose_name_plural} ({link})"] = len(ids)
    return moved


def _keep_address(obj, former):
    """Record that `obj`'s page was at the slug `former` (before a merge or a changed slug): the old address then
    redirects to its page (register.addresses). A slug a page holds now is nobody's former address."""
    manager = obj.former_slugs
    manager.model.objects.update_or_create(
        slug=former, defaults={manager.field.name: obj, "recorded_at": timezone.now()}
    )
    _hold_address(obj)


def _hold_address(obj):
    """`obj`'s page is at its slug now: that slug stops being anybody's former address (a page a curator adds, or
    moves, to an address that once redirected elsewhere takes it over; register.addresses)."""
    obj.former_slugs.model.objects.filter(slug=obj.slug).delete()


def _pass_on_addresses(source, target):
    """Before `source` is merged away: its page's address, and those it had before, lead to `target`'s page."""
    source.former_slugs.update(**{source.former_slugs.field.name: target})
    _keep_address(target, source.slug)


@writes_register
def merge_organisations(source, target, user):
    """Fold `source` into `target`: every spelling, role, file, link and signal of source now points at target,
    and source's page redirects to target's.

    The emptied source row is deleted; the audit entry keeps what it was.
    """
    if source.pk == target.pk:
        raise ValueError("An organisation cannot be merged into itself.")
    # As the database has them now: a merge of several moves links (children, predecessors) between the rows given.
    source.refresh_from_db()
    target.refresh_from_db()
    affected = _organisation_agreements([source.pk, target.pk])
    others = Organisation.objects.exclude(pk=target.pk)
    moved = {
        "aliases": source.aliases.update(organisation=target),
        "applications": AgreementVersion.objects.filter(applicant=source).update(applicant=target),
        "controller_links": VersionController.objects.filter(organisation=source).update(organisation=target),
        "file_releases": FileRelease.objects.filter(organisation=source).update(organisation=target),
        "children": others.filter(parent=source).update(parent=target),
        "predecessors": others.filter(successor=source).update(successor=target),
        "signals": signal_store.follow_merge("organisation", source.pk, target.pk),
    }
    taken = _take_what_target_lacks(source, target)
    if taken:
        moved["taken from the merged organisation"] = taken
    _merged(source, target, user, affected, moved)
    return target


def _take_what_target_lacks(source, target):
    """Source's kind, ODS code, region and links, where target has none (a CCG merged into a new spelling of it
    keeps its sub-ICB location, so its ICB still gathers its agreements); {field: value taken}. A link that would
    make a loop is not taken."""
    if target.parent_id == source.pk:
        target.parent_id = None
    if target.successor_id == source.pk:
        target.successor_id = None
    taken = {}
    for name in ORGANISATION_DETAILS:
        field = Organisation._meta.get_field(name)
        mine, theirs = field.value_from_object(target), field.value_from_object(source)
        lacking = mine == Organisation.Kind.OTHER if name == "kind" else not mine
        if not lacking or not theirs or theirs == target.pk or theirs == Organisation.Kind.OTHER:
            continue
        setattr(target, field.attname, theirs)
        try:
            target.clean()
        except ValidationError:
            setattr(target, field.attname, mine)
            continue
        taken[name] = _plain(target, name)
    return taken


def _described(source):
    """What the audit keeps of a merged row, which is then deleted: enough to make it again by hand."""
    kept = {"id": source.pk, "name": source.name, "slug": source.slug}
    if isinstance(source, Organisation):
        kept.update({name: _plain(source, name) for name in ORGANISATION_DETAILS})
    return kept


def _merged(source, target, user, affected, moved):
    """The end of every merge: notes kept, addresses passed on, audited, source removed, signals worked out again."""
    _pass_on_addresses(source, target)
    target.notes = "\n\n".join(note for note in (target.notes, source.notes) if note)
    target.save()
    record(
        user,
        target,
        AuditEntry.Action.MERGE,
        {"merged": [_described(source), None], "moved": [None, moved]},
    )
    source.delete()
    announce(_refresh_signals(affected, target))


@writes_register
def merge_datasets(source, target, user):
    """Fold dataset `source` into `target` (two names for one dataset): every spelling, use on a version, file
    release and signal of source now points at target, and source's page redirects to target's.

    The register's own wording stays on each row (`dataset_name`), and a later import finds target through the
    spellings. The emptied source row is deleted; the audit entry keeps what it was.
    """
    if source.pk == target.pk:
        raise ValueError("A dataset cannot be merged into itself.")
    affected = affected_agreements(source) | affected_agreements(target)
    moved = {
        "aliases": source.aliases.update(dataset=target),
        "uses": DatasetUse.objects.filter(dataset=source).update(dataset=target),
        "file_releases": FileRelease.objects.filter(dataset=source).update(dataset=target),
        "signals": signal_store.follow_merge("dataset", source.pk, target.pk),
    }
    _merged(source, target, user, affected, moved)
    return target


def _refresh_signals(agreement_ids, obj):
    """Work the signals of the agreements a curator's change touched out again; returns every agreement whose
    page may have changed (None: any)."""
    if not agreement_ids:
        return agreement_ids
    outcome = signal_store.refresh(agreement_ids, cause=f"a curator's change to {obj}")
    return set(agreement_ids) | outcome.agreements


REVIEWED_FIELDS = ["status", "reason", "note"]


class ReviewError(ValueError):
    """A review that cannot be saved as asked; the message says why."""


@writes_register
def review_signal(signal, user, status, reason="", note=""):
    """A curator's review of a signal: confirm it, dismiss it (a reason is required), reopen it, or change its note.

    Audited like every curator's change; the review stands until the signal's evidence changes (register.signals).
    """
    reason, note = (reason or "").strip(), (note or "").strip()
    if status not in Signal.Status.values:
        raise ReviewError(f"“{status}” is not a review: choose one of {', '.join(Signal.Status.values)}.")
    if status == Signal.Status.DISMISSED and not reason:
        raise ReviewError("Say why the signal is dismissed: a reason is required, and it is kept in the audit trail.")
    before = {name: getattr(signal, name) for name in REVIEWED_FIELDS}
    signal.status, signal.reason, signal.note = status, reason, note
    changes = {
        name: [before[name], getattr(signal, name)] for name in REVIEWED_FIELDS if before[name] != getattr(signal, name)
    }
    if not changes:
        return signal
    signal.reviewed_by = user if user and user.is_authenticated else None
    signal.reviewed_at = timezone.now()
    if status != Signal.Status.OPEN:
        signal.reopened_because = ""
    signal.save(update_fields=[*REVIEWED_FIELDS, "reviewed_by", "reviewed_at", "reopened_because"])
    record(user, signal, AuditEntry.Action.CHANGE, changes)
    announce({signal.agreement_id})
    return signal
