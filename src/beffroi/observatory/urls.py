from django.urls import path, re_path

from beffroi.observatory import views

app_name = "observatory"

urlpatterns = [
    path("observatoire/", views.national, name="national"),
    re_path(
        r"^observatoire/donnees/(?P<name>presence|presence-communes-par-tranche|comptes|activite|activite-synthese)\.(?P<fmt>csv|parquet)$",
        views.export,
        name="export",
    ),
    path("o/<slug:org>/observatoire/", views.position, name="position"),
]
