from django.urls import path

from beffroi.publishing import views

app_name = "publishing"

urlpatterns = [
    path("o/<slug:org>/calendrier/", views.calendar, name="calendar"),
    path("o/<slug:org>/calendrier/evenements/", views.event_add, name="event_add"),
    path("o/<slug:org>/publications/rediger/", views.compose_view, name="compose"),
    path("o/<slug:org>/publications/apercu/", views.compose_preview, name="compose_preview"),
    path("o/<slug:org>/publications/a-valider/", views.review_queue, name="review_queue"),
    path("o/<slug:org>/publications/importer/", views.import_view, name="import"),
    path("o/<slug:org>/publications/importer/tableur/", views.bulk_import, name="bulk_import"),
    path("o/<slug:org>/publications/<int:draft_id>/", views.draft_detail, name="draft"),
    path("o/<slug:org>/publications/<int:draft_id>/deplacer/", views.draft_move, name="draft_move"),
    path(
        "o/<slug:org>/publications/<int:draft_id>/<slug:action>/",
        views.draft_action,
        name="draft_action",
    ),
    path(
        "o/<slug:org>/publications/variantes/<int:variant_id>/",
        views.variant_edit,
        name="variant_edit",
    ),
    path(
        "o/<slug:org>/notifications/<int:notification_id>/lue/",
        views.notification_read,
        name="notification_read",
    ),
    path("o/<slug:org>/lignes-editoriales/", views.editorial_line_list, name="editorial_lines"),
    path(
        "o/<slug:org>/lignes-editoriales/<int:account_id>/",
        views.editorial_line_edit,
        name="editorial_line_edit",
    ),
    path("o/<slug:org>/carnet-d-adresses/", views.contact_list, name="contacts"),
    path("relecture/<str:token>/", views.guest_review, name="guest_review"),
    path("calendrier/<str:token>.ics", views.ical, name="ical"),
]
