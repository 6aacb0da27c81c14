"""What every page shows about the site itself: the latest edition loaded, the official register's address, and
today's date (a citation's "accessed"; the page cache keeps a page for its day only, `caching.served_version`)."""

from django.conf import settings
from django.utils import timezone

from register.queries import newest_edition


def site(request):
    return {
        "latest_edition": newest_edition(),
        "official_register_url": settings.OFFICIAL_REGISTER_URL,
        "today": timezone.localdate(),
    }
