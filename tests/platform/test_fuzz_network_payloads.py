"""Network payloads, mutated: each mapper gives a result or fails in a way its adapter turns into
MalformedResponse (beffroi.networks.dedupe.guarded), never another exception.

A network that renames a field, a hostile Mastodon instance, a proxy that truncates a list: the
poll must report "réponse inattendue du réseau" for that account, not crash the worker.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given

from beffroi.networks.bluesky import mapper as bluesky
from beffroi.networks.facebook import mapper as facebook
from beffroi.networks.instagram import mapper as instagram
from beffroi.networks.linkedin import mapper as linkedin
from beffroi.networks.mastodon import mapper as mastodon
from beffroi.networks.x import mapper as x
from beffroi.networks.youtube import mapper as youtube
from tests.platform.fuzz import QUICK, fixture, mutated

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
# What `guarded` turns into MalformedResponse.
GUARDED = (KeyError, IndexError, TypeError, AttributeError, ValueError)


def _x_mention(body: dict[str, Any]) -> Any:
    return x.mention_from(body["data"][0], x.users_by_id(body), "mention")


def _bluesky_thread(body: dict[str, Any]) -> Any:
    return [
        bluesky.comment(view, parent, "at://post", hidden=False)
        for view, parent in bluesky.walk_replies(body["thread"])
    ]


# (name, recorded payload, the parse an adapter does on it)
CASES: list[tuple[str, Any, Callable[[Any], Any]]] = [
    (
        "mastodon comment",
        fixture("mastodon/status_comment.json"),
        lambda s: mastodon.comment(s, "1"),
    ),
    ("mastodon post", fixture("mastodon/status_comment.json"), lambda s: mastodon.post(s, NOW)),
    (
        "mastodon mention",
        fixture("mastodon/notifications_mentions.json")[0]["status"],
        lambda s: mastodon.mention(s, "mention"),
    ),
    (
        "facebook comment",
        fixture("facebook/comments.json")["data"][0],
        lambda n: facebook.comment_from(n, post_remote_id="1_2"),
    ),
    (
        "facebook post",
        fixture("facebook/published_posts.json")["data"][0],
        lambda n: facebook.post_from(n, page_id="1", taken_at=NOW),
    ),
    ("facebook tagged", fixture("facebook/tagged.json")["data"][0], facebook.mention_from_tagged),
    (
        "instagram comments",
        fixture("instagram/comments.json")["data"][0],
        lambda n: instagram._comment(n, media_id="m", parent=None),
    ),
    ("instagram tag", fixture("instagram/tags.json")["data"][0], instagram.mention_from_tag),
    ("x mention", fixture("x/mentions.json"), _x_mention),
    (
        "linkedin comment",
        fixture("linkedin/comments.json")["elements"][0],
        lambda e: linkedin.comment_from(e, post_urn="urn:li:share:1"),
    ),
    (
        "linkedin post",
        fixture("linkedin/posts.json")["elements"][0],
        lambda e: linkedin.post_from(e, None, taken_at=NOW, org_name="Ville"),
    ),
    (
        "bluesky notification",
        fixture("bluesky/list_notifications.json")["notifications"][0],
        bluesky.mention_from_notification,
    ),
    (
        "bluesky search",
        fixture("bluesky/search_posts.json")["posts"][0],
        lambda v: bluesky.mention_from_view(v, "search"),
    ),
    ("bluesky thread", fixture("bluesky/get_post_thread.json"), _bluesky_thread),
    (
        "youtube thread",
        fixture("youtube/comment_threads.json")["items"][0],
        lambda t: youtube.comments_from_thread(t, video_id="v"),
    ),
    (
        "youtube search",
        fixture("youtube/search_list.json")["items"][0],
        youtube.mention_from_search,
    ),
    (
        "youtube video",
        fixture("youtube/videos_list.json")["items"][0],
        lambda v: youtube.post_from(v, taken_at=NOW),
    ),
]


@pytest.mark.parametrize(("name", "payload", "parse"), CASES, ids=[c[0] for c in CASES])
def test_each_mapper_reads_its_recorded_payload(name, payload, parse):
    assert parse(payload) is not None


def _fuzz(payload: Any, parse: Callable[[Any], Any]) -> Callable[[], None]:
    @QUICK
    @given(mutated(payload))
    def run(candidate: Any) -> None:
        with contextlib.suppress(*GUARDED):  # the adapter's MalformedResponse
            parse(candidate)

    return run


@pytest.mark.parametrize(("name", "payload", "parse"), CASES, ids=[c[0] for c in CASES])
def test_a_mutated_payload_gives_a_result_or_a_malformed_response(name, payload, parse):
    _fuzz(payload, parse)()


READS = re.compile(
    r"(?P<decorators>(?:    @\w+.*\n)*)    def (?P<name>fetch_posts|fetch_comments|fetch_mentions|search|account_stats)\("
)


@pytest.mark.parametrize(
    "network", ["facebook", "instagram", "x", "linkedin", "youtube", "mastodon", "bluesky"]
)
def test_every_read_of_a_real_network_is_guarded(network):
    """The property above holds end to end only if the adapter's reads go through `guarded`."""
    source = inspect.getsource(importlib.import_module(f"beffroi.networks.{network}.adapter"))
    reads = {m["name"]: "@guarded" in m["decorators"] for m in READS.finditer(source)}
    assert reads, "no read method found"
    unguarded = sorted(name for name, guarded in reads.items() if not guarded)
    assert not unguarded, f"{network}: {unguarded} not @guarded"
