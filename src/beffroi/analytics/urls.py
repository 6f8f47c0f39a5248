from django.urls import path

from beffroi.analytics import views

app_name = "analytics"

urlpatterns = [
    path("o/<slug:org>/mesure/", views.dashboard, name="dashboard"),
    path("o/<slug:org>/mesure/objectifs/", views.objectives, name="objectives"),
    path(
        "o/<slug:org>/mesure/objectifs/<int:pk>/modifier/",
        views.objective_edit,
        name="objective_edit",
    ),
    path("o/<slug:org>/mesure/part-de-voix/", views.share_of_voice, name="share_of_voice"),
    path("o/<slug:org>/mesure/sponsoring/", views.sponsoring, name="sponsoring"),
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
