"""Run the signal kinds and keep the `Signal` rows in step with what they find.

`refresh(agreement_ids)` is called by the loader inside an import's transaction (for the agreements the import
touched), by register.actions after a curator's edit, and by `manage.py compute_signals` (every agreement).

A finding is known by (kind, agreement, key). Against the rows already stored:
- a new finding becomes a new row, not reviewed;
- a finding whose evidence hash is unchanged keeps its row and its review; only its wording may be refreshed;
- a finding whose evidence changed gets the new evidence, and if a curator had reviewed it (confirmed or dismissed)
  it is reopened: `reopened_because` says why, and an audit entry (with no user: the register changed) records it;
- a stored finding no longer found is kept with its review, marked not current (`is_current`), and hidden. If it
  is found again with the same evidence, its review still stands.

Organisation-scope kinds (opt-outs) look across all of an organisation's agreements: a partial refresh reads every
agreement of the organisations involved, and replaces only the findings about those organisations.
"""

import datetime
import time
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from register.bulk import insert_rows, update_rows
from register.models import Agreement, AuditEntry, Signal
from register.signals import KINDS
from register.signals import reader as signal_reader
from register.signals.base import evidence_hash, evidence_text

# A refresh asked for more than this share of the agreements computes them all: the same result, fewer queries.
WHOLE_REGISTER_SHARE = 0.5


@dataclass
class Outcome:
    """What a refresh did: counts, and the agreements whose signals changed (their pages and facets must follow)."""

    found: Counter = field(default_factory=Counter)  # kind -> findings
    created: int = 0
    changed: int = 0
    reopened: int = 0
    cleared: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    agreements: set = field(default_factory=set)

    def as_dict(self):
        return {
            "found": dict(sorted(self.found.items())),
            "created": self.created,
            "changed": self.changed,
            "reopened": self.reopened,
            "no_longer_found": self.cleared,
            "unchanged": self.unchanged,
            "seconds": round(self.seconds, 2),
        }


def compute(facts, agreement_ids=None, organisation_ids=None):
    """Every kind's findings over `facts`: for `agreement_ids` and, for organisation-scope kinds, about
    `organisation_ids` (everything in `facts` when None)."""
    findings = []
    for kind in KINDS:
        if kind.scope == "organisation":
            found = kind.find(facts)
            if organisation_ids is not None:
                found = [finding for finding in found if finding.organisation_id in organisation_ids]
            findings += found
            continue
        for agreement_id in facts.agreements if agreement_ids is None else agreement_ids:
            if agreement_id in facts.agreements:
                findings += kind.find(facts.agreements[agreement_id], facts)
    return findings


def refresh(agreement_ids=None, edition=None, cause=""):
    """Compute the signals of these agreements (every agreement when None) and store them. Returns an Outcome.

    `cause` says in words what changed the register ("the import of edition 2025-12"), for reopened reviews.
    """
    started = time.monotonic()
    scope = None if agreement_ids is None else set(agreement_ids)
    if scope is not None and len(scope) > WHOLE_REGISTER_SHARE * Agreement.objects.count():
        scope = None
    if scope is None:
        findings = compute(signal_reader.read())
        existing = Signal.objects.select_related("reviewed_by").defer("evidence")
    elif not scope:
        return Outcome()
    else:
        organisations = signal_reader.organisations_of(scope)
        facts = signal_reader.read(scope | signal_reader.agreements_of(organisations))
        findings = compute(facts, scope, organisations)
        existing = _stored_in_scope(scope, organisations)
    outcome = _reconcile(findings, existing, edition, cause or _cause(edition))
    outcome.seconds = time.monotonic() - started
    return outcome


def follow_merge(field, source_id, target_id):
    """A curator merges `source` into `target` (`field`: "organisation" or "dataset"): stored findings about the
    source now point at the target, and those whose key holds the source's id (`Kind.key_ids`) take the target's,
    with the hash of their evidence under the new key. Worked out again after the merge, a finding whose evidence
    is the same then keeps its review, and one whose evidence the merge changed is reopened, saying why, instead of
    being lost as "no longer found" beside a new unreviewed one. A key the target's findings already hold on that
    agreement is left to them: the source's finding is then no longer found, its review kept with it.
    Returns how many stored findings now point at the target."""
    taken = set()
    rekeyed = []
    for kind in KINDS:
        if field not in kind.key_ids:
            continue
        position = kind.key_ids.index(field)
        rows = Signal.objects.filter(kind=kind.code).values_list("pk", "agreement_id", "key")
        taken |= {(agreement_id, key) for _, agreement_id, key in rows}
        for pk, agreement_id, key in rows:
            parts = key.split(":")
            if len(parts) != len(kind.key_ids) or parts[position] != str(source_id):
                continue
            parts[position] = str(target_id)
            new_key = ":".join(parts)
            if (agreement_id, new_key) not in taken:
                taken.add((agreement_id, new_key))
                rekeyed.append((pk, kind.code, new_key))
    for chunk in signal_reader.chunks([pk for pk, _, _ in rekeyed]):
        evidence = dict(Signal.objects.filter(pk__in=chunk).values_list("pk", "evidence"))
        update_rows(
            Signal,
            ["key", "evidence_hash"],
            [
                (key, evidence_hash(code, key, evidence_text(evidence[pk])), pk)
                for pk, code, key in rekeyed
                if pk in evidence
            ],
        )
    return Signal.objects.filter(**{f"{field}_id": source_id}).update(**{f"{field}_id": target_id})


def _cause(edition):
    return f"the import of edition {edition.code}" if edition else "a recomputation of the signals"


def _stored_in_scope(agreement_ids, organisation_ids):
    """The stored rows a partial refresh replaces: agreement-scope kinds of these agreements; organisation-scope
    kinds about these organisations, or on these agreements."""
    organisation_kinds = [kind.code for kind in KINDS if kind.scope == "organisation"]
    pks = set()
    for chunk in signal_reader.chunks(agreement_ids):
        pks |= set(Signal.objects.filter(agreement_id__in=chunk).values_list("pk", flat=True))
    for chunk in signal_reader.chunks(organisation_ids):
        pks |= set(
            Signal.objects.filter(kind__in=organisation_kinds, organisation_id__in=chunk).values_list("pk", flat=True)
        )
    rows = []
    for chunk in signal_reader.chunks(pks):
        rows += list(Signal.objects.filter(pk__in=chunk).select_related("reviewed_by").defer("evidence"))
    return rows


def _reconcile(findings, existing, edition, cause):
    outcome = Outcome()
    now = timezone.now()
    stored = {(row.kind, row.agreement_id, row.key): row for row in existing}
    to_create, rewritten, retold, reopened = [], [], [], []
    for finding in findings:
        outcome.found[finding.kind] += 1
        text, digest = finding.serialised()
        row = stored.pop((finding.kind, finding.agreement_id, finding.key), None)
        if row is None:
            to_create.append((finding, text, digest))
            outcome.agreements.add(finding.agreement_id)
            continue
        before = (row.explanation, row.organisation_id, row.dataset_id, row.is_current)
        after = (finding.explanation, finding.organisation_id, finding.dataset_id, True)
        row.explanation, row.organisation_id, row.dataset_id, row.is_current = after
        if row.evidence_hash != digest:
            if row.status != Signal.Status.OPEN:
                reason = _reopen_reason(row, cause, now)
                reopened.append((row, row.status, reason))
                row.status, row.reopened_because = Signal.Status.OPEN, reason
            row.evidence_hash = digest
            rewritten.append((row, text))
        elif before != after:
            retold.append(row)
        else:
            outcome.unchanged += 1
            continue
        outcome.agreements.add(row.agreement_id)
    gone = [row for row in stored.values() if row.is_current]
    for row in gone:
        row.is_current = False
        outcome.agreements.add(row.agreement_id)
    _write(to_create, rewritten, retold + gone, edition, now)
    _audit_reopened(reopened, now)
    outcome.created, outcome.cleared, outcome.reopened = len(to_create), len(gone), len(reopened)
    outcome.changed = len(rewritten) + len(retold)
    return outcome


def _write(new, rewritten, retold, edition, now):
    """New rows and changed rows, with the evidence's JSON text as serialised once (it is most of the volume: at
    full size, encoding it again in the ORM took as long as working the signals out)."""
    edition_id = edition.pk if edition else None
    insert_rows(
        Signal,
        ["kind", "agreement", "key", "organisation", "dataset", "explanation", "evidence", "evidence_hash"]
        + ["is_current", "found_at", "found_in", "computed_at", "status", "reason", "note", "reopened_because"],
        [
            (f.kind, f.agreement_id, f.key, f.organisation_id, f.dataset_id, f.explanation, text, digest, True, now)
            + (edition_id, now, Signal.Status.OPEN, "", "", "")
            for f, text, digest in new
        ],
    )
    update_rows(
        Signal,
        ["explanation", "organisation", "dataset", "is_current", "evidence", "evidence_hash", "computed_at", "status"]
        + ["reopened_because"],
        [
            (row.explanation, row.organisation_id, row.dataset_id, True, text, row.evidence_hash, now, row.status)
            + (row.reopened_because, row.pk)
            for row, text in rewritten
        ],
    )
    update_rows(
        Signal,
        ["explanation", "organisation", "dataset", "is_current"],
        [(row.explanation, row.organisation_id, row.dataset_id, row.is_current, row.pk) for row in retold],
    )


def _reopen_reason(row, cause, now):
    reviewed = f" by {row.reviewed_by}" if row.reviewed_by_id else ""
    when = f" on {row.reviewed_at:%Y-%m-%d}" if isinstance(row.reviewed_at, datetime.datetime) else ""
    reason = f" (“{row.reason}”)" if row.status == Signal.Status.DISMISSED and row.reason else ""
    return (
        f"Reopened on {now:%Y-%m-%d}: its evidence changed with {cause}. It had been "
        f"{row.get_status_display().lower()}{reviewed}{when}{reason}; that review was of the evidence before the "
        "change."
    )


def _audit_reopened(reopened, now):
    """One audit entry per reopened review, with no user: the register changed, not a curator."""
    if not reopened:
        return
    content_type = ContentType.objects.get_for_model(Signal)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=now,
                user=None,
                action=AuditEntry.Action.CHANGE,
                content_type=content_type,
                object_id=str(row.pk),
                object_repr=str(row)[:300],
                changes={"status": [status, Signal.Status.OPEN], "reopened_because": ["", reason]},
            )
            for row, status, reason in reopened
        ]
    )
