from django.urls import path

from beffroi.api import views

app_name = "api_tokens"

urlpatterns = [
    path("o/<slug:org>/api/", views.tokens, name="tokens"),
    path("o/<slug:org>/api/jetons/", views.token_create, name="token_create"),
    path(
        "o/<slug:org>/api/jetons/<int:token_id>/revoquer/", views.token_revoke, name="token_revoke"
    ),
    path("o/<slug:org>/api/webhooks/", views.webhook_create, name="webhook_create"),
]
