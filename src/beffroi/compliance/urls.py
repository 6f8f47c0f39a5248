from django.urls import path

from beffroi.compliance import views

app_name = "compliance"

P = "o/<slug:org>/conformite"

urlpatterns = [
    path(f"{P}/", views.overview, name="overview"),
    path(f"{P}/elections/", views.elections, name="elections"),
    path(f"{P}/elections/calendrier/", views.calendar_entry_add, name="calendar_add"),
    path(
        f"{P}/elections/calendrier/<int:entry_id>/supprimer/",
        views.calendar_entry_delete,
        name="calendar_delete",
    ),
    path(f"{P}/elections/elus/", views.official_add, name="official_add"),
    path(
        f"{P}/elections/elus/<int:official_id>/supprimer/",
        views.official_delete,
        name="official_delete",
    ),
    path(
        f"{P}/elections/<slug:election_id>/preuves.<str:fmt>",
        views.evidence_export,
        name="evidence",
    ),
    path(f"{P}/accessibilite/", views.accessibility, name="accessibility"),
    path(f"{P}/accessibilite/politique/", views.accessibility_policy, name="accessibility_policy"),
    path(f"{P}/rgpd/", views.rgpd, name="rgpd"),
    path(f"{P}/rgpd/conservation/", views.retention_update, name="retention"),
    path(f"{P}/rgpd/purge/", views.purge, name="purge"),
    path(f"{P}/rgpd/demandes/", views.request_create, name="request_create"),
    path(
        f"{P}/rgpd/demandes/<int:request_id>/executer/",
        views.request_execute,
        name="request_execute",
    ),
    path(
        f"{P}/rgpd/demandes/<int:request_id>/rejeter/", views.request_reject, name="request_reject"
    ),
    path(
        f"{P}/rgpd/demandes/<int:request_id>/acces.json",
        views.request_export,
        name="request_export",
    ),
    path(f"{P}/rgpd/registre.txt", views.register, name="register"),
    path(f"{P}/archives/", views.archives, name="archives"),
]
