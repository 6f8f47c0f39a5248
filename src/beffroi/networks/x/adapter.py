"""X adapter over API v2: posts and threads, media with alt text, replies, mentions, recent search.

Credentials: `access_token`, `refresh_token`, `expires_at` (OAuth 2.0 user context, PKCE),
`user_id`, `username`; `client_id` (and `client_secret` for a confidential app) for OAuth.
An access token lives two hours: on a 401 the adapter refreshes it once and carries on, and hands
the new tokens to the `on_tokens_refreshed` option so that the caller stores them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from beffroi.core.domain import Network
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.dedupe import (
    Candidate,
    already,
    as_already,
    find_earlier_attempt,
    guarded,
    lookback_of,
    publish_once,
)
from beffroi.networks.errors import AuthExpired, ContentRejected, Transient
from beffroi.networks.oauth import (
    build_authorization_url,
    token_set_from_response,
)
from beffroi.networks.registry import register_adapter
from beffroi.networks.types import (
    AccountStats,
    Capability,
    Comment,
    Media,
    Mention,
    Post,
    PostVariant,
    PublishResult,
    TokenSet,
)
from beffroi.networks.x import mapper
from beffroi.networks.x.client import (
    API_BASE,
    AUTHORIZE_URL,
    EXPANSIONS,
    FIELDS_PARAM,
    POST_FIELDS,
    SCOPES,
    TOKEN_URL,
    USER_FIELDS,
    XClient,
    is_duplicate,
    x_error_parser,
)

# Recent search and the conversation of a post reach back 7 days on the standard access levels.
SEARCH_WINDOW = timedelta(days=7)
MEDIA_CATEGORIES = {"image/gif": "tweet_gif"}
MAX_MEDIA = 4
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm", "video/mp2t"})
VIDEO_CHUNK = 4 * 1024 * 1024
VIDEO_POLLS = 60


@register_adapter(Network.X)
class XAdapter(NetworkAdapter):
    network = Network.X
    OAUTH_APP = "l'application X"
    capabilities = frozenset(
        {
            Capability.PUBLISH,
            Capability.DELETE,
            Capability.FETCH_POSTS,
            Capability.FETCH_COMMENTS,
            Capability.FETCH_MENTIONS,
            Capability.SEARCH,
            Capability.REPLY,
            Capability.HIDE_COMMENT,
            Capability.ACCOUNT_STATS,
            Capability.THREADS,
        }
    )
    api_version = "2"
    required_scopes = SCOPES
    max_text_length = 280  # weighted (twitter-text v3): the composer counts it

    def __init__(self, credentials: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(credentials, **kwargs)
        self.user_id = self.credentials.get("user_id", "")
        self.lookback = lookback_of(self.options)
        self._done: dict[str, PublishResult] = {}
        refresh_hook: Callable[[], bool] | None = (
            self.refresh_tokens_once if self.credentials.get("refresh_token") else None
        )
        self.api = XClient(
            Network.X,
            API_BASE,
            token_getter=lambda: self.credentials.get("access_token"),
            on_unauthorized=refresh_hook,
            error_parser=x_error_parser,
            transport=self.transport,
            sleep=self.sleep,
            clock=lambda: self.clock().timestamp(),
            timeout=self.timeout,
            max_retries=self.max_retries,
        )

    def close(self) -> None:
        self.api.close()

    # ------------------------------------------------------------------ publishing
    @guarded
    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishResult:
        """Publishes a post, or a thread whose parts answer each other; each part exactly once."""
        if idempotency_key in self._done:
            return as_already(self._done[idempotency_key])
        problems = self.preflight(variant)
        if problems:
            reason = " ; ".join(problems)
            raise ContentRejected(
                self.network,
                reason,
                reason=reason,
                user_action=f"X refusera cette publication : « {reason} ». Corrigez-la d'abord.",
            )
        text = variant.text
        if variant.link and variant.link not in text:
            text = f"{text}\n{variant.link}"
        own = self._own_recent()
        first = self._post_once(
            text, reply_to=variant.reply_to_remote_id, media=variant.media, own=own
        )
        parts = [first]
        for part in variant.thread:
            parts.append(self._post_once(part, reply_to=parts[-1].remote_id, media=(), own=own))
        result = PublishResult(
            remote_id=first.remote_id,
            url=first.url,
            published_at=first.published_at,
            thread_remote_ids=tuple(p.remote_id for p in parts) if variant.thread else (),
            already_published=first.already_published,
        )
        self._done[idempotency_key] = result
        return result

    def preflight(self, variant: PostVariant) -> tuple[str, ...]:
        """What X will refuse in this variant, known before any call (in French).

        The weighted length (280, links counted 23) is the composer's check (twitter-text v3).
        """
        problems: list[str] = []
        videos = [m for m in variant.media if m.mime_type.startswith("video/")]
        if len(variant.media) > MAX_MEDIA:
            problems.append(f"X accepte au plus {MAX_MEDIA} images par publication")
        if videos and len(variant.media) > 1:
            problems.append("X accepte une seule vidéo, sans autre média, par publication")
        for video in videos:
            if video.mime_type not in VIDEO_TYPES:
                problems.append(f"X accepte les vidéos MP4 ou MOV, pas {video.mime_type}")
        return tuple(problems)

    def _post_once(
        self,
        text: str,
        *,
        reply_to: str | None,
        media: tuple[Media, ...],
        own: list[Candidate] | None,
    ) -> PublishResult:
        """`own` is the listing made before the first part; it is refreshed after an unsure answer."""
        listings = [own]

        def lookup() -> PublishResult | None:
            candidates = listings.pop() if listings and listings[-1] is not None else None
            if candidates is None:
                candidates = self._own_recent()
            found = find_earlier_attempt(
                text, candidates, now=self.clock(), lookback=self.lookback, in_reply_to=reply_to
            )
            return already(found) if found else None

        def create() -> PublishResult:
            body: dict[str, Any] = {"text": text}
            if media:
                body["media"] = {"media_ids": [self._upload(m) for m in media]}
            if reply_to:
                body["reply"] = {"in_reply_to_tweet_id": reply_to}
            data = self.api.post_json("/2/tweets", json=body)["data"]
            return PublishResult(
                remote_id=str(data["id"]),
                url=mapper.post_url(self.credentials.get("username", ""), str(data["id"])),
                published_at=self.clock(),
            )

        return publish_once(lookup=lookup, create=create, is_duplicate=is_duplicate)

    def _own_recent(self) -> list[Candidate]:
        """The account's posts and replies in the window, as candidates for an earlier attempt."""
        now = self.clock()
        body = self.api.get_json(
            f"/2/users/{self.user_id}/tweets",
            params={
                "max_results": 100,
                "start_time": mapper.iso(now - min(self.lookback, SEARCH_WINDOW)),
                FIELDS_PARAM: "created_at,conversation_id",
                "expansions": "referenced_posts",
            },
        )
        username = self.credentials.get("username", "")
        return [
            Candidate(
                remote_id=str(p["id"]),
                text=str(p.get("text") or ""),
                created_at=mapper.parse_time(p["created_at"]),
                url=mapper.post_url(username, str(p["id"])),
                in_reply_to=mapper.replied_to(p),
            )
            for p in body.get("data", [])
        ]

    def _upload(self, media: Media) -> str:
        """Images and GIFs in one request, videos in chunks; then the alt text, kept as metadata."""
        if media.mime_type.startswith("video/"):
            return self._upload_video(media)
        raw = Path(media.path).read_bytes()
        body = self.api.post_json(
            "/2/media/upload",
            json={
                "media": base64.b64encode(raw).decode("ascii"),
                "media_category": MEDIA_CATEGORIES.get(media.mime_type, "tweet_image"),
            },
            # Uploading twice only leaves an unused media that expires: safe to retry.
            idempotent=True,
        )
        media_id = str(body["data"]["id"])
        if media.alt_text:
            self.api.post_json(
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt_text[:1000]}}},
                idempotent=True,
            )
        return media_id

    def _upload_video(self, media: Media) -> str:
        """initialize, append each chunk, finalize, then wait while X transcodes the video."""
        if media.mime_type not in VIDEO_TYPES:
            reason = f"format vidéo refusé par X : {media.mime_type}"
            raise ContentRejected(
                self.network,
                reason,
                reason=reason,
                user_action="Convertissez la vidéo en MP4 (H.264) ou MOV avant de la publier sur X.",
            )
        raw = Path(media.path).read_bytes()
        init = self.api.post_json(
            "/2/media/upload/initialize",
            json={
                "media_type": media.mime_type,
                "total_bytes": len(raw),
                "media_category": "tweet_video",
            },
            idempotent=True,
        )
        media_id = str(init["data"]["id"])
        for index, start in enumerate(range(0, len(raw), VIDEO_CHUNK)):
            self.api.post(
                f"/2/media/upload/{media_id}/append",
                data={"segment_index": str(index)},
                files={
                    "media": (
                        "segment",
                        raw[start : start + VIDEO_CHUNK],
                        "application/octet-stream",
                    )
                },
                idempotent=True,  # the same segment index overwrites itself
            )
        final = self.api.post_json(f"/2/media/upload/{media_id}/finalize", idempotent=True)
        info = final.get("data", {}).get("processing_info")
        for _ in range(VIDEO_POLLS):
            if not info or info.get("state") not in {"pending", "in_progress"}:
                break
            self.sleep(float(info.get("check_after_secs") or 5))
            status = self.api.get_json(
                "/2/media/upload", params={"media_id": media_id, "command": "STATUS"}
            )
            info = status.get("data", {}).get("processing_info")
        state = (info or {}).get("state", "succeeded")
        if state == "failed":
            reason = "X n'a pas pu traiter la vidéo"
            raise ContentRejected(self.network, reason, reason=reason)
        if state != "succeeded":
            raise Transient(self.network, f"la vidéo {media_id} est toujours en traitement")
        return media_id

    @guarded
    def reply(self, parent_remote_id: str, text: str, idempotency_key: str) -> PublishResult:
        if idempotency_key in self._done:
            return as_already(self._done[idempotency_key])
        result = self._post_once(text, reply_to=parent_remote_id, media=(), own=None)
        self._done[idempotency_key] = result
        return result

    @guarded
    def delete(self, remote_id: str) -> None:
        body = self.api.request_json("DELETE", f"/2/tweets/{remote_id}")
        if not body.get("data", {}).get("deleted"):
            raise ContentRejected(self.network, f"suppression refusée : {body!r}"[:300])

    @guarded
    def hide_comment(self, remote_id: str, hidden: bool = True) -> None:
        """Hides a reply to one of the account's posts (X calls it « masquer la réponse »)."""
        body = self.api.request_json(
            "PUT", f"/2/tweets/{remote_id}/hidden", json={"hidden": hidden}
        )
        if body.get("data", {}).get("hidden") is not hidden:
            raise ContentRejected(self.network, f"masquage refusé : {body!r}"[:300])

    # ------------------------------------------------------------------ reading
    @guarded
    def fetch_posts(self, since: datetime) -> list[Post]:
        now = self.clock()
        found: list[Post] = []
        for body in self._pages(
            f"/2/users/{self.user_id}/tweets",
            {
                "max_results": 100,
                "start_time": mapper.iso(since),
                "exclude": "retweets,replies",
                FIELDS_PARAM: POST_FIELDS,
                "expansions": EXPANSIONS,
                "user.fields": USER_FIELDS,
            },
        ):
            users = mapper.users_by_id(body)
            found.extend(mapper.post_from(p, users, taken_at=now) for p in body.get("data", []))
        return found

    @guarded
    def fetch_comments(self, post_remote_id: str, since: datetime) -> list[Comment]:
        """Replies in the post's conversation (recent search: the last 7 days only)."""
        start = max(since, self.clock() - SEARCH_WINDOW + timedelta(minutes=1))
        found: list[Comment] = []
        for body in self._pages(
            "/2/tweets/search/recent",
            {
                "query": f"conversation_id:{post_remote_id}",
                "max_results": 100,
                "start_time": mapper.iso(start),
                FIELDS_PARAM: POST_FIELDS,
                "expansions": EXPANSIONS,
                "user.fields": USER_FIELDS,
            },
            token_param="next_token",
        ):
            users = mapper.users_by_id(body)
            found.extend(
                mapper.comment_from(p, users, conversation_id=post_remote_id)
                for p in body.get("data", [])
                if str(p["id"]) != post_remote_id
            )
        return found

    @guarded
    def fetch_mentions(self, since: datetime) -> list[Mention]:
        return self._mentions(
            f"/2/users/{self.user_id}/mentions",
            {"max_results": 100, "start_time": mapper.iso(since)},
            kind="mention",
        )

    @guarded
    def search(self, query: str, since: datetime) -> list[Mention]:
        start = max(since, self.clock() - SEARCH_WINDOW + timedelta(minutes=1))
        return self._mentions(
            "/2/tweets/search/recent",
            {
                "query": f"({query}) -is:retweet",
                "max_results": 100,
                "start_time": mapper.iso(start),
                "sort_order": "recency",
            },
            kind="search",
            token_param="next_token",
        )

    def _mentions(
        self, path: str, params: dict[str, Any], *, kind: str, token_param: str = "pagination_token"
    ) -> list[Mention]:
        found: list[Mention] = []
        full = {
            **params,
            FIELDS_PARAM: POST_FIELDS,
            "expansions": EXPANSIONS,
            "user.fields": USER_FIELDS,
        }
        for body in self._pages(path, full, token_param=token_param):
            users = mapper.users_by_id(body)
            found.extend(mapper.mention_from(p, users, kind) for p in body.get("data", []))
        return found

    def _pages(
        self, path: str, params: dict[str, Any], *, token_param: str = "pagination_token"
    ) -> list[dict[str, Any]]:
        """Pages of an X listing: `meta.next_token` goes back as `pagination_token` (or `next_token`)."""
        pages = list(
            self.api.paginate(
                path,
                params=params,
                items=lambda body: [body],
                next_page=lambda response, body: (
                    {token_param: body["meta"]["next_token"]}
                    if isinstance(body.get("meta"), dict) and body["meta"].get("next_token")
                    else None
                ),
                max_pages=10,
            )
        )
        return [p for p in pages if isinstance(p, dict)]

    @guarded
    def account_stats(self) -> AccountStats:
        body = self.api.get_json("/2/users/me", params={"user.fields": USER_FIELDS})
        return mapper.account_stats_from(body["data"], taken_at=self.clock())

    # ------------------------------------------------------------------ tokens and OAuth
    @guarded
    def verify_credentials(self) -> tuple[str, ...] | None:
        self.api.get_json("/2/users/me", params={"user.fields": "username"})
        return None  # X does not report the granted scopes outside the token response

    def authorization_url(
        self, state: str, redirect_uri: str, *, code_challenge: str | None = None
    ) -> str:
        if not code_challenge:
            raise ValueError("X exige PKCE : fournissez code_challenge (S256)")
        return build_authorization_url(
            AUTHORIZE_URL,
            {
                "response_type": "code",
                "client_id": self.oauth_app_setting("client_id"),
                "redirect_uri": redirect_uri,
                "scope": " ".join(SCOPES),
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            },
        )

    def exchange_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None
    ) -> TokenSet:
        if not code_verifier:
            raise ValueError("X exige PKCE : fournissez code_verifier")
        tokens = self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            previous=None,
        )
        me = self.api.get_json(
            "/2/users/me",
            params={"user.fields": "username"},
            headers={"Authorization": f"Bearer {tokens.access_token}"},
            authenticated=False,
        )["data"]
        return TokenSet(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scopes=tokens.scopes,
            extra={"user_id": str(me["id"]), "username": str(me.get("username", ""))},
        )

    @guarded
    def refresh(self, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise AuthExpired(self.network, "aucun jeton de renouvellement enregistré")
        return self._token_request(
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
            previous=tokens,
        )

    def _token_request(self, form: dict[str, str], *, previous: TokenSet | None) -> TokenSet:
        client_id = self.oauth_app_setting("client_id")
        secret = self.credentials.get("client_secret") or self.options.get("client_secret")
        headers: dict[str, str] = {}
        if secret:  # confidential client: HTTP Basic; public client: client_id in the body
            pair = f"{client_id}:{secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        payload = self.api.post_json(
            TOKEN_URL,
            data={**form, "client_id": client_id},
            headers=headers,
            authenticated=False,
        )
        return token_set_from_response(payload, now=self.clock(), previous=previous)
