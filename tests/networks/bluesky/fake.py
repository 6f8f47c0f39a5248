"""A small stateful Bluesky PDS + AppView on respx, answering with tests/fixtures/bluesky/.

Stateful where the contract needs it: records live in a dict keyed by collection and record key, a
second createRecord on an existing key fails with HTTP 500 as the real PDS 0.5.35 does, and the
threadgate written by hide_comment is kept.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import respx

from tests.networks.contract.harness import Recorder

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bluesky"
PDS = "https://bsky.social"
ME = "did:plc:vlmntq4xq3zzoeyxwq5h2ftr"
POST_URI = f"at://{ME}/app.bsky.feed.post/3k5a5r235cu3q"
COMMENT_URI = "at://did:plc:cmll6kfjbfbbrkmsyqfy5lhd/app.bsky.feed.post/3k5a6qqzfzk2y"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def xrpc_error(status: int, fixture: str) -> httpx.Response:
    return httpx.Response(status, json=load(fixture))


class BlueskyFake:
    def __init__(self, router: respx.MockRouter, recorder: Recorder | None = None) -> None:
        self.router = router
        self.recorder = recorder or Recorder()
        self.lose_next_answer = False
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        main = load("get_record.json")
        self.records[("app.bsky.feed.post", "3k5a5r235cu3q")] = main
        self.written: list[
            dict[str, Any]
        ] = []  # bodies of createRecord/putRecord, for lexicon checks
        x = f"{PDS}/xrpc"
        self.create_session = router.post(f"{x}/com.atproto.server.createSession").respond(
            200, json=load("create_session.json")
        )
        self.refresh_session = router.post(f"{x}/com.atproto.server.refreshSession").respond(
            200, json=load("refresh_session.json")
        )
        self.get_session = router.get(f"{x}/com.atproto.server.getSession").respond(
            200, json=load("get_session.json")
        )
        router.get(f"{x}/com.atproto.repo.getRecord").mock(side_effect=self._get_record)
        self.create_record = router.post(f"{x}/com.atproto.repo.createRecord").mock(
            side_effect=self._create_record
        )
        router.post(f"{x}/com.atproto.repo.putRecord").mock(side_effect=self._put_record)
        router.post(f"{x}/com.atproto.repo.deleteRecord").mock(side_effect=self._delete_record)
        self.upload = router.post(f"{x}/com.atproto.repo.uploadBlob").respond(
            200, json=load("upload_blob.json")
        )
        self.list_records = router.get(f"{x}/com.atproto.repo.listRecords").respond(
            200, json=load("list_records.json")
        )
        router.get(
            f"{x}/com.atproto.identity.resolveHandle", params={"handle": "camille.bsky.social"}
        ).respond(200, json=load("resolve_handle.json"))
        router.get(f"{x}/com.atproto.identity.resolveHandle").respond(
            400, json={"error": "InvalidRequest", "message": "Unable to resolve handle"}
        )
        self.author_feed = router.get(f"{x}/app.bsky.feed.getAuthorFeed").mock(
            side_effect=self._author_feed
        )
        self.thread = router.get(f"{x}/app.bsky.feed.getPostThread").respond(
            200, json=load("get_post_thread.json")
        )
        router.get(f"{x}/app.bsky.feed.getPosts").respond(200, json=load("get_posts_comment.json"))
        self.notifications = router.get(f"{x}/app.bsky.notification.listNotifications").mock(
            side_effect=self._notifications
        )
        self.search = router.get(f"{x}/app.bsky.feed.searchPosts").respond(
            200, json=load("search_posts.json")
        )
        self.profile = router.get(f"{x}/app.bsky.actor.getProfile").respond(
            200, json=load("get_profile.json")
        )

    # -------------------------------------------------------------- repository
    def _get_record(self, request: httpx.Request) -> httpx.Response:
        key = (request.url.params["collection"], request.url.params["rkey"])
        if key not in self.records:
            return xrpc_error(400, "error_record_not_found.json")
        return httpx.Response(200, json=self.records[key])

    def _create_record(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.written.append(body)
        key = (body["collection"], body["rkey"])
        if key in self.records:
            return xrpc_error(
                500, "error_internal.json"
            )  # what PDS 0.5.35 answers to a duplicate key
        uri = f"at://{body['repo']}/{body['collection']}/{body['rkey']}"
        cid = (
            "bafyrei"
            + hashlib.sha256(json.dumps(body["record"], sort_keys=True).encode()).hexdigest()[:52]
        )
        self.records[key] = {"uri": uri, "cid": cid, "value": body["record"]}
        parent = (body["record"].get("reply") or {}).get("parent", {}).get("uri", "")
        is_reply_to_others = bool(parent) and not parent.startswith(f"at://{ME}/")
        (self.recorder.replies if is_reply_to_others else self.recorder.created).append(uri)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise httpx.ReadTimeout("the answer was lost", request=request)
        answer = copy.deepcopy(load("create_record.json")) | {"uri": uri, "cid": cid}
        return httpx.Response(200, json=answer)

    def _put_record(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.written.append(body)
        uri = f"at://{body['repo']}/{body['collection']}/{body['rkey']}"
        self.records[(body["collection"], body["rkey"])] = {
            "uri": uri,
            "cid": "bafyreiput",
            "value": body["record"],
        }
        if body["collection"] == "app.bsky.feed.threadgate":
            self.recorder.hidden[:] = list(body["record"].get("hiddenReplies", []))
        return httpx.Response(200, json=load("put_record.json") | {"uri": uri})

    def _delete_record(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.records.pop((body["collection"], body["rkey"]), None)
        self.recorder.deleted.append(f"at://{body['repo']}/{body['collection']}/{body['rkey']}")
        return httpx.Response(200, json=load("delete_record.json"))

    # -------------------------------------------------------------- AppView
    def _author_feed(self, request: httpx.Request) -> httpx.Response:
        page = (
            "get_author_feed_page2.json"
            if "cursor" in request.url.params
            else "get_author_feed.json"
        )
        return httpx.Response(200, json=load(page))

    def _notifications(self, request: httpx.Request) -> httpx.Response:
        page = (
            "list_notifications_page2.json"
            if "cursor" in request.url.params
            else "list_notifications.json"
        )
        return httpx.Response(200, json=load(page))
