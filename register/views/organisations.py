"""Organisations: the list (A-Z, type, name search), an organisation's page, the ICBs by region, and downloads."""

from django.shortcuts import render

from register import addresses, directory, downloads, listing, page_charts, queries
from register.models import Organisation
from register.signals import display as signal_display


def organisation_list(request):
    result = directory.organisation_directory(request.GET)
    return render(request, "register/organisation_list.html", {"list": result}, status=200 if result.valid else 400)


def organisation_detail(request, slug):
    try:
        organisation = addresses.get(
            Organisation.objects.select_related("parent", "successor").prefetch_related("aliases"), slug
        )
    except addresses.Moved as moved:
        return moved.redirect(request, "register:organisation")
    summary = queries.summarise_organisation(organisation)
    held = [holding.agreement.pk for holding in summary.holdings]
    context = {
        "summary": summary,
        "page_url": request.build_absolute_uri(organisation.get_absolute_url()),
        "signals": signal_display.for_organisation(organisation, held),
        "cited_from": queries.editions_counted(held),
        **page_charts.organisation_charts(summary),
    }
    return render(request, "register/organisation_detail.html", context)


def icb_list(request):
    return render(request, "register/icb_list.html", {"directory": queries.icbs_by_region()})


def _export(request, fmt):
    filterset = directory.OrganisationListFilter(request.GET, queryset=Organisation.objects.all())
    if not filterset.is_valid():
        return downloads.query_error(listing.form_errors(filterset), fmt)
    rows = directory.organisations_for_export(filterset, request.build_absolute_uri("/")[:-1])
    about = {
        "source": "Organisations named in NHS England's register of data sharing agreements, reformatted",
        "query": downloads.applied_query(request.GET, filterset),
    }
    name = downloads.file_name("organisations", about["query"])
    return downloads.stream(fmt, directory.ORGANISATION_COLUMNS, rows, name, about)


def organisations_csv(request):
    return _export(request, "csv")


def organisations_json(request):
    return _export(request, "json")
