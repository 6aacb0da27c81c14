"""Print what the page cache saves: time per request for public pages rendered, served from the cache, and
answered 304. Uses the database in DATABASE_URL (load it first: `make fixtures`), in-process (Django's test
client, no network), so the figures are the application's own cost, not a server's.

    make fixtures
    DJANGO_SECRET_KEY=bench-only-secret-key-$(printf 'x%.0s' {1..40}) DJANGO_HASHED_STATIC=0 \
        DJANGO_SECURE_SSL_REDIRECT=0 .venv/bin/python scripts/bench_page_cache.py [REQUESTS]
"""

import os
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from register.models import Agreement, Organisation  # noqa: E402


def timed(client, url, n, **headers):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
    return response, median(times), sorted(times)[int(n * 0.95) - 1]


def main(n):
    settings.ALLOWED_HOSTS = ["*"]
    pages = [
        Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board").get_absolute_url(),
        Agreement.objects.order_by("reference").first().get_absolute_url(),
    ]
    client = Client()
    print(f"{'page':<60} {'way':<12} {'median ms':>10} {'p95 ms':>8}")
    for url in pages:
        with override_settings(PAGE_CACHE_SECONDS=0):
            _, rendered, rendered95 = timed(client, url, n)
        cache.clear()
        first = client.get(url)
        hit, cached, cached95 = timed(client, url, n)
        assert hit["X-Page-Cache"] == "hit"
        not_modified, revalidated, revalidated95 = timed(client, url, n, if_none_match=first["ETag"])
        assert not_modified.status_code == 304
        for way, middle, p95 in (
            ("rendered", rendered, rendered95),
            ("cached", cached, cached95),
            ("304", revalidated, revalidated95),
        ):
            print(f"{url:<60} {way:<12} {middle:>10.2f} {p95:>8.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
