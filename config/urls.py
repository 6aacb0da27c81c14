from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from register.health import healthz
from register.sitemaps import SITEMAPS
from register.views.pages import robots_txt

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    # Served by register.health.HealthCheckMiddleware before host checks; routed here too so it can be reversed.
    path("healthz", healthz, name="healthz"),
    # Read-only, like register.urls.page: 405 to other methods, not the CSRF check's 403.
    path("sitemap.xml", csrf_exempt(require_safe(sitemap)), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", csrf_exempt(require_safe(robots_txt)), name="robots"),
    path("", include("register.urls")),
]
