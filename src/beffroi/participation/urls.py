from django.urls import path

from beffroi.participation import views

app_name = "participation"

urlpatterns = [
    path("o/<slug:org>/consultations/", views.consultation_list, name="list"),
    path(
        "o/<slug:org>/consultations/<int:consultation_id>/",
        views.consultation_detail,
        name="detail",
    ),
    path(
        "o/<slug:org>/consultations/<int:consultation_id>/synthese/",
        views.synthesis_page,
        name="synthesis",
    ),
    path(
        "o/<slug:org>/consultations/<int:consultation_id>/synthese.pdf",
        views.synthesis_pdf,
        name="synthesis_pdf",
    ),
    path(
        "o/<slug:org>/consultations/<int:consultation_id>/export/<str:name>",
        views.export,
        name="export",
    ),
    path(
        "o/<slug:org>/consultations/<int:consultation_id>/idees/<slug:action>/",
        views.idea_action,
        name="idea_action",
    ),
    path(
        "o/<slug:org>/consultations/<int:consultation_id>/<slug:action>/",
        views.consultation_action,
        name="action",
    ),
    path("participer/<uuid:token>/", views.public_answer, name="public"),
]
