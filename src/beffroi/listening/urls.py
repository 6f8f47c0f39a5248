from django.urls import path

from beffroi.listening import views, webhooks

app_name = "listening"

urlpatterns = [
    path("o/<slug:org>/ecoute/", views.inbox, name="inbox"),
    path("o/<slug:org>/ecoute/messages/<int:item_id>/", views.item_detail, name="item"),
    path(
        "o/<slug:org>/ecoute/messages/<int:item_id>/<slug:action>/",
        views.item_action,
        name="item_action",
    ),
    path("o/<slug:org>/ecoute/statistiques/", views.statistics, name="statistics"),
    path(
        "o/<slug:org>/ecoute/insultes-visibles.csv",
        views.insult_exposure_export,
        name="insult_exposure_export",
    ),
    path("o/<slug:org>/ecoute/moderation/", views.moderation_page, name="moderation"),
    path("o/<slug:org>/ecoute/reglages/", views.settings_page, name="settings"),
    path("o/<slug:org>/ecoute/acteurs/", views.watched_posts, name="watched"),
    path("o/<slug:org>/alertes/", views.alerts, name="alerts"),
    path("o/<slug:org>/alertes/<int:alert_id>/", views.alert_detail, name="alert"),
    path(
        "o/<slug:org>/alertes/<int:alert_id>/<slug:action>/",
        views.alert_action,
        name="alert_action",
    ),
    path("webhooks/meta/", webhooks.meta_webhook, name="meta_webhook"),
]
