from django.urls import path

from beffroi.analytics import views

app_name = "analytics"

urlpatterns = [
    path("o/<slug:org>/mesure/", views.dashboard, name="dashboard"),
    path("o/<slug:org>/mesure/objectifs/", views.objectives, name="objectives"),
    path(
        "o/<slug:org>/mesure/objectifs/<int:pk>/supprimer/",
        views.objective_delete,
        name="objective_delete",
    ),
    path(
        "o/<slug:org>/mesure/rapport/<int:year>-<int:month>.<str:fmt>",
        views.report,
        name="report",
    ),
]
