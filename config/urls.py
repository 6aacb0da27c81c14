from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from register.health import healthz

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    # Served by register.health.HealthCheckMiddleware before host checks; routed here too so it can be reversed.
    path("healthz", healthz, name="healthz"),
    path("", include("register.urls")),
]
