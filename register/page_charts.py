"""The charts each page shows: which numbers, under which title. Views call these with what they already read
(and `queries.files_per_month` where a page has no monthly counts yet); register.charts draws them.

Each function returns a dict of charts for the template's context; a chart with nothing to draw is None, and the
templates leave it out.
"""

from register import charts, queries
from register.models import FileRelease

LEGAL_BASES_SHOWN = 8
ORGANISATIONS_SHOWN = 10


def agreement_charts(summary):
    return {
        "files_chart": charts.monthly_columns(
            summary.files_by_month, key="files", title="Files released under this agreement, per month"
        )
    }


def organisation_charts(summary):
    agreement_ids = [holding.agreement.pk for holding in summary.holdings]
    counts = queries.files_per_month(FileRelease.objects.filter(agreement__in=agreement_ids)) if agreement_ids else []
    return {
        "files_chart": charts.monthly_columns(
            counts, key="files", title="Files released under these agreements, per month"
        )
    }


def dataset_charts(summary):
    counts = queries.files_per_month(FileRelease.objects.filter(dataset=summary.dataset))
    by_agreements = sorted(summary.legal_bases, key=lambda tally: (-tally.agreements, tally.label))
    return {
        "files_chart": charts.monthly_columns(counts, key="files", title="Files of it released, per month"),
        "organisations_chart": charts.ranked_bars(
            [(tally.label, tally.files) for tally in summary.organisations],
            key="organisations",
            title="The organisations receiving the most files of it",
            label_heading="Organisation",
            value_heading="Files of it released",
            limit=ORGANISATIONS_SHOWN,
        ),
        "legal_bases_chart": charts.ranked_bars(
            [(tally.label, tally.agreements) for tally in by_agreements],
            key="legal-bases",
            title="Agreements naming it, by legal basis",
            label_heading="Legal basis",
            value_heading="Agreements",
        ),
    }


def register_charts(legal_basis_counts):
    """The home page: `legal_basis_counts` as facets.count gives them, [(value, label, agreements)]."""
    return {
        "legal_bases_chart": charts.ranked_bars(
            [(label, agreements) for _, label, agreements in legal_basis_counts],
            key="legal-bases",
            title="Agreements by legal basis",
            label_heading="Legal basis",
            value_heading="Agreements",
            limit=LEGAL_BASES_SHOWN,
        )
    }
