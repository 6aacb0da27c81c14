"""Public pages. Views only read (through register.queries) and render."""

from django.shortcuts import get_object_or_404, redirect, render

from register import queries
from register.models import Dataset, Organisation


def agreement_detail(request, reference):
    agreement, canonical = queries.find_agreement(reference)
    if not canonical:
        return redirect(agreement, permanent=True)
    return render(request, "register/agreement_detail.html", {"summary": queries.summarise_agreement(agreement)})


def organisation_detail(request, slug):
    organisation = get_object_or_404(
        Organisation.objects.select_related("parent", "successor").prefetch_related("aliases"), slug=slug
    )
    gathered_ids = queries.gathered_organisation_ids(organisation)
    holdings = queries.holdings(gathered_ids)
    context = {
        "organisation": organisation,
        "holdings": holdings,
        "file_total": sum(h.agreement.file_count for h in holdings),
        "gathered": Organisation.objects.filter(pk__in=gathered_ids - {organisation.pk}).order_by("kind", "name"),
        "predecessors": organisation.predecessors.all(),
        "children": organisation.children.all(),
    }
    return render(request, "register/organisation_detail.html", context)


def dataset_detail(request, slug):
    dataset = get_object_or_404(Dataset.objects.prefetch_related("aliases"), slug=slug)
    return render(
        request,
        "register/dataset_detail.html",
        {"dataset": dataset, "recipients": queries.dataset_recipients(dataset)},
    )
