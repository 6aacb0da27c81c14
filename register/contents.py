"""What an edition said about a version: its content as written, its hash, and where that content is kept.

A version's content is its Agreements row (as written), the spellings of its data controllers and its
Datasets rows. Each edition's listing of the version (`VersionListing`) records the hash of what that
edition said. The version's own row holds the content of the newest edition that listed it (its
`content_hash`); a `VersionContent` keeps every other content: what an older edition said, and what the row
held before a newer edition or a curator changed it (kept just before the change). So "this version as
edition X listed it" is always answerable (`listed_content`) without storing every content twice: on a first
import of the full register, that would double the ~100 MB of narrative text.
"""

import datetime
import hashlib
import json

from register.bulk import chunks
from register.models import AgreementVersion, DatasetUse, VersionContent, VersionController

VERSION_FIELDS = [
    "title",
    "applicant_name",
    "applicant_type",
    "controllers_text",
    "controller_arrangement",
    "is_joint_controller",
    "dsa_start",
    "dsa_start_text",
    "dsa_end",
    "dsa_end_text",
    "sublicensing",
    "sublicensing_text",
    "commercial",
    "commercial_text",
    "type_of_data_text",
    *AgreementVersion.TEXT_FIELDS,
]
USE_FIELDS = ["type_of_data", "sensitivity", "is_sensitive", "frequency", "legal_basis", "common_law_duty"]


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def content(source, controllers, uses):
    """The content dict from a record or a row (`source`), controller spellings and dataset records or rows."""
    fields = {name: _plain(getattr(source, name)) for name in VERSION_FIELDS}
    fields["controllers"] = list(controllers)
    fields["datasets"] = [
        {"dataset": use.dataset_name, **{name: getattr(use, name) for name in USE_FIELDS}} for use in uses
    ]
    return fields


def content_hash(fields):
    """A hash of the content. The long texts are hashed as they are: JSON-escaping 100 MB of them cost seconds."""
    digest = hashlib.sha256()
    for name in sorted(fields):
        value = fields[name]
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
        digest.update(f"\x1e{name}\x1f{type(value).__name__}\x1f".encode())
        digest.update(text.encode())
    return digest.hexdigest()


def _rows_content(version_ids):
    """{version id: content} rebuilt from the database rows of these versions."""
    controllers, uses = {}, {}
    for chunk in chunks(version_ids):
        for link in VersionController.objects.filter(version_id__in=chunk).order_by("version_id", "position"):
            controllers.setdefault(link.version_id, []).append(link.spelling)
        for use in DatasetUse.objects.filter(version_id__in=chunk).order_by("version_id", "position"):
            uses.setdefault(use.version_id, []).append(use)
    versions = AgreementVersion.objects.in_bulk(version_ids)
    return {pk: content(version, controllers.get(pk, []), uses.get(pk, [])) for pk, version in versions.items()}


def keep_current(version_ids, edition=None):
    """Before a version's row changes, keep the register content it holds, unless that is kept already."""
    version_ids = list(version_ids)
    hashes = dict(
        AgreementVersion.objects.filter(pk__in=version_ids).exclude(content_hash="").values_list("pk", "content_hash")
    )
    if not hashes:
        return
    kept = set(VersionContent.objects.filter(version_id__in=list(hashes)).values_list("version_id", "content_hash"))
    missing = [pk for pk, value in hashes.items() if (pk, value) not in kept]
    if not missing:
        return
    rebuilt = _rows_content(missing)
    VersionContent.objects.bulk_create(
        [
            VersionContent(version_id=pk, content_hash=hashes[pk], fields=rebuilt[pk], first_edition=edition)
            for pk in missing
        ]
    )


def _kept(version_id, hash_):
    """The content kept apart for a version under `hash_`, or None."""
    stored = VersionContent.objects.filter(version_id=version_id, content_hash=hash_).first()
    return stored.fields if stored else None


def listed_content(listing):
    """What `listing.edition` said about `listing.version`, or None where it was not recorded."""
    stored = _kept(listing.version_id, listing.content_hash)
    if stored:
        return stored
    if listing.content_hash and listing.content_hash == listing.version.content_hash:
        return _rows_content([listing.version_id])[listing.version_id]
    return None


def as_the_register_wrote(version, names):
    """{name: value} of these version fields as the register wrote them, where a curator corrected them (else the
    row's own): the content kept apart under the row's hash, which a correction keeps before it changes the row and
    an import keeps for a corrected version (register.loader). One query, only when one is corrected."""
    values = {name: getattr(version, name) for name in names}
    if not set(names) & set(version.curated_fields or ()) or not version.content_hash:
        return values
    kept = _kept(version.pk, version.content_hash)
    if kept:
        values.update({name: kept[name] for name in names if name in kept})
    return values


def version_content(version_id):
    """What a version's row holds now (curators' corrections included), as a content dict."""
    return _rows_content([version_id]).get(version_id)


def contents_for(pairs):
    """{(version id, content hash): content} for many (version id, content hash) pairs, in a few reads.

    A pair whose content is neither kept apart nor the row's own (a listing recorded without its content) is
    left out.
    """
    pairs = {(version_id, value) for version_id, value in pairs if value}
    version_ids = sorted({version_id for version_id, _ in pairs})
    found = {}
    for chunk in chunks(version_ids):
        for version_id, value, fields in VersionContent.objects.filter(version_id__in=chunk).values_list(
            "version_id", "content_hash", "fields"
        ):
            if (version_id, value) in pairs:
                found[(version_id, value)] = fields
    missing = {pair for pair in pairs if pair not in found}
    if missing:
        rows = dict(
            AgreementVersion.objects.filter(pk__in=[version_id for version_id, _ in missing]).values_list(
                "pk", "content_hash"
            )
        )
        own = [version_id for version_id, value in missing if rows.get(version_id) == value]
        rebuilt = _rows_content(own) if own else {}
        for version_id in own:
            found[(version_id, rows[version_id])] = rebuilt[version_id]
    return found
