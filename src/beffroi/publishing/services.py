"""Every write of publishing: checked, in a transaction, audited.

The approval circuit:

    draft ──submit──> in_review ──approve (last step)──> approved ──schedule──> scheduled
      ^                 │  └─approve (not last)─> in_review (next step)          │
      │                 └─request changes──> changes_requested ──submit──┘      │ worker
      └──── an edit of approved / scheduled / failed content sends it back ─────┤
                                                                               publishing
    cancel: from any state before publishing          failed <── retry ──┘  └──> published
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from beffroi.core.domain import Network, Topic
from beffroi.core.links import absolute_url
from beffroi.core.models import NetworkAccount, Organisation, Role, User
from beffroi.core.permissions import Perm, role_allows
from beffroi.core.selectors import role_for
from beffroi.core.services import DomainError, audit_record, require, snapshot
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.errors import NetworkError, RateLimited
from beffroi.networks.types import Media, PostVariant, PublishResult
from beffroi.publishing.composer import Directory, Entity, Message, build_variant, check_variant
from beffroi.publishing.composer.issues import Issue
from beffroi.publishing.conversions import media_from_json, media_to_json, variant_to_post_variant
from beffroi.publishing.models import (
    EDITABLE_STATES,
    REAPPROVE_STATES,
    ApprovalStep,
    CircuitStep,
    Contact,
    Draft,
    DraftComment,
    DraftVersion,
    EditorialLine,
    Notification,
    PublishIntent,
    Variant,
)

logger = logging.getLogger(__name__)
State = Draft.State

GUEST_SALT = "beffroi.publishing.guest-review"
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=30)
DEFAULT_LEASE = timedelta(minutes=2)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, "BEFFROI_PUBLISHING", {}).get(name, default)


def guest_link_max_age() -> timedelta:
    return timedelta(days=float(_setting("guest_link_days", 7)))


# ----------------------------------------------------------------------------- helpers


def _draft_url(draft: Draft) -> str:
    try:
        return reverse(
            "publishing:draft", kwargs={"org": draft.organisation.slug, "draft_id": draft.pk}
        )
    except NoReverseMatch:  # the app's URLs are not installed (library use, some tests)
        return ""


def _notify(*, user: User | None, draft: Draft, message: str, email: bool = True) -> None:
    """In-app notification, and an e-mail sent once the transaction has committed."""
    if user is None:
        return
    url = _draft_url(draft)
    Notification.objects.create(
        organisation=draft.organisation, user=user, draft=draft, message=message[:300], url=url
    )
    if email and user.email:
        body = f"{message}\n\n{absolute_url(url)}" if url else message
        transaction.on_commit(
            lambda: send_mail(
                subject=f"[Beffroi] {draft.title}"[:150],
                message=body,
                from_email=None,
                recipient_list=[user.email],
                fail_silently=True,
            )
        )


def _content(draft: Draft) -> dict[str, Any]:
    return {
        "title": draft.title,
        "text": draft.text,
        "link": draft.link,
        "hashtags": list(draft.hashtags),
        "media": list(draft.media),
        "topic": draft.topic,
        "sponsored": draft.sponsored,
        "variants": [
            {
                "account": v.account_id,
                "network": v.network,
                "text": v.text,
                "thread": list(v.thread),
                "title": v.title,
                "edited": v.edited,
            }
            for v in draft.variants.order_by("id")
        ],
    }


def _save_version(draft: Draft, actor: User | None, reason: str) -> DraftVersion:
    return DraftVersion.objects.create(
        draft=draft, number=draft.version, content=_content(draft), reason=reason, created_by=actor
    )


_NETWORK_VALUES = frozenset(n.value for n in Network)


def directory_for(organisation: Organisation) -> Directory:
    """The organisation's contacts, for mentions with each network's handle."""
    return Directory(
        Entity(c.name, {Network(k): v for k, v in c.handles.items() if k in _NETWORK_VALUES})
        for c in Contact.objects.filter(organisation=organisation)
    )


def _message(draft: Draft, overrides: Mapping[Network, str] | None = None) -> Message:
    return Message(
        text=draft.text,
        link=draft.link or None,
        hashtags=tuple(draft.hashtags),
        media=media_from_json(draft.media),
        sponsored=draft.sponsored,
        overrides=dict(overrides or {}),
    )


def _apply(variant: Variant, built: PostVariant) -> None:
    variant.text = built.text
    variant.thread = list(built.thread)
    variant.title = built.title or ""
    variant.link = built.link or ""
    variant.media = media_to_json(built.media)
    variant.sponsored = built.sponsored


def _recompose(draft: Draft, directory: Directory) -> None:
    """Rebuilds every variant the author did not rewrite by hand."""
    message = _message(draft)
    # A variant already out on its network (a partly published draft) keeps the words it went out with.
    for variant in draft.variants.select_related("account").exclude(state=Variant.State.PUBLISHED):
        if variant.edited:
            variant.media = draft.media
            variant.sponsored = draft.sponsored
        else:
            built, _ = build_variant(message, Network(variant.network), directory)
            _apply(variant, built)
        variant.save()


def _same_org_accounts(
    organisation: Organisation, accounts: Iterable[NetworkAccount]
) -> list[NetworkAccount]:
    chosen = list(accounts)
    if any(a.organisation_id != organisation.pk for a in chosen):
        raise PermissionDenied("Ce compte n'appartient pas à l'organisation")
    return chosen


def variant_issues(variant: Variant) -> tuple[Issue, ...]:
    return check_variant(variant_to_post_variant(variant)).issues


def blocking_issues(draft: Draft) -> list[str]:
    problems: list[str] = []
    for variant in draft.variants.all():
        problems.extend(
            f"{i.network.label} : {i.message}" for i in variant_issues(variant) if i.blocking
        )
    return problems


def _cancel_intents(draft: Draft) -> int:
    """Cancels what no worker holds yet; an intent in flight finishes (the network may have it)."""
    return PublishIntent.objects.filter(
        variant__draft=draft, status=PublishIntent.Status.PENDING
    ).update(status=PublishIntent.Status.CANCELLED, finished_at=timezone.now())


def _reopen_if_needed(draft: Draft, actor: User | None) -> None:
    if draft.state in (State.PUBLISHED, State.PUBLISHING):
        raise DomainError(
            "Une publication déjà publiée (ou en cours de publication) ne peut pas être modifiée : "
            "rédigez un nouveau message, ou corrigez-la sur le réseau."
        )
    if draft.state == State.CANCELLED:
        raise DomainError("Ce brouillon est annulé : dupliquez-le pour le reprendre.")
    if draft.state in REAPPROVE_STATES:
        before = draft.state
        _cancel_intents(draft)
        draft.state = State.DRAFT
        draft.current_step = 0
        audit_record(
            actor=actor,
            organisation=draft.organisation,
            action="draft.reopen",
            obj=draft,
            before={"state": before},
            after={"state": draft.state, "reason": "contenu modifié après validation"},
        )


# ----------------------------------------------------------------------------- compliance hooks


def _compliance_installed() -> bool:
    from django.apps import apps

    return apps.is_installed("beffroi.compliance")


def _compliance_review(draft: Draft, actor: User | None, planned_at: datetime | None) -> None:
    """Election-period guard and accessibility of the variants (beffroi.compliance), when installed.

    Refuses (DomainError) a draft that compliance refuses or blocks; keeps the review so that the
    compliance pages list it.
    """
    if not _compliance_installed():
        return
    from beffroi.compliance.selectors import draft_compliance
    from beffroi.compliance.services import draft_review_record

    result = draft_compliance(
        organisation=draft.organisation,
        text=draft.text,
        planned_at=planned_at,
        variants=[variant_to_post_variant(v) for v in draft.variants.all()],
        sponsored=draft.sponsored,
        topic=draft.topic,
    )
    draft_review_record(
        organisation=draft.organisation,
        draft_ref=str(draft.pk),
        result=result,
        actor=actor,
        excerpt=draft.text[:200],
        planned_for=planned_at,
    )
    if result.blocked:
        raise DomainError("Conformité : " + " ; ".join(result.reasons()))


def _compliance_check_approval(draft: Draft, step: ApprovalStep) -> None:
    if not _compliance_installed():
        return
    from beffroi.compliance.services import draft_review_check_approval

    approvers = [
        s.decided_by or s.decided_by_label
        for s in draft.steps.filter(round=step.round, decision=ApprovalStep.Decision.APPROVED)
    ]
    draft_review_check_approval(
        organisation=draft.organisation, draft_ref=str(draft.pk), approvers=approvers
    )


def _compliance_log(variant: Variant, result: PublishResult) -> None:
    """One line of the evidence file per publication; never blocks recording the publication."""
    if not _compliance_installed():
        return
    from beffroi.compliance.services import publication_log

    draft = variant.draft
    validations = [
        {
            "by": s.decided_by_label,
            "role": s.label,
            "at": s.decided_at.isoformat() if s.decided_at else "",
            "decision": s.decision,
            "comment": s.comment,
        }
        for s in draft.steps.exclude(decision=ApprovalStep.Decision.PENDING).order_by(
            "round", "position"
        )
    ]
    try:
        with transaction.atomic():
            publication_log(
                organisation=draft.organisation,
                network=variant.network,
                account=variant.account.handle,
                text=variant.text,
                media=media_from_json(variant.media),
                published_at=result.published_at,
                remote_id=result.remote_id,
                url=result.url,
                sponsored=variant.sponsored,
                draft_ref=str(draft.pk),
                topic=draft.topic,
                validations=validations,
            )
    except Exception:  # noqa: BLE001 - the post is out: its record must not depend on the log
        logger.exception("publication log of %s failed", variant)


# ----------------------------------------------------------------------------- strategy


@transaction.atomic
def editorial_line_save(
    *, account: NetworkAccount, actor: User | None, **fields: Any
) -> EditorialLine:
    require(actor=actor, organisation=account.organisation, perm=Perm.MANAGE_STRATEGY)
    allowed = {
        "audience",
        "objectives",
        "tone",
        "tone_notes",
        "formats",
        "themes",
        "posts_per_week",
        "max_per_day",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(f"Champs non modifiables : {', '.join(sorted(unknown))}")
    for theme in fields.get("themes", []):
        if theme not in {t.value for t in Topic}:
            raise DomainError(f"Thème inconnu : {theme}")
    line, created = EditorialLine.objects.get_or_create(
        account=account, defaults={"organisation": account.organisation}
    )
    before = None if created else snapshot(line, sorted(fields))
    for name, value in fields.items():
        setattr(line, name, value)
    line.save()
    audit_record(
        actor=actor,
        organisation=account.organisation,
        action="editorial_line.save",
        obj=line,
        before=before,
        after=snapshot(line, sorted(fields)),
    )
    return line


@transaction.atomic
def editorial_line_learn_best_times(
    *, line: EditorialLine, slots: Sequence[Any], learned_at: datetime
) -> EditorialLine:
    """Stores the best posting slots computed from the account's history (system task)."""
    line.best_times = [
        {"weekday": s.weekday, "hour": s.hour, "median_rate": s.median_rate, "posts": s.posts}
        for s in slots
    ]
    line.best_times_learned_at = learned_at
    line.save(update_fields=["best_times", "best_times_learned_at", "updated_at"])
    audit_record(
        actor=None,
        organisation=line.organisation,
        action="editorial_line.learn",
        obj=line,
        after={"best_times": line.best_times},
    )
    return line


@dataclass(frozen=True)
class StepSpec:
    label: str
    reviewer: User | None = None
    guest_email: str = ""
    guest_name: str = ""


@transaction.atomic
def circuit_set(
    *, organisation: Organisation, steps: Sequence[StepSpec], actor: User | None
) -> list[CircuitStep]:
    """Replaces the organisation's approval circuit (validators in order)."""
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_STRATEGY)
    for spec in steps:
        if spec.reviewer is None and not spec.guest_email:
            raise DomainError(f"L'étape « {spec.label} » n'a pas de validateur.")
        if (
            spec.reviewer is not None
            and role_for(user=spec.reviewer, organisation=organisation) is None
        ):
            raise DomainError(f"{spec.reviewer} n'est pas membre de {organisation}.")
    before = [str(s) for s in CircuitStep.objects.filter(organisation=organisation)]
    CircuitStep.objects.filter(organisation=organisation).delete()
    created = [
        CircuitStep.objects.create(
            organisation=organisation,
            position=index,
            label=spec.label,
            reviewer=spec.reviewer,
            guest_email=spec.guest_email,
            guest_name=spec.guest_name,
        )
        for index, spec in enumerate(steps, start=1)
    ]
    audit_record(
        actor=actor,
        organisation=organisation,
        action="circuit.set",
        before={"steps": before},
        after={"steps": [str(s) for s in created]},
    )
    return created


@transaction.atomic
def contact_save(
    *, organisation: Organisation, name: str, handles: Mapping[str, str], actor: User | None
) -> Contact:
    require(actor=actor, organisation=organisation, perm=Perm.WRITE_DRAFTS)
    unknown = [k for k in handles if k not in {n.value for n in Network}]
    if unknown:
        raise DomainError(f"Réseau inconnu : {', '.join(unknown)}")
    contact, _ = Contact.objects.update_or_create(
        organisation=organisation, name=name.strip(), defaults={"handles": dict(handles)}
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="contact.save",
        obj=contact,
        after={"handles": dict(handles)},
    )
    return contact


# ----------------------------------------------------------------------------- drafts


@transaction.atomic
def draft_create(
    *,
    organisation: Organisation,
    actor: User | None,
    title: str,
    text: str,
    accounts: Sequence[NetworkAccount],
    link: str = "",
    hashtags: Sequence[str] = (),
    media: Sequence[Media] = (),
    topic: Topic | str = Topic.AUTRE,
    sponsored: bool = False,
    scheduled_at: datetime | None = None,
    source: str = Draft.Source.COMPOSER,
    source_url: str = "",
    source_id: str = "",
    relays_website: bool = False,
    overrides: Mapping[Network, str] | None = None,
) -> Draft:
    """A new draft with one composed variant per chosen account."""
    require(actor=actor, organisation=organisation, perm=Perm.WRITE_DRAFTS)
    chosen = _same_org_accounts(organisation, accounts)
    if not chosen:
        raise DomainError("Choisissez au moins un compte sur lequel publier.")
    if source_id and Draft.objects.filter(organisation=organisation, source_id=source_id).exists():
        raise DomainError("Cet article du site a déjà été importé.")
    draft = Draft.objects.create(
        organisation=organisation,
        title=title.strip()[:200] or text.strip()[:60] or "Sans titre",
        text=text,
        link=link,
        hashtags=list(hashtags),
        media=media_to_json(media),
        topic=Topic(topic).value,
        sponsored=sponsored,
        scheduled_at=scheduled_at,
        source=source,
        source_url=source_url,
        source_id=source_id,
        relays_website=relays_website,
        created_by=actor,
    )
    message = _message(draft, overrides)
    directory = directory_for(organisation)
    for account in chosen:
        built, _ = build_variant(message, Network(account.network), directory)
        variant = Variant(
            draft=draft,
            account=account,
            network=account.network,
            edited=Network(account.network) in (overrides or {}),
        )
        _apply(variant, built)
        variant.save()
    _save_version(draft, actor, "création")
    audit_record(
        actor=actor,
        organisation=organisation,
        action="draft.create",
        obj=draft,
        after=_content(draft),
    )
    return draft


@transaction.atomic
def draft_update(*, draft: Draft, actor: User | None, **changes: Any) -> Draft:
    """Changes the message; non-edited variants are composed again. A new version is kept."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    require(actor=actor, organisation=draft.organisation, perm=Perm.WRITE_DRAFTS)
    allowed = {"title", "text", "link", "hashtags", "media", "topic", "sponsored"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"Champs non modifiables : {', '.join(sorted(unknown))}")
    _reopen_if_needed(draft, actor)
    before = _content(draft)
    for name, value in changes.items():
        if name == "media":
            value = media_to_json(value)
        elif name == "topic":
            value = Topic(value).value
        elif name == "hashtags":
            value = list(value)
        setattr(draft, name, value)
    draft.version += 1
    draft.save()
    _recompose(draft, directory_for(draft.organisation))
    _save_version(draft, actor, "modification du message")
    audit_record(
        actor=actor,
        organisation=draft.organisation,
        action="draft.update",
        obj=draft,
        before=before,
        after=_content(draft),
    )
    return draft


@transaction.atomic
def variant_edit(
    *,
    variant: Variant,
    actor: User | None,
    text: str,
    thread: Sequence[str] | None = None,
    title: str | None = None,
) -> Variant:
    """The author rewrites one network's variant by hand."""
    draft = Draft.objects.select_for_update().get(pk=variant.draft_id)
    require(actor=actor, organisation=draft.organisation, perm=Perm.WRITE_DRAFTS)
    variant = Variant.objects.get(pk=variant.pk)
    if variant.state == Variant.State.PUBLISHED:
        raise DomainError(
            f"La variante {variant.get_network_display()} est déjà publiée : elle ne peut pas être "
            "modifiée ici, corrigez-la sur le réseau."
        )
    _reopen_if_needed(draft, actor)
    before = {"text": variant.text, "thread": list(variant.thread), "title": variant.title}
    variant.text = text
    if thread is not None:
        variant.thread = list(thread)
    if title is not None:
        variant.title = title
    variant.edited = True
    variant.save()
    draft.version += 1
    draft.save()
    _save_version(draft, actor, f"variante {variant.get_network_display()} réécrite")
    audit_record(
        actor=actor,
        organisation=draft.organisation,
        action="variant.edit",
        obj=variant,
        before=before,
        after={"text": variant.text, "thread": list(variant.thread), "title": variant.title},
    )
    return variant


@transaction.atomic
def draft_comment(
    *, draft: Draft, actor: User | None, text: str, author_label: str = ""
) -> DraftComment:
    if actor is not None:
        require(actor=actor, organisation=draft.organisation, perm=Perm.VIEW_ORG)
    if not text.strip():
        raise DomainError("Le commentaire est vide.")
    comment = DraftComment.objects.create(
        draft=draft,
        author=actor,
        author_label=author_label or str(actor or "invité"),
        text=text.strip(),
        version=draft.version,
    )
    audit_record(
        actor=actor,
        organisation=draft.organisation,
        action="draft.comment",
        obj=draft,
        after={"comment": comment.text},
    )
    if draft.created_by is not None and draft.created_by != actor:
        _notify(
            user=draft.created_by,
            draft=draft,
            message=f"Nouveau commentaire de {comment.author_label} sur « {draft.title} »",
            email=False,
        )
    return comment


def _current_step(draft: Draft) -> ApprovalStep:
    step = draft.steps.filter(round=_round(draft), position=draft.current_step).first()
    if step is None:
        raise DomainError("Aucune étape de validation en cours.")
    return step


def _round(draft: Draft) -> int:
    latest = draft.steps.order_by("-round").values_list("round", flat=True).first()
    return latest or 0


def _notify_step(draft: Draft, step: ApprovalStep) -> None:
    if step.reviewer is not None:
        _notify(
            user=step.reviewer,
            draft=draft,
            message=f"« {draft.title} » attend votre validation ({step.label}).",
        )
    elif step.guest_email:
        token = guest_token(step)
        try:
            path = reverse("publishing:guest_review", kwargs={"token": token})
        except NoReverseMatch:
            path = f"/relecture/{token}/"
        days = guest_link_max_age().days
        transaction.on_commit(
            lambda: send_mail(
                subject=f"[Beffroi] Relecture demandée : {draft.title}"[:150],
                message=(
                    f"Bonjour {step.guest_name or ''},\n\n{draft.organisation} vous demande de relire "
                    f"« {draft.title} » avant publication. Ce lien personnel reste valable {days} jours :\n\n"
                    f"{absolute_url(path)}\n"
                ),
                from_email=None,
                recipient_list=[step.guest_email],
                fail_silently=True,
            )
        )


@transaction.atomic
def draft_submit(*, draft: Draft, actor: User | None) -> Draft:
    """Sends the draft into the organisation's circuit; refused while a variant has a blocking issue."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    require(actor=actor, organisation=draft.organisation, perm=Perm.WRITE_DRAFTS)
    if draft.state not in EDITABLE_STATES:
        raise DomainError(f"Un brouillon « {draft.get_state_display()} » ne peut pas être soumis.")
    if not draft.variants.exists():
        raise DomainError("Le brouillon n'a aucune variante.")
    problems = blocking_issues(draft)
    if problems:
        raise DomainError("Corrigez d'abord : " + " ; ".join(problems))
    _compliance_review(draft, actor, draft.scheduled_at)
    before = draft.state
    circuit = list(CircuitStep.objects.filter(organisation=draft.organisation))
    round_number = _round(draft) + 1
    if not circuit:
        draft.state = State.APPROVED
        draft.save()
        audit_record(
            actor=actor,
            organisation=draft.organisation,
            action="draft.approve",
            obj=draft,
            before={"state": before},
            after={"state": draft.state, "reason": "aucun circuit de validation"},
        )
        return draft
    for step in circuit:
        ApprovalStep.objects.create(
            draft=draft,
            round=round_number,
            position=step.position,
            label=step.label,
            reviewer=step.reviewer,
            guest_email=step.guest_email,
            guest_name=step.guest_name,
            version=draft.version,
        )
    draft.state = State.IN_REVIEW
    draft.current_step = circuit[0].position
    draft.save()
    audit_record(
        actor=actor,
        organisation=draft.organisation,
        action="draft.submit",
        obj=draft,
        before={"state": before},
        after={"state": draft.state, "round": round_number, "version": draft.version},
    )
    _notify_step(draft, _current_step(draft))
    return draft


def _may_decide(actor: User, draft: Draft, step: ApprovalStep) -> bool:
    role = role_for(user=actor, organisation=draft.organisation)
    if role is None:
        return False
    if role == Role.ADMIN:
        return True
    if step.reviewer_id is not None:
        return step.reviewer_id == actor.pk
    return role_allows(role, Perm.APPROVE_DRAFTS)


def _decide(
    *, draft: Draft, step: ApprovalStep, decision: str, comment: str, by: User | None, by_label: str
) -> Draft:
    step.decision = decision
    step.decided_by = by
    step.decided_by_label = by_label
    step.decided_at = timezone.now()
    step.comment = comment
    step.version = draft.version
    step.save()
    before = {"state": draft.state, "step": step.label}
    author = draft.created_by
    if decision == ApprovalStep.Decision.CHANGES_REQUESTED:
        draft.state = State.CHANGES_REQUESTED
        draft.save()
        action = "draft.request_changes"
        _notify(
            user=author,
            draft=draft,
            message=f"{by_label} demande des modifications sur « {draft.title} » : {comment}",
        )
    else:
        following = (
            draft.steps.filter(round=step.round, position__gt=step.position)
            .order_by("position")
            .first()
        )
        if following is None:
            draft.state = State.APPROVED
            draft.save()
            _notify(
                user=author,
                draft=draft,
                message=f"« {draft.title} » est validé : il peut être programmé.",
            )
        else:
            draft.current_step = following.position
            draft.save()
            _notify_step(draft, following)
        action = "draft.approve"
    if comment:
        DraftComment.objects.create(
            draft=draft, author=by, author_label=by_label, text=comment, version=draft.version
        )
    audit_record(
        actor=by,
        organisation=draft.organisation,
        action=action,
        obj=draft,
        before=before,
        after={
            "state": draft.state,
            "step": step.label,
            "decision": decision,
            "comment": comment,
            "by": by_label,
        },
    )
    return draft


@transaction.atomic
def draft_approve(*, draft: Draft, actor: User, comment: str = "") -> Draft:
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.state != State.IN_REVIEW:
        raise DomainError(
            f"Seul un brouillon en validation peut être validé (état : {draft.get_state_display()})."
        )
    step = _current_step(draft)
    if not _may_decide(actor, draft, step):
        raise PermissionDenied(f"L'étape « {step.label} » attend un autre validateur.")
    return _decide(
        draft=draft,
        step=step,
        decision=ApprovalStep.Decision.APPROVED,
        comment=comment,
        by=actor,
        by_label=str(actor),
    )


@transaction.atomic
def draft_request_changes(*, draft: Draft, actor: User, comment: str) -> Draft:
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.state != State.IN_REVIEW:
        raise DomainError(
            f"Seul un brouillon en validation peut être renvoyé (état : {draft.get_state_display()})."
        )
    if not comment.strip():
        raise DomainError("Dites ce qu'il faut modifier.")
    step = _current_step(draft)
    if not _may_decide(actor, draft, step):
        raise PermissionDenied(f"L'étape « {step.label} » attend un autre validateur.")
    return _decide(
        draft=draft,
        step=step,
        decision=ApprovalStep.Decision.CHANGES_REQUESTED,
        comment=comment.strip(),
        by=actor,
        by_label=str(actor),
    )


# ----------------------------------------------------------------------------- guest review


def guest_token(step: ApprovalStep) -> str:
    """A signed link for the step's guest; bound to the draft version, so an edit voids it."""
    return signing.dumps(
        {"step": step.pk, "draft": step.draft_id, "version": step.draft.version}, salt=GUEST_SALT
    )


class GuestLinkInvalid(DomainError):
    pass


def guest_step_from_token(token: str) -> ApprovalStep:
    try:
        payload = signing.loads(token, salt=GUEST_SALT, max_age=guest_link_max_age())
    except signing.SignatureExpired:
        raise GuestLinkInvalid(
            "Ce lien de relecture a expiré : demandez à l'équipe communication de vous en renvoyer un."
        ) from None
    except signing.BadSignature:
        raise GuestLinkInvalid("Ce lien de relecture n'est pas valide.") from None
    step = (
        ApprovalStep.objects.select_related("draft", "draft__organisation")
        .filter(pk=payload["step"], draft_id=payload["draft"])
        .first()
    )
    if step is None:
        raise GuestLinkInvalid("Cette relecture n'existe plus.")
    draft = step.draft
    if payload["version"] != draft.version:
        raise GuestLinkInvalid(
            "Le message a été modifié depuis l'envoi de ce lien : un nouveau lien vous sera envoyé."
        )
    return step


@transaction.atomic
def guest_decide(*, token: str, approve: bool, comment: str = "", name: str = "") -> Draft:
    step = guest_step_from_token(token)
    draft = Draft.objects.select_for_update().get(pk=step.draft_id)
    step = ApprovalStep.objects.get(pk=step.pk)
    if (
        draft.state != State.IN_REVIEW
        or draft.current_step != step.position
        or step.round != _round(draft)
        or step.decision != ApprovalStep.Decision.PENDING
    ):
        raise GuestLinkInvalid(
            "Cette relecture n'est plus attendue (déjà faite, ou le brouillon a changé d'état)."
        )
    if not approve and not comment.strip():
        raise DomainError("Dites ce qu'il faut modifier.")
    label = f"{name or step.guest_name or step.guest_email} (relecteur invité)"
    decision = (
        ApprovalStep.Decision.APPROVED if approve else ApprovalStep.Decision.CHANGES_REQUESTED
    )
    return _decide(
        draft=draft, step=step, decision=decision, comment=comment.strip(), by=None, by_label=label
    )


# ----------------------------------------------------------------------------- scheduling


def idempotency_key(variant: Variant) -> str:
    """Stable for the life of the variant: every retry, by any worker, sends the same key."""
    return f"beffroi-{variant.draft.organisation_id}-{variant.draft_id}-{variant.pk}"


@transaction.atomic
def draft_schedule(
    *, draft: Draft, actor: User | None, scheduled_at: datetime, now: datetime | None = None
) -> Draft:
    """Programs an approved draft: one intent per variant, stored before any network is called."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    require(actor=actor, organisation=draft.organisation, perm=Perm.PUBLISH)
    if draft.state not in (State.APPROVED, State.SCHEDULED):
        raise DomainError(
            f"Seul un brouillon validé peut être programmé (état : {draft.get_state_display()})."
        )
    current = now or timezone.now()
    if scheduled_at < current - timedelta(minutes=1):
        raise DomainError("La date de publication est passée.")
    # The date may have moved into an election period since the review.
    _compliance_review(
        draft,
        actor
        if actor is not None
        and role_allows(role_for(user=actor, organisation=draft.organisation), Perm.WRITE_DRAFTS)
        else None,
        scheduled_at,
    )
    before = {"state": draft.state, "scheduled_at": draft.scheduled_at}
    draft.scheduled_at = scheduled_at
    draft.state = State.SCHEDULED
    draft.save()
    for variant in draft.variants.select_related("draft"):
        intent, created = PublishIntent.objects.get_or_create(
            variant=variant,
            defaults={
                "organisation": draft.organisation,
                "idempotency_key": idempotency_key(variant),
                "due_at": scheduled_at,
                "next_attempt_at": scheduled_at,
            },
        )
        if not created and intent.status in (
            PublishIntent.Status.PENDING,
            PublishIntent.Status.CANCELLED,
            PublishIntent.Status.FAILED,
        ):
            # Same key as before: if an earlier attempt did reach the network, it is found, not repeated.
            intent.status = PublishIntent.Status.PENDING
            intent.due_at = intent.next_attempt_at = scheduled_at
            intent.attempts = 0
            intent.save(update_fields=["status", "due_at", "next_attempt_at", "attempts"])
            Variant.objects.filter(pk=variant.pk).exclude(state=Variant.State.PUBLISHED).update(
                state=Variant.State.PENDING
            )
    audit_record(
        actor=actor,
        organisation=draft.organisation,
        action="draft.schedule",
        obj=draft,
        before=before,
        after={"state": draft.state, "scheduled_at": scheduled_at},
    )
    return draft


@transaction.atomic
def draft_move(
    *, draft: Draft, actor: User | None, scheduled_at: datetime, now: datetime | None = None
) -> Draft:
    """Moves a draft in the calendar (drag and drop): a planned date, or a new publication time."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.state == State.SCHEDULED:
        return draft_schedule(draft=draft, actor=actor, scheduled_at=scheduled_at, now=now)
    require(actor=actor, organisation=draft.organisation, perm=Perm.WRITE_DRAFTS)
    if draft.state in (State.PUBLISHING, State.PUBLISHED, State.CANCELLED):
        raise DomainError(f"Une publication « {draft.get_state_display()} » ne se déplace plus.")
    before = {"scheduled_at": draft.scheduled_at}
    draft.scheduled_at = scheduled_at
    draft.save(update_fields=["scheduled_at", "updated_at"])
    audit_record(
        actor=actor,
        organisation=draft.organisation,
        action="draft.move",
        obj=draft,
        before=before,
        after={"scheduled_at": scheduled_at},
    )
    return draft


@transaction.atomic
def draft_unschedule(*, draft: Draft, actor: User | None) -> Draft:
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    require(actor=actor, organisation=draft.organisation, perm=Perm.PUBLISH)
    if draft.state != State.SCHEDULED:
        raise DomainError("Ce brouillon n'est pas programmé.")
    if PublishIntent.objects.filter(
        variant__draft=draft, status=PublishIntent.Status.IN_FLIGHT
    ).exists():
        raise DomainError("La publication a commencé : elle ne peut plus être déprogrammée.")
    _cancel_intents(draft)
    draft.state = State.APPROVED
    draft.save()
    audit_record(
        actor=actor,
        organisation=draft.organisation,
        action="draft.unschedule",
        obj=draft,
        before={"state": State.SCHEDULED},
        after={"state": draft.state},
    )
    return draft


@transaction.atomic
def draft_cancel(*, draft: Draft, actor: User | None, reason: str = "") -> Draft:
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    require(actor=actor, organisation=draft.organisation, perm=Perm.WRITE_DRAFTS)
    if draft.state in (State.PUBLISHING, State.PUBLISHED, State.CANCELLED):
        raise DomainError(
            f"Une publication « {draft.get_state_display()} » ne peut pas être annulée."
        )
    if PublishIntent.objects.filter(
        variant__draft=draft, status=PublishIntent.Status.IN_FLIGHT
    ).exists():
        raise DomainError("La publication a commencé : elle ne peut plus être annulée.")
    before = draft.state
    _cancel_intents(draft)
    draft.variants.exclude(state=Variant.State.PUBLISHED).update(state=Variant.State.CANCELLED)
    draft.state = State.CANCELLED
    draft.save()
    audit_record(
        actor=actor,
        organisation=draft.organisation,
        action="draft.cancel",
        obj=draft,
        before={"state": before},
        after={"state": draft.state, "reason": reason},
    )
    return draft


@transaction.atomic
def draft_retry(*, draft: Draft, actor: User | None, now: datetime | None = None) -> Draft:
    """After a failure: the failed variants go out again, with the same idempotency keys."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    require(actor=actor, organisation=draft.organisation, perm=Perm.PUBLISH)
    if draft.state != State.FAILED:
        raise DomainError("Seule une publication en échec peut être relancée.")
    current = now or timezone.now()
    retried = PublishIntent.objects.filter(
        variant__draft=draft, status=PublishIntent.Status.FAILED
    ).update(
        status=PublishIntent.Status.PENDING,
        attempts=0,
        next_attempt_at=current,
        due_at=current,
        last_error="",
    )
    draft.variants.filter(state=Variant.State.FAILED).update(
        state=Variant.State.PENDING, error_kind="", error_message="", error_user_action=""
    )
    draft.state = State.SCHEDULED
    draft.scheduled_at = current
    draft.save()
    audit_record(
        actor=actor,
        organisation=draft.organisation,
        action="draft.retry",
        obj=draft,
        before={"state": State.FAILED},
        after={"state": draft.state, "variants": retried},
    )
    return draft


# ----------------------------------------------------------------------------- publication (worker side)


class WorkerCrash(BaseException):  # noqa: N818 - it stands for the process being killed, not an error
    """Raised by a crash hook in tests and benchmarks: the worker dies here, like `kill -9`."""


CrashHook = Callable[[str, PublishIntent], None]
AdapterProvider = Callable[[NetworkAccount], NetworkAdapter]


def default_adapter_for(account: NetworkAccount) -> NetworkAdapter:
    """The account's adapter (simulated accounts get the simulator), as everywhere in Beffroi."""
    from beffroi.core.adapters import adapter_for_account

    return adapter_for_account(account)


def backoff(attempt: int, error: NetworkError) -> timedelta:
    if isinstance(error, RateLimited) and error.retry_after:
        return timedelta(seconds=error.retry_after)
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempt - 1)))


def intent_claim(
    *, now: datetime, worker: str, lease: timedelta = DEFAULT_LEASE
) -> PublishIntent | None:
    """Takes the next due intent with a lease (compare-and-set: two workers never hold the same one)."""
    due = Q(status=PublishIntent.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=PublishIntent.Status.IN_FLIGHT, lease_until__lt=now
    )
    for candidate in (
        PublishIntent.objects.filter(due)
        .order_by("next_attempt_at", "id")
        .values_list("id", "status", "lease_until")[:20]
    ):
        intent_id, status, lease_until = candidate
        with transaction.atomic():
            taken = PublishIntent.objects.filter(
                id=intent_id, status=status, lease_until=lease_until
            ).update(
                status=PublishIntent.Status.IN_FLIGHT,
                lease_until=now + lease,
                claimed_by=worker,
                attempts=F("attempts") + 1,
            )
            if taken:
                intent = PublishIntent.objects.select_related(
                    "variant__draft__organisation", "variant__account"
                ).get(id=intent_id)
                Draft.objects.filter(pk=intent.variant.draft_id, state=State.SCHEDULED).update(
                    state=State.PUBLISHING
                )
                Variant.objects.filter(pk=intent.variant_id).update(state=Variant.State.PUBLISHING)
                return intent
    return None


def _finish_draft(draft_id: int) -> None:
    draft = Draft.objects.select_for_update().get(pk=draft_id)
    states = set(draft.variants.values_list("state", flat=True))
    open_states = {Variant.State.PENDING, Variant.State.PUBLISHING}
    if states & open_states:
        return
    before = draft.state
    if Variant.State.FAILED in states:
        draft.state = State.FAILED
    elif Variant.State.PUBLISHED in states:
        draft.state = State.PUBLISHED
    else:
        return
    if before == draft.state:
        return
    draft.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=None,
        organisation=draft.organisation,
        action=f"draft.{draft.state}",
        obj=draft,
        before={"state": before},
        after={"state": draft.state},
    )
    message = (
        f"« {draft.title} » est publié."
        if draft.state == State.PUBLISHED
        else f"La publication de « {draft.title} » a échoué : voyez la raison donnée par le réseau."
    )
    _notify(user=draft.created_by, draft=draft, message=message, email=draft.state == State.FAILED)


def _record_success(intent: PublishIntent, result: PublishResult, now: datetime) -> None:
    with transaction.atomic():
        updated = PublishIntent.objects.filter(
            pk=intent.pk, status=PublishIntent.Status.IN_FLIGHT, claimed_by=intent.claimed_by
        ).update(status=PublishIntent.Status.DONE, finished_at=now, lease_until=None, last_error="")
        if not updated:
            return  # another worker took over after our lease ran out and recorded it
        Variant.objects.filter(pk=intent.variant_id).update(
            state=Variant.State.PUBLISHED,
            remote_id=result.remote_id,
            remote_url=result.url or "",
            thread_remote_ids=list(result.thread_remote_ids),
            published_at=result.published_at,
            error_kind="",
            error_message="",
            error_user_action="",
        )
        variant = intent.variant
        audit_record(
            actor=None,
            organisation=variant.draft.organisation,
            action="variant.published",
            obj=variant,
            after={
                "remote_id": result.remote_id,
                "url": result.url,
                "sponsored": variant.sponsored,
                "key": intent.idempotency_key,
                "attempts": intent.attempts + 1,
                "already_published": result.already_published,
            },
        )
        _compliance_log(variant, result)
        _finish_draft(variant.draft_id)


def _record_failure(intent: PublishIntent, error: NetworkError, now: datetime) -> None:
    attempts = intent.attempts  # already counts this attempt (claimed with attempts + 1)
    final = not error.retryable or attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        if final:
            updated = PublishIntent.objects.filter(
                pk=intent.pk, status=PublishIntent.Status.IN_FLIGHT, claimed_by=intent.claimed_by
            ).update(
                status=PublishIntent.Status.FAILED,
                finished_at=now,
                lease_until=None,
                last_error=str(error),
            )
        else:
            updated = PublishIntent.objects.filter(
                pk=intent.pk, status=PublishIntent.Status.IN_FLIGHT, claimed_by=intent.claimed_by
            ).update(
                status=PublishIntent.Status.PENDING,
                next_attempt_at=now + backoff(attempts, error),
                lease_until=None,
                last_error=str(error),
            )
        if not updated:
            return
        variant = intent.variant
        if final:
            Variant.objects.filter(pk=variant.pk).update(
                state=Variant.State.FAILED,
                error_kind=type(error).__name__,
                error_message=error.message,
                error_user_action=error.user_action,
            )
            audit_record(
                actor=None,
                organisation=variant.draft.organisation,
                action="variant.failed",
                obj=variant,
                after=error.to_dict(),
            )
            _finish_draft(variant.draft_id)
        else:
            Variant.objects.filter(pk=variant.pk).update(
                state=Variant.State.PENDING,
                error_kind=type(error).__name__,
                error_message=error.message,
                error_user_action=error.user_action,
            )


def intent_publish(
    intent: PublishIntent,
    *,
    now_fn: Callable[[], datetime] = timezone.now,
    adapter_for: AdapterProvider = default_adapter_for,
    crash: CrashHook | None = None,
) -> str:
    """Calls the network for one claimed intent and records the outcome: done, retry or failed."""
    hook = crash or (lambda point, intent: None)
    variant = intent.variant
    hook("claimed", intent)
    try:
        adapter = adapter_for(variant.account)
        result = adapter.publish(variant_to_post_variant(variant), intent.idempotency_key)
    except NetworkError as error:
        hook("network_failed", intent)
        _record_failure(intent, error, now_fn())
        return "retry" if error.retryable else "failed"
    hook("network_done", intent)
    _record_success(intent, result, now_fn())
    hook("recorded", intent)
    return "done"


def publish_due(
    *,
    now_fn: Callable[[], datetime] = timezone.now,
    worker: str | None = None,
    limit: int | None = None,
    adapter_for: AdapterProvider = default_adapter_for,
    crash: CrashHook | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> int:
    """Publishes every due intent (until `limit`); returns how many were handled."""
    # Each run is its own worker: a lease left by a killed run is never mistaken for ours.
    name = worker or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    handled = 0
    while limit is None or handled < limit:
        intent = intent_claim(now=now_fn(), worker=name, lease=lease)
        if intent is None:
            break
        intent_publish(intent, now_fn=now_fn, adapter_for=adapter_for, crash=crash)
        handled += 1
    return handled


# ----------------------------------------------------------------------------- notifications


@transaction.atomic
def notification_read(*, user: User, notification_id: int) -> None:
    Notification.objects.filter(pk=notification_id, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# ----------------------------------------------------------------------------- learning from history


def _engagement_rate(post: Any, followers: int | None) -> float | None:
    metrics = post.metrics
    if metrics is None:
        return None
    audience = metrics.reach or metrics.impressions or followers
    if not audience:
        return None
    return (metrics.likes + metrics.comments + metrics.shares) / audience


def editorial_lines_learn_all(
    *,
    since: datetime,
    adapter_for: AdapterProvider = default_adapter_for,
    now: datetime | None = None,
) -> int:
    """Learns the best posting times of every editorial line from its account's posts since `since`."""
    from beffroi.publishing.planning import PostOutcome, best_slots

    learned = 0
    for line in EditorialLine.objects.select_related("account", "organisation"):
        try:
            adapter = adapter_for(line.account)
            posts = adapter.fetch_posts(since)
        except NetworkError as error:
            logger.warning("best times of %s not learned: %s", line.account, error)
            continue
        outcomes = []
        for post in posts:
            rate = _engagement_rate(post, post.author.followers)
            if rate is not None:
                outcomes.append(PostOutcome(post.published_at, rate))
        editorial_line_learn_best_times(
            line=line, slots=best_slots(outcomes), learned_at=now or timezone.now()
        )
        learned += 1
    return learned


# ----------------------------------------------------------------------------- imports


def _topic_detector() -> Any:
    from beffroi.publishing.topics import default_topic_detector, keyword_topics

    return (
        keyword_topics
        if _setting("topic_detector", "auto") == "keywords"
        else default_topic_detector()
    )


def drafts_from_articles(
    *,
    organisation: Organisation,
    actor: User | None,
    articles: Sequence[Any],
    accounts: Sequence[NetworkAccount],
    networks: Sequence[Network],
) -> tuple[list[Draft], list[str]]:
    """A native draft per website article; an article already imported is skipped, not duplicated."""
    from beffroi.publishing.importer import (
        RewordingSettings,
        draft_from_article,
        rewriter_from_settings,
    )

    require(actor=actor, organisation=organisation, perm=Perm.WRITE_DRAFTS)
    rewording = _setting("rewording", None)
    rewriter = rewriter_from_settings(RewordingSettings(**rewording)) if rewording else None
    detector = _topic_detector()
    created: list[Draft] = []
    skipped: list[str] = []
    for article in articles:
        if Draft.objects.filter(organisation=organisation, source_id=article.source_id).exists():
            skipped.append(f"« {article.title} » : déjà importé.")
            continue
        proposal = draft_from_article(article, networks, topic_detector=detector, rewriter=rewriter)
        usable = [a for a in accounts if Network(a.network) in proposal.message.overrides]
        if not usable:
            skipped.append(f"« {article.title} » : aucun compte ne peut le publier.")
            continue
        draft = draft_create(
            organisation=organisation,
            actor=actor,
            title=article.title,
            text=article.summary.split("\n\n")[0] if article.summary else article.title,
            link=article.url,
            media=proposal.message.media,
            topic=proposal.topic,
            accounts=usable,
            source=Draft.Source.WEBSITE,
            source_url=article.url,
            source_id=article.source_id,
            relays_website=True,
            overrides=proposal.message.overrides,
        )
        for note in proposal.notes:
            DraftComment.objects.create(
                draft=draft, author=None, author_label="Import du site", text=note, version=1
            )
        created.append(draft)
    return created, skipped


def drafts_from_bulk(*, organisation: Organisation, actor: User | None, report: Any) -> list[Draft]:
    """Drafts for each accepted row of a bulk file, on the organisation's accounts of those networks."""
    require(actor=actor, organisation=organisation, perm=Perm.WRITE_DRAFTS)
    accounts = list(NetworkAccount.objects.filter(organisation=organisation))
    created: list[Draft] = []
    for request in report.requests:
        chosen = [a for a in accounts if Network(a.network) in request.networks]
        if not chosen:
            continue
        message = request.message
        created.append(
            draft_create(
                organisation=organisation,
                actor=actor,
                title=f"Ligne {request.line} · {message.text[:60]}",
                text=message.text,
                link=message.link or "",
                hashtags=message.hashtags,
                media=message.media,
                sponsored=message.sponsored,
                scheduled_at=request.scheduled_at,
                source=Draft.Source.BULK,
                accounts=chosen,
            )
        )
    return created


# ----------------------------------------------------------------------------- the organisation's events


@transaction.atomic
def event_save(
    *,
    organisation: Organisation,
    actor: User | None,
    title: str,
    starts_on: Any,
    ends_on: Any | None = None,
    description: str = "",
) -> Any:
    from beffroi.publishing.models import OrganisationEvent

    require(actor=actor, organisation=organisation, perm=Perm.WRITE_DRAFTS)
    end = ends_on or starts_on
    if end < starts_on:
        raise DomainError("La fin de l'événement précède son début.")
    if not title.strip():
        raise DomainError("Donnez un nom à l'événement.")
    event = OrganisationEvent.objects.create(
        organisation=organisation,
        title=title.strip(),
        starts_on=starts_on,
        ends_on=end,
        description=description,
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="event.create",
        obj=event,
        after=snapshot(event),
    )
    return event


@transaction.atomic
def event_delete(*, event: Any, actor: User | None) -> None:
    require(actor=actor, organisation=event.organisation, perm=Perm.WRITE_DRAFTS)
    audit_record(
        actor=actor,
        organisation=event.organisation,
        action="event.delete",
        obj=event,
        before=snapshot(event),
    )
    event.delete()
