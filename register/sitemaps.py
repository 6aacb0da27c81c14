"""sitemap.xml: every agreement, organisation that holds something, and dataset, plus the site's own pages."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Q
from django.urls import reverse

from register import queries
from register.models import Agreement, Dataset, Organisation


class PageSitemap(Sitemap):
    def items(self):
        return ["register:home", "register:agreements", "register:organisations", "register:icbs"] + [
            "register:datasets",
            "register:about",
            "register:changes",
            "register:signals",
        ]

    def location(self, item):
        return reverse(item)


class AgreementSitemap(Sitemap):
    def items(self):
        return Agreement.objects.only("reference").order_by("reference")


class OrganisationSitemap(Sitemap):
    def items(self):
        # Every ICB (the ICB list links them all) and every body named in an agreement.
        return (
            Organisation.objects.filter(Q(kind=Organisation.Kind.ICB) | queries.holds_an_agreement())
            .only("slug")
            .order_by("slug")
        )


class DatasetSitemap(Sitemap):
    def items(self):
        return Dataset.objects.only("slug").order_by("slug")


SITEMAPS = {
    "pages": PageSitemap,
    "agreements": AgreementSitemap,
    "organisations": OrganisationSitemap,
    "datasets": DatasetSitemap,
}
