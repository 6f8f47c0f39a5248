"""The Mastodon adapter against a real Mastodon API server on 127.0.0.1 (mastodon-mock)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from beffroi.core.domain import Network
from beffroi.networks import get_adapter
from beffroi.networks.errors import AuthExpired, MalformedResponse, NotFound, RateLimited, Transient
from beffroi.networks.mastodon import MastodonAdapter
from beffroi.networks.types import PostVariant
from tests.networks.mastodon.conftest import ACCOUNT_TOKEN, add_fault, citizen_token

pytestmark = pytest.mark.localserver


def adapter_for(url: str, token: str = ACCOUNT_TOKEN, **options: object) -> MastodonAdapter:
    built = get_adapter(Network.MASTODON, {"instance_url": url, "access_token": token}, **options)
    assert isinstance(built, MastodonAdapter)
    return built


def hour_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


def test_publish_read_back_reply_mentions_search_and_delete(mastodon_url: str) -> None:
    town = adapter_for(mastodon_url)
    resident = adapter_for(mastodon_url, citizen_token(mastodon_url, "camille"))

    post = town.publish(
        PostVariant(
            network=Network.MASTODON, text="La piscine Jean-Bouin rouvre lundi ! #piscinevalmont"
        ),
        "local-1",
    )
    assert post.remote_id in {p.remote_id for p in town.fetch_posts(hour_ago())}

    question = resident.reply(post.remote_id, "Et le dimanche, c'est ouvert ?", "resident-1")
    comments = town.fetch_comments(post.remote_id, hour_ago())
    assert [c.remote_id for c in comments] == [question.remote_id]
    assert comments[0].text.startswith("@testuser Et le dimanche")
    assert question.remote_id in {m.remote_id for m in town.fetch_mentions(hour_ago())}

    answer = town.reply(question.remote_id, "Oui, de 9 h à 13 h.", "town-answer-1")
    thread = {c.remote_id: c for c in town.fetch_comments(post.remote_id, hour_ago())}
    assert thread[answer.remote_id].parent_remote_id == question.remote_id
    assert thread[answer.remote_id].text == "@camille Oui, de 9 h à 13 h."

    found = town.search("#piscinevalmont", hour_ago())
    assert post.remote_id in {m.remote_id for m in found}

    town.delete(post.remote_id)
    assert post.remote_id not in {p.remote_id for p in town.fetch_posts(hour_ago())}
    with pytest.raises(NotFound):
        town.delete(post.remote_id)


def test_a_publication_retried_by_another_worker_is_not_duplicated(mastodon_url: str) -> None:
    variant = PostVariant(
        network=Network.MASTODON, text="Collecte des encombrants jeudi à Bellevue."
    )
    first = adapter_for(mastodon_url).publish(variant, "local-2")
    # The first worker crashed before recording the result; another one retries with the same key.
    again = adapter_for(mastodon_url).publish(variant, "local-2")
    assert again.remote_id == first.remote_id
    texts = [p.text for p in adapter_for(mastodon_url).fetch_posts(hour_ago())]
    assert texts.count(variant.text) == 1


def test_a_slow_answer_then_retry_publishes_once(mastodon_url: str) -> None:
    add_fault(
        mastodon_url,
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "latency", "delay_ms": 1500},
            "count": 1,
        },
    )
    waits: list[float] = []
    town = adapter_for(mastodon_url, timeout=0.5, sleep=waits.append)
    variant = PostVariant(network=Network.MASTODON, text="Travaux rue Pasteur du 2 au 6 décembre.")
    result = town.publish(variant, "local-3")
    assert waits, "the first attempt timed out and was retried"
    time.sleep(1.5)  # let the slow first attempt finish on the server
    posts = [p for p in town.fetch_posts(hour_ago()) if p.text == variant.text]
    assert [p.remote_id for p in posts] == [result.remote_id]


def test_revoked_token(mastodon_url: str) -> None:
    with pytest.raises(AuthExpired) as caught:
        adapter_for(mastodon_url, "not-a-token").account_stats()
    assert caught.value.status == 401 and "reconnectez" in caught.value.user_action.lower()
    assert not adapter_for(mastodon_url, "not-a-token").token_health().ok


@pytest.mark.parametrize(
    ("effect", "expected"),
    [
        ({"type": "status", "status": 503}, Transient),
        ({"type": "ratelimit"}, RateLimited),
        ({"type": "malformed"}, MalformedResponse),
    ],
    ids=["5xx", "429", "malformed"],
)
def test_server_faults_become_typed_errors(
    mastodon_url: str, effect: dict[str, object], expected: type
) -> None:
    add_fault(
        mastodon_url, {"match": {"path": "/api/v1/accounts/verify_credentials"}, "effect": effect}
    )
    waits: list[float] = []
    with pytest.raises(expected):
        adapter_for(mastodon_url, sleep=waits.append, max_wait=60).account_stats()
    if expected is Transient:
        assert len(waits) == 3  # retried with backoff before giving up
    if expected is RateLimited:
        assert waits == []  # five minutes is longer than max_wait: raised at once for the scheduler
