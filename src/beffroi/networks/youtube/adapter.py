"""YouTube channel adapter (Data API v3): videos and their metadata, comment threads, moderation, statistics.

Publishing is a resumable upload: a POST with the metadata opens a session (nothing is published),
then a PUT sends the bytes. YouTube takes no idempotency key, and an upload is costly in quota: the
adapter tags each video with a marker derived from the idempotency key (tags are not shown to
viewers) and, before uploading, looks for that marker among the channel's latest uploads.

Credentials: `access_token`, `refresh_token`, `expires_at`, `channel_id`, `uploads_playlist_id`;
`client_id` and `client_secret` (the Google Cloud project of the deployment) for OAuth.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime
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
from beffroi.networks.errors import AuthExpired, CapabilityMissing, ContentRejected
from beffroi.networks.oauth import (
    build_authorization_url,
    token_set_from_response,
)
from beffroi.networks.registry import register_adapter
from beffroi.networks.types import (
    AccountStats,
    Capability,
    Comment,
    Mention,
    Post,
    PostVariant,
    PublishResult,
    TokenSet,
)
from beffroi.networks.youtube import mapper
from beffroi.networks.youtube.client import (
    API_BASE,
    AUTHORIZE_URL,
    CAPTIONS_UPLOAD_URL,
    SCOPES,
    TOKEN_URL,
    TOKENINFO_URL,
    UPLOAD_URL,
    YouTubeClient,
    google_error_parser,
)

TITLE_MAX = 100
DESCRIPTION_MAX_BYTES = 5000
NEWS_AND_POLITICS = "25"


def marker_tag(idempotency_key: str) -> str:
    """A tag that identifies one publication without revealing the key."""
    return "beffroi-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]


@register_adapter(Network.YOUTUBE)
class YouTubeAdapter(NetworkAdapter):
    network = Network.YOUTUBE
    OAUTH_APP = "le projet Google"
    capabilities = frozenset(
        {
            Capability.PUBLISH,
            Capability.DELETE,
            Capability.FETCH_POSTS,
            Capability.FETCH_COMMENTS,
            Capability.SEARCH,
            Capability.REPLY,
            Capability.HIDE_COMMENT,
            Capability.ACCOUNT_STATS,
        }
    )
    api_version = "v3"
    required_scopes = SCOPES
    max_text_length = DESCRIPTION_MAX_BYTES

    def __init__(self, credentials: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(credentials, **kwargs)
        self.channel_id = self.credentials.get("channel_id", "")
        self.lookback = lookback_of(self.options)
        self._done: dict[str, PublishResult] = {}
        refresh_hook: Callable[[], bool] | None = (
            self.refresh_tokens_once if self.credentials.get("refresh_token") else None
        )
        self.api = YouTubeClient(
            Network.YOUTUBE,
            API_BASE,
            token_getter=lambda: self.credentials.get("access_token"),
            on_unauthorized=refresh_hook,
            error_parser=google_error_parser(self.clock),
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
        if idempotency_key in self._done:
            return as_already(self._done[idempotency_key])
        if variant.reply_to_remote_id:
            return self.reply(variant.reply_to_remote_id, variant.text, idempotency_key)
        problems = self.preflight(variant)
        if problems:
            reason = " ; ".join(problems)
            raise ContentRejected(
                self.network,
                reason,
                reason=reason,
                user_action=f"YouTube refusera cette publication : « {reason} ». "
                "Joignez une (et une seule) vidéo à la version YouTube.",
            )
        videos = [m for m in variant.media if m.mime_type.startswith("video/")]
        tag = marker_tag(idempotency_key)
        metadata = self._metadata(variant, tag)
        result = publish_once(
            lookup=lambda: self._uploaded_with(tag),
            create=lambda: self._upload(metadata, Path(videos[0].path), videos[0].mime_type),
        )
        if videos[0].captions_path:
            # Checked on every attempt, so a retry after a failure here adds the missing track
            # without uploading the video again.
            self._ensure_captions(result.remote_id, Path(videos[0].captions_path))
        self._done[idempotency_key] = result
        return result

    def _ensure_captions(self, video_id: str, path: Path) -> None:
        """French subtitles (RGAA): one standard `fr` track, added once."""
        tracks = self.api.get_json("/captions", params={"part": "snippet", "videoId": video_id})
        for track in tracks.get("items", []):
            snippet = track.get("snippet", {})
            if snippet.get("language") == "fr" and snippet.get("trackKind") != "ASR":
                return
        boundary = "beffroi-" + hashlib.sha256(video_id.encode()).hexdigest()[:24]
        snippet = {"videoId": video_id, "language": "fr", "name": "Français", "isDraft": False}
        body = (
            (
                f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
                f"{json.dumps({'snippet': snippet})}\r\n"
                f"--{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + path.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        try:
            self.api.post(
                CAPTIONS_UPLOAD_URL,
                params={"uploadType": "multipart", "part": "snippet"},
                content=body,
                headers={"Content-Type": f"multipart/related; boundary={boundary}"},
                idempotent=True,  # the track list is checked first on every attempt
            )
        except ContentRejected as error:
            error.user_action = (
                f"La vidéo est publiée, mais YouTube a refusé les sous-titres : « {error.reason} ». "
                "Corrigez le fichier de sous-titres (WebVTT ou SRT), puis relancez."
            )
            raise

    def preflight(self, variant: PostVariant) -> tuple[str, ...]:
        """What YouTube will refuse in this variant, known before any call (in French)."""
        videos = [m for m in variant.media if m.mime_type.startswith("video/")]
        if len(videos) != 1 or len(variant.media) != 1:
            return ("YouTube publie exactement une vidéo, sans autre média, par publication",)
        return ()

    def _metadata(self, variant: PostVariant, tag: str) -> dict[str, Any]:
        text = variant.text
        if variant.link and variant.link not in text:
            text = f"{text}\n\n{variant.link}"
        title = (variant.title or text.splitlines()[0] if text else variant.title or "").strip()
        # YouTube refuses `<` and `>` in titles and descriptions (invalidTitle/invalidDescription).
        title = title.replace("<", "‹").replace(">", "›")[:TITLE_MAX]
        description = text.replace("<", "‹").replace(">", "›")
        description = description.encode()[:DESCRIPTION_MAX_BYTES].decode(errors="ignore")
        return {
            "snippet": {
                "title": title,
                "description": description,
                "tags": [tag],
                "categoryId": str(self.options.get("youtube_category_id", NEWS_AND_POLITICS)),
                "defaultLanguage": "fr",
            },
            "status": {
                "privacyStatus": "public",
                "selfDeclaredMadeForKids": False,
                "containsSyntheticMedia": False,
            },
        }

    def _upload(self, metadata: dict[str, Any], path: Path, mime_type: str) -> PublishResult:
        raw = path.read_bytes()
        session = self.api.post(
            UPLOAD_URL,
            params={"uploadType": "resumable", "part": "snippet,status"},
            json=metadata,
            headers={"X-Upload-Content-Type": mime_type, "X-Upload-Content-Length": str(len(raw))},
            idempotent=True,  # opening a session publishes nothing
        )
        location = session.headers.get("location")
        if not location:
            raise ContentRejected(self.network, "YouTube n'a pas ouvert de session d'envoi")
        video = self.api.request_json(
            "PUT", location, content=raw, headers={"Content-Type": mime_type}
        )
        return PublishResult(
            remote_id=str(video["id"]),
            url=mapper.video_url(str(video["id"])),
            published_at=mapper.parse_time(video["snippet"]["publishedAt"])
            if video.get("snippet", {}).get("publishedAt")
            else self.clock(),
        )

    def _uploads_playlist(self) -> str:
        cached = self.credentials.get("uploads_playlist_id")
        if cached:
            return cached
        body = self.api.get_json("/channels", params={"part": "contentDetails", "mine": "true"})
        items = body.get("items", [])
        if not items:
            raise CapabilityMissing(
                self.network,
                "channel",
                message="aucune chaîne YouTube sur ce compte Google",
                user_action="Créez la chaîne YouTube de la collectivité puis reconnectez le compte.",
            )
        playlist = str(items[0]["contentDetails"]["relatedPlaylists"]["uploads"])
        self.credentials["uploads_playlist_id"] = playlist
        return playlist

    def _latest_upload_ids(self, limit: int = 25) -> list[str]:
        body = self.api.get_json(
            "/playlistItems",
            params={
                "part": "snippet",
                "playlistId": self._uploads_playlist(),
                "maxResults": limit,
            },
        )
        return [
            str(item["snippet"]["resourceId"]["videoId"])
            for item in body.get("items", [])
            if item.get("snippet", {}).get("resourceId", {}).get("videoId")
        ]

    def _uploaded_with(self, tag: str) -> PublishResult | None:
        ids = self._latest_upload_ids()
        if not ids:
            return None
        body = self.api.get_json("/videos", params={"part": "snippet", "id": ",".join(ids)})
        for video in body.get("items", []):
            if tag in video.get("snippet", {}).get("tags", []):
                return PublishResult(
                    remote_id=str(video["id"]),
                    url=mapper.video_url(str(video["id"])),
                    published_at=mapper.parse_time(video["snippet"]["publishedAt"]),
                    already_published=True,
                )
        return None

    @guarded
    def reply(self, parent_remote_id: str, text: str, idempotency_key: str) -> PublishResult:
        """Answers a comment (YouTube threads are one level deep: the parent is a top-level comment)."""
        if idempotency_key in self._done:
            return as_already(self._done[idempotency_key])

        def lookup() -> PublishResult | None:
            body = self.api.get_json(
                "/comments",
                params={
                    "part": "snippet",
                    "parentId": parent_remote_id,
                    "maxResults": 100,
                    "textFormat": "plainText",
                },
            )
            own = [
                Candidate(
                    remote_id=str(c["id"]),
                    text=str(c["snippet"].get("textOriginal") or c["snippet"].get("textDisplay")),
                    created_at=mapper.parse_time(c["snippet"]["publishedAt"]),
                )
                for c in body.get("items", [])
                if c.get("snippet", {}).get("authorChannelId", {}).get("value") == self.channel_id
            ]
            found = find_earlier_attempt(text, own, now=self.clock(), lookback=self.lookback)
            return already(found) if found else None

        def create() -> PublishResult:
            body = self.api.post_json(
                "/comments",
                params={"part": "snippet"},
                json={"snippet": {"parentId": parent_remote_id, "textOriginal": text}},
            )
            return PublishResult(
                remote_id=str(body["id"]),
                url=None,
                published_at=mapper.parse_time(body["snippet"]["publishedAt"]),
            )

        result = publish_once(lookup=lookup, create=create)
        self._done[idempotency_key] = result
        return result

    @guarded
    def delete(self, remote_id: str) -> None:
        self.api.request("DELETE", "/videos", params={"id": remote_id})

    @guarded
    def hide_comment(self, remote_id: str, hidden: bool = True) -> None:
        """`heldForReview` hides a comment and can be undone; `rejected` would also hide its replies."""
        self.api.request(
            "POST",
            "/comments/setModerationStatus",
            params={
                "id": remote_id,
                "moderationStatus": "heldForReview" if hidden else "published",
            },
            idempotent=True,
        )

    # ------------------------------------------------------------------ reading
    @guarded
    def fetch_posts(self, since: datetime) -> list[Post]:
        ids: list[str] = []
        for item in self.api.paginate(
            "/playlistItems",
            params={"part": "snippet", "playlistId": self._uploads_playlist(), "maxResults": 50},
            items=lambda body: list(body.get("items", [])),
            next_page=_next_page_token,
            stop=lambda item: mapper.parse_time(item["snippet"]["publishedAt"]) < since,
        ):
            ids.append(str(item["snippet"]["resourceId"]["videoId"]))
        now = self.clock()
        posts: list[Post] = []
        for start in range(0, len(ids), 50):
            body = self.api.get_json(
                "/videos",
                params={
                    "part": "snippet,statistics,status",
                    "id": ",".join(ids[start : start + 50]),
                },
            )
            posts.extend(mapper.post_from(v, taken_at=now) for v in body.get("items", []))
        return [p for p in posts if p.published_at >= since]

    @guarded
    def fetch_comments(self, post_remote_id: str, since: datetime) -> list[Comment]:
        found: list[Comment] = []
        for thread in self.api.paginate(
            "/commentThreads",
            params={
                "part": "snippet,replies",
                "videoId": post_remote_id,
                "order": "time",
                "textFormat": "plainText",
                "maxResults": 100,
            },
            items=lambda body: list(body.get("items", [])),
            next_page=_next_page_token,
        ):
            found.extend(mapper.comments_from_thread(thread, video_id=post_remote_id))
        return [c for c in found if c.created_at >= since]

    @guarded
    def search(self, query: str, since: datetime) -> list[Mention]:
        """Videos about the query published since `since` (search.list costs 100 quota units)."""
        body = self.api.get_json(
            "/search",
            params={
                "part": "snippet",
                "q": query,
                "type": "video",
                "order": "date",
                "publishedAfter": mapper.rfc3339(since),
                "regionCode": "FR",
                "relevanceLanguage": "fr",
                "maxResults": 50,
            },
        )
        return [mapper.mention_from_search(r) for r in body.get("items", [])]

    @guarded
    def account_stats(self) -> AccountStats:
        body = self.api.get_json("/channels", params={"part": "statistics,snippet", "mine": "true"})
        items = body.get("items", [])
        if not items:
            raise CapabilityMissing(self.network, "channel", message="aucune chaîne YouTube")
        return mapper.account_stats_from(items[0], taken_at=self.clock())

    # ------------------------------------------------------------------ tokens and OAuth
    @guarded
    def verify_credentials(self) -> tuple[str, ...] | None:
        body = self.api.get_json(
            TOKENINFO_URL,
            params={"access_token": self.credentials.get("access_token", "")},
            authenticated=False,
        )
        return tuple(str(body.get("scope", "")).split())

    def authorization_url(
        self, state: str, redirect_uri: str, *, code_challenge: str | None = None
    ) -> str:
        return build_authorization_url(
            AUTHORIZE_URL,
            {
                "client_id": self.oauth_app_setting("client_id"),
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": " ".join(SCOPES),
                "state": state,
                # A refresh token is issued only with offline access, and again only on consent.
                "access_type": "offline",
                "prompt": "consent",
                "include_granted_scopes": "true",
                "code_challenge": code_challenge,
                "code_challenge_method": "S256" if code_challenge else None,
            },
        )

    @guarded
    def exchange_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None
    ) -> TokenSet:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        tokens = self._token_request(form, previous=None)
        body = self.api.get_json(
            "/channels",
            params={"part": "id,contentDetails", "mine": "true"},
            headers={"Authorization": f"Bearer {tokens.access_token}"},
            authenticated=False,
        )
        extra: dict[str, str] = {}
        if body.get("items"):
            channel = body["items"][0]
            extra = {
                "channel_id": str(channel["id"]),
                "uploads_playlist_id": str(
                    channel["contentDetails"]["relatedPlaylists"]["uploads"]
                ),
            }
        return TokenSet(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scopes=tokens.scopes,
            extra=extra,
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
        payload = self.api.post_json(
            TOKEN_URL,
            data={
                **form,
                "client_id": self.oauth_app_setting("client_id"),
                "client_secret": self.oauth_app_setting("client_secret"),
            },
            authenticated=False,
        )
        return token_set_from_response(payload, now=self.clock(), previous=previous)


def _next_page_token(response: Any, body: Any) -> dict[str, str] | None:
    token = body.get("nextPageToken") if isinstance(body, dict) else None
    return {"pageToken": str(token)} if token else None
