"""Curators' edits of one agreement, for its page: who changed what and when, apart from the register's changes.

Read from the audit trail (`AuditEntry`, written by register.actions) for the agreement itself, its versions, the
datasets named on them, their data controllers and its file releases, including rows a curator removed (found
through the snapshot their deletion recorded).

Who: the public page says "a curator", never a user name. Curators are staff whose names are theirs to give,
and a name on a public page invites pressure on a person rather than scrutiny of the change; the change itself
(what, before, after, when) is public in full. The admin's audit trail keeps the user for accountability.
(Decision recorded in README, "What changed".)
"""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils.text import capfirst

from register.differences import text_difference
from register.models import Agreement, AgreementVersion, AuditEntry, DatasetUse, FileRelease, VersionController

WHO = "A curator"
HIDDEN_FIELDS = {"curated_fields", "id", "key"}
ACTION_WORDS = {
    AuditEntry.Action.ADD: "added",
    AuditEntry.Action.CHANGE: "corrected",
    AuditEntry.Action.DELETE: "removed",
    AuditEntry.Action.MERGE: "merged",
}
WHAT = {
    Agreement: "the agreement",
    AgreementVersion: "version",
    DatasetUse: "a dataset named on a version",
    VersionController: "a data controller of a version",
    FileRelease: "a file release",
}


@dataclass
class FieldEdit:
    label: str
    before: str
    after: str
    paragraphs: list = field(default_factory=list)


@dataclass
class Edit:
    at: object
    who: str
    action: str
    what: str
    fields: list  # FieldEdit


def _text(value):
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("name", value.get("id", "")))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return str(value)


def field_label(model, name):
    """A field's name as a curator reads it: its verbose name ("DSA end date"), else its own name in words."""
    try:
        return capfirst(str(model._meta.get_field(name).verbose_name))  # "DSA end date", not "Dsa end date"
    except Exception:  # noqa: BLE001 - a field renamed since the edit: show its recorded name
        return capfirst(name.replace("_", " "))


def agreement_edits(agreement, version_ids):
    """[Edit], newest first: curators' changes to the agreement and everything that belongs to it."""
    types = ContentType.objects.get_for_models(Agreement, AgreementVersion, DatasetUse, VersionController, FileRelease)
    ids = [str(pk) for pk in version_ids]
    as_text = {"pk_text": Cast("pk", CharField())}
    condition = (
        Q(content_type=types[Agreement], object_id=str(agreement.pk))
        | Q(content_type=types[AgreementVersion], object_id__in=ids)
        | Q(
            content_type=types[DatasetUse],
            object_id__in=DatasetUse.objects.filter(version__agreement=agreement).values(
                pk_text=Cast("pk", CharField())
            ),
        )
        | Q(
            content_type=types[VersionController],
            object_id__in=VersionController.objects.filter(version__agreement=agreement).values(
                pk_text=Cast("pk", CharField())
            ),
        )
        | Q(
            content_type=types[FileRelease],
            object_id__in=FileRelease.objects.filter(agreement=agreement).values(**as_text),
        )
        # Rows a curator removed are no longer there to be found: their deletion's snapshot says whose they were.
        | Q(
            action=AuditEntry.Action.DELETE,
            content_type__in=[types[DatasetUse], types[VersionController], types[FileRelease]],
        )
    )
    models = {types[model].pk: model for model in types}
    edits = []
    for entry in AuditEntry.objects.filter(condition).order_by("-at", "-id"):
        model = models[entry.content_type_id]
        if (
            entry.action == AuditEntry.Action.DELETE
            and model is not Agreement
            and not _belongs(entry, agreement.pk, set(version_ids))
        ):
            continue
        edits.append(_edit(entry, model))
    return edits


def _belongs(entry, agreement_id, version_ids):
    changes = entry.changes or {}
    version = (changes.get("version") or [None])[0]
    owner = (changes.get("agreement") or [None])[0]
    return (isinstance(version, dict) and version.get("id") in version_ids) or (
        isinstance(owner, dict) and owner.get("id") == agreement_id
    )


def _edit(entry, model):
    what = WHAT[model]
    if model is AgreementVersion:
        what = f"version {entry.object_repr}"
    elif model is not Agreement:
        what = f"{what} ({entry.object_repr})"
    fields = []
    if entry.action != AuditEntry.Action.DELETE:
        for name, pair in (entry.changes or {}).items():
            if name in HIDDEN_FIELDS or not isinstance(pair, list) or len(pair) != 2:
                continue
            before, after = _text(pair[0]), _text(pair[1])
            fields.append(FieldEdit(field_label(model, name), before, after, text_difference(before, after)))
    return Edit(entry.at, WHO, ACTION_WORDS.get(entry.action, entry.action), what, fields)
