"""The sandbox adapter: publish, read back, reply, hide, delete, exactly-once, faults, incidents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from beffroi.core.domain import Network, Sentiment, Topic
from beffroi.networks import get_adapter
from beffroi.networks.errors import AuthExpired, ContentRejected, NotFound, Transient
from beffroi.networks.health import check_token_health
from beffroi.networks.sandbox import SandboxAdapter, sandbox_adapter_for
from beffroi.networks.sandbox.state import forget_states
from beffroi.networks.types import Media, PostVariant


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def fresh_states() -> Iterator[None]:
    forget_states()
    yield
    forget_states()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def adapter(clock: Clock) -> SandboxAdapter:
    built = get_adapter(
        "sandbox", {"sandbox_seed": "saint-aubin", "followers": "40000"}, clock=clock
    )
    assert isinstance(built, SandboxAdapter)
    return built


def variant(text: str = "Le marché de Noël ouvre samedi place du Marché ! 🎄") -> PostVariant:
    return PostVariant(network=Network.SANDBOX, text=text)


def test_publish_then_read_back_with_growing_metrics(adapter: SandboxAdapter, clock: Clock) -> None:
    result = adapter.publish(variant(), idempotency_key="draft-1")
    assert result.url is not None and result.url.startswith("sandbox://")
    clock.now += timedelta(hours=1)
    early = {p.remote_id: p for p in adapter.fetch_posts(clock.now - timedelta(days=1))}[
        result.remote_id
    ]
    clock.now += timedelta(days=2)
    later = {p.remote_id: p for p in adapter.fetch_posts(clock.now - timedelta(days=3))}[
        result.remote_id
    ]
    assert early.metrics and later.metrics
    assert later.metrics.reach is not None and early.metrics.reach is not None
    assert later.metrics.reach > early.metrics.reach > 0
    assert later.text == variant().text


def test_the_account_has_a_believable_past(adapter: SandboxAdapter, clock: Clock) -> None:
    posts = adapter.fetch_posts(clock.now - timedelta(days=30))
    assert 20 < len(posts) < 90
    assert posts == sorted(posts, key=lambda p: p.published_at, reverse=True)
    comments = adapter.fetch_comments(posts[3].remote_id, clock.now - timedelta(days=40))
    assert comments and all(c.post_remote_id == posts[3].remote_id for c in comments)
    mentions = adapter.fetch_mentions(clock.now - timedelta(days=7))
    assert mentions and all(m.text.startswith("@ville.saint-aubin") for m in mentions)


def test_same_idempotency_key_never_publishes_twice(adapter: SandboxAdapter, clock: Clock) -> None:
    first = adapter.publish(variant(), idempotency_key="draft-2")
    second = adapter.publish(variant(), idempotency_key="draft-2")
    assert second.remote_id == first.remote_id and second.already_published
    mine = [
        p
        for p in adapter.fetch_posts(clock.now - timedelta(minutes=5))
        if p.remote_id.startswith("sim-pub")
    ]
    assert len(mine) == 1


def test_a_crash_after_the_network_succeeded_is_recovered_without_duplicate(
    adapter: SandboxAdapter, clock: Clock
) -> None:
    adapter.faults.fail_next(
        "publish", Transient(Network.SANDBOX, "connexion perdue"), after_success=True
    )
    with pytest.raises(Transient):
        adapter.publish(variant(), idempotency_key="draft-3")
    # The scheduler retries with the same key, from a new adapter (a new worker process would).
    again = get_adapter(
        "sandbox", {"sandbox_seed": "saint-aubin", "followers": "40000"}, clock=clock
    )
    result = again.publish(variant(), idempotency_key="draft-3")
    assert result.already_published
    mine = [
        p
        for p in again.fetch_posts(clock.now - timedelta(minutes=5))
        if p.remote_id.startswith("sim-pub")
    ]
    assert [p.remote_id for p in mine] == [result.remote_id]


def test_a_failure_before_the_network_acted_publishes_nothing(
    adapter: SandboxAdapter, clock: Clock
) -> None:
    adapter.faults.fail_next("publish", Transient(Network.SANDBOX, "délai dépassé"))
    with pytest.raises(Transient):
        adapter.publish(variant(), idempotency_key="draft-4")
    assert not adapter.publish(variant(), idempotency_key="draft-4").already_published


def test_reply_hide_and_delete(adapter: SandboxAdapter, clock: Clock) -> None:
    post = adapter.fetch_posts(clock.now - timedelta(days=10))[2]
    comment = adapter.fetch_comments(post.remote_id, post.published_at)[0]
    reply = adapter.reply(
        comment.remote_id, "Merci, le service voirie passe demain.", idempotency_key="r-1"
    )
    assert (
        adapter.reply(comment.remote_id, "Merci…", idempotency_key="r-1").remote_id
        == reply.remote_id
    )

    adapter.hide_comment(comment.remote_id)
    thread = {c.remote_id: c for c in adapter.fetch_comments(post.remote_id, post.published_at)}
    assert thread[comment.remote_id].hidden
    assert thread[reply.remote_id].parent_remote_id == comment.remote_id
    assert thread[reply.remote_id].author.handle == adapter.handle
    adapter.hide_comment(comment.remote_id, hidden=False)
    assert not {c.remote_id: c for c in adapter.fetch_comments(post.remote_id, post.published_at)}[
        comment.remote_id
    ].hidden

    adapter.delete(post.remote_id)
    assert post.remote_id not in {
        p.remote_id for p in adapter.fetch_posts(clock.now - timedelta(days=10))
    }
    with pytest.raises(NotFound):
        adapter.delete(post.remote_id)
    with pytest.raises(NotFound):
        adapter.fetch_comments(post.remote_id, post.published_at)


def test_threads_are_published_as_chained_parts(adapter: SandboxAdapter) -> None:
    result = adapter.publish(
        PostVariant(
            network=Network.SANDBOX,
            text="1/3 Conseil municipal ce soir",
            thread=("2/3 Budget", "3/3 Vote"),
        ),
        idempotency_key="thread-1",
    )
    assert len(result.thread_remote_ids) == 3 and result.thread_remote_ids[0] == result.remote_id


@pytest.mark.parametrize(
    "bad",
    [
        PostVariant(network=Network.SANDBOX, text="   "),
        PostVariant(network=Network.SANDBOX, text="x" * 5001),
    ],
)
def test_rejects_empty_or_too_long_posts_with_a_reason(
    adapter: SandboxAdapter, bad: PostVariant
) -> None:
    with pytest.raises(ContentRejected) as caught:
        adapter.publish(bad, idempotency_key="bad")
    assert caught.value.reason in {"empty", "text_too_long"}


def test_an_image_counts_as_media(adapter: SandboxAdapter, clock: Clock) -> None:
    image = Media(
        path="/tmp/beffroi.jpg", mime_type="image/jpeg", alt_text="Le beffroi au lever du soleil"
    )
    result = adapter.publish(
        PostVariant(network=Network.SANDBOX, text="Bonjour !", media=(image,)), "img-1"
    )
    posted = {p.remote_id: p for p in adapter.fetch_posts(clock.now - timedelta(minutes=1))}[
        result.remote_id
    ]
    assert posted.media_count == 1


def test_search_finds_words_without_accents(adapter: SandboxAdapter, clock: Clock) -> None:
    found = adapter.search("piscine", clock.now - timedelta(days=20))
    assert found and all("piscine" in m.text.lower() for m in found)
    assert adapter.search("PISCINE", clock.now - timedelta(days=20)) == found
    with pytest.raises(ContentRejected):
        adapter.search("  ", clock.now)


def test_incident_on_demand_floods_mentions_with_anger(
    adapter: SandboxAdapter, clock: Clock
) -> None:
    quiet = adapter.simulated_mentions(clock.now - timedelta(days=2))
    adapter.trigger_incident(Topic.PROPRETE_DECHETS, intensity=10)
    clock.now += timedelta(days=2)
    loud = adapter.simulated_mentions(clock.now - timedelta(days=2))
    assert len(loud) > 3 * len(quiet)
    angry = [m for m in loud if m.label.sentiment is Sentiment.NEGATIVE]
    assert len(angry) / len(loud) > 0.5
    # Another adapter on the same account sees the incident (kept in the state).
    other = get_adapter(
        "sandbox", {"sandbox_seed": "saint-aubin", "followers": "40000"}, clock=clock
    )
    assert len(other.fetch_mentions(clock.now - timedelta(days=2))) == len(loud)


def test_state_survives_in_a_json_file(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "sandbox.json"
    first = SandboxAdapter({"sandbox_seed": "file"}, state_path=path, clock=clock)
    published = first.publish(variant(), "k-file")
    forget_states()
    second = SandboxAdapter({"sandbox_seed": "file"}, state_path=path, clock=clock)
    assert second.publish(variant(), "k-file").remote_id == published.remote_id
    assert '"simulated": true' in path.read_text()


def test_stands_in_for_a_real_network_in_the_demo(clock: Clock) -> None:
    facebook = sandbox_adapter_for(Network.FACEBOOK, {"sandbox_seed": "demo-facebook"}, clock=clock)
    posts = facebook.fetch_posts(clock.now - timedelta(days=7))
    assert posts and all(p.network is Network.FACEBOOK for p in posts)
    assert all(p.url and p.url.startswith("sandbox://facebook/") for p in posts)
    assert facebook.SIMULATED


def test_account_stats_and_token_health(adapter: SandboxAdapter, clock: Clock) -> None:
    stats = adapter.account_stats()
    assert 35_000 < stats.followers < 60_000
    assert stats.impressions_28d and stats.reach_28d and stats.impressions_28d >= stats.reach_28d
    assert check_token_health(adapter, now=clock.now).ok
    revoked = SandboxAdapter({"sandbox_seed": "x", "revoked": "true"}, clock=clock)
    health = check_token_health(revoked, now=clock.now)
    assert not health.ok and "reconnectez" in health.message
    with pytest.raises(AuthExpired):
        revoked.verify_credentials()


def test_oauth_flow_is_simulated_end_to_end(adapter: SandboxAdapter) -> None:
    url = adapter.authorization_url("st4te", "https://beffroi.example/cb", code_challenge="abc")
    assert url.startswith("sandbox://") and "state=st4te" in url
    tokens = adapter.exchange_code("c0de", "https://beffroi.example/cb")
    refreshed = adapter.refresh(tokens)
    assert refreshed.access_token != tokens.access_token and refreshed.expires_at


def test_two_workers_racing_on_one_key_publish_once(clock: Clock) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_: int) -> str:
        worker = SandboxAdapter({"sandbox_seed": "race"}, clock=clock)
        return worker.publish(variant(), "same-key").remote_id

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(attempt, range(8)))
    assert len(ids) == 1
