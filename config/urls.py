from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from register.sitemaps import SITEMAPS
from register.views.pages import robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("", include("register.urls")),
]
