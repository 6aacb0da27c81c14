"""What the public pages show of signals: a block per page (agreement, organisation, ICB, dataset) and the
counts of the signals page. Read-only; the pages never see a dismissed signal or one no longer found.

A block groups signals by kind, red flags before the register's own inconsistencies. Each kind links to its
definition (`/signals/#signal-<kind>`) and to the agreement list filtered to it; each signal shows its
explanation and its evidence as a table, cells worked out here so that templates only display.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import QueryDict
from django.urls import reverse

from register import signals
from register.models import Agreement, Signal
from register.templatetags.register_tags import thousands

SHOWN_PER_KIND = 10  # signals listed per kind on an organisation's or a dataset's page; the list has them all
SHOWN_ROWS = 50  # evidence rows shown per signal on an organisation's or a dataset's page
SHOWN_ROWS_ON_AGREEMENT = 500
SHOWN_ITEMS = 10  # items of a list in one evidence cell (file references)


def public(queryset=None):
    """Signals a visitor may see: found by the latest computation and not dismissed."""
    queryset = Signal.objects.all() if queryset is None else queryset
    return queryset.filter(is_current=True).exclude(status=Signal.Status.DISMISSED)


def definition_url(kind):
    return reverse("register:signals") + "#" + kind.anchor


def list_url(params=None, **more):
    query = QueryDict(mutable=True)
    query.update({**(params or {}), **more})
    return reverse("register:agreements") + "?" + query.urlencode()


def cell(value):
    if isinstance(value, list):
        items = [str(item) for item in value]
        text = ", ".join(items[:SHOWN_ITEMS])
        return text + (f" and {len(items) - SHOWN_ITEMS:,} more" if len(items) > SHOWN_ITEMS else "")
    return "" if value is None else str(thousands(value))  # a count grouped as every page prints one


@dataclass
class ShownSignal:
    pk: int
    kind: signals.Kind
    agreement: Agreement
    explanation: str
    confirmed: bool
    note: str
    columns: list  # headings
    rows: list  # [[cell text]]
    more_rows: int = 0

    @property
    def row_count(self):
        """Rows of evidence in all, those shown and those not."""
        return len(self.rows) + self.more_rows

    @classmethod
    def of(cls, signal, shown_rows=SHOWN_ROWS):
        kind = signals.BY_CODE[signal.kind]
        evidence = signal.evidence if isinstance(signal.evidence, list) else []
        return cls(
            pk=signal.pk,
            kind=kind,
            agreement=signal.agreement,
            explanation=signal.explanation,
            confirmed=signal.status == Signal.Status.CONFIRMED,
            note=signal.note,
            columns=[label for _, label in kind.evidence_columns],
            rows=[[cell(row.get(key)) for key, _ in kind.evidence_columns] for row in evidence[:shown_rows]],
            more_rows=max(0, len(evidence) - shown_rows),
        )


@dataclass
class KindGroup:
    kind: signals.Kind
    definition_url: str
    list_url: str  # the agreement list filtered to this kind (and to the page's organisation or dataset)
    agreements: int = 0  # agreements with it, in the page's scope (0: not counted)
    signals: list = field(default_factory=list)  # ShownSignal, at most SHOWN_PER_KIND unless on an agreement page
    more: int = 0  # signals of this kind not shown


@dataclass
class SignalBlock:
    red_flags: list = field(default_factory=list)  # KindGroup
    data_quality: list = field(default_factory=list)
    signal_count: int = 0

    def __bool__(self):
        return bool(self.red_flags or self.data_quality)


def _block(queryset, params=None, limit=None, counted=True, shown_rows=SHOWN_ROWS):
    """The block for the public signals in `queryset`: three queries (counts, the list, the evidence shown)."""
    queryset = public(queryset)
    counts = {}
    if counted:
        for kind, agreements, total in (
            queryset.order_by().values("kind").annotate(a=Count("agreement", distinct=True), n=Count("pk"))
        ).values_list("kind", "a", "n"):
            counts[kind] = (agreements, total)
    listed = list(
        queryset.select_related("agreement__latest_version")
        .defer("evidence", "agreement__latest_version__objectives", "agreement__latest_version__processing_activities")
        .defer("agreement__latest_version__expected_outputs", "agreement__latest_version__expected_benefits")
        .defer("agreement__latest_version__yielded_benefits")
        .order_by("kind", "agreement__reference", "key")
    )
    by_kind = {}
    for signal in listed:
        if signal.kind in signals.BY_CODE:
            by_kind.setdefault(signal.kind, []).append(signal)
    shown = {kind: found[:limit] if limit else found for kind, found in by_kind.items()}
    evidence = dict(
        Signal.objects.filter(pk__in=[s.pk for found in shown.values() for s in found]).values_list("pk", "evidence")
    )
    block = SignalBlock(signal_count=len(listed))
    for kind in signals.KINDS:
        if kind.code not in by_kind:
            continue
        for signal in shown[kind.code]:
            signal.evidence = evidence.get(signal.pk, [])
        agreements, total = counts.get(kind.code, (0, len(by_kind[kind.code])))
        group = KindGroup(
            kind=kind,
            definition_url=definition_url(kind),
            list_url=list_url(params, signal=kind.code),
            agreements=agreements,
            signals=[ShownSignal.of(signal, shown_rows) for signal in shown[kind.code]],
            more=total - len(shown[kind.code]),
        )
        (block.data_quality if kind.is_data_quality else block.red_flags).append(group)
    return block


def for_agreement(agreement):
    """Every public signal of an agreement, with its evidence."""
    return _block(Signal.objects.filter(agreement=agreement), counted=False, shown_rows=SHOWN_ROWS_ON_AGREEMENT)


def for_organisation(organisation, agreement_ids):
    """Signals of the agreements an organisation's page gathers, or about the organisation itself."""
    scope = Signal.objects.filter(Q(agreement_id__in=list(agreement_ids)) | Q(organisation=organisation))
    return _block(scope, {"organisation": organisation.slug}, limit=SHOWN_PER_KIND)


def for_dataset(dataset):
    """Signals about a dataset (its confidentiality basis, its opt-outs) on any agreement."""
    return _block(Signal.objects.filter(dataset=dataset), {"dataset": dataset.slug}, limit=SHOWN_PER_KIND)


@dataclass
class KindCount:
    kind: signals.Kind
    definition_url: str
    list_url: str
    csv_url: str
    json_url: str
    agreements: int = 0  # with it, not dismissed
    open: int = 0
    confirmed: int = 0
    dismissed: int = 0

    @property
    def shown(self):
        return self.open + self.confirmed


def counts_by_kind():
    """[(category label, [KindCount])] for the signals page: every kind, dismissed ones counted too. One query."""
    rows = (
        Signal.objects.filter(is_current=True)
        .order_by()
        .values("kind", "status")
        .annotate(n=Count("pk"))
        .values_list("kind", "status", "n")
    )
    found = {
        kind.code: KindCount(
            kind,
            definition_url(kind),
            list_url(signal=kind.code),
            reverse("register:agreements-csv") + f"?signal={kind.code}",
            reverse("register:agreements-json") + f"?signal={kind.code}",
        )
        for kind in signals.KINDS
    }
    agreements = dict(
        public().order_by().values("kind").annotate(a=Count("agreement", distinct=True)).values_list("kind", "a")
    )
    for kind, status, count in rows:
        if kind in found:
            setattr(found[kind], status, count)
    for kind, count in agreements.items():
        if kind in found:
            found[kind].agreements = count
    return [
        (label, [found[kind.code] for kind in signals.KINDS if kind.category == category])
        for category, label in signals.CATEGORIES.items()
    ]
