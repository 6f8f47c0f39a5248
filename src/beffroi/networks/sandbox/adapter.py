"""The simulated network behind the common adapter interface.

The simulated account has a past: from its `start` date, posts, comments and mentions exist as the
audience model generates them (lazily, by day, from the seed), so `fetch_posts`, `fetch_comments`,
`fetch_mentions` and `search` return a believable history at any moment. What the adapter does
(publish, reply, hide, delete, incidents) is kept in a SandboxState.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from beffroi.core.domain import Network, Topic
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.errors import AuthExpired, ContentRejected, NetworkError, NotFound
from beffroi.networks.registry import register_adapter
from beffroi.networks.sandbox import corpus, world
from beffroi.networks.sandbox.model import Audience, Incident, PostFormat, PostOutcome
from beffroi.networks.sandbox.state import (
    SandboxState,
    StoredIncident,
    StoredPost,
    StoredReply,
    state_for,
)
from beffroi.networks.types import (
    AccountStats,
    Author,
    Capability,
    Comment,
    Mention,
    MetricsSnapshot,
    Post,
    PostVariant,
    PublishResult,
    TokenSet,
)

DEFAULT_START = datetime(2025, 1, 1, tzinfo=UTC)
HISTORY_ID = re.compile(r"^sim-(?P<network>[a-z]+)-(?P<day>\d{8})-(?P<index>\d+)$")
PUBLISHED_PREFIX = "sim-pub"
REPLY_PREFIX = "sim-reply"


@dataclass
class _Fault:
    error: NetworkError
    after_success: bool


class SandboxFaults:
    """Failures to inject on the next calls, for tests of retries and exactly-once publication."""

    def __init__(self) -> None:
        self._pending: dict[str, list[_Fault]] = {}
        self._lock = threading.Lock()

    def fail_next(
        self, operation: str, error: NetworkError, *, after_success: bool = False
    ) -> None:
        """The next `operation` raises `error`; with after_success, only after the network did the work
        (a crash or a lost answer between the network's success and our write)."""
        with self._lock:
            self._pending.setdefault(operation, []).append(_Fault(error, after_success))

    def take(self, operation: str) -> _Fault | None:
        with self._lock:
            queue = self._pending.get(operation)
            return queue.pop(0) if queue else None


@register_adapter(Network.SANDBOX)
class SandboxAdapter(NetworkAdapter):
    """A simulated account. Credentials: sandbox_seed, and optionally handle, followers, network, start."""

    network = Network.SANDBOX
    # Everything but webhooks: the simulator is read by polling, like most networks.
    capabilities = frozenset(Capability) - {Capability.WEBHOOKS}
    SIMULATED: ClassVar[bool] = True
    max_text_length = 5000
    required_scopes = ("publish", "read")

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        simulated_network: Network | str | None = None,
        state_path: str | Path | None = None,
        incidents_per_year: float = 0.0,
        **options: Any,
    ) -> None:
        super().__init__(credentials, **options)
        self.faults = SandboxFaults()
        self._after_success: _Fault | None = None
        creds = self.credentials
        self.seed = creds.get("sandbox_seed") or creds.get("seed") or "beffroi"
        self.simulated_network = Network(
            simulated_network or creds.get("network") or Network.SANDBOX
        )
        self.handle = creds.get("handle") or f"ville.{_slug(self.seed)}"
        self.place = creds.get("place") or "Valmont"
        start_raw = creds.get("start")
        self.start = datetime.fromisoformat(start_raw) if start_raw else DEFAULT_START
        followers = int(
            creds.get("followers") or _default_followers(self.seed, self.simulated_network)
        )
        self.state: SandboxState = state_for(
            f"{self.simulated_network.value}:{self.seed}", state_path or creds.get("state_path")
        )
        self._random_incidents = (
            world.random_incidents(self.seed, self.start, 3650, incidents_per_year)
            if incidents_per_year
            else []
        )
        self.audience = Audience(self.simulated_network, followers, self.start, self.seed)
        self._sync_incidents()
        self.account = Author(
            remote_id=f"sim-account-{self.handle}",
            handle=self.handle,
            display_name=self.place,
            url=world.sandbox_url(self.simulated_network, self.handle),
            followers=followers,
        )

    # ------------------------------------------------------------------ publishing
    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishResult:
        self._validate(variant)
        with self.state.lock:
            earlier = self._earlier(idempotency_key)
            if earlier is not None:
                return earlier
            self._fault_before("publish")
            now = self.clock()
            remote_id = self.state.next_id(PUBLISHED_PREFIX)
            thread_ids = [remote_id]
            parent = remote_id
            for part in variant.thread:
                part_id = self.state.next_id(PUBLISHED_PREFIX)
                self.state.posts[part_id] = StoredPost(
                    part_id,
                    part,
                    now.isoformat(),
                    _topic_of(part).value,
                    PostFormat.TEXT.value,
                    reply_to=parent,
                )
                thread_ids.append(part_id)
                parent = part_id
            self.state.posts[remote_id] = StoredPost(
                remote_id=remote_id,
                text=variant.text,
                published_at=now.isoformat(),
                topic=_topic_of(variant.text).value,
                format=_format_of(variant).value,
                budget_eur=float(self.options.get("budget_eur", 100.0))
                if variant.sponsored
                else 0.0,
                media_count=len(variant.media),
                reply_to=variant.reply_to_remote_id,
                thread_remote_ids=thread_ids if variant.thread else [],
            )
            self.state.keys[idempotency_key] = remote_id
            self.state.save()
            self._fault_after("publish")
        return PublishResult(
            remote_id=remote_id,
            url=self._url(remote_id),
            published_at=now,
            thread_remote_ids=tuple(thread_ids) if variant.thread else (),
        )

    def reply(self, parent_remote_id: str, text: str, idempotency_key: str) -> PublishResult:
        if not text.strip():
            raise ContentRejected(self.network, "réponse vide (simulé)", reason="empty")
        with self.state.lock:
            earlier = self._earlier(idempotency_key)
            if earlier is not None:
                return earlier
            post_id = self._post_of(parent_remote_id)
            self._fault_before("reply")
            now = self.clock()
            remote_id = self.state.next_id(REPLY_PREFIX)
            self.state.replies[remote_id] = StoredReply(
                remote_id, parent_remote_id, post_id, text, now.isoformat()
            )
            self.state.keys[idempotency_key] = remote_id
            self.state.save()
            self._fault_after("reply")
        return PublishResult(remote_id=remote_id, url=self._url(remote_id), published_at=now)

    def delete(self, remote_id: str) -> None:
        with self.state.lock:
            self._fault_before("delete")
            if remote_id in self.state.deleted or not self._exists(remote_id):
                raise NotFound(self.network, f"publication introuvable (simulé) : {remote_id}")
            self.state.deleted.add(remote_id)
            self.state.save()

    def hide_comment(self, remote_id: str, hidden: bool = True) -> None:
        with self.state.lock:
            self._fault_before("hide_comment")
            self._post_of(remote_id)
            if hidden:
                self.state.hidden.add(remote_id)
            else:
                self.state.hidden.discard(remote_id)
            self.state.save()

    # ------------------------------------------------------------------ reading
    def fetch_posts(self, since: datetime) -> list[Post]:
        self._fault_before("fetch_posts")
        now = self.clock()
        posts = [p.post for p in self._history_posts(since, now)]
        for stored in list(self.state.posts.values()):
            published_at = datetime.fromisoformat(stored.published_at)
            if stored.reply_to is None and since <= published_at <= now:
                posts.append(self._published_post(stored, now))
        posts = [p for p in posts if p.remote_id not in self.state.deleted]
        return sorted(posts, key=lambda p: p.published_at, reverse=True)

    def fetch_comments(self, post_remote_id: str, since: datetime) -> list[Comment]:
        self._fault_before("fetch_comments")
        now = self.clock()
        if post_remote_id in self.state.deleted or not self._exists(post_remote_id):
            raise NotFound(self.network, f"publication introuvable (simulé) : {post_remote_id}")
        comments = [c.comment for c in self.simulated_comments(post_remote_id, until=now)]
        for reply in self.state.replies.values():
            if reply.post_remote_id == post_remote_id and reply.remote_id not in self.state.deleted:
                comments.append(self._own_reply(reply))
        visible = []
        for comment in comments:
            if comment.created_at < since or comment.created_at > now:
                continue
            if comment.remote_id in self.state.hidden:
                comment = _with_hidden(comment)
            visible.append(comment)
        return sorted(visible, key=lambda c: c.created_at)

    def simulated_comments(
        self, post_remote_id: str, *, until: datetime
    ) -> list[world.SimulatedComment]:
        """The public's comments under a post, with their ground truth (topic, sentiment, request, insult)."""
        history = self._history_post(post_remote_id)
        if history is not None:
            return world.comments_of(
                self.audience, history.post, history.topic, history.outcome, until=until
            )
        stored = self.state.posts.get(post_remote_id)
        if stored is None:
            return []
        outcome = self._outcome(stored)
        post = self._published_post(stored, until)
        return world.comments_of(self.audience, post, Topic(stored.topic), outcome, until=until)

    def fetch_mentions(self, since: datetime) -> list[Mention]:
        self._fault_before("fetch_mentions")
        return [m.mention for m in self.simulated_mentions(since)]

    def simulated_mentions(self, since: datetime) -> list[world.SimulatedMention]:
        now = self.clock()
        found: list[world.SimulatedMention] = []
        for day in _days(max(since, self.start), now):
            found.extend(
                m
                for m in world.mentions_on(self.audience, day, self.handle, until=now)
                if m.mention.created_at >= since
            )
        return sorted(found, key=lambda m: m.mention.created_at, reverse=True)

    def search(self, query: str, since: datetime) -> list[Mention]:
        """Public messages (mentions and chatter) holding every word of `query`, accents ignored."""
        self._fault_before("search")
        terms = [t for t in corpus.normalise(query).replace('"', " ").split() if t]
        if not terms:
            raise ContentRejected(self.network, "recherche vide (simulé)", reason="empty query")
        now = self.clock()
        found: list[Mention] = []
        for day in _days(max(since, self.start), now):
            candidates = [
                *world.mentions_on(self.audience, day, self.handle, until=now),
                *world.chatter_on(self.audience, day, self.place, until=now),
            ]
            for item in candidates:
                text = corpus.normalise(item.mention.text)
                if item.mention.created_at >= since and all(t in text for t in terms):
                    found.append(item.mention)
        return sorted(found, key=lambda m: m.created_at, reverse=True)[:500]

    def account_stats(self) -> AccountStats:
        self._fault_before("account_stats")
        now = self.clock()
        month = now - timedelta(days=28)
        history = self._history_posts(month, now)
        outcomes = [p.outcome for p in history if p.post.remote_id not in self.state.deleted]
        outcomes += [
            self._outcome(s)
            for s in self.state.posts.values()
            if s.remote_id not in self.state.deleted
            and datetime.fromisoformat(s.published_at) >= month
        ]
        all_posts = (
            len(self._history_posts(self.start, now))
            if now - self.start < timedelta(days=800)
            else None
        )
        return AccountStats(
            taken_at=now,
            followers=self.audience.followers_on(now),
            following=80 + _default_followers(self.seed) % 400,
            posts=None if all_posts is None else all_posts + len(self.state.posts),
            impressions_28d=sum(o.impressions for o in outcomes),
            reach_28d=sum(o.reach for o in outcomes),
            audience_places=dict(world.AUDIENCE_PLACES),
        )

    # ------------------------------------------------------------------ incidents on demand
    def trigger_incident(
        self,
        topic: Topic,
        *,
        start: datetime | None = None,
        intensity: float = 6.0,
        peak_after: timedelta = timedelta(days=1, hours=12),
        duration: timedelta = timedelta(days=14),
        label: str = "bad buzz",
    ) -> Incident:
        """Starts a bad buzz on `topic`: mentions and negative comments grow, peak, then fade."""
        incident = Incident(topic, start or self.clock(), intensity, peak_after, duration, label)
        with self.state.lock:
            self.state.incidents.append(
                StoredIncident(
                    topic.value,
                    incident.start.isoformat(),
                    intensity,
                    peak_after.total_seconds() / 3600,
                    duration.total_seconds() / 86400,
                    label,
                )
            )
            self.state.save()
        self._sync_incidents()
        return incident

    # ------------------------------------------------------------------ tokens and OAuth
    def verify_credentials(self) -> tuple[str, ...] | None:
        self._fault_before("verify_credentials")
        if self.credentials.get("revoked") == "true":
            raise AuthExpired(self.network, "jeton révoqué (simulé)", status=401)
        scopes = self.credentials.get("scopes")
        return tuple(scopes.split()) if scopes else None

    def authorization_url(
        self, state: str, redirect_uri: str, *, code_challenge: str | None = None
    ) -> str:
        query = {"state": state, "redirect_uri": redirect_uri, "response_type": "code"}
        if code_challenge:
            query |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        return f"sandbox://{self.simulated_network.value}/oauth/authorize?{urlencode(query)}"

    def exchange_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None
    ) -> TokenSet:
        if not code:
            raise AuthExpired(self.network, "code d'autorisation vide (simulé)", status=400)
        return self._tokens(f"code:{code}")

    def refresh(self, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise AuthExpired(self.network, "pas de jeton de renouvellement (simulé)")
        return self._tokens(f"refresh:{tokens.refresh_token}")

    # ------------------------------------------------------------------ internals
    def _tokens(self, origin: str) -> TokenSet:
        digest = hashlib.sha256(f"{self.seed}:{origin}".encode()).hexdigest()
        return TokenSet(
            access_token=f"sim-{digest[:24]}",
            refresh_token=f"sim-r-{digest[24:48]}",
            expires_at=self.clock() + timedelta(days=60),
            scopes=self.required_scopes,
            extra={"sandbox_seed": self.seed},
        )

    def _validate(self, variant: PostVariant) -> None:
        if not variant.text.strip() and not variant.media:
            raise ContentRejected(self.network, "message vide (simulé)", reason="empty")
        if self.max_text_length and len(variant.text) > self.max_text_length:
            raise ContentRejected(
                self.network,
                f"texte trop long : {len(variant.text)} caractères pour {self.max_text_length} (simulé)",
                reason="text_too_long",
            )

    def _earlier(self, key: str) -> PublishResult | None:
        remote_id = self.state.keys.get(key)
        if remote_id is None:
            return None
        stored = self.state.posts.get(remote_id)
        when = stored.published_at if stored else self.state.replies[remote_id].created_at
        thread = tuple(stored.thread_remote_ids) if stored else ()
        return PublishResult(
            remote_id=remote_id,
            url=self._url(remote_id),
            published_at=datetime.fromisoformat(when),
            thread_remote_ids=thread,
            already_published=True,
        )

    def _fault_before(self, operation: str) -> None:
        fault = self.faults.take(operation)
        if fault is None:
            return
        if fault.after_success:
            self._after_success = fault
            return
        raise fault.error

    def _fault_after(self, operation: str) -> None:
        fault = self._after_success
        if fault is not None:
            self._after_success = None
            raise fault.error

    def _url(self, remote_id: str) -> str:
        return world.sandbox_url(self.simulated_network, self.handle, "posts", remote_id)

    def _history_posts(self, since: datetime, until: datetime) -> list[world.SimulatedPost]:
        found = []
        for day in _days(max(since, self.start), until):
            for simulated in self._posts_of_day(day, until):
                if since <= simulated.post.published_at <= until:
                    found.append(simulated)
        return found

    def _posts_of_day(self, day: date, until: datetime) -> list[world.SimulatedPost]:
        posts = world._posts_of_day(
            self.audience,
            self.account,
            day,
            self.audience.profile.posts_per_week,
            0.05,
            "https://www.valmont.example/actualites",
            until,
        )
        # Metrics as seen now, not at the end of the simulated week.
        return [
            world.SimulatedPost(
                post=_replace_metrics(
                    p.post, world.metrics_at(p.outcome, p.post.published_at, until)
                ),
                topic=p.topic,
                format=p.format,
                budget_eur=p.budget_eur,
                outcome=p.outcome,
                snapshots=p.snapshots,
            )
            for p in posts
        ]

    def _history_post(self, remote_id: str) -> world.SimulatedPost | None:
        match = HISTORY_ID.match(remote_id)
        if match is None or match["network"] != self.simulated_network.value:
            return None
        day = datetime.strptime(match["day"], "%Y%m%d").replace(tzinfo=UTC).date()
        now = self.clock()
        if datetime.combine(day, datetime.min.time(), tzinfo=UTC) < self.start - timedelta(days=1):
            return None
        for simulated in self._posts_of_day(day, now):
            if simulated.post.remote_id == remote_id and simulated.post.published_at <= now:
                return simulated
        return None

    def _exists(self, remote_id: str) -> bool:
        if remote_id in self.state.posts or remote_id in self.state.replies:
            return True
        if self._history_post(remote_id) is not None:
            return True
        post_id, _, index = remote_id.rpartition("-c")
        if post_id and index.isdigit():
            return any(
                c.comment.remote_id == remote_id
                for c in self.simulated_comments(post_id, until=self.clock())
            )
        return False

    def _post_of(self, remote_id: str) -> str:
        """The post a post, comment or reply belongs to; NotFound if none."""
        if remote_id in self.state.replies:
            return self.state.replies[remote_id].post_remote_id
        if remote_id in self.state.posts or self._history_post(remote_id) is not None:
            return remote_id
        post_id, _, index = remote_id.rpartition("-c")
        if post_id and index.isdigit() and self._exists(remote_id):
            return post_id
        raise NotFound(self.network, f"élément introuvable (simulé) : {remote_id}")

    def _outcome(self, stored: StoredPost) -> PostOutcome:
        return self.audience.outcome(
            stored.remote_id,
            published_at=datetime.fromisoformat(stored.published_at),
            topic=Topic(stored.topic),
            fmt=PostFormat(stored.format),
            budget_eur=stored.budget_eur,
        )

    def _published_post(self, stored: StoredPost, now: datetime) -> Post:
        published_at = datetime.fromisoformat(stored.published_at)
        return Post(
            network=self.simulated_network,
            remote_id=stored.remote_id,
            url=self._url(stored.remote_id),
            text=stored.text,
            published_at=published_at,
            author=self.account,
            metrics=world.metrics_at(self._outcome(stored), published_at, now),
            media_count=stored.media_count,
            sponsored=stored.budget_eur > 0,
            thread_remote_ids=tuple(stored.thread_remote_ids),
        )

    def _own_reply(self, reply: StoredReply) -> Comment:
        return Comment(
            network=self.simulated_network,
            remote_id=reply.remote_id,
            post_remote_id=reply.post_remote_id,
            text=reply.text,
            created_at=datetime.fromisoformat(reply.created_at),
            author=self.account,
            parent_remote_id=reply.parent_remote_id,
            url=self._url(reply.remote_id),
        )

    def _sync_incidents(self) -> None:
        stored = [
            Incident(
                Topic(i.topic),
                datetime.fromisoformat(i.start),
                i.intensity,
                timedelta(hours=i.peak_after_h),
                timedelta(days=i.duration_d),
                i.label,
            )
            for i in self.state.incidents
        ]
        self.audience.incidents = [*self._random_incidents, *stored]


def sandbox_adapter_for(
    network: Network | str, credentials: Mapping[str, str], **options: Any
) -> SandboxAdapter:
    """The simulated account standing in for a real network (demo accounts): posts are labelled with that network."""
    return SandboxAdapter(credentials, simulated_network=Network(network), **options)


def _replace_metrics(post: Post, metrics: MetricsSnapshot) -> Post:
    return replace(post, metrics=metrics)


def _with_hidden(comment: Comment) -> Comment:
    return replace(comment, hidden=True)


def _days(since: datetime, until: datetime) -> list[date]:
    first, last = since.astimezone(UTC).date(), until.astimezone(UTC).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", corpus.normalise(text)).strip("-")[:30] or "simulee"


# Audience of a collectivité on each network relative to its Facebook page (observed orders of
# magnitude: Facebook first, then X and Instagram; Mastodon and Bluesky still small).
AUDIENCE_SHARE = {
    Network.FACEBOOK: 1.0,
    Network.INSTAGRAM: 0.5,
    Network.X: 0.6,
    Network.YOUTUBE: 0.12,
    Network.LINKEDIN: 0.35,
    Network.MASTODON: 0.03,
    Network.BLUESKY: 0.06,
    Network.SANDBOX: 1.0,
}


def _default_followers(seed: str, network: Network = Network.SANDBOX) -> int:
    # A large collectivité by default: the seed spreads Facebook pages between 20,000 and 200,000.
    digest = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    return max(200, round((20_000 + digest % 180_000) * AUDIENCE_SHARE[network]))


_KEYWORDS: dict[Topic, tuple[str, ...]] = {
    topic: tuple(
        corpus.normalise(word) for subject in subjects for word in subject.split() if len(word) > 3
    )
    for topic, subjects in corpus.SUBJECTS.items()
    if topic is not Topic.AUTRE
}
_KEYWORDS[Topic.MOBILITE] += ("tramway", "velo", "ligne", "trafic")
_KEYWORDS[Topic.VOIRIE_TRAVAUX] += ("travaux", "chaussee", "voirie")
_KEYWORDS[Topic.CULTURE_PATRIMOINE] += ("concert", "exposition", "patrimoine", "spectacle")
_KEYWORDS[Topic.VIE_DEMOCRATIQUE_SERVICES] += ("conseil", "vote", "elections", "demarches")


def _topic_of(text: str) -> Topic:
    """A rough guess of a published text's area, so the audience reacts to it plausibly."""
    normalised = corpus.normalise(text)
    scores = {t: sum(k in normalised for k in words) for t, words in _KEYWORDS.items()}
    best = max(scores, key=lambda t: scores[t])
    return best if scores[best] else Topic.AUTRE


def _format_of(variant: PostVariant) -> PostFormat:
    videos = [m for m in variant.media if m.mime_type.startswith("video/")]
    if videos:
        return PostFormat.VIDEO
    if len(variant.media) > 1:
        return PostFormat.CAROUSEL
    if variant.media:
        return PostFormat.IMAGE
    return PostFormat.LINK if variant.link or "http" in variant.text else PostFormat.TEXT
