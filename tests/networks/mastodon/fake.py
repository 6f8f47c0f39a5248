"""A small stateful Mastodon instance on respx, answering with the recorded payloads of tests/fixtures/mastodon/.

Stateful where the contract needs it: statuses posted with one Idempotency-Key come back as the
same status (as Mastodon keeps keys for an hour), deletions and replies are recorded.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import respx

from tests.networks.contract.harness import Recorder

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mastodon"
INSTANCE = "https://social.valmont.fr"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def form_of(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode("utf-8"), keep_blank_values=True)


class MastodonFake:
    def __init__(self, router: respx.MockRouter, recorder: Recorder | None = None) -> None:
        self.router = router
        self.recorder = recorder or Recorder()
        self.by_key: dict[str, dict[str, Any]] = {}
        self.posted_forms: list[dict[str, list[str]]] = []
        self.lose_next_answer = False
        self._next_id = 113600000000000000
        api = f"{INSTANCE}/api"
        self.verify = router.get(f"{api}/v1/accounts/verify_credentials").respond(
            200, json=load("account_verify_credentials.json")
        )
        router.get(f"{api}/v1/apps/verify_credentials").respond(
            200, json=load("app_verify_credentials.json")
        )
        self.statuses = router.get(url__regex=rf"{api}/v1/accounts/\d+/statuses").mock(
            side_effect=self._account_statuses
        )
        router.get(url__regex=rf"{api}/v1/statuses/\d+/context$").respond(
            200, json=load("context.json")
        )
        router.get(url__regex=rf"{api}/v1/statuses/\d+$").respond(
            200, json=load("status_comment.json")
        )
        self.post_status = router.post(f"{api}/v1/statuses").mock(side_effect=self._post_status)
        router.delete(url__regex=rf"{api}/v1/statuses/\d+$").mock(side_effect=self._delete)
        self.notifications = router.get(f"{api}/v1/notifications").respond(
            200, json=load("notifications_mentions.json")
        )
        self.tag = router.get(url__regex=rf"{api}/v1/timelines/tag/\w+").respond(
            200, json=load("tag_timeline.json")
        )
        router.get(f"{api}/v2/search").respond(200, json=load("search_statuses.json"))
        self.media = router.post(f"{api}/v2/media").respond(200, json=load("media_attachment.json"))
        router.post(f"{INSTANCE}/oauth/token").respond(200, json=load("oauth_token.json"))

    def _account_statuses(self, request: httpx.Request) -> httpx.Response:
        if "max_id" in request.url.params:
            return httpx.Response(200, json=load("account_statuses_page2.json"))
        link = (
            f'<{INSTANCE}/api/v1/accounts/109876543210/statuses?limit=40&exclude_reblogs=true&max_id=113400000000000020>; rel="next", '
            f'<{INSTANCE}/api/v1/accounts/109876543210/statuses?limit=40&exclude_reblogs=true&min_id=113500000000000010>; rel="prev"'
        )
        return httpx.Response(200, json=load("account_statuses_page1.json"), headers={"Link": link})

    def _post_status(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("Idempotency-Key")
        form = form_of(request)
        self.posted_forms.append(form)
        if key and key in self.by_key:
            status = self.by_key[key]
        else:
            reply_to = form.get("in_reply_to_id", [None])[0]
            status = copy.deepcopy(
                load("status_reply_created.json" if reply_to else "status_created.json")
            )
            self._next_id += 1
            status["id"] = str(self._next_id)
            status["in_reply_to_id"] = reply_to
            status["url"] = re.sub(r"\d+$", status["id"], status["url"])
            (
                self.recorder.replies
                if reply_to and reply_to != self._last_own_id()
                else self.recorder.created
            ).append(status["id"])
            if key:
                self.by_key[key] = status
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return httpx.Response(200, json=status)

    def _last_own_id(self) -> str | None:
        return self.recorder.created[-1] if self.recorder.created else None

    def _delete(self, request: httpx.Request) -> httpx.Response:
        remote_id = request.url.path.rsplit("/", 1)[-1]
        self.recorder.deleted.append(remote_id)
        return httpx.Response(200, json=load("status_deleted.json"))
