"""Scheduled publication: intents stored before the network is called, retries with backoff, the
network's reason on failure, and exactly-once under random worker kills and network failures."""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from beffroi.core.domain import Network
from beffroi.core.models import AuditEntry
from beffroi.networks.errors import ContentRejected, RateLimited, Transient
from beffroi.networks.sandbox import sandbox_adapter_for
from beffroi.publishing import services
from beffroi.publishing.models import Draft, PublishIntent, Variant

pytestmark = pytest.mark.django_db
State = Draft.State
T0 = datetime(2026, 6, 21, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class SandboxNetworks:
    """One simulated adapter per account, on the virtual clock, reachable to inject faults."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.adapters: dict[int, object] = {}
        self.calls = 0

    def __call__(self, account):
        from beffroi.core.services import network_account_credentials

        if account.pk not in self.adapters:
            credentials = network_account_credentials(account=account)
            self.adapters[account.pk] = sandbox_adapter_for(
                account.network, credentials, clock=self.clock
            )
        self.calls += 1
        return self.adapters[account.pk]

    def posts(self):
        """Every post the simulated networks hold, across accounts."""
        return [
            post
            for adapter in self.adapters.values()
            for post in adapter.state.posts.values()
            if post.reply_to is None
        ]


def _scheduled(
    team,
    *,
    networks=(Network.MASTODON, Network.X),
    text="Collecte des encombrants lundi matin.",
    count=1,
    sponsored=False,
):
    drafts = []
    for index in range(count):
        draft = services.draft_create(
            organisation=team.org,
            actor=team.cm,
            title=f"Publication {index}",
            text=f"{text} ({index})",
            accounts=[team.accounts[n] for n in networks],
            sponsored=sponsored,
            # planned before the 2027 presidential restricted period: sponsoring is allowed then
            scheduled_at=T0,
        )
        services.draft_submit(draft=draft, actor=team.cm)
        services.draft_schedule(
            draft=draft, actor=team.cm, scheduled_at=T0, now=T0 - timedelta(days=1)
        )
        drafts.append(draft)
    return drafts


def test_nothing_goes_out_before_its_time_and_everything_once_after(team):
    clock = Clock(T0 - timedelta(minutes=5))
    networks = SandboxNetworks(clock)
    (draft,) = _scheduled(team, sponsored=True)
    assert services.publish_due(now_fn=clock, adapter_for=networks) == 0
    assert networks.calls == 0
    clock.advance(minutes=5)
    assert services.publish_due(now_fn=clock, adapter_for=networks) == 2
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED
    for variant in draft.variants.all():
        assert variant.state == Variant.State.PUBLISHED
        assert variant.remote_id.startswith("sim-pub-")
        assert variant.remote_url.startswith("sandbox://")
        assert variant.published_at == T0
        assert variant.sponsored is True
    published = AuditEntry.objects.filter(action="variant.published")
    assert published.count() == 2 and all(e.after["sponsored"] for e in published)
    assert AuditEntry.objects.filter(action="draft.published", object_id=str(draft.pk)).exists()
    # A second worker finds nothing to do.
    assert services.publish_due(now_fn=clock, adapter_for=networks) == 0
    assert len(networks.posts()) == 2


def test_the_intent_and_its_key_are_stored_before_the_network_is_called(team):
    clock = Clock(T0)
    seen = []

    def spy(account):
        # The moment the worker asks for the adapter, the intent is already in the database.
        seen.append(list(PublishIntent.objects.values_list("status", "idempotency_key")))
        return SandboxNetworks(clock)(account)

    _scheduled(team, networks=(Network.MASTODON,))
    services.publish_due(now_fn=clock, adapter_for=spy)
    ((status, key),) = seen[0]
    assert status == PublishIntent.Status.IN_FLIGHT and key.startswith("beffroi-")


def test_a_rate_limit_waits_what_the_network_asks_and_a_transient_error_backs_off(team):
    clock = Clock(T0)
    networks = SandboxNetworks(clock)
    (draft,) = _scheduled(team, networks=(Network.MASTODON,))
    variant = draft.variants.get()
    adapter = networks(variant.account)
    adapter.faults.fail_next(
        "publish", RateLimited(Network.SANDBOX, "429 Too Many Requests", retry_after=900)
    )
    services.publish_due(now_fn=clock, adapter_for=networks)
    intent = PublishIntent.objects.get()
    assert (
        intent.status == PublishIntent.Status.PENDING
        and intent.next_attempt_at == T0 + timedelta(seconds=900)
    )
    variant.refresh_from_db()
    assert (
        variant.error_kind == "RateLimited"
        and "réessaiera automatiquement dans 15 min" in variant.error_user_action
    )
    clock.advance(seconds=899)
    assert services.publish_due(now_fn=clock, adapter_for=networks) == 0
    clock.advance(seconds=1)
    adapter.faults.fail_next("publish", Transient(Network.SANDBOX, "502 Bad Gateway"))
    services.publish_due(now_fn=clock, adapter_for=networks)
    intent.refresh_from_db()
    assert intent.attempts == 2
    assert intent.next_attempt_at == clock.now + services.backoff(
        2, Transient(Network.SANDBOX, "x")
    )
    assert services.backoff(2, Transient(Network.SANDBOX, "x")) == timedelta(seconds=60)
    assert services.backoff(20, Transient(Network.SANDBOX, "x")) == timedelta(minutes=30)
    clock.advance(minutes=1)
    services.publish_due(now_fn=clock, adapter_for=networks)
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED
    assert len(networks.posts()) == 1


def test_a_refusal_shows_the_network_reason_and_a_retry_uses_the_same_key(
    team, django_capture_on_commit_callbacks
):
    clock = Clock(T0)
    networks = SandboxNetworks(clock)
    (draft,) = _scheduled(team, networks=(Network.MASTODON, Network.X))
    x_variant = draft.variants.get(network="x")
    networks(x_variant.account).faults.fail_next(
        "publish",
        ContentRejected(Network.SANDBOX, "Status is a duplicate.", reason="duplicate", status=403),
    )
    key_before = x_variant.intent.idempotency_key
    services.publish_due(now_fn=clock, adapter_for=networks)
    draft.refresh_from_db()
    x_variant.refresh_from_db()
    assert draft.state == State.FAILED
    assert x_variant.state == Variant.State.FAILED
    assert x_variant.error_message == "Status is a duplicate."
    assert "corrigez la publication selon le motif indiqué" in x_variant.error_user_action
    assert draft.variants.get(network="mastodon").state == Variant.State.PUBLISHED
    assert draft.notifications.filter(message__contains="a échoué").exists()
    services.draft_retry(draft=draft, actor=team.cm, now=clock.now)
    services.publish_due(now_fn=clock, adapter_for=networks)
    draft.refresh_from_db()
    x_variant.refresh_from_db()
    assert draft.state == State.PUBLISHED
    assert x_variant.intent.idempotency_key == key_before
    assert len(networks.posts()) == 2  # Mastodon was not posted again


def test_an_error_that_keeps_coming_fails_after_the_last_attempt(team):
    clock = Clock(T0)
    networks = SandboxNetworks(clock)
    (draft,) = _scheduled(team, networks=(Network.MASTODON,))
    adapter = networks(draft.variants.get().account)
    for _ in range(services.MAX_ATTEMPTS):
        adapter.faults.fail_next("publish", Transient(Network.SANDBOX, "503 Service Unavailable"))
    for _ in range(services.MAX_ATTEMPTS):
        services.publish_due(now_fn=clock, adapter_for=networks)
        clock.advance(hours=1)
    intent = PublishIntent.objects.get()
    assert intent.status == PublishIntent.Status.FAILED and intent.attempts == services.MAX_ATTEMPTS
    draft.refresh_from_db()
    assert draft.state == State.FAILED
    assert draft.variants.get().error_message == "503 Service Unavailable"


def test_a_thread_keeps_the_ids_of_every_part(team):
    clock = Clock(T0)
    networks = SandboxNetworks(clock)
    long_text = " ".join(
        f"Phrase numéro {i} du compte rendu du conseil municipal de lundi soir." for i in range(12)
    )
    (draft,) = _scheduled(team, networks=(Network.X,), text=long_text)
    services.publish_due(now_fn=clock, adapter_for=networks)
    variant = draft.variants.get()
    variant.refresh_from_db()
    assert len(variant.thread) >= 2
    assert len(variant.thread_remote_ids) == len(variant.thread) + 1


def test_a_worker_killed_after_the_network_answered_does_not_post_twice(team):
    clock = Clock(T0)
    networks = SandboxNetworks(clock)
    _scheduled(team, networks=(Network.MASTODON,))

    def die_after_network(point, intent):
        if point == "network_done":
            raise services.WorkerCrash(point)

    with pytest.raises(services.WorkerCrash):
        services.publish_due(now_fn=clock, adapter_for=networks, crash=die_after_network)
    intent = PublishIntent.objects.get()
    assert intent.status == PublishIntent.Status.IN_FLIGHT  # the worker died holding it
    assert len(networks.posts()) == 1
    # Another worker before the lease ends leaves it alone; after, it takes over.
    assert services.publish_due(now_fn=clock, adapter_for=networks) == 0
    clock.advance(minutes=3)
    assert services.publish_due(now_fn=clock, adapter_for=networks) == 1
    intent.refresh_from_db()
    assert intent.status == PublishIntent.Status.DONE and intent.attempts == 2
    assert len(networks.posts()) == 1
    assert AuditEntry.objects.get(action="variant.published").after["already_published"] is True


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chaos_every_post_is_published_exactly_once(team, seed):
    """Workers killed at random points, the network failing at random (before or after doing the
    work, rate limits included): every variant ends published, once, with the network's id."""
    rng = random.Random(seed)
    clock = Clock(T0)
    networks = SandboxNetworks(clock)
    drafts = _scheduled(team, networks=(Network.MASTODON, Network.X, Network.FACEBOOK), count=12)
    variants = Variant.objects.filter(draft__in=drafts).count()
    assert variants == 36

    def flaky(account):
        adapter = networks(account)
        roll = rng.random()
        if roll < 0.15:
            adapter.faults.fail_next("publish", Transient(Network.SANDBOX, "timeout"))
        elif roll < 0.22:
            adapter.faults.fail_next(
                "publish", RateLimited(Network.SANDBOX, "429", retry_after=rng.choice([5, 60, 300]))
            )
        elif roll < 0.32:
            # The network posts, then the answer is lost.
            adapter.faults.fail_next(
                "publish", Transient(Network.SANDBOX, "connexion coupée"), after_success=True
            )
        return adapter

    crashes = Counter()

    def killer(point, intent):
        if rng.random() < 0.12:
            crashes[point] += 1
            raise services.WorkerCrash(point)

    for _ in range(500):
        open_intents = PublishIntent.objects.exclude(
            status__in=[PublishIntent.Status.DONE, PublishIntent.Status.FAILED]
        )
        if not open_intents.exists():
            break
        # A crash is the process dying; a new worker starts at the next tick.
        with contextlib.suppress(services.WorkerCrash):
            services.publish_due(
                now_fn=clock, adapter_for=flaky, crash=killer, limit=rng.randint(1, 8)
            )
        clock.advance(minutes=1)

    assert sum(crashes.values()) > 5 and crashes["network_done"] >= 1  # the chaos really happened
    statuses = Counter(PublishIntent.objects.values_list("status", flat=True))
    assert statuses == {PublishIntent.Status.DONE: variants}
    posts = networks.posts()
    assert len(posts) == variants  # no duplicate, no loss
    remote_ids = set(Variant.objects.values_list("remote_id", flat=True))
    assert remote_ids == {p.remote_id for p in posts}
    assert Draft.objects.filter(
        pk__in=[d.pk for d in drafts], state=State.PUBLISHED
    ).count() == len(drafts)


def test_best_posting_times_are_learned_from_the_account_history(team):
    line = services.editorial_line_save(
        account=team.accounts[Network.FACEBOOK], actor=team.cm, posts_per_week=3
    )
    clock = Clock(datetime(2025, 9, 1, tzinfo=UTC))
    learned = services.editorial_lines_learn_all(
        since=datetime(2025, 3, 1, tzinfo=UTC), adapter_for=SandboxNetworks(clock), now=clock.now
    )
    assert learned == 1
    line.refresh_from_db()
    assert len(line.best_times) == 3
    assert all(0 <= slot["weekday"] <= 6 and 0 <= slot["hour"] <= 23 for slot in line.best_times)
    # Learned from enough posts of its own history, not the defaults.
    assert all(slot["median_rate"] is not None and slot["posts"] >= 2 for slot in line.best_times)
    rates = [slot["median_rate"] for slot in line.best_times]
    assert rates == sorted(rates, reverse=True)
    assert AuditEntry.objects.filter(action="editorial_line.learn").exists()


def test_a_partly_published_draft_keeps_its_published_variant_when_fixed_and_scheduled_again(team):
    clock = Clock(T0)
    networks = SandboxNetworks(clock)
    (draft,) = _scheduled(team, networks=(Network.MASTODON, Network.X))
    x_variant = draft.variants.get(network="x")
    networks(x_variant.account).faults.fail_next(
        "publish", ContentRejected(Network.SANDBOX, "Lien refusé.", reason="link")
    )
    services.publish_due(now_fn=clock, adapter_for=networks)
    draft.refresh_from_db()
    assert draft.state == State.FAILED
    mastodon = draft.variants.get(network="mastodon")
    published_text = mastodon.text
    with pytest.raises(services.DomainError, match="déjà publiée"):
        services.variant_edit(variant=mastodon, actor=team.cm, text="Autre chose")
    # The author fixes the message: back to draft, through the circuit again, scheduled again.
    services.draft_update(
        draft=draft, actor=team.cm, text="Collecte des encombrants lundi : nouveau lien."
    )
    mastodon.refresh_from_db()
    assert mastodon.text == published_text and mastodon.state == Variant.State.PUBLISHED
    services.draft_submit(draft=draft, actor=team.cm)
    services.draft_schedule(
        draft=draft, actor=team.cm, scheduled_at=clock.now + timedelta(minutes=5), now=clock.now
    )
    clock.advance(minutes=5)
    services.publish_due(now_fn=clock, adapter_for=networks)
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED
    assert len(networks.posts()) == 2  # Mastodon once, X once
