"""Rebuild everything the site derives from register content: the search index and the agreement list's facets.

The `register_changed` receiver keeps both current after imports and curators' edits; run this after loading
fixtures (load_site_data does), after restoring a database, or whenever in doubt. It is safe to run at any time:
one transaction, in its turn among the register's writers (register.locks), that renews the data version too, so
pages cached with the old facet counts are not served again.
"""

import time

from django.core.management.base import BaseCommand

from register import caching
from register.locks import writing
from register.receivers import refresh


class Command(BaseCommand):
    help = "Rebuild the full-text search index and the agreement list's facet values from register content."

    def handle(self, *args, verbosity=1, **options):
        started = time.perf_counter()
        with writing():
            counts = refresh()
            caching.bump()
        if verbosity:
            summary = ", ".join(f"{count} {what}" for what, count in counts.items())
            self.stdout.write(f"Search index rebuilt: {summary} in {time.perf_counter() - started:.1f} s.")
