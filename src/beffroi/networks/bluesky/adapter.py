"""Bluesky over the AT Protocol's XRPC, with our HTTP client (httpx).

Why not the atproto SDK: every call here is one XRPC request with a JSON body, and speaking it
directly keeps timeouts, retries, rate limits and errors in our ApiClient; the SDK would add its own
models and client for no saved work.

Credentials: `pds_url` (https://bsky.social by default), and either `identifier` + `app_password`
(an app password made in Bluesky's settings), or a stored session (`access_token`, `refresh_token`,
`did`, `handle`). Sessions are refreshed on ExpiredToken; pass `on_tokens_refreshed=` to store the
new ones.

Exactly-once: the record key of a post is derived from the idempotency key (a TID, see
richtext.tid_from_key). Before creating, we read that key; after a lost answer, we read it again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from beffroi.core.domain import Network
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.bluesky import mapper
from beffroi.networks.bluesky.mapper import POST_COLLECTION, THREADGATE_COLLECTION, AtUri
from beffroi.networks.bluesky.richtext import (
    MAX_BYTES,
    MAX_GRAPHEMES,
    facets,
    grapheme_length,
    tid_from_key,
)
from beffroi.networks.dedupe import guarded
from beffroi.networks.errors import (
    AuthExpired,
    CapabilityMissing,
    ContentRejected,
    NotFound,
    PermissionMissing,
    RateLimited,
    Transient,
)
from beffroi.networks.http import ApiClient, ParsedError
from beffroi.networks.registry import register_adapter
from beffroi.networks.types import (
    AccountStats,
    Author,
    Capability,
    Comment,
    Media,
    Mention,
    Post,
    PostVariant,
    PublishResult,
    TokenSet,
)

DEFAULT_PDS = "https://bsky.social"
MAX_IMAGES = 4
MAX_PAGES = 20
NO_APPVIEW = "NoAppView"
_AUTH_ERRORS = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"}
_ACCOUNT_ERRORS = {"AccountTakedown", "AccountDeactivated", "AccountSuspended"}
APP_PASSWORD_HELP = (
    "Bluesky se connecte avec un mot de passe d'application : créez-en un dans Bluesky "
    "(Paramètres › Confidentialité et sécurité › Mots de passe d'application) et saisissez-le "
    "avec votre identifiant dans Beffroi."
)


def parse_error(response: httpx.Response) -> ParsedError | None:
    """XRPC errors: {"error": "ExpiredToken", "message": "Token has expired"}."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return ParsedError(message=text[:300]) if text else None
    if not isinstance(body, dict):
        return None
    name = str(body.get("error") or "")
    text = str(body.get("message") or name or response.reason_phrase)
    message = f"{name} : {text}" if name and text != name else text
    if name in _AUTH_ERRORS:
        return ParsedError(message=message, code=name, kind=AuthExpired)
    if name in _ACCOUNT_ERRORS:
        return ParsedError(message=message, code=name, kind=PermissionMissing)
    if name == "RateLimitExceeded":
        return ParsedError(message=message, code=name, kind=RateLimited)
    if name == "RecordNotFound" or name.endswith("NotFound"):
        return ParsedError(message=message, code=name, kind=NotFound)
    if name == "InvalidRequest" and "No service configured" in text:
        # A PDS with no AppView behind it (a bare self-hosted PDS): feeds and notifications are missing.
        return ParsedError(message=message, code=NO_APPVIEW, kind=NotFound)
    return ParsedError(message=message, code=name or None)


@register_adapter(Network.BLUESKY)
class BlueskyAdapter(NetworkAdapter):
    network = Network.BLUESKY
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
    max_text_length = MAX_GRAPHEMES

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        on_tokens_refreshed: Callable[[TokenSet], None] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(credentials, **options)
        creds = self.credentials
        self.pds_url = (creds.get("pds_url") or DEFAULT_PDS).rstrip("/")
        self._access = creds.get("access_token") or None
        self._refresh = creds.get("refresh_token") or None
        self.did = creds.get("did") or None
        self.handle = creds.get("handle") or None
        self._identifier = creds.get("identifier") or self.handle
        self._password = creds.get("app_password") or None
        self._on_tokens_refreshed = on_tokens_refreshed
        self._handles: dict[str, str | None] = {}
        self.client = ApiClient(
            self.network,
            self.pds_url,
            token_getter=lambda: self._access,
            on_unauthorized=self._renew,
            timeout=self.timeout,
            max_retries=self.max_retries,
            max_wait=float(options.get("max_wait", 120.0)),
            error_parser=parse_error,
            transport=self.transport,
            sleep=self.sleep,
            clock=lambda: self.clock().timestamp(),
        )

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ session
    def login(self) -> TokenSet:
        """Opens a session with the identifier and app password; returns the tokens to store."""
        if not (self._identifier and self._password):
            raise AuthExpired(
                self.network,
                "identifiant ou mot de passe d'application manquant",
                user_action=APP_PASSWORD_HELP,
            )
        body = self.client.post_json(
            "/xrpc/com.atproto.server.createSession",
            json={"identifier": self._identifier, "password": self._password},
            authenticated=False,
        )
        return self._adopt(body)

    def session_tokens(self) -> TokenSet:
        """The current session as a TokenSet, logging in first if needed."""
        self._ensure_session()
        return self._token_set()

    def has_credentials(self) -> bool:
        return bool(self._access or self._refresh or (self._identifier and self._password))

    def _ensure_session(self) -> None:
        if self._access and self.did:
            return
        if self._refresh and self._renew():
            return
        self.login()

    def _renew(self) -> bool:
        """Called on ExpiredToken: refreshSession, or a new session from the app password."""
        if self._refresh:
            try:
                body = self.client.post_json(
                    "/xrpc/com.atproto.server.refreshSession",
                    headers={"Authorization": f"Bearer {self._refresh}"},
                    authenticated=False,
                )
            except AuthExpired:
                self._refresh = None
            else:
                self._adopt(body)
                return True
        if self._password and self._identifier:
            self.login()
            return True
        return False

    def _adopt(self, body: Mapping[str, Any]) -> TokenSet:
        self._access = str(body["accessJwt"])
        self._refresh = str(body["refreshJwt"])
        self.did = str(body["did"])
        self.handle = str(body.get("handle") or self.handle or "")
        tokens = self._token_set()
        if self._on_tokens_refreshed is not None:
            self._on_tokens_refreshed(tokens)
        return tokens

    def _token_set(self) -> TokenSet:
        return TokenSet(
            access_token=self._access or "",
            refresh_token=self._refresh,
            expires_at=jwt_expiry(self._access) if self._access else None,
            extra={
                "did": self.did or "",
                "handle": self.handle or "",
                "pds_url": self.pds_url,
            },
        )

    # ------------------------------------------------------------------ publishing
    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishResult:
        self._check_text(variant.text, *variant.thread)
        self._check_media(variant.media)
        self._ensure_session()
        now = self.clock()
        first_record = self._post_record(variant.text, now)
        embed = self._embed(variant)
        if embed:
            first_record["embed"] = embed
        if variant.reply_to_remote_id:
            first_record["reply"] = self._reply_refs(variant.reply_to_remote_id)
        first = self._create_once(first_record, tid_from_key(idempotency_key))
        parts = [first]
        root_ref = {"uri": first.uri, "cid": first.cid}
        if variant.reply_to_remote_id:
            root_ref = first_record["reply"]["root"]
        for number, text in enumerate(variant.thread, start=1):
            record = self._post_record(text, now)
            record["reply"] = {
                "root": root_ref,
                "parent": {"uri": parts[-1].uri, "cid": parts[-1].cid},
            }
            parts.append(self._create_once(record, tid_from_key(f"{idempotency_key}:{number}")))
        return PublishResult(
            remote_id=first.uri,
            url=mapper.web_url(first.uri, self.handle),
            published_at=first.created_at,
            thread_remote_ids=tuple(p.uri for p in parts) if variant.thread else (),
            already_published=first.existed,
        )

    def reply(self, parent_remote_id: str, text: str, idempotency_key: str) -> PublishResult:
        self._check_text(text)
        self._ensure_session()
        record = self._post_record(text, self.clock())
        record["reply"] = self._reply_refs(parent_remote_id)
        created = self._create_once(record, tid_from_key(idempotency_key))
        return PublishResult(
            remote_id=created.uri,
            url=mapper.web_url(created.uri, self.handle),
            published_at=created.created_at,
            already_published=created.existed,
        )

    def delete(self, remote_id: str) -> None:
        self._ensure_session()
        at = self._own_uri(remote_id)
        self._get_record(at)  # NotFound when already gone: deleteRecord itself would not say
        self._procedure(
            "com.atproto.repo.deleteRecord",
            {"repo": at.repo, "collection": at.collection, "rkey": at.rkey},
            idempotent=True,
        )

    def hide_comment(self, remote_id: str, hidden: bool = True) -> None:
        """Adds the reply to (or removes it from) the hiddenReplies of the root post's threadgate."""
        self._ensure_session()
        reply_record = self._record_of(remote_id)
        root_uri = ((reply_record.get("reply") or {}).get("root") or {}).get("uri")
        if not root_uri:
            raise ContentRejected(
                self.network, "ce message n'est pas une réponse", reason="not_a_reply"
            )
        root = AtUri.parse(root_uri)
        if root.repo != self.did:
            raise PermissionMissing(
                self.network,
                "seules les réponses aux publications du compte peuvent être masquées",
                user_action="Masquez ou signalez ce message depuis l'application Bluesky.",
            )
        gate_uri = AtUri(root.repo, THREADGATE_COLLECTION, root.rkey)
        try:
            gate = dict(self._get_record(gate_uri)["value"])
        except NotFound:
            gate = {
                "$type": THREADGATE_COLLECTION,
                "post": root_uri,
                "createdAt": _iso(self.clock()),
            }
        replies = [uri for uri in gate.get("hiddenReplies", []) if uri != remote_id]
        if hidden:
            replies.append(remote_id)
        gate["hiddenReplies"] = replies
        self._procedure(
            "com.atproto.repo.putRecord",
            {
                "repo": root.repo,
                "collection": THREADGATE_COLLECTION,
                "rkey": root.rkey,
                "record": gate,
            },
            idempotent=True,
        )

    # ------------------------------------------------------------------ reading
    @guarded  # a payload missing a field: MalformedResponse, not KeyError
    def fetch_posts(self, since: datetime) -> list[Post]:
        self._ensure_session()
        now = self.clock()
        try:
            posts = [
                mapper.post_from_view(item["post"], now)
                for item in self._paged(
                    "app.bsky.feed.getAuthorFeed",
                    {"actor": self.did, "filter": "posts_no_replies", "limit": 100},
                    "feed",
                    stop=lambda item: mapper.parse_time(item["post"]["indexedAt"]) < since,
                )
                if "reason" not in item  # reposts of other people's posts
            ]
        except NotFound as error:
            if error.code != NO_APPVIEW:
                raise
            posts = self._posts_from_repository(since)
        return sorted(
            (p for p in posts if p.published_at >= since),
            key=lambda p: p.published_at,
            reverse=True,
        )

    @guarded
    def fetch_comments(self, post_remote_id: str, since: datetime) -> list[Comment]:
        self._ensure_session()
        body = self._query(
            "app.bsky.feed.getPostThread", uri=post_remote_id, depth=1000, parentHeight=0
        )
        thread = body["thread"]
        if thread.get("$type") != "app.bsky.feed.defs#threadViewPost":
            raise NotFound(self.network, f"publication introuvable : {post_remote_id}")
        gate = thread["post"].get("threadgate") or {}
        hidden = set((gate.get("record") or {}).get("hiddenReplies") or [])
        comments = [
            mapper.comment(view, parent, post_remote_id, view["uri"] in hidden)
            for view, parent in mapper.walk_replies(thread)
        ]
        return sorted((c for c in comments if c.created_at >= since), key=lambda c: c.created_at)

    @guarded
    def fetch_mentions(self, since: datetime) -> list[Mention]:
        self._ensure_session()
        notifications = self._paged(
            "app.bsky.notification.listNotifications",
            {"limit": 100, "reasons": ["mention", "quote"]},
            "notifications",
            stop=lambda n: mapper.parse_time(n["indexedAt"]) < since,
        )
        return [
            mapper.mention_from_notification(n)
            for n in notifications
            if n.get("reason") in ("mention", "quote")
        ]

    @guarded
    def search(self, query: str, since: datetime) -> list[Mention]:
        if not query.strip():
            raise ContentRejected(self.network, "recherche vide", reason="empty query")
        self._ensure_session()
        views = self._paged(
            "app.bsky.feed.searchPosts",
            {"q": query, "sort": "latest", "since": _iso(since), "limit": 100},
            "posts",
            max_pages=5,
        )
        found = [mapper.mention_from_view(v, "search") for v in views]
        return [m for m in found if m.created_at >= since]

    @guarded
    def account_stats(self) -> AccountStats:
        self._ensure_session()
        profile = self._query("app.bsky.actor.getProfile", actor=self.did)
        return mapper.account_stats(profile, self.clock())

    # ------------------------------------------------------------------ tokens and OAuth
    def verify_credentials(self) -> tuple[str, ...] | None:
        self._ensure_session()
        self._query("com.atproto.server.getSession")
        return None  # app passwords carry no scopes

    def authorization_url(
        self, state: str, redirect_uri: str, *, code_challenge: str | None = None
    ) -> str:
        raise CapabilityMissing(self.network, "oauth", user_action=APP_PASSWORD_HELP)

    def exchange_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None
    ) -> TokenSet:
        raise CapabilityMissing(self.network, "oauth", user_action=APP_PASSWORD_HELP)

    def refresh(self, tokens: TokenSet) -> TokenSet:
        self._refresh = tokens.refresh_token
        self._access = None
        if not self._renew():
            raise AuthExpired(self.network, "session expirée", user_action=APP_PASSWORD_HELP)
        return self._token_set()

    # ------------------------------------------------------------------ internals
    def _query(self, nsid: str, **params: Any) -> Any:
        return self.client.get_json(f"/xrpc/{nsid}", params=params)

    def _procedure(self, nsid: str, body: Mapping[str, Any], *, idempotent: bool = False) -> Any:
        response = self.client.request("POST", f"/xrpc/{nsid}", json=body, idempotent=idempotent)
        return self.client.json_of(response) if response.content else {}

    def _paged(
        self,
        nsid: str,
        params: Mapping[str, Any],
        key: str,
        *,
        stop: Callable[[Any], bool] | None = None,
        max_pages: int = MAX_PAGES,
    ) -> list[Any]:
        return list(
            self.client.paginate(
                f"/xrpc/{nsid}",
                params=params,
                items=lambda body: list(body.get(key) or []),
                next_page=lambda _r, body: (
                    {"cursor": body["cursor"]} if body.get("cursor") else None
                ),
                stop=stop,
                max_pages=max_pages,
            )
        )

    def _posts_from_repository(self, since: datetime) -> list[Post]:
        """Without an AppView: the repository's own post records (no counts). Record keys made from
        idempotency keys are not in time order, so the whole collection is read, page by page."""
        me = Author(
            remote_id=self.did or "",
            handle=self.handle or "",
            url=f"https://bsky.app/profile/{self.handle}",
        )
        records = self._paged(
            "com.atproto.repo.listRecords",
            {"repo": self.did, "collection": POST_COLLECTION, "limit": 100},
            "records",
        )
        return [
            mapper.post_from_record(r, me)
            for r in records
            if "reply" not in r["value"] and mapper.parse_time(r["value"]["createdAt"]) >= since
        ]

    def _get_record(self, at: AtUri) -> Mapping[str, Any]:
        body: Mapping[str, Any] = self._query(
            "com.atproto.repo.getRecord", repo=at.repo, collection=at.collection, rkey=at.rkey
        )
        return body

    def _record_of(self, uri: str) -> Mapping[str, Any]:
        """A post's record: from the AppView (any repository), or our PDS when there is none."""
        try:
            body = self._query("app.bsky.feed.getPosts", uris=[uri])
        except NotFound as error:
            if error.code != NO_APPVIEW:
                raise
        else:
            if body.get("posts"):
                record: Mapping[str, Any] = body["posts"][0]["record"]
                return record
        value: Mapping[str, Any] = self._get_record(AtUri.parse(uri))["value"]
        return value

    def _reply_refs(self, parent_uri: str) -> dict[str, Any]:
        """{root, parent} strong references (uri + cid) for a reply to `parent_uri`."""
        try:
            body = self._query("app.bsky.feed.getPosts", uris=[parent_uri])
            views = body.get("posts") or []
            if not views:
                raise NotFound(self.network, f"message introuvable : {parent_uri}")
            parent = {"uri": views[0]["uri"], "cid": views[0]["cid"]}
            record = views[0]["record"]
        except NotFound as error:
            if error.code != NO_APPVIEW:
                raise
            found = self._get_record(AtUri.parse(parent_uri))
            parent = {"uri": found["uri"], "cid": found["cid"]}
            record = found["value"]
        root = (record.get("reply") or {}).get("root") or parent
        return {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent}

    def _create_once(self, record: dict[str, Any], rkey: str) -> _Created:
        """Creates the record under `rkey` unless it exists; after a lost answer, looks again."""
        at = AtUri(self.did or "", POST_COLLECTION, rkey)
        existing = self._existing(at)
        if existing is not None:
            return existing
        attempt = 0
        while True:
            try:
                body = self._procedure(
                    "com.atproto.repo.createRecord",
                    {
                        "repo": at.repo,
                        "collection": POST_COLLECTION,
                        "rkey": rkey,
                        "record": record,
                        "validate": True,
                    },
                )
            except Transient:
                # The PDS may have written the record before failing to answer (or answers 500 to a
                # duplicate key): read it back rather than post again.
                existing = self._existing(at)
                if existing is not None:
                    return existing
                if attempt >= self.max_retries:
                    raise
                self.sleep(2.0**attempt)
                attempt += 1
                continue
            return _Created(
                str(body["uri"]), str(body["cid"]), mapper.parse_time(record["createdAt"]), False
            )

    def _existing(self, at: AtUri) -> _Created | None:
        try:
            found = self._get_record(at)
        except NotFound:
            return None
        return _Created(
            str(found["uri"]),
            str(found["cid"]),
            mapper.parse_time(found["value"]["createdAt"]),
            True,
        )

    def _post_record(self, text: str, now: datetime) -> dict[str, Any]:
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": _iso(now),
            "langs": ["fr"],
        }
        found = facets(text, self._resolve_handle)
        if found:
            record["facets"] = found
        return record

    def _resolve_handle(self, handle: str) -> str | None:
        if handle not in self._handles:
            try:
                body = self._query("com.atproto.identity.resolveHandle", handle=handle)
            except (NotFound, ContentRejected):
                self._handles[handle] = None
            else:
                self._handles[handle] = str(body["did"])
        return self._handles[handle]

    def _embed(self, variant: PostVariant) -> dict[str, Any] | None:
        if variant.media:
            return {
                "$type": "app.bsky.embed.images",
                "images": [self._image(m) for m in variant.media],
            }
        if variant.link:
            return {
                "$type": "app.bsky.embed.external",
                "external": {
                    "uri": variant.link,
                    "title": variant.title or variant.link,
                    "description": "",
                },
            }
        return None

    def _image(self, media: Media) -> dict[str, Any]:
        try:
            data = Path(media.path).read_bytes()
        except OSError as error:
            raise ContentRejected(
                self.network, f"image illisible : {media.path} ({error})", reason="media"
            ) from error
        # uploadBlob is content-addressed: sending the same bytes twice gives the same blob.
        body = self.client.post_json(
            "/xrpc/com.atproto.repo.uploadBlob",
            content=data,
            headers={"Content-Type": media.mime_type},
            idempotent=True,
        )
        image: dict[str, Any] = {"image": body["blob"], "alt": media.alt_text}
        if media.width and media.height:
            image["aspectRatio"] = {"width": media.width, "height": media.height}
        return image

    def _check_text(self, *texts: str) -> None:
        for text in texts:
            length = grapheme_length(text)
            if length > MAX_GRAPHEMES or len(text.encode("utf-8")) > MAX_BYTES:
                raise ContentRejected(
                    self.network,
                    f"texte de {length} caractères, Bluesky en accepte {MAX_GRAPHEMES}",
                    reason="text_too_long",
                    user_action="Raccourcissez le message ou découpez-le en fil.",
                )

    def _check_media(self, media: tuple[Media, ...]) -> None:
        if len(media) > MAX_IMAGES:
            raise ContentRejected(
                self.network,
                f"{len(media)} images, Bluesky en accepte {MAX_IMAGES}",
                reason="too_many_images",
            )
        for item in media:
            if not item.mime_type.startswith("image/"):
                raise ContentRejected(
                    self.network,
                    f"média {item.mime_type} non pris en charge par Beffroi sur Bluesky (images seulement)",
                    reason="media_type",
                )

    def _own_uri(self, uri: str) -> AtUri:
        try:
            at = AtUri.parse(uri)
        except ValueError as error:
            raise NotFound(self.network, str(error)) from error
        if at.repo != self.did:
            raise PermissionMissing(self.network, "ce message n'appartient pas au compte")
        return at


@dataclass(frozen=True, slots=True)
class _Created:
    uri: str
    cid: str
    created_at: datetime
    existed: bool  # found under its record key rather than created by this call


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a session JWT (read, not verified: the PDS verifies it)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return None
