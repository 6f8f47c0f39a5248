"""The recorded Bluesky payloads and the records we write, checked against the published lexicons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.networks.bluesky.lexicon import (
    definition,
    errors_in_input,
    errors_in_output,
    errors_in_params,
    errors_in_record,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bluesky"

# fixture -> the XRPC method whose output it is
OUTPUTS = {
    "create_session.json": "com.atproto.server.createSession",
    "refresh_session.json": "com.atproto.server.refreshSession",
    "get_session.json": "com.atproto.server.getSession",
    "create_record.json": "com.atproto.repo.createRecord",
    "get_record.json": "com.atproto.repo.getRecord",
    "list_records.json": "com.atproto.repo.listRecords",
    "upload_blob.json": "com.atproto.repo.uploadBlob",
    "put_record.json": "com.atproto.repo.putRecord",
    "delete_record.json": "com.atproto.repo.deleteRecord",
    "resolve_handle.json": "com.atproto.identity.resolveHandle",
    "get_author_feed.json": "app.bsky.feed.getAuthorFeed",
    "get_author_feed_page2.json": "app.bsky.feed.getAuthorFeed",
    "get_post_thread.json": "app.bsky.feed.getPostThread",
    "get_posts_comment.json": "app.bsky.feed.getPosts",
    "list_notifications.json": "app.bsky.notification.listNotifications",
    "list_notifications_page2.json": "app.bsky.notification.listNotifications",
    "search_posts.json": "app.bsky.feed.searchPosts",
    "get_profile.json": "app.bsky.actor.getProfile",
}
# fixture -> (method that returns it, or None for the XRPC errors every method may return)
ERRORS = {
    "error_expired_token.json": "com.atproto.server.refreshSession",
    "error_invalid_token.json": None,
    "error_record_not_found.json": "com.atproto.repo.getRecord",
    "error_invalid_request.json": None,
    "error_rate_limit.json": None,
    "error_internal.json": None,
    "error_no_appview.json": None,
}
# Errors of the XRPC protocol itself (atproto.com/specs/xrpc), valid for any method.
XRPC_ERRORS = {
    "InvalidRequest",
    "ExpiredToken",
    "InvalidToken",
    "AuthenticationRequired",
    "RateLimitExceeded",
    "InternalServerError",
    "UpstreamFailure",
}


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def test_every_fixture_is_checked() -> None:
    assert {p.name for p in FIXTURES.glob("*.json")} == set(OUTPUTS) | set(ERRORS)


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_fixture_matches_the_lexicon(name: str) -> None:
    errors = errors_in_output(OUTPUTS[name], load(name))
    assert not errors, "\n".join(errors[:10])


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_fixture_names_a_documented_error(name: str) -> None:
    body = load(name)
    assert set(body) == {"error", "message"}
    method = ERRORS[name]
    documented = set(XRPC_ERRORS)
    if method:
        documented |= {e["name"] for e in definition(method).get("errors", [])}
    assert body["error"] in documented


def test_records_inside_fixtures_are_valid_posts() -> None:
    assert not errors_in_record("app.bsky.feed.post", load("get_record.json")["value"])
    for record in load("list_records.json")["records"]:
        assert not errors_in_record("app.bsky.feed.post", record["value"])


def test_the_validator_catches_drift() -> None:
    broken = load("get_record.json")["value"] | {"text": "x" * 301, "lang": "fr"}
    del broken["createdAt"]
    errors = errors_in_record("app.bsky.feed.post", broken)
    assert any("createdAt" in e for e in errors)
    assert any("graphèmes" in e for e in errors)
    assert any("lang" in e for e in errors)
    assert errors_in_params("app.bsky.feed.searchPosts", {"query": "x"}) == [
        "paramètre inconnu : query",
        "paramètre obligatoire absent : q",
    ]
    assert errors_in_input("com.atproto.repo.createRecord", {"repo": "did:plc:x", "record": {}})
