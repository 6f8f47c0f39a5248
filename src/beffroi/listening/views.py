"""Pages of listening: inbox, conversation, moderation, statistics, settings, alerts.
Views call services and selectors; they hold no business rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from beffroi.core.access import acting_user, organisation_view
from beffroi.core.domain import NETWORK_LABELS, TOPIC_LABELS, Sentiment
from beffroi.core.models import Membership, NetworkAccount, Organisation, User
from beffroi.core.permissions import Perm, role_allows
from beffroi.core.services import DomainError
from beffroi.listening import routing, selectors, services
from beffroi.listening.models import (
    Alert,
    InboxItem,
    ListeningKeyword,
    ModerationCharter,
    SavedReply,
    WatchedActor,
)
from beffroi.listening.moderation import INSULT_POLICY_LABELS

SENTIMENT_LABELS = {
    Sentiment.POSITIVE.value: "Positif",
    Sentiment.NEUTRAL.value: "Neutre",
    Sentiment.NEGATIVE.value: "Négatif",
}


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, " ".join(exc.messages))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _bool(value: str | None) -> bool | None:
    return {"oui": True, "non": False}.get(value or "")


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> selectors.InboxFilters:
    q = request.GET
    return selectors.InboxFilters(
        network=q.get("reseau", ""),
        account=_int(q.get("compte")),
        sentiment=q.get("sentiment", ""),
        topic=q.get("domaine", ""),
        request=_bool(q.get("demande")),
        toxic=_bool(q.get("insulte")),
        status=q.get("statut", ""),
        assignee=_int(q.get("attribue")),
        date_from=_date(q.get("du")),
        date_to=_date(q.get("au")),
        everything=q.get("tout") == "oui",
    )


def _team(organisation: Organisation) -> list[User]:
    return [
        m.user for m in Membership.objects.filter(organisation=organisation).select_related("user")
    ]


# The inbox's filter form is cached this long per organisation and choice of filters: a new team
# member or account appears in its lists within a minute.
FILTERS_CACHE_SECONDS = 60


def _choices(organisation: Organisation) -> dict[str, object]:
    """The filter form's lists; the queries run only when the form is rendered, not cached."""
    return {
        "networks": list(NETWORK_LABELS.items()),
        "accounts": NetworkAccount.objects.filter(organisation=organisation),
        "sentiments": list(SENTIMENT_LABELS.items()),
        "topics": list(TOPIC_LABELS.items()),
        "statuses": InboxItem.Status.choices,
        "team": partial(_team, organisation),  # the template calls it
        "filters_cache_seconds": FILTERS_CACHE_SECONDS,
    }


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One line of the inbox with its labels and link worked out once, in Python.

    The inbox is the page the team keeps open: resolving each label through the model's choices
    and reversing each link in the template cost more than the query that found the rows.
    """

    item: InboxItem
    url: str
    network: str
    status: str
    topic: str
    sentiment: str


_NETWORK_LABELS = {network.value: str(label) for network, label in NETWORK_LABELS.items()}
_TOPIC_LABELS = {topic.value: str(label) for topic, label in TOPIC_LABELS.items()}


def _item_urls(organisation: Organisation) -> Callable[[int], str]:
    """The URL of an item by its id, from one reverse for the page (the URLs differ by id only)."""
    marker = 999_999_999
    pattern = reverse("listening:item", kwargs={"org": organisation.slug, "item_id": marker})
    before, after = pattern.split(str(marker))
    return lambda pk: f"{before}{pk}{after}"


def _rows(organisation: Organisation, items: list[InboxItem]) -> list[InboxRow]:
    url = _item_urls(organisation)
    statuses = {value: str(label) for value, label in InboxItem.Status.choices}
    return [
        InboxRow(
            item=item,
            url=url(item.pk),
            network=_NETWORK_LABELS.get(item.network, item.network),
            status=statuses.get(item.status, item.status),
            topic=_TOPIC_LABELS.get(item.topic, item.topic),
            sentiment=str(SENTIMENT_LABELS.get(item.sentiment, item.sentiment)),
        )
        for item in items
    ]


@organisation_view(Perm.HANDLE_INBOX)
def inbox(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    filters = _filters(request)
    page = selectors.inbox_page(
        organisation=organisation, filters=filters, after=request.GET.get("apres", "")
    )
    params = request.GET.copy()
    params.pop("apres", None)
    return render(
        request,
        "listening/inbox.html",
        {
            "organisation": organisation,
            "page": page,
            "rows": _rows(organisation, page.items),
            "query": params.urlencode(),
            "get": request.GET,
            "open_alerts": selectors.open_alerts(organisation=organisation),
            **_choices(organisation),
        },
    )


@organisation_view(Perm.HANDLE_INBOX)
def item_detail(request: HttpRequest, organisation: Organisation, item_id: int) -> HttpResponse:
    item = get_object_or_404(InboxItem, organisation=organisation, pk=item_id)
    services.item_mark_seen(item=item, actor=acting_user(request))
    item = selectors.item_get(organisation=organisation, item_id=item_id)
    role = getattr(request, "organisation_role", None)
    suggested = None
    forward_to = None
    if item.is_request and item.route_level:
        found = routing.route(item.text, item.topic)
        forward_to = services.competent_organisation(organisation, item.route_level)
        if forward_to == organisation:
            forward_to = None
        if forward_to is None and item.route_level != routing.Level.COMMUNE:
            territory = routing.territory_for(
                organisation.kind, organisation.code, organisation.name
            )
            suggested = routing.ready_answer(found, territory)
    return render(
        request,
        "listening/item.html",
        {
            "organisation": organisation,
            "item": item,
            "conversation": selectors.conversation(item=item),
            "saved_replies": SavedReply.objects.filter(organisation=organisation),
            "team": _team(organisation),
            "statuses": InboxItem.Status.choices,
            "can_moderate": role_allows(role, Perm.MODERATE),
            "can_relay": role_allows(role, Perm.WRITE_DRAFTS),
            "suggested_answer": suggested,
            "forward_to": forward_to,
            "sentiment_label": SENTIMENT_LABELS.get(item.sentiment, item.sentiment),
            "accounts": NetworkAccount.objects.filter(organisation=organisation),
        },
    )


@require_POST
@organisation_view(Perm.HANDLE_INBOX)
def item_action(
    request: HttpRequest, organisation: Organisation, item_id: int, action: str
) -> HttpResponse:
    item = get_object_or_404(InboxItem, organisation=organisation, pk=item_id)
    actor = acting_user(request)
    post = request.POST
    try:
        if action == "repondre":
            services.item_reply(item=item, actor=actor, text=post.get("text", ""))
            messages.success(request, "Réponse publiée sur le réseau.")
        elif action == "masquer":
            services.item_hide(item=item, actor=actor, hidden=True)
            messages.success(request, "Commentaire masqué sur le réseau.")
        elif action == "demasquer":
            services.item_hide(item=item, actor=actor, hidden=False)
            messages.success(request, "Commentaire de nouveau visible.")
        elif action == "supprimer":
            services.item_delete(item=item, actor=actor)
            messages.success(request, "Message supprimé sur le réseau.")
        elif action == "attribuer":
            member_id = _int(post.get("assignee"))
            assignee = None
            if member_id:
                assignee = get_object_or_404(
                    User, pk=member_id, memberships__organisation=organisation
                )
            services.item_assign(item=item, assignee=assignee, actor=actor)
            messages.success(request, "Attribution enregistrée.")
        elif action == "note":
            services.item_note_add(item=item, actor=actor, text=post.get("text", ""))
            messages.success(request, "Note ajoutée.")
        elif action == "statut":
            services.item_set_status(item=item, status=post.get("status", ""), actor=actor)
            messages.success(request, "Statut changé.")
        elif action == "transmettre":
            copy = services.item_forward(item=item, actor=actor)
            messages.success(request, f"Transmis à {copy.organisation}.")
        elif action == "relayer":
            chosen = NetworkAccount.objects.filter(
                organisation=organisation, pk__in=post.getlist("accounts")
            )
            draft = services.item_relay(item=item, actor=actor, accounts=list(chosen))
            messages.success(request, "Brouillon de relais créé dans le compositeur.")
            return redirect("publishing:draft", org=organisation.slug, draft_id=draft.pk)
        else:
            raise Http404("action inconnue")
    except DomainError as exc:
        _error(request, exc)
    return redirect("listening:item", org=organisation.slug, item_id=item.pk)


# The periods of the Réactivité page: (parameter, label, days; None for everything).
PERIODS = (
    ("30j", "30 derniers jours", 30),
    ("90j", "90 derniers jours", 90),
    ("12m", "12 derniers mois", 365),
    ("tout", "Depuis le début", None),
)
DEFAULT_PERIOD = "90j"


def _period(
    request: HttpRequest, default: str
) -> tuple[tuple[str, str, int | None], datetime | None]:
    """The chosen period (an unknown one is the default) and the moment it starts."""
    chosen = request.GET.get("periode", default)
    period = next((p for p in PERIODS if p[0] == chosen), None) or next(
        p for p in PERIODS if p[0] == default
    )
    days = period[2]
    return period, timezone.now() - timedelta(days=days) if days is not None else None


@organisation_view(Perm.VIEW_STATS)
def statistics(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    period, since = _period(request, DEFAULT_PERIOD)
    figures = selectors.reactivity_figures(organisation=organisation, since=since, period=period[0])
    url = _item_urls(organisation)
    exposures = [
        (exposure, url(exposure.item.pk))
        for exposure in selectors.insult_exposure(
            organisation=organisation, since=since, limit=selectors.EXPOSURE_LIST_SIZE
        )
    ]
    return render(
        request,
        "listening/statistics.html",
        {
            "organisation": organisation,
            "periods": PERIODS,
            "period": period,
            "responses": figures.responses,
            "insults": figures.insults,
            "computed_at": figures.computed_at,
            "exposures": exposures,
            "exposure_list_size": selectors.EXPOSURE_LIST_SIZE,
        },
    )


@organisation_view(Perm.VIEW_STATS)
def insult_exposure_export(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    _, since = _period(request, "tout")  # an export without a period has everything
    response = HttpResponse(
        selectors.insult_exposure_csv(organisation=organisation, since=since),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="insultes-visibles-{organisation.slug}.csv"'
    )
    return response


@organisation_view(Perm.MODERATE)
def moderation_page(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    charter = ModerationCharter.objects.filter(organisation=organisation).first()
    if request.method == "POST":
        try:
            services.charter_save(
                organisation=organisation,
                actor=acting_user(request),
                insults=request.POST.get("insults", ""),
                mask_phones=request.POST.get("mask_phones") == "on",
                mask_emails=request.POST.get("mask_emails") == "on",
            )
            messages.success(request, "Charte de modération enregistrée.")
        except (DomainError, ValueError) as exc:
            messages.error(request, f"Charte non enregistrée : {exc}")
        return redirect("listening:moderation", org=organisation.slug)
    return render(
        request,
        "listening/moderation.html",
        {
            "organisation": organisation,
            "charter": charter or ModerationCharter(organisation=organisation),
            "policies": list(INSULT_POLICY_LABELS.items()),
            "log": selectors.moderation_log(organisation=organisation),
        },
    )


@organisation_view(Perm.HANDLE_INBOX)
def settings_page(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    if request.method == "POST":
        actor = acting_user(request)
        what = request.POST.get("what")
        try:
            if what == "reply":
                services.saved_reply_save(
                    organisation=organisation,
                    actor=actor,
                    title=request.POST.get("title", ""),
                    text=request.POST.get("text", ""),
                )
            elif what == "keyword":
                services.keyword_add(
                    organisation=organisation, actor=actor, query=request.POST.get("query", "")
                )
            elif what == "actor":
                services.watched_actor_add(
                    organisation=organisation,
                    actor=actor,
                    name=request.POST.get("name", ""),
                    kind=request.POST.get("kind", WatchedActor.Kind.OTHER),
                    network=request.POST.get("network", ""),
                    handle=request.POST.get("handle", ""),
                )
            messages.success(request, "Enregistré.")
        except DomainError as exc:
            _error(request, exc)
        return redirect("listening:settings", org=organisation.slug)
    return render(
        request,
        "listening/settings.html",
        {
            "organisation": organisation,
            "saved_replies": SavedReply.objects.filter(organisation=organisation),
            "keywords": ListeningKeyword.objects.filter(organisation=organisation),
            "actors": WatchedActor.objects.filter(organisation=organisation),
            "actor_kinds": WatchedActor.Kind.choices,
            "networks": list(NETWORK_LABELS.items()),
        },
    )


@organisation_view(Perm.HANDLE_INBOX)
def watched_posts(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    posts = (
        InboxItem.objects.filter(organisation=organisation, from_watched_actor__isnull=False)
        .select_related("from_watched_actor")
        .order_by("-created_at", "-id")[:100]
    )
    return render(
        request,
        "listening/watched.html",
        {
            "organisation": organisation,
            "posts": posts,
            "accounts": NetworkAccount.objects.filter(organisation=organisation),
        },
    )


@organisation_view(Perm.MANAGE_ALERTS)
def alerts(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    return render(
        request,
        "listening/alerts.html",
        {
            "organisation": organisation,
            "alerts": selectors.alert_list(organisation=organisation)[:100],
        },
    )


@organisation_view(Perm.MANAGE_ALERTS)
def alert_detail(request: HttpRequest, organisation: Organisation, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert, organisation=organisation, pk=alert_id)
    return render(
        request,
        "listening/alert.html",
        {
            "organisation": organisation,
            "alert": alert,
            "timeline": selectors.alert_timeline(alert=alert),
            "driving": alert.driving_items.order_by("-created_at")[:30],
        },
    )


@require_POST
@organisation_view(Perm.MANAGE_ALERTS)
def alert_action(
    request: HttpRequest, organisation: Organisation, alert_id: int, action: str
) -> HttpResponse:
    alert = get_object_or_404(Alert, organisation=organisation, pk=alert_id)
    note = request.POST.get("note", "")
    try:
        if action == "prendre-en-compte":
            services.alert_acknowledge(alert=alert, actor=acting_user(request), note=note)
            messages.success(request, "Alerte prise en compte.")
        elif action == "clore":
            services.alert_close(alert=alert, actor=acting_user(request), note=note)
            messages.success(request, "Alerte close.")
        else:
            raise Http404("action inconnue")
    except DomainError as exc:
        _error(request, exc)
    return redirect("listening:alert", org=organisation.slug, alert_id=alert.pk)
