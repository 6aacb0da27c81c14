"""The home page, the about page (what the register is, a glossary, how files are counted), robots.txt."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from register import facets, page_charts, queries
from register.models import Agreement, Edition

WAYS_IN_DATASETS = 8


def home(request):
    counted = facets.count({"": (Agreement.objects.all(), ["dataset", "organisation_type", "legal_basis"])}).get("", {})
    context = {
        "headline": queries.headline_numbers(),
        "top_datasets": counted.get("dataset", [])[:WAYS_IN_DATASETS],
        "applicant_types": counted.get("organisation_type", []),
        **page_charts.register_charts(counted.get("legal_basis", [])),
    }
    return render(request, "register/home.html", context)


def about(request):
    editions = Edition.objects.order_by(*Edition.NEWEST_FIRST)
    return render(request, "register/about.html", {"editions": editions, "facets": facets.FACETS})


def robots_txt(request):
    lines = [
        "User-agent: *",
        # Filtered lists and downloads are endless combinations of the same pages: crawl the pages themselves.
        "Disallow: /admin/",
        "Disallow: /agreements/?",
        "Disallow: /organisations/?",
        "Disallow: /agreements.csv",
        "Disallow: /agreements.json",
        "Disallow: /organisations.csv",
        "Disallow: /organisations.json",
        "Disallow: /datasets.csv",
        "Disallow: /datasets.json",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
