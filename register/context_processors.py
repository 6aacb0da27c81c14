"""What every page shows about the site itself: the latest edition loaded and the official register's address."""

from django.conf import settings

from register.models import Edition


def site(request):
    return {
        "latest_edition": Edition.objects.exclude(register=Edition.Register.SEED)
        .order_by("-month", "-imported_at")
        .first()
        or Edition.objects.order_by("-imported_at").first(),
        "official_register_url": settings.OFFICIAL_REGISTER_URL,
    }
