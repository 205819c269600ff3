"""Top-level URLs: pages (with a language prefix-free switcher), the API, the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"

api_v1 = [
    path("", include("core.urls_api")),
    path("", include("governance.urls_api")),
    path("", include("funding.urls_api")),
    path("", include("compute.urls_api")),
]

urlpatterns = [
    # First: the public portal takes the most traffic, and its prefix is its own, so its pages
    # are resolved without walking every other app's patterns.
    path("portal/", include("transparency.urls")),
    path("", core_views.home, name="home"),
    path("", include("governance.urls")),
    path("", include("funding.urls")),
    path("", include("compute.urls")),
    # Before allauth's own pages, which own the rest of accounts/.
    path("accounts/preferences/", core_views.preferences, name="preferences"),
    path("accounts/", include("allauth.urls")),
    # The language switch sits on cached public pages, which carry no CSRF cookie for a first-time
    # visitor. All it does is set the language cookie, so a forged request can at worst change
    # the language someone reads in: it is exempt rather than refused (a 403 for every newcomer).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
