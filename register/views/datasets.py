"""Datasets: the list with what each was released for, a dataset's page, and downloads."""

from django.shortcuts import render

from register import addresses, directory, downloads, page_charts, queries
from register.models import Dataset
from register.signals import display as signal_display


def dataset_list(request):
    return render(request, "register/dataset_list.html", {"rows": list(directory.dataset_rows())})


def dataset_detail(request, slug):
    try:
        dataset = addresses.get(Dataset.objects.prefetch_related("aliases"), slug)
    except addresses.Moved as moved:
        return moved.redirect(request, "register:dataset")
    summary = queries.summarise_dataset(dataset)
    context = {
        "summary": summary,
        "page_url": request.build_absolute_uri(dataset.get_absolute_url()),
        "signals": signal_display.for_dataset(dataset),
        "twins": queries.possible_twins(dataset),
        "cited_from": queries.editions_counted(summary.agreement_ids),
        **page_charts.dataset_charts(summary),
    }
    return render(request, "register/dataset_detail.html", context)


def datasets_csv(request):
    rows = directory.dataset_rows(request.build_absolute_uri("/")[:-1])
    return downloads.stream_csv(directory.DATASET_COLUMNS, rows, downloads.file_name("datasets", {}))


def datasets_json(request):
    rows = directory.dataset_rows(request.build_absolute_uri("/")[:-1])
    about = {"source": "Datasets named in NHS England's register of data sharing agreements, reformatted"}
    return downloads.stream_json(directory.DATASET_COLUMNS, rows, downloads.file_name("datasets", {}), about)
