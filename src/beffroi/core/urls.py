from django.urls import path

from beffroi.core import metrics, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("o/<slug:org>/", views.organisation_detail, name="organisation"),
    path("o/<slug:org>/membres/", views.member_list, name="members"),
    path("o/<slug:org>/membres/inviter/", views.member_invite, name="member_invite"),
    path(
        "o/<slug:org>/membres/<int:membership_id>/role/",
        views.member_change_role,
        name="member_role",
    ),
    path(
        "o/<slug:org>/membres/<int:membership_id>/retirer/",
        views.member_remove,
        name="member_remove",
    ),
    path("o/<slug:org>/comptes/", views.account_list, name="accounts"),
    path("o/<slug:org>/comptes/simule/", views.account_add_simulated, name="account_add_simulated"),
    path(
        "o/<slug:org>/comptes/<int:account_id>/supprimer/",
        views.account_delete,
        name="account_delete",
    ),
    path(
        "o/<slug:org>/comptes/<int:account_id>/verifier/", views.account_check, name="account_check"
    ),
    path("o/<slug:org>/journal/", views.audit_list, name="audit"),
    path("o/<slug:org>/journal/export.csv", views.audit_export, name="audit_export"),
    path("sante/", views.health, name="health"),
    path("metrics/", metrics.metrics_view, name="metrics"),
]
