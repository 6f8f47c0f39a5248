"""Pages of citizen participation: consultations, their ideas, the synthesis, exports and the
public answer page."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from beffroi.core.access import acting_user, organisation_view
from beffroi.core.models import NetworkAccount, Organisation
from beffroi.core.permissions import Perm, role_allows
from beffroi.core.services import DomainError
from beffroi.participation import exports, flood, selectors, services, synthesis
from beffroi.participation.forms import ConsultationForm, PublicAnswerForm
from beffroi.participation.models import Answer, Consultation, Idea

logger = logging.getLogger(__name__)
# Above this many answers to embed, grouping goes to the worker instead of holding the page.
QUEUE_FROM = 50


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, " ".join(exc.messages))


def _may(request: HttpRequest, perm: Perm) -> bool:
    return role_allows(getattr(request, "organisation_role", None), perm)


def _consultation(organisation: Organisation, consultation_id: int) -> Consultation:
    return get_object_or_404(Consultation, id=consultation_id, organisation=organisation)


def _detail(consultation: Consultation) -> HttpResponse:
    return redirect(
        "participation:detail",
        org=consultation.organisation.slug,
        consultation_id=consultation.pk,
    )


def public_url(request: HttpRequest, consultation: Consultation) -> str:
    return request.build_absolute_uri(
        reverse("participation:public", kwargs={"token": consultation.public_token})
    )


@organisation_view(Perm.VIEW_ORG)
def consultation_list(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    can_manage = _may(request, Perm.MANAGE_CONSULTATIONS)
    form = ConsultationForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage or form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                consultation = services.consultation_create(
                    organisation=organisation, actor=acting_user(request), **data
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, "Consultation créée.")
                return _detail(consultation)
    return render(
        request,
        "participation/list.html",
        {
            "organisation": organisation,
            "consultations": selectors.consultation_list(organisation=organisation),
            "form": form,
        },
    )


@organisation_view(Perm.VIEW_ORG)
def consultation_detail(
    request: HttpRequest, organisation: Organisation, consultation_id: int
) -> HttpResponse:
    consultation = _consultation(organisation, consultation_id)
    ideas = list(consultation.ideas.all())
    members: dict[int | None, list[Answer]] = defaultdict(list)
    for answer in selectors.answers_of(consultation=consultation):
        members[answer.idea_id].append(answer)
    summary = {s.id: s for s in selectors.synthesis_for(consultation=consultation).ideas}
    people = {i.pk: summary[i.pk].people if i.pk in summary else 0 for i in ideas}
    rows = [
        {"idea": i, "summary": summary.get(i.pk), "answers": members.get(i.pk, [])}
        for i in sorted(ideas, key=lambda i: (-people[i.pk], i.pk))
    ]
    return render(
        request,
        "participation/detail.html",
        {
            "organisation": organisation,
            "consultation": consultation,
            "idea_rows": rows,
            "ideas": ideas,
            "ungrouped": members.get(None, []),
            "answer_count": sum(len(v) for v in members.values()),
            "posts": consultation.posts.select_related("account"),
            "accounts": NetworkAccount.objects.filter(organisation=organisation),
            "can_manage": _may(request, Perm.MANAGE_CONSULTATIONS),
            "can_export": _may(request, Perm.EXPORT_DATA),
            "public_url": public_url(request, consultation),
        },
    )


@require_POST
@organisation_view(Perm.MANAGE_CONSULTATIONS)
def consultation_action(
    request: HttpRequest, organisation: Organisation, consultation_id: int, action: str
) -> HttpResponse:
    consultation = _consultation(organisation, consultation_id)
    actor = acting_user(request)
    try:
        if action == "collecter":
            report = services.consultation_collect(consultation=consultation, actor=actor)
            messages.success(
                request,
                f"Collecte : {report.new} nouvelle(s) réponse(s), {report.already_known} déjà connue(s), "
                f"{report.posts_read} publication(s) lue(s).",
            )
            for error in report.errors:
                messages.warning(request, error)
        elif action == "regrouper" and services.needs_embedding(consultation) > QUEUE_FROM:
            from beffroi.participation.tasks import participation_group

            participation_group(consultation.pk, actor.pk)
            messages.success(
                request,
                "Regroupement lancé en arrière-plan (plongements des nouvelles réponses) : "
                "rechargez la page dans quelques minutes.",
            )
        elif action == "regrouper":
            grouped = services.consultation_group(consultation=consultation, actor=actor)
            messages.success(
                request,
                f"{grouped.answers} réponses regroupées en {grouped.ideas} idées "
                f"({grouped.duplicates} quasi-doublons fusionnés).",
            )
        elif action == "clore":
            services.consultation_close(consultation=consultation, actor=actor)
            messages.success(request, "Consultation close.")
        elif action == "annoncer":
            ids = [int(v) for v in request.POST.getlist("accounts") if v.isdigit()]
            accounts = list(NetworkAccount.objects.filter(organisation=organisation, id__in=ids))
            draft = services.consultation_announce(
                consultation=consultation,
                actor=actor,
                accounts=accounts,
                public_url=public_url(request, consultation),
            )
            messages.success(
                request, "Annonce créée dans le circuit de validation des publications."
            )
            return redirect("publishing:draft", org=organisation.slug, draft_id=draft.pk)
        elif action == "lier":
            account = get_object_or_404(
                NetworkAccount, id=request.POST.get("account") or 0, organisation=organisation
            )
            services.consultation_link_post(
                consultation=consultation,
                actor=actor,
                account=account,
                remote_id=request.POST.get("remote_id", ""),
                url=request.POST.get("url", ""),
            )
            messages.success(request, "Publication liée à la consultation.")
        else:
            raise Http404
    except DomainError as exc:
        _error(request, exc)
    return _detail(consultation)


def _idea(consultation: Consultation, idea_id: Any) -> Idea:
    return get_object_or_404(Idea, id=idea_id or 0, consultation=consultation)


@require_POST
@organisation_view(Perm.MANAGE_CONSULTATIONS)
def idea_action(
    request: HttpRequest, organisation: Organisation, consultation_id: int, action: str
) -> HttpResponse:
    consultation = _consultation(organisation, consultation_id)
    actor = acting_user(request)
    try:
        if action == "deplacer":
            answer = get_object_or_404(
                Answer, id=request.POST.get("answer") or 0, consultation=consultation
            )
            services.answer_move(
                answer=answer, idea=_idea(consultation, request.POST.get("idea")), actor=actor
            )
            messages.success(request, "Réponse déplacée.")
        elif action == "fusionner":
            ids = [int(v) for v in request.POST.getlist("ideas") if v.isdigit()]
            ideas = list(Idea.objects.filter(consultation=consultation, id__in=ids))
            into = _idea(consultation, request.POST.get("into"))
            services.idea_merge(ideas=ideas, into=into, actor=actor)
            messages.success(request, "Idées fusionnées.")
        elif action == "scinder":
            idea = _idea(consultation, request.POST.get("idea"))
            ids = [int(v) for v in request.POST.getlist("answers") if v.isdigit()]
            answers = list(Answer.objects.filter(consultation=consultation, id__in=ids))
            services.idea_split(
                idea=idea, answers=answers, actor=actor, label=request.POST.get("label", "")
            )
            messages.success(request, "Nouvelle idée créée avec les réponses choisies.")
        elif action == "renommer":
            idea = _idea(consultation, request.POST.get("idea"))
            services.idea_rename(idea=idea, label=request.POST.get("label", ""), actor=actor)
            messages.success(request, "Idée renommée.")
        else:
            raise Http404
    except DomainError as exc:
        _error(request, exc)
    return _detail(consultation)


@organisation_view(Perm.VIEW_ORG)
def synthesis_page(
    request: HttpRequest, organisation: Organisation, consultation_id: int
) -> HttpResponse:
    consultation = _consultation(organisation, consultation_id)
    result = selectors.synthesis_for(consultation=consultation)
    return render(
        request,
        "participation/synthesis.html",
        {
            "organisation": organisation,
            "consultation": consultation,
            "synthesis": result,
            "can_export": _may(request, Perm.EXPORT_DATA),
        },
    )


def _filename(consultation: Consultation, suffix: str) -> str:
    return f"consultation-{consultation.pk}-{slugify(consultation.title)[:40]}-{suffix}"


@organisation_view(Perm.VIEW_ORG)
def synthesis_pdf(
    request: HttpRequest, organisation: Organisation, consultation_id: int
) -> HttpResponse:
    consultation = _consultation(organisation, consultation_id)
    result = selectors.synthesis_for(consultation=consultation)
    response = HttpResponse(
        synthesis.render_pdf(consultation, result), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'inline; filename="{_filename(consultation, "synthese.pdf")}"'
    )
    return response


EXPORTS = {
    "donnees-ouvertes.csv": ("text/csv; charset=utf-8", lambda s, name: exports.open_data_csv(s)),
    "decidim.csv": ("text/csv; charset=utf-8", exports.decidim_csv),
    "decidim.json": ("application/json", exports.decidim_json),
    "consul.csv": ("text/csv; charset=utf-8", exports.consul_csv),
    "consul.json": ("application/json", exports.consul_json),
}


@organisation_view(Perm.EXPORT_DATA)
def export(
    request: HttpRequest, organisation: Organisation, consultation_id: int, name: str
) -> HttpResponse:
    consultation = _consultation(organisation, consultation_id)
    if name not in EXPORTS:
        raise Http404
    content_type, render_export = EXPORTS[name]
    result = selectors.synthesis_for(consultation=consultation)
    response = HttpResponse(render_export(result, organisation.name), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_filename(consultation, name)}"'
    return response


def public_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The answer page anyone can use, without an account."""
    consultation = get_object_or_404(Consultation, public_token=token, public_page=True)
    form = PublicAnswerForm(
        request.POST or None, initial={"token": flood.form_token(consultation.pk)}
    )
    status = 200
    if request.method == "POST" and consultation.accepts_public_answers:
        refusal = None
        if request.POST.get(flood.HONEYPOT_FIELD):
            refusal = flood.Refusal("Votre réponse n'a pas pu être enregistrée.", "honeypot")
        else:
            refusal = flood.check_token(request.POST.get("token", ""), consultation.pk)
        if refusal is None and form.is_valid():
            refusal = flood.take_quota(flood.client_address(request))
            if refusal is None:
                try:
                    services.public_answer_submit(
                        consultation=consultation,
                        text=form.cleaned_data["text"],
                        client=flood.client_address(request),
                        name=form.cleaned_data["name"],
                        district=form.cleaned_data["district"],
                    )
                except DomainError as exc:
                    form.add_error(None, " ".join(exc.messages))
                else:
                    return render(
                        request,
                        "participation/public_thanks.html",
                        {"consultation": consultation},
                    )
        if refusal is not None:
            logger.info(
                "public answer refused (%s) for consultation %s", refusal.reason, consultation.pk
            )
            form.add_error(None, refusal.message)
            status = 429 if refusal.reason == "quota" else 400
        else:
            status = 400
        form = (
            PublicAnswerForm(request.POST, initial={"token": flood.form_token(consultation.pk)})
            if not form.is_bound
            else form
        )
    return render(
        request,
        "participation/public.html",
        {
            "consultation": consultation,
            "organisation": consultation.organisation,
            "form": form,
            "fresh_token": flood.form_token(consultation.pk),
        },
        status=status,
    )
