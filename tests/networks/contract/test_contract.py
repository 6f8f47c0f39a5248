"""The contract every network adapter honours, run against each harness in harnesses/.

Read this file to know what Beffroi expects of a network, whatever the network.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from beffroi.networks.errors import (
    AuthExpired,
    CapabilityMissing,
    MalformedResponse,
    NetworkError,
    RateLimited,
    Transient,
)
from beffroi.networks.types import (
    AccountStats,
    Capability,
    Comment,
    Mention,
    Post,
    PublishResult,
    TokenHealth,
)
from tests.networks.contract.harness import ContractHarness, Fault, Scene

requires = pytest.mark.requires_capability


def test_adapter_declares_its_network_and_capabilities(
    harness: ContractHarness, scene: Scene
) -> None:
    adapter = scene.adapter
    assert adapter.network is harness.network
    assert adapter.capabilities <= frozenset(Capability)
    assert adapter.SIMULATED is (harness.network.value == "sandbox")


def test_unsupported_operations_raise_capability_missing(
    harness: ContractHarness, scene: Scene
) -> None:
    adapter = scene.adapter
    calls: dict[Capability, Callable[[], object]] = {
        Capability.PUBLISH: lambda: adapter.publish(harness.variant(), "contract-missing"),
        Capability.DELETE: lambda: adapter.delete(harness.post_remote_id),
        Capability.FETCH_POSTS: lambda: adapter.fetch_posts(harness.since),
        Capability.FETCH_COMMENTS: lambda: adapter.fetch_comments(
            harness.post_remote_id, harness.since
        ),
        Capability.FETCH_MENTIONS: lambda: adapter.fetch_mentions(harness.since),
        Capability.SEARCH: lambda: adapter.search(harness.search_query, harness.since),
        Capability.REPLY: lambda: adapter.reply(
            harness.comment_remote_id, "Merci", "contract-missing"
        ),
        Capability.HIDE_COMMENT: lambda: adapter.hide_comment(harness.comment_remote_id),
        Capability.ACCOUNT_STATS: adapter.account_stats,
    }
    missing = [c for c in calls if c not in adapter.capabilities]
    for capability in missing:
        with pytest.raises(CapabilityMissing) as caught:
            calls[capability]()
        assert caught.value.capability == capability.value
        assert caught.value.user_action


@requires("publish")
def test_publish_returns_the_remote_id_and_url(harness: ContractHarness, scene: Scene) -> None:
    result = scene.adapter.publish(harness.variant(), idempotency_key="contract-publish-1")
    assert isinstance(result, PublishResult)
    assert result.remote_id and not result.already_published
    assert result.published_at.tzinfo is not None
    assert harness.record(scene).created == [result.remote_id]


@requires("publish")
def test_publishing_twice_with_one_key_creates_one_post(
    harness: ContractHarness, scene: Scene
) -> None:
    first = scene.adapter.publish(harness.variant(), idempotency_key="contract-publish-2")
    second = scene.adapter.publish(harness.variant(), idempotency_key="contract-publish-2")
    assert second.remote_id == first.remote_id
    assert len(harness.record(scene).created) == 1


@requires("publish")
def test_a_lost_answer_then_a_retry_creates_one_post(
    harness: ContractHarness, scene: Scene
) -> None:
    harness.lose_next_publish_answer(scene)
    try:
        first: PublishResult | None = scene.adapter.publish(harness.variant(), "contract-publish-3")
    except NetworkError as error:
        # Either the adapter recovered by itself, or it says plainly that a retry is safe.
        assert error.retryable
        first = None
    again = scene.adapter.publish(harness.variant(), "contract-publish-3")
    created = harness.record(scene).created
    assert len(created) == 1
    assert again.remote_id == created[0]
    if first is not None:
        assert first.remote_id == again.remote_id


@requires("fetch_posts")
def test_fetch_posts_returns_typed_posts_since_the_date(
    harness: ContractHarness, scene: Scene
) -> None:
    posts = scene.adapter.fetch_posts(harness.since)
    assert posts and all(isinstance(p, Post) for p in posts)
    for post in posts:
        assert post.network in (harness.network, getattr(scene.adapter, "simulated_network", None))
        assert post.published_at.tzinfo is not None and post.published_at >= harness.since
        assert post.remote_id and post.author.handle
    assert harness.post_remote_id in {p.remote_id for p in posts}


@requires("fetch_comments")
def test_fetch_comments_of_a_post(harness: ContractHarness, scene: Scene) -> None:
    comments = scene.adapter.fetch_comments(harness.post_remote_id, harness.since)
    assert comments and all(isinstance(c, Comment) for c in comments)
    assert all(c.created_at.tzinfo is not None for c in comments)
    assert harness.comment_remote_id in {c.remote_id for c in comments}


@requires("fetch_mentions")
def test_fetch_mentions(harness: ContractHarness, scene: Scene) -> None:
    mentions = scene.adapter.fetch_mentions(harness.since)
    assert mentions and all(isinstance(m, Mention) for m in mentions)
    assert all(m.created_at >= harness.since and m.author.handle for m in mentions)


@requires("search")
def test_search(harness: ContractHarness, scene: Scene) -> None:
    found = scene.adapter.search(harness.search_query, harness.since)
    assert found and all(isinstance(m, Mention) for m in found)


@requires("reply")
def test_reply_is_published_once_per_key(harness: ContractHarness, scene: Scene) -> None:
    first = scene.adapter.reply(
        harness.comment_remote_id, "Merci, nous transmettons au service.", "contract-reply-1"
    )
    second = scene.adapter.reply(
        harness.comment_remote_id, "Merci, nous transmettons au service.", "contract-reply-1"
    )
    assert first.remote_id == second.remote_id
    assert len(harness.record(scene).replies) == 1


@requires("hide_comment")
def test_hide_comment(harness: ContractHarness, scene: Scene) -> None:
    scene.adapter.hide_comment(harness.comment_remote_id)
    assert harness.comment_remote_id in harness.record(scene).hidden


@requires("delete")
def test_delete(harness: ContractHarness, scene: Scene) -> None:
    scene.adapter.delete(harness.post_remote_id)
    assert harness.post_remote_id in harness.record(scene).deleted


@requires("account_stats")
def test_account_stats(harness: ContractHarness, scene: Scene) -> None:
    stats = scene.adapter.account_stats()
    assert isinstance(stats, AccountStats)
    assert stats.followers >= 0 and stats.taken_at.tzinfo is not None


def test_token_health_always_answers_in_french(harness: ContractHarness, scene: Scene) -> None:
    health = scene.adapter.token_health()
    assert isinstance(health, TokenHealth)
    assert health.message


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.AUTH_EXPIRED, AuthExpired),
        (Fault.RATE_LIMITED, RateLimited),
        (Fault.SERVER_ERROR, Transient),
        (Fault.MALFORMED, MalformedResponse),
        (Fault.TIMEOUT, Transient),
    ],
    ids=lambda v: v.value if isinstance(v, Fault) else v.__name__,
)
def test_faults_become_typed_errors_with_the_reason_and_what_to_do(
    harness: ContractHarness, scene: Scene, fault: Fault, expected: type[NetworkError]
) -> None:
    harness.inject(scene, fault)
    with pytest.raises(expected) as caught:
        harness.fault_operation(scene)()
    error = caught.value
    assert error.network is harness.network
    assert error.message and error.user_action
    if fault is Fault.RATE_LIMITED:
        assert isinstance(error, RateLimited) and error.retry_after >= 1
    if harness.uses_http and fault in (Fault.SERVER_ERROR, Fault.TIMEOUT):
        assert scene.sleeps, "a read that failed transiently should have been retried with backoff"


def test_every_network_has_a_contract_harness() -> None:
    from beffroi.core.domain import Network
    from tests.networks.contract.conftest import HARNESSES

    assert {h.network for h in HARNESSES} == set(Network)
