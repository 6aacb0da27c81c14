"""/healthz: is this process up and can it reach its database? For load balancers and container health checks.

200 `{"status": "ok", "database": "ok"}` when a query succeeds and the database has this code's newest migration;
503 `{"status": "unavailable", "database": "unreachable"}` when it cannot be queried, and `"not migrated"` when it
lacks that migration (its pages would fail): the reason goes to the log, not to the caller. The middleware answers it
before anything reads the Host header, so a balancer may call it by IP address, and settings exempt it from
the HTTPS redirect, so it may call it over plain HTTP. It is never cached.
"""

import logging
import pkgutil
from functools import cache

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


@cache
def newest_migration():
    """The name of the register app's newest migration in this code (the files, read once per process)."""
    from register import migrations

    return max(module.name for module in pkgutil.iter_modules(migrations.__path__) if module.name[:4].isdigit())


def unavailable(database):
    return JsonResponse({"status": "unavailable", "database": database}, status=503)


@csrf_exempt  # read-only: other methods get 405, not the CSRF check's 403
@require_safe
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database is unreachable")
        connection.close_if_unusable_or_obsolete()
        return unavailable("unreachable")
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM django_migrations WHERE app = %s AND name = %s", ["register", newest_migration()]
            )
            migrated = cursor.fetchone() is not None
    except DatabaseError:  # not even Django's own table: a database never migrated
        migrated = False
    if not migrated:
        logger.error(
            "Health check: the database lacks migration register.%s: run manage.py migrate", newest_migration()
        )
        return unavailable("not migrated")
    return JsonResponse({"status": "ok", "database": "ok"})


healthz.page_cache_exempt = True


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
