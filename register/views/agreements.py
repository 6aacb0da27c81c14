"""The agreement list (filters, search, facets), its downloads, and an agreement's page."""

from django.shortcuts import redirect, render

from register import agreement_history, downloads, feeds, listing, page_charts, queries
from register.signals import display as signal_display


def agreement_list(request):
    result = listing.agreement_list(request.GET)
    status = 200 if result.valid else 400
    feed_url = feeds.query_feed_url(result.filterset) if result.valid else ""
    return render(request, "register/agreement_list.html", {"list": result, "feed_url": feed_url}, status=status)


def agreement_detail(request, reference):
    agreement, canonical = queries.find_agreement(reference)
    if not canonical:
        return redirect(agreement, permanent=True)
    summary = queries.summarise_agreement(agreement)
    context = {
        "summary": summary,
        "page_url": request.build_absolute_uri(agreement.get_absolute_url()),
        **page_charts.agreement_charts(summary),
    }
    context.update(agreement_history.page_context(agreement, summary.versions))
    context["signals"] = signal_display.for_agreement(agreement)
    return render(request, "register/agreement_detail.html", context)


def _export(request, fmt):
    filterset = listing.filterset_reading(request.GET, ignored=listing.PAGE_SETTINGS)
    if not filterset.is_valid():
        return downloads.query_error(listing.form_errors(filterset), fmt)
    sort = listing.chosen_sort(filterset)
    site = request.build_absolute_uri("/")[:-1]
    if sort == "relevance":
        rows = downloads.agreement_rows(site, ids=listing.ranked(filterset))
    else:
        rows = downloads.agreement_rows(site, queryset=listing.ordered_queryset(filterset, sort))
    about = {
        "source": "NHS England's register of data sharing agreements and data releases, reformatted",
        "query": downloads.applied_query(filterset.data, filterset),
    }
    name = downloads.file_name("agreements", about["query"])
    return downloads.stream(fmt, downloads.AGREEMENT_COLUMNS, rows, name, about)


def agreements_csv(request):
    return _export(request, "csv")


def agreements_json(request):
    return _export(request, "json")
