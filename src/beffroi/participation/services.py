"""Writes of citizen participation: consultations, their announcement, collection of answers,
grouping into ideas and the corrections a person makes to that grouping. Every write is audited."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from beffroi.core.adapters import adapter_for_account
from beffroi.core.domain import Network, Sentiment, Topic
from beffroi.core.models import NetworkAccount, Organisation, User
from beffroi.core.permissions import Perm
from beffroi.core.services import DomainError, audit_record, require, snapshot
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.errors import NetworkError
from beffroi.networks.types import Capability, Comment, Mention
from beffroi.participation import clustering
from beffroi.participation.models import (
    PUBLIC_SOURCE,
    Answer,
    Consultation,
    ConsultationPost,
    Idea,
)

logger = logging.getLogger(__name__)
AdapterFactory = Callable[[NetworkAccount], NetworkAdapter]
LABEL_LENGTH = 300
MAX_ANSWER_LENGTH = 2000


def _author_key(*parts: str) -> str:
    """A keyed hash: the same person gives the same key, the key gives nobody back."""
    message = "\x1f".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def _consultation_audit(consultation: Consultation) -> dict[str, Any]:
    return snapshot(
        consultation,
        [
            "title",
            "question",
            "context",
            "hashtag",
            "starts_at",
            "ends_at",
            "closed_at",
            "public_page",
            "retention_days",
            "grouping_method",
        ],
    )


def normalise_hashtag(value: str) -> str:
    value = value.strip().lstrip("#")
    if value and not re.fullmatch(r"\w+", value):
        raise DomainError("Le mot-dièse ne contient que des lettres, chiffres et _, sans espace.")
    return f"#{value}" if value else ""


# --------------------------------------------------------------------------- consultation
@transaction.atomic
def consultation_create(
    *,
    organisation: Organisation,
    actor: User | None,
    title: str,
    question: str,
    starts_at: datetime,
    ends_at: datetime,
    context: str = "",
    hashtag: str = "",
    public_page: bool = True,
    retention_days: int = 365,
    grouping_method: str = Consultation.Method.ACCURATE,
) -> Consultation:
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_CONSULTATIONS)
    if not question.strip():
        raise DomainError("Posez une question.")
    if ends_at <= starts_at:
        raise DomainError("La fin de la consultation doit venir après son début.")
    if not 30 <= retention_days <= 3 * 365:
        raise DomainError("Conservez les réponses entre 30 jours et 3 ans.")
    consultation = Consultation.objects.create(
        organisation=organisation,
        title=title.strip()[:200] or question.strip()[:200],
        question=question.strip(),
        context=context.strip(),
        hashtag=normalise_hashtag(hashtag),
        starts_at=starts_at,
        ends_at=ends_at,
        public_page=public_page,
        retention_days=retention_days,
        grouping_method=grouping_method,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="consultation.create",
        obj=consultation,
        after=_consultation_audit(consultation),
    )
    return consultation


@transaction.atomic
def consultation_close(*, consultation: Consultation, actor: User | None) -> Consultation:
    require(actor=actor, organisation=consultation.organisation, perm=Perm.MANAGE_CONSULTATIONS)
    if consultation.closed_at is not None:
        raise DomainError("Cette consultation est déjà close.")
    before = _consultation_audit(consultation)
    consultation.closed_at = timezone.now()
    consultation.ends_at = min(consultation.ends_at, consultation.closed_at)
    consultation.save(update_fields=["closed_at", "ends_at"])
    audit_record(
        actor=actor,
        organisation=consultation.organisation,
        action="consultation.close",
        obj=consultation,
        before=before,
        after=_consultation_audit(consultation),
    )
    return consultation


def announcement_text(consultation: Consultation, public_url: str = "") -> str:
    parts = [consultation.question]
    if consultation.context:
        parts.append(consultation.context)
    parts.append(
        "Répondez en commentaire"
        + (f" ou avec {consultation.hashtag}" if consultation.hashtag else "")
        + "."
    )
    if public_url and consultation.public_page:
        parts.append(f"Ou sans compte : {public_url}")
    return "\n\n".join(parts)


@transaction.atomic
def consultation_announce(
    *,
    consultation: Consultation,
    actor: User | None,
    accounts: Sequence[NetworkAccount],
    text: str = "",
    public_url: str = "",
) -> Any:
    """A draft in the publishing circuit carrying the question; its published posts become the consultation's."""
    from beffroi.publishing.services import draft_create

    require(actor=actor, organisation=consultation.organisation, perm=Perm.MANAGE_CONSULTATIONS)
    if consultation.announcement_id is not None:
        raise DomainError("Cette consultation a déjà sa publication d'annonce.")
    draft = draft_create(
        organisation=consultation.organisation,
        actor=actor,
        title=f"Consultation : {consultation.title}",
        text=text.strip() or announcement_text(consultation, public_url),
        accounts=accounts,
        hashtags=[consultation.hashtag.lstrip("#")] if consultation.hashtag else [],
        topic=Topic.VIE_DEMOCRATIQUE_SERVICES,
        source_id=f"consultation:{consultation.pk}",
    )
    consultation.announcement = draft
    consultation.save(update_fields=["announcement"])
    audit_record(
        actor=actor,
        organisation=consultation.organisation,
        action="consultation.announce",
        obj=consultation,
        after={"draft": draft.pk, "accounts": [a.pk for a in accounts]},
    )
    return draft


@transaction.atomic
def consultation_link_post(
    *,
    consultation: Consultation,
    actor: User | None,
    account: NetworkAccount,
    remote_id: str,
    url: str = "",
) -> ConsultationPost:
    """Link a post already on a network (published outside the announcement) to the consultation."""
    require(actor=actor, organisation=consultation.organisation, perm=Perm.MANAGE_CONSULTATIONS)
    if account.organisation_id != consultation.organisation_id:
        raise DomainError("Ce compte n'appartient pas à l'organisation.")
    if not remote_id.strip():
        raise DomainError("Indiquez l'identifiant de la publication.")
    post, created = ConsultationPost.objects.get_or_create(
        consultation=consultation,
        account=account,
        remote_id=remote_id.strip(),
        defaults={"network": account.network, "url": url},
    )
    if created:
        audit_record(
            actor=actor,
            organisation=consultation.organisation,
            action="consultation.link_post",
            obj=consultation,
            after={"account": account.pk, "remote_id": post.remote_id},
        )
    return post


def _sync_announcement_posts(consultation: Consultation) -> None:
    """The announcement's variants that reached their network become linked posts."""
    if consultation.announcement_id is None:
        return
    from beffroi.publishing.models import Variant

    for variant in Variant.objects.filter(draft_id=consultation.announcement_id).exclude(
        remote_id=""
    ):
        ConsultationPost.objects.get_or_create(
            consultation=consultation,
            account=variant.account,
            remote_id=variant.remote_id,
            defaults={
                "network": variant.network,
                "url": variant.remote_url,
                "variant": variant,
            },
        )


# --------------------------------------------------------------------------- collection
@dataclass(frozen=True)
class Incoming:
    """An answer as read from a network or the public page, before it is stored."""

    source: str
    remote_id: str
    author_key: str
    author_name: str
    text: str
    created_at: datetime
    likes: int = 0
    url: str = ""
    place: str = ""


@dataclass(frozen=True)
class CollectionReport:
    new: int
    already_known: int
    posts_read: int
    searches: int
    errors: tuple[str, ...] = field(default_factory=tuple)


def _own(author_remote_id: str, account: NetworkAccount, adapter: NetworkAdapter) -> bool:
    own_ids = {account.remote_id, getattr(getattr(adapter, "account", None), "remote_id", None)}
    return author_remote_id in own_ids - {None, ""}


def _from_comment(comment: Comment) -> Incoming:
    return Incoming(
        source=Network(comment.network).value,
        remote_id=comment.remote_id,
        author_key=_author_key(comment.network, comment.author.remote_id),
        author_name=comment.author.display_name or comment.author.handle,
        text=comment.text,
        created_at=comment.created_at,
        likes=comment.likes,
        url=comment.url or "",
    )


def _from_mention(mention: Mention) -> Incoming:
    return Incoming(
        source=Network(mention.network).value,
        remote_id=mention.remote_id,
        author_key=_author_key(mention.network, mention.author.remote_id),
        author_name=mention.author.display_name or mention.author.handle,
        text=mention.text,
        created_at=mention.created_at,
        likes=mention.likes,
        url=mention.url or "",
    )


def _has_hashtag(text: str, hashtag: str) -> bool:
    return re.search(re.escape(hashtag) + r"\b", text, flags=re.IGNORECASE) is not None


def _read_networks(
    consultation: Consultation, adapter_factory: AdapterFactory
) -> tuple[list[Incoming], int, int, list[str]]:
    found: list[Incoming] = []
    errors: list[str] = []
    posts_read = searches = 0
    since, until = consultation.starts_at, consultation.ends_at
    for post in consultation.posts.select_related("account"):
        try:
            with adapter_factory(post.account) as adapter:
                comments = adapter.fetch_comments(post.remote_id, since)
                posts_read += 1
                for comment in comments:
                    if comment.hidden or _own(comment.author.remote_id, post.account, adapter):
                        continue
                    if since <= comment.created_at <= until and comment.text.strip():
                        found.append(_from_comment(comment))
        except NetworkError as error:
            errors.append(f"{post.account} : {error}")
    if consultation.hashtag:
        accounts = consultation.organisation.network_accounts.all()
        for account in accounts:
            try:
                with adapter_factory(account) as adapter:
                    if adapter.supports(Capability.SEARCH):
                        mentions = adapter.search(consultation.hashtag, since)
                    elif adapter.supports(Capability.FETCH_MENTIONS):
                        mentions = adapter.fetch_mentions(since)
                    else:
                        continue
                    searches += 1
                    for mention in mentions:
                        if (
                            _has_hashtag(mention.text, consultation.hashtag)
                            and since <= mention.created_at <= until
                            and not _own(mention.author.remote_id, account, adapter)
                        ):
                            found.append(_from_mention(mention))
            except NetworkError as error:
                errors.append(f"{account} : {error}")
    return found, posts_read, searches, errors


def _enrich(answers: Sequence[Answer]) -> None:
    """Sentiment, area, place and insult flag of new answers (fast tier: a batch in milliseconds)."""
    if not answers:
        return
    from beffroi.nlp import ModelFilesMissing, get_enricher

    try:
        enricher = get_enricher("fast")
        results = enricher.enrich([a.text for a in answers], [str(a.pk) for a in answers])
    except (ModelFilesMissing, ValueError):
        # Model files missing or out of step with the code (a retraining under way): the answers
        # are kept, neutral and without area, rather than the whole collection being lost.
        logger.exception("enrichment of %d answers failed", len(answers))
        return
    for answer, result in zip(answers, results, strict=True):
        answer.sentiment = result.sentiment.value
        answer.topic = result.topic.value
        answer.toxic = result.toxic
        if not answer.place and result.places:
            answer.place = result.places[0][:120]
    Answer.objects.bulk_update(answers, ["sentiment", "topic", "toxic", "place"])


def store_answers(consultation: Consultation, incoming: Iterable[Incoming]) -> tuple[int, int]:
    """Insert the answers not seen yet (by source and remote id); returns (new, already known)."""
    incoming = list(incoming)
    known = set(Answer.objects.filter(consultation=consultation).values_list("source", "remote_id"))
    fresh: list[Answer] = []
    seen: set[tuple[str, str]] = set()
    for item in incoming:
        key = (item.source, item.remote_id)
        if key in known or key in seen:
            continue
        seen.add(key)
        fresh.append(
            Answer(
                consultation=consultation,
                source=item.source,
                remote_id=item.remote_id,
                author_key=item.author_key,
                author_name=item.author_name[:200],
                text=item.text[:MAX_ANSWER_LENGTH],
                created_at=item.created_at,
                likes=max(item.likes, 0),
                url=item.url[:500],
                place=item.place[:120],
            )
        )
    created = Answer.objects.bulk_create(fresh)
    if created and created[0].pk is None:  # backends without RETURNING
        created = list(
            Answer.objects.filter(
                consultation=consultation, remote_id__in=[a.remote_id for a in fresh]
            )
        )
    _enrich(created)
    return len(created), len(incoming) - len(created)


def consultation_collect(
    *,
    consultation: Consultation,
    actor: User | None,
    adapter_factory: AdapterFactory = adapter_for_account,
) -> CollectionReport:
    """Read the comments of the linked posts and the hashtag's mentions; store the new answers."""
    require(actor=actor, organisation=consultation.organisation, perm=Perm.MANAGE_CONSULTATIONS)
    with transaction.atomic():
        _sync_announcement_posts(consultation)
    # Network calls happen outside any transaction: a slow network never holds the database.
    found, posts_read, searches, errors = _read_networks(consultation, adapter_factory)
    with transaction.atomic():
        new, known = store_answers(consultation, found)
        now = timezone.now()
        consultation.collected_at = now
        consultation.save(update_fields=["collected_at"])
        consultation.posts.update(collected_at=now)
        report = CollectionReport(new, known, posts_read, searches, tuple(errors))
        audit_record(
            actor=actor,
            organisation=consultation.organisation,
            action="consultation.collect",
            obj=consultation,
            after={"new": new, "already_known": known, "errors": list(errors)},
        )
    return report


@transaction.atomic
def public_answer_submit(
    *,
    consultation: Consultation,
    text: str,
    client: str,
    name: str = "",
    district: str = "",
) -> Answer:
    """An answer from the public page (no account): `client` is the sender's address, kept only hashed."""
    if not consultation.accepts_public_answers:
        raise DomainError("Cette consultation ne reçoit plus de réponses.")
    text = text.strip()
    if len(text) < 3:
        raise DomainError("Votre réponse est vide.")
    if len(text) > MAX_ANSWER_LENGTH:
        raise DomainError(f"Votre réponse dépasse {MAX_ANSWER_LENGTH} caractères.")
    remote_id = uuid.uuid4().hex
    store_answers(
        consultation,
        [
            Incoming(
                source=PUBLIC_SOURCE,
                remote_id=remote_id,
                author_key=_author_key(PUBLIC_SOURCE, client, name.strip().casefold()),
                author_name=name.strip()[:200],
                text=text,
                created_at=timezone.now(),
                place=district.strip()[:120],
            )
        ],
    )
    answer = Answer.objects.get(
        consultation=consultation, source=PUBLIC_SOURCE, remote_id=remote_id
    )
    audit_record(
        actor=None,
        organisation=consultation.organisation,
        action="consultation.public_answer",
        obj=answer,
    )
    return answer


# --------------------------------------------------------------------------- grouping
def _without_hashtag(consultation: Consultation, text: str) -> str:
    if not consultation.hashtag:
        return text
    return re.sub(re.escape(consultation.hashtag), " ", text, flags=re.IGNORECASE).strip() or text


def _e5(consultation: Consultation, answers: Sequence[Answer]) -> np.ndarray | None:
    """Stored e5 vectors, computed once per answer; None when the consultation groups the fast way."""
    if consultation.grouping_method != Consultation.Method.ACCURATE:
        return None
    if not answers:
        return np.zeros((0, 384), dtype=np.float32)
    missing = [i for i, a in enumerate(answers) if not a.vector]
    if missing:
        computed = clustering.e5_vectors(
            [_without_hashtag(consultation, answers[i].text) for i in missing]
        )
        for position, i in enumerate(missing):
            answers[i].vector = computed[position].astype(np.float32).tobytes()
        Answer.objects.bulk_update([answers[i] for i in missing], ["vector"])
    return np.vstack([np.frombuffer(bytes(a.vector or b""), dtype=np.float32) for a in answers])


def needs_embedding(consultation: Consultation) -> int:
    """Answers still without their embedding (grouping them will take a while)."""
    if consultation.grouping_method != Consultation.Method.ACCURATE:
        return 0
    return consultation.answers.filter(vector__isnull=True).count()


def _medoid_vectors(consultation: Consultation, answers: Sequence[Answer]) -> np.ndarray:
    e5 = _e5(consultation, answers)
    if e5 is not None:
        return e5
    return clustering.tfidf_vectors([_without_hashtag(consultation, a.text) for a in answers])


def _majority(values: Iterable[str], default: str) -> str:
    counts = Counter(values)
    return counts.most_common(1)[0][0] if counts else default


def idea_refresh(idea: Idea) -> Idea | None:
    """Representative phrasing, area and sentiment from the idea's answers; an empty idea is deleted."""
    members = list(idea.answers.order_by("id"))
    if not members:
        idea.delete()
        return None
    originals = [a for a in members if a.duplicate_of_id is None and not a.toxic] or members
    vectors = _medoid_vectors(idea.consultation, originals)
    representative = originals[clustering.medoid(vectors, list(range(len(originals))))]
    idea.representative = representative
    if not idea.label_by_person:
        idea.label = _without_hashtag(idea.consultation, representative.text)[:LABEL_LENGTH]
    idea.topic = _majority((a.topic for a in members), Topic.AUTRE)
    idea.sentiment = _majority((a.sentiment for a in members), Sentiment.NEUTRAL)
    idea.save()
    return idea


@dataclass(frozen=True)
class GroupingReport:
    ideas: int
    answers: int
    duplicates: int
    kept_by_person: int


def consultation_group(*, consultation: Consultation, actor: User | None) -> GroupingReport:
    """Group the answers into ideas again; what a person placed or made stays as they left it."""
    require(actor=actor, organisation=consultation.organisation, perm=Perm.MANAGE_CONSULTATIONS)
    # Embedding is the slow part (seconds per hundred answers): it runs and stores its vectors
    # before the transaction, so the database is never held while the model works.
    _e5(consultation, list(consultation.answers.filter(vector__isnull=True)))
    with transaction.atomic():
        return _group(consultation, actor)


def _group(consultation: Consultation, actor: User | None) -> GroupingReport:
    answers = list(consultation.answers.order_by("created_at", "id"))
    if not answers:
        raise DomainError("Aucune réponse à regrouper : lancez d'abord la collecte.")
    kept = [a for a in answers if a.placed_by_person and a.idea_id is not None]
    free = [a for a in answers if not (a.placed_by_person and a.idea_id is not None)]
    consultation.ideas.filter(by_person=False).delete()
    duplicates = 0
    if free:
        texts = [_without_hashtag(consultation, a.text) for a in free]
        grouping = clustering.group_answers(texts, e5=_e5(consultation, free))
        ideas = {
            label: Idea.objects.create(consultation=consultation, label="…")
            for label in grouping.medoids
        }
        for i, answer in enumerate(free):
            answer.idea = ideas[grouping.labels[i]]
            original = grouping.duplicate_of[i]
            answer.duplicate_of = free[original] if original is not None else None
            duplicates += original is not None
        Answer.objects.bulk_update(free, ["idea", "duplicate_of"])
    for idea in list(consultation.ideas.all()):
        idea_refresh(idea)
    consultation.grouped_at = timezone.now()
    consultation.save(update_fields=["grouped_at"])
    report = GroupingReport(consultation.ideas.count(), len(answers), duplicates, len(kept))
    audit_record(
        actor=actor,
        organisation=consultation.organisation,
        action="consultation.group",
        obj=consultation,
        after={
            "ideas": report.ideas,
            "answers": report.answers,
            "duplicates": duplicates,
            "kept_by_person": len(kept),
            "method": consultation.grouping_method,
        },
    )
    return report


def _same_consultation(idea: Idea, answer: Answer) -> None:
    if idea.consultation_id != answer.consultation_id:
        raise DomainError("Cette réponse n'appartient pas à cette consultation.")


@transaction.atomic
def answer_move(*, answer: Answer, idea: Idea, actor: User | None) -> Answer:
    """A person puts an answer under another idea; a new grouping will leave it there."""
    require(
        actor=actor, organisation=answer.consultation.organisation, perm=Perm.MANAGE_CONSULTATIONS
    )
    _same_consultation(idea, answer)
    previous = answer.idea
    if previous is not None and previous.pk == idea.pk:
        raise DomainError("La réponse est déjà dans cette idée.")
    answer.idea = idea
    answer.placed_by_person = True
    answer.save(update_fields=["idea", "placed_by_person"])
    idea.by_person = True
    idea.save(update_fields=["by_person"])
    idea_refresh(idea)
    if previous is not None:
        idea_refresh(previous)
    audit_record(
        actor=actor,
        organisation=answer.consultation.organisation,
        action="idea.answer_move",
        obj=answer,
        before={"idea": previous.pk if previous else None},
        after={"idea": idea.pk},
    )
    return answer


@transaction.atomic
def idea_merge(*, ideas: Sequence[Idea], into: Idea, actor: User | None) -> Idea:
    """Several ideas become one; their answers, all of them, now count for `into`."""
    consultation = into.consultation
    require(actor=actor, organisation=consultation.organisation, perm=Perm.MANAGE_CONSULTATIONS)
    others = [i for i in ideas if i.pk != into.pk]
    if not others:
        raise DomainError("Choisissez au moins une autre idée à fusionner.")
    if any(i.consultation_id != into.consultation_id for i in others):
        raise DomainError("Ces idées n'appartiennent pas à la même consultation.")
    merged = [i.pk for i in others]
    Answer.objects.filter(idea_id__in=merged).update(idea=into, placed_by_person=True)
    into.answers.update(placed_by_person=True)
    Idea.objects.filter(pk__in=merged).delete()
    into.by_person = True
    into.save(update_fields=["by_person"])
    idea_refresh(into)
    audit_record(
        actor=actor,
        organisation=consultation.organisation,
        action="idea.merge",
        obj=into,
        after={"merged": merged, "into": into.pk},
    )
    return into


@transaction.atomic
def idea_split(
    *, idea: Idea, answers: Sequence[Answer], actor: User | None, label: str = ""
) -> Idea:
    """The chosen answers leave `idea` for a new one (named by its medoid unless a label is given)."""
    consultation = idea.consultation
    require(actor=actor, organisation=consultation.organisation, perm=Perm.MANAGE_CONSULTATIONS)
    chosen = [a for a in answers if a.idea_id == idea.pk]
    if not chosen or len(chosen) != len(answers):
        raise DomainError("Choisissez des réponses de cette idée.")
    if len(chosen) == idea.answers.count():
        raise DomainError("Gardez au moins une réponse dans l'idée d'origine.")
    new = Idea.objects.create(
        consultation=consultation,
        label=label.strip()[:LABEL_LENGTH] or "…",
        label_by_person=bool(label.strip()),
        by_person=True,
    )
    Answer.objects.filter(pk__in=[a.pk for a in chosen]).update(idea=new, placed_by_person=True)
    idea.answers.update(placed_by_person=True)
    idea.by_person = True
    idea.save(update_fields=["by_person"])
    idea_refresh(idea)
    idea_refresh(new)
    audit_record(
        actor=actor,
        organisation=consultation.organisation,
        action="idea.split",
        obj=new,
        after={"from": idea.pk, "answers": [a.pk for a in chosen]},
    )
    return new


@transaction.atomic
def idea_rename(*, idea: Idea, label: str, actor: User | None) -> Idea:
    consultation = idea.consultation
    require(actor=actor, organisation=consultation.organisation, perm=Perm.MANAGE_CONSULTATIONS)
    label = label.strip()
    if not label:
        raise DomainError("Donnez un intitulé à l'idée.")
    before = {"label": idea.label}
    idea.label = label[:LABEL_LENGTH]
    idea.label_by_person = True
    idea.by_person = True
    idea.save(update_fields=["label", "label_by_person", "by_person"])
    idea.answers.update(placed_by_person=True)
    audit_record(
        actor=actor,
        organisation=consultation.organisation,
        action="idea.rename",
        obj=idea,
        before=before,
        after={"label": idea.label},
    )
    return idea


# --------------------------------------------------------------------------- retention
@transaction.atomic
def answers_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the answers of consultations whose stated retention has run out (ideas lose their quotes)."""
    now = now or timezone.now()
    deleted = 0
    for consultation in Consultation.objects.all():
        limit = consultation.ends_at + timedelta(days=consultation.retention_days)
        if limit < now and consultation.answers.exists():
            count, _ = consultation.answers.all().delete()
            deleted += count
            audit_record(
                actor=None,
                organisation=consultation.organisation,
                action="consultation.purge_answers",
                obj=consultation,
                after={"deleted": count, "retention_days": consultation.retention_days},
            )
    return deleted
