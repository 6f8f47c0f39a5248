"""Pages: the team's consultation pages, the synthesis and its PDF, exports, the public page."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from beffroi.participation import flood, services
from beffroi.participation.models import Answer, Consultation
from tests.participation.conftest import incoming

pytestmark = pytest.mark.django_db


def _url(view, consultation, **kw):
    return reverse(
        f"participation:{view}",
        kwargs={"org": consultation.organisation.slug, "consultation_id": consultation.pk, **kw},
    )


def _grouped(consultation, team):
    services.store_answers(
        consultation,
        [
            incoming("Des jardins partagés pour les habitants", "a", place="Les Tanneurs"),
            incoming("Un potager collectif pour les habitants", "b", source="mastodon"),
            incoming("Un skatepark pour les ados", "c", likes=4),
            incoming("skatepark pour les jeunes et les ados", "d"),
        ],
    )
    services.consultation_group(consultation=consultation, actor=team.cm)


def test_list_create_and_detail(client, team):
    client.force_login(team.cm)
    url = reverse("participation:list", kwargs={"org": team.org.slug})
    response = client.post(
        url,
        {
            "title": "Pistes cyclables",
            "question": "Où créer des pistes cyclables ?",
            "starts_at": "2026-05-01T09:00",
            "ends_at": "2026-05-30T18:00",
            "public_page": "on",
            "retention_days": 365,
            "grouping_method": "fast",
        },
    )
    consultation = Consultation.objects.get(title="Pistes cyclables")
    assert response.status_code == 302 and response.url == _url("detail", consultation)
    page = client.get(response.url).content.decode()
    assert "Où créer des pistes cyclables ?" in page and "Collecter les réponses" in page


def test_analyst_sees_but_cannot_act(client, team, consultation):
    client.force_login(team.analyst)
    assert client.get(_url("detail", consultation)).status_code == 200
    assert "Collecter les réponses" not in client.get(_url("detail", consultation)).content.decode()
    assert client.post(_url("action", consultation, action="regrouper")).status_code == 403


def test_group_move_and_synthesis_pages(client, team, consultation):
    client.force_login(team.cm)
    _grouped(consultation, team)
    response = client.post(_url("action", consultation, action="regrouper"), follow=True)
    assert "réponses regroupées en" in response.content.decode()
    skate = Answer.objects.get(text="Un skatepark pour les ados")
    garden = Answer.objects.get(text__startswith="Des jardins")
    client.post(
        _url("idea_action", consultation, action="deplacer"),
        {"answer": skate.pk, "idea": garden.idea_id},
    )
    skate.refresh_from_db()
    assert skate.idea_id == garden.idea_id and skate.placed_by_person
    synthesis = client.get(_url("synthesis", consultation)).content.decode()
    assert "Les idées par soutien" in synthesis and "Les Tanneurs" in synthesis
    pdf = client.get(_url("synthesis_pdf", consultation))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_exports_need_the_export_right(client, team, consultation):
    _grouped(consultation, team)
    client.force_login(team.admin)
    decidim = client.get(_url("export", consultation, name="decidim.csv"))
    assert decidim.status_code == 200
    assert decidim.content.decode().splitlines()[0] == "title/fr;body/fr;address"
    assert client.get(_url("export", consultation, name="inconnu.csv")).status_code == 404
    client.force_login(team.cm)  # writes and groups, but exporting is the analysts' and admins' job
    assert client.get(_url("export", consultation, name="consul.json")).status_code == 403
    client.force_login(team.analyst)
    consul = client.get(_url("export", consultation, name="consul.json"))
    assert consul.status_code == 200 and consul.json()[0]["terms_of_service"] == "1"


def _public_post(client, consultation, token, **extra):
    data = {"text": "Un verger partagé", "consent": "on", "token": token, "site_web": ""}
    data.update(extra)
    return client.post(
        reverse("participation:public", kwargs={"token": consultation.public_token}), data
    )


def test_public_page_accepts_an_answer_and_refuses_floods(client, consultation, settings):
    cache.clear()
    settings.BEFFROI_PARTICIPATION_ANSWERS_PER_HOUR = 2
    url = reverse("participation:public", kwargs={"token": consultation.public_token})
    page = client.get(url).content.decode()
    assert consultation.question.replace("'", "&#x27;") in page and "conservées 365 jours" in page

    token = flood.form_token(consultation.pk)
    assert _public_post(client, consultation, token).status_code == 400  # posted at once: a script
    old = flood.form_token(consultation.pk)
    time.sleep(flood.MIN_SECONDS + 0.1)
    assert _public_post(client, consultation, old, site_web="http://spam").status_code == 400
    assert _public_post(client, consultation, "falsifié:abc:def").status_code == 400
    assert _public_post(client, consultation, old, consent="").status_code == 400
    response = _public_post(client, consultation, old)
    assert (
        response.status_code == 200 and "votre réponse est enregistrée" in response.content.decode()
    )
    assert Answer.objects.filter(consultation=consultation, source="public").count() == 1
    assert _public_post(client, consultation, old, text="Deuxième idée").status_code == 200
    assert _public_post(client, consultation, old, text="Troisième").status_code == 429
    assert Answer.objects.filter(consultation=consultation, source="public").count() == 2
