from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from beffroi.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("comptes/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("operateur/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("beffroi.compliance.urls")),
    path("", include("beffroi.observatory.urls")),
    path("", include("beffroi.publishing.urls")),
    path("", include("beffroi.api.urls")),
    path("", include("beffroi.listening.urls")),
    path("", include("beffroi.participation.urls")),
    path("", include("beffroi.analytics.urls")),
    path("", include("beffroi.core.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The database out of reach for a moment: a clear 503 page (core/outage.py), not a generic 500.
handler500 = "beffroi.core.outage.server_error"
