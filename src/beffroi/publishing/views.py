"""Pages of publishing: calendar, composer, drafts and their circuit, imports, guest review, iCal feed.
Views call services and selectors; they hold no business rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from beffroi.core.access import acting_user, organisation_view
from beffroi.core.domain import NETWORK_LABELS, TOPIC_LABELS, Network, Topic
from beffroi.core.models import Organisation, Role
from beffroi.core.permissions import Perm, role_allows
from beffroi.core.services import DomainError
from beffroi.networks.types import Media
from beffroi.publishing import bulk, importer, selectors, services
from beffroi.publishing.agenda import PARIS, ical_feed, month_grid, week_of
from beffroi.publishing.composer import Message, check_variant, compose
from beffroi.publishing.composer.preview import preview
from beffroi.publishing.conversions import variant_to_post_variant
from beffroi.publishing.forms import (
    BulkForm,
    ComposeForm,
    ContactForm,
    DecisionForm,
    EditorialLineForm,
    EventForm,
    FeedImportForm,
    ScheduleForm,
    VariantForm,
)
from beffroi.publishing.models import Draft, EditorialLine

MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, " ".join(exc.messages))


def _role(request: HttpRequest) -> str | None:
    return getattr(request, "organisation_role", None)


def _may(request: HttpRequest, perm: Perm) -> bool:
    return role_allows(_role(request), perm)


def _parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


# ----------------------------------------------------------------------------- calendar


@dataclass(frozen=True, slots=True)
class GridEntry:
    """A draft in a calendar cell with its links and Paris time worked out once, in Python.

    A busy month holds a hundred entries: two URL reversals and a time-zone conversion for each
    in the template cost more than the queries that found them.
    """

    item: selectors.CalendarItem
    day: date
    time: str
    url: str
    move_url: str


def _url_pattern(name: str, organisation: Organisation) -> tuple[str, str]:
    """The parts of a draft URL around its id: one reverse serves every draft of the page."""
    marker = 999_999_999
    url = reverse(name, kwargs={"org": organisation.slug, "draft_id": marker})
    before, after = url.split(str(marker))
    return before, after


def _grid_entries(
    organisation: Organisation, items: list[selectors.CalendarItem]
) -> list[GridEntry]:
    show, move = (
        _url_pattern("publishing:draft", organisation),
        _url_pattern("publishing:draft_move", organisation),
    )
    entries = []
    for item in items:
        local = item.scheduled_at.astimezone(PARIS)
        entries.append(
            GridEntry(
                item=item,
                day=local.date(),
                time=local.strftime("%H:%M"),
                url=f"{show[0]}{item.id}{show[1]}",
                move_url=f"{move[0]}{item.id}{move[1]}",
            )
        )
    return entries


@organisation_view(Perm.VIEW_ORG)
def calendar(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    today = timezone.now().astimezone(PARIS).date()
    day = _parse_day(request.GET.get("date"), today)
    view = request.GET.get("vue", "mois")
    networks = [n for n in request.GET.getlist("reseau") if n in NETWORK_LABELS]
    topics = [t for t in request.GET.getlist("theme") if t in {x.value for x in Topic}]
    states = [s for s in request.GET.getlist("etat") if s in Draft.State.values]
    if view == "semaine":
        weeks = [week_of(day)]
        previous, following = day - timedelta(days=7), day + timedelta(days=7)
        heading = (
            f"Semaine du {weeks[0][0].day} {MONTHS_FR[weeks[0][0].month - 1]} {weeks[0][0].year}"
        )
    else:
        view = "mois"
        weeks = month_grid(day.year, day.month)
        previous = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        heading = f"{MONTHS_FR[day.month - 1].capitalize()} {day.year}"
    start, end = weeks[0][0], weeks[-1][-1]
    entries = selectors.calendar_items(
        organisation=organisation,
        start=start,
        end=end,
        networks=networks,
        topics=topics,
        states=states,
    )
    by_day: dict[date, list[GridEntry]] = {}
    for entry in _grid_entries(organisation, entries):
        by_day.setdefault(entry.day, []).append(entry)
    holidays = {
        h.day: h.name
        for h in selectors.holidays_between(organisation=organisation, start=start, end=end)
    }
    events = list(selectors.events_between(organisation=organisation, start=start, end=end))
    grid = [
        [
            {
                "day": d,
                "iso": d.isoformat(),
                "drafts": by_day.get(d, []),
                "holiday": holidays.get(d),
                "events": [e for e in events if e.starts_on <= d <= e.ends_on],
                "other_month": view == "mois" and d.month != day.month,
                "today": d == today,
            }
            for d in week
        ]
        for week in weeks
    ]
    context = {
        "organisation": organisation,
        "grid": grid,
        "view": view,
        "heading": heading,
        "day": day,
        "previous": previous,
        "following": following,
        "networks": [(n.value, n.label) for n in Network],
        "topics": [(t.value, TOPIC_LABELS[t]) for t in Topic],
        "states": Draft.State.choices,
        "selected_networks": networks,
        "selected_topics": topics,
        "selected_states": states,
        "alerts": selectors.plan_alerts_for(organisation=organisation, start=start, end=end),
        "unscheduled": selectors.unscheduled_drafts(organisation=organisation)[:20],
        "ical_url": request.build_absolute_uri(
            reverse("publishing:ical", kwargs={"token": selectors.ical_token(organisation)})
        ),
        "can_move": _may(request, Perm.WRITE_DRAFTS),
        "event_form": EventForm(),
        "weekdays": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    }
    template = (
        "publishing/_calendar_grid.html"
        if request.headers.get("HX-Request")
        else "publishing/calendar.html"
    )
    return render(request, template, context)


@require_POST
@organisation_view(Perm.WRITE_DRAFTS)
def event_add(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = EventForm(request.POST)
    if form.is_valid():
        try:
            services.event_save(
                organisation=organisation, actor=acting_user(request), **form.cleaned_data
            )
            messages.success(request, "Événement ajouté au calendrier.")
        except DomainError as exc:
            _error(request, exc)
    else:
        messages.error(request, "Événement incomplet : nom et date de début sont nécessaires.")
    start = form.cleaned_data.get("starts_on") if form.is_valid() else None
    url = reverse("publishing:calendar", kwargs={"org": organisation.slug})
    return redirect(f"{url}?date={start.isoformat()}" if start else url)


@require_POST
@organisation_view(Perm.WRITE_DRAFTS)
def draft_move(request: HttpRequest, organisation: Organisation, draft_id: int) -> HttpResponse:
    """Drag and drop in the calendar: same time of day, new day."""
    draft = selectors.draft_get(organisation=organisation, draft_id=draft_id)
    new_day = _parse_day(request.POST.get("date"), date.min)
    if new_day == date.min:
        return HttpResponse("Date illisible", status=400)
    current = (draft.scheduled_at or timezone.now()).astimezone(PARIS)
    moved = datetime.combine(new_day, current.time().replace(tzinfo=None), tzinfo=PARIS).astimezone(
        UTC
    )
    try:
        services.draft_move(draft=draft, actor=acting_user(request), scheduled_at=moved)
    except DomainError as exc:
        return HttpResponse(" ".join(exc.messages), status=409)
    response = HttpResponse(status=204)
    response["HX-Trigger"] = "calendar-changed"
    return response


# ----------------------------------------------------------------------------- composer


def _account_choices(organisation: Organisation) -> list[tuple[str, str]]:
    return [
        (str(a.pk), f"{a.get_network_display()} · {a.handle}{' (simulé)' if a.simulated else ''}")
        for a in selectors.publishable_accounts(organisation=organisation)
    ]


def _message_from(form: ComposeForm) -> tuple[Message, tuple[Media, ...]]:
    data = form.cleaned_data
    media: tuple[Media, ...] = ()
    if data.get("image_url"):
        import mimetypes

        mime, _ = mimetypes.guess_type(data["image_url"])
        media = (
            Media(
                path=data["image_url"],
                mime_type=mime or "image/jpeg",
                alt_text=data.get("image_alt") or "",
            ),
        )
    return (
        Message(
            text=data.get("text") or "",
            link=data.get("link") or None,
            hashtags=tuple(form.hashtag_list()),
            media=media,
            sponsored=bool(data.get("sponsored")),
        ),
        media,
    )


@organisation_view(Perm.WRITE_DRAFTS)
def compose_view(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    choices = _account_choices(organisation)
    form = ComposeForm(
        request.POST or None, accounts=choices, initial={"accounts": [c[0] for c in choices]}
    )
    if request.method == "POST" and form.is_valid():
        message, media = _message_from(form)
        accounts = list(
            selectors.publishable_accounts(organisation=organisation).filter(
                pk__in=form.cleaned_data["accounts"]
            )
        )
        scheduled = form.cleaned_data.get("scheduled_at")
        try:
            draft = services.draft_create(
                organisation=organisation,
                actor=acting_user(request),
                title=form.cleaned_data.get("title") or "",
                text=message.text,
                link=message.link or "",
                hashtags=message.hashtags,
                media=media,
                topic=form.cleaned_data["topic"],
                sponsored=message.sponsored,
                scheduled_at=scheduled.astimezone(UTC) if scheduled else None,
                accounts=accounts,
            )
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Brouillon enregistré.")
            return redirect("publishing:draft", org=organisation.slug, draft_id=draft.pk)
    return render(request, "publishing/compose.html", {"organisation": organisation, "form": form})


@require_POST
@organisation_view(Perm.WRITE_DRAFTS)
def compose_preview(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """HTMX: live counters and previews of every chosen network while the author types."""
    form = ComposeForm(request.POST, accounts=_account_choices(organisation))
    form.is_valid()  # previews show even a half-filled form
    form.cleaned_data.setdefault("accounts", [])
    message, _ = _message_from(form)
    accounts = list(
        selectors.publishable_accounts(organisation=organisation).filter(
            pk__in=form.cleaned_data.get("accounts") or []
        )
    )
    networks = list(dict.fromkeys(Network(a.network) for a in accounts))
    composition = compose(message, networks, services.directory_for(organisation))
    cards = [
        {"checked": c, "preview": preview(c), "network": c.variant.network}
        for c in composition.variants
    ]
    return render(
        request, "publishing/_previews.html", {"cards": cards, "organisation": organisation}
    )


# ----------------------------------------------------------------------------- drafts


def _draft_context(
    request: HttpRequest, organisation: Organisation, draft: Draft
) -> dict[str, Any]:
    user = acting_user(request)
    step = selectors.current_step(draft)
    variants = []
    for variant in draft.variants.select_related("account"):
        checked = check_variant(variant_to_post_variant(variant))
        variants.append(
            {
                "variant": variant,
                "checked": checked,
                "preview": preview(checked),
                "form": VariantForm(initial={"text": variant.text}),
            }
        )
    may_decide = step is not None and (
        step.reviewer_id == user.pk
        or _role(request) == Role.ADMIN
        or (step.reviewer_id is None and _may(request, Perm.APPROVE_DRAFTS))
    )
    return {
        "organisation": organisation,
        "draft": draft,
        "variants": variants,
        "step": step,
        "steps": draft.steps.order_by("-round", "position"),
        "comments": draft.comments.all(),
        "versions": draft.versions.order_by("-number"),
        "may_write": _may(request, Perm.WRITE_DRAFTS),
        "may_publish": _may(request, Perm.PUBLISH),
        "may_decide": may_decide,
        "decision_form": DecisionForm(),
        "schedule_form": ScheduleForm(
            initial={
                "scheduled_at": (draft.scheduled_at or timezone.now() + timedelta(hours=1))
                .astimezone(PARIS)
                .strftime("%Y-%m-%dT%H:%M")
            }
        ),
    }


@organisation_view(Perm.VIEW_ORG)
def draft_detail(request: HttpRequest, organisation: Organisation, draft_id: int) -> HttpResponse:
    draft = selectors.draft_get(organisation=organisation, draft_id=draft_id)
    return render(
        request, "publishing/draft_detail.html", _draft_context(request, organisation, draft)
    )


ACTIONS = {
    "soumettre",
    "valider",
    "modifications",
    "programmer",
    "publier-maintenant",
    "deprogrammer",
    "annuler",
    "relancer",
    "commenter",
}


@require_POST
@organisation_view(Perm.VIEW_ORG)
def draft_action(
    request: HttpRequest, organisation: Organisation, draft_id: int, action: str
) -> HttpResponse:
    draft = selectors.draft_get(organisation=organisation, draft_id=draft_id)
    user = acting_user(request)
    comment = request.POST.get("comment", "")
    publish_now = False
    try:
        if action == "soumettre":
            services.draft_submit(draft=draft, actor=user)
            messages.success(request, "Brouillon soumis à validation.")
        elif action == "valider":
            services.draft_approve(draft=draft, actor=user, comment=comment)
            messages.success(request, "Validation enregistrée.")
        elif action == "modifications":
            services.draft_request_changes(draft=draft, actor=user, comment=comment)
            messages.success(request, "Demande de modifications envoyée.")
        elif action == "programmer":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                raise DomainError("Date de publication illisible.")
            services.draft_schedule(
                draft=draft,
                actor=user,
                scheduled_at=form.cleaned_data["scheduled_at"].astimezone(UTC),
            )
            messages.success(request, "Publication programmée.")
        elif action == "publier-maintenant":
            services.draft_schedule(draft=draft, actor=user, scheduled_at=timezone.now())
            publish_now = True
            messages.success(request, "Publication lancée.")
        elif action == "deprogrammer":
            services.draft_unschedule(draft=draft, actor=user)
        elif action == "annuler":
            services.draft_cancel(draft=draft, actor=user, reason=comment)
        elif action == "relancer":
            services.draft_retry(draft=draft, actor=user)
            publish_now = True
        elif action == "commenter":
            services.draft_comment(draft=draft, actor=user, text=comment)
        else:
            return HttpResponse("Action inconnue", status=404)
    except DomainError as exc:
        _error(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "Votre rôle ne permet pas cette action.")
        return redirect("publishing:draft", org=organisation.slug, draft_id=draft.pk)
    if publish_now:
        from beffroi.publishing.tasks import publishing_publish_now

        publishing_publish_now()
    return redirect("publishing:draft", org=organisation.slug, draft_id=draft.pk)


@require_POST
@organisation_view(Perm.WRITE_DRAFTS)
def variant_edit(request: HttpRequest, organisation: Organisation, variant_id: int) -> HttpResponse:
    variant = selectors.variant_get(organisation=organisation, variant_id=variant_id)
    form = VariantForm(request.POST)
    if form.is_valid():
        try:
            services.variant_edit(
                variant=variant, actor=acting_user(request), text=form.cleaned_data["text"]
            )
            messages.success(request, f"Variante {variant.get_network_display()} enregistrée.")
        except DomainError as exc:
            _error(request, exc)
    return redirect("publishing:draft", org=organisation.slug, draft_id=variant.draft_id)


@organisation_view(Perm.VIEW_ORG)
def review_queue(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    user = acting_user(request)
    return render(
        request,
        "publishing/review_queue.html",
        {
            "organisation": organisation,
            "drafts": selectors.drafts_to_review(organisation=organisation, user=user),
            "notifications": selectors.notifications_for(user=user, organisation=organisation)[:30],
        },
    )


@require_POST
@organisation_view(Perm.VIEW_ORG)
def notification_read(
    request: HttpRequest, organisation: Organisation, notification_id: int
) -> HttpResponse:
    services.notification_read(user=acting_user(request), notification_id=notification_id)
    return redirect("publishing:review_queue", org=organisation.slug)


# ----------------------------------------------------------------------------- editorial lines


@organisation_view(Perm.VIEW_ORG)
def editorial_line_list(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    lines = {line.account_id: line for line in selectors.editorial_lines(organisation=organisation)}
    accounts = selectors.publishable_accounts(organisation=organisation)
    rows = [{"account": a, "line": lines.get(a.pk)} for a in accounts]
    return render(
        request,
        "publishing/editorial_lines.html",
        {
            "organisation": organisation,
            "rows": rows,
            "can_edit": _may(request, Perm.MANAGE_STRATEGY),
        },
    )


@organisation_view(Perm.MANAGE_STRATEGY)
def editorial_line_edit(
    request: HttpRequest, organisation: Organisation, account_id: int
) -> HttpResponse:
    account = (
        selectors.publishable_accounts(organisation=organisation).filter(pk=account_id).first()
    )
    if account is None:
        from django.http import Http404

        raise Http404("Compte introuvable")
    line = EditorialLine.objects.filter(account=account).first() or EditorialLine(
        account=account, organisation=organisation
    )
    form = EditorialLineForm(
        request.POST or None, instance=line, initial={"formats": ", ".join(line.formats)}
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in EditorialLineForm.Meta.fields}
        try:
            services.editorial_line_save(account=account, actor=acting_user(request), **fields)
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, "Ligne éditoriale enregistrée.")
            return redirect("publishing:editorial_lines", org=organisation.slug)
    return render(
        request,
        "publishing/editorial_line_form.html",
        {"organisation": organisation, "form": form, "account": account, "line": line},
    )


# ----------------------------------------------------------------------------- contacts


@organisation_view(Perm.VIEW_ORG)
def contact_list(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        if not _may(request, Perm.WRITE_DRAFTS):
            raise PermissionDenied("Votre rôle ne permet pas cette action")
        if form.is_valid():
            try:
                services.contact_save(
                    organisation=organisation,
                    name=form.cleaned_data["name"],
                    handles=form.handles(),
                    actor=acting_user(request),
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, f"« {form.cleaned_data['name']} » enregistré.")
                return redirect("publishing:contacts", org=organisation.slug)
    return render(
        request,
        "publishing/contacts.html",
        {
            "organisation": organisation,
            "contacts": selectors.contacts(organisation=organisation),
            "form": form,
            "can_edit": _may(request, Perm.WRITE_DRAFTS),
        },
    )


# ----------------------------------------------------------------------------- imports


@organisation_view(Perm.WRITE_DRAFTS)
def import_view(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = FeedImportForm(request.POST or None)
    bulk_form = BulkForm()
    report: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        accounts = list(selectors.publishable_accounts(organisation=organisation))
        networks = list(dict.fromkeys(Network(a.network) for a in accounts))
        try:
            if form.cleaned_data["kind"] == "page":
                articles: tuple[importer.Article, ...] = (
                    importer.fetch_page(form.cleaned_data["url"]),
                )
                problems: tuple[str, ...] = ()
            else:
                feed = importer.fetch_feed(form.cleaned_data["url"])
                articles, problems = (
                    feed.articles,
                    feed.problems + tuple(r.reason for r in feed.refused),
                )
        except importer.ImportError_ as exc:
            messages.error(request, exc.message)
        else:
            created, skipped = services.drafts_from_articles(
                organisation=organisation,
                actor=acting_user(request),
                articles=articles,
                accounts=accounts,
                networks=networks,
            )
            report = {"created": created, "skipped": skipped, "problems": problems}
    return render(
        request,
        "publishing/import.html",
        {"organisation": organisation, "form": form, "bulk_form": bulk_form, "report": report},
    )


@require_POST
@organisation_view(Perm.WRITE_DRAFTS)
def bulk_import(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = BulkForm(request.POST, request.FILES)
    context: dict[str, Any] = {
        "organisation": organisation,
        "form": FeedImportForm(),
        "bulk_form": form,
    }
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = bulk.parse_bulk_file(upload.content, upload.name)
        except bulk.BulkFileError as exc:
            messages.error(request, exc.message)
        else:
            created = services.drafts_from_bulk(
                organisation=organisation, actor=acting_user(request), report=report
            )
            context["bulk_report"] = {"created": created, "refused": report.refused}
    return render(request, "publishing/import.html", context)


# ----------------------------------------------------------------------------- outside the organisation pages


def guest_review(request: HttpRequest, token: str) -> HttpResponse:
    """A guest reviewer (the mayor's office) reads and decides with no account, through a signed link."""
    try:
        step = services.guest_step_from_token(token)
    except services.GuestLinkInvalid as exc:
        return render(
            request, "publishing/guest_review.html", {"error": " ".join(exc.messages)}, status=410
        )
    draft = step.draft
    if request.method == "POST":
        approve = request.POST.get("decision") == "valider"
        try:
            services.guest_decide(
                token=token,
                approve=approve,
                comment=request.POST.get("comment", ""),
                name=request.POST.get("name", ""),
            )
        except DomainError as exc:
            return render(
                request,
                "publishing/guest_review.html",
                {
                    "step": step,
                    "draft": draft,
                    "variants": _guest_variants(draft),
                    "error": " ".join(exc.messages),
                },
                status=400,
            )
        return render(
            request,
            "publishing/guest_review.html",
            {"done": True, "approve": approve, "draft": draft},
        )
    return render(
        request,
        "publishing/guest_review.html",
        {"step": step, "draft": draft, "variants": _guest_variants(draft)},
    )


def _guest_variants(draft: Draft) -> list[dict[str, Any]]:
    return [
        {"variant": v, "preview": preview(check_variant(variant_to_post_variant(v)))}
        for v in draft.variants.select_related("account")
    ]


def ical(request: HttpRequest, token: str) -> HttpResponse:
    organisation = selectors.organisation_from_ical_token(token)
    content = selectors.ical_content(
        organisation=organisation,
        today=timezone.now().astimezone(ZoneInfo("Europe/Paris")).date(),
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    body = ical_feed(
        content.entries,
        name=f"Publications · {organisation.name}",
        holidays_list=content.holidays,
        domain=request.get_host() or "beffroi.local",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{organisation.slug}-publications.ics"'
    return response
