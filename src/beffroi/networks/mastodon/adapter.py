"""Mastodon: statuses with Idempotency-Key, media with descriptions, notifications, hashtag timelines.

Built on Mastodon.py, whose HTTP goes through our ApiClient (see bridge.py), so that timeouts,
retries, rate limits and errors are the same as for every other network. Credentials:
`instance_url`, `access_token`, and for the OAuth flow `client_id` / `client_secret` (the app
registered on that instance).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, TypeVar

import httpx
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonFileNotFoundError,
    MastodonIllegalArgumentError,
    MastodonIOError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonUnauthorizedError,
)

from beffroi.core.domain import Network
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.dedupe import guarded
from beffroi.networks.errors import (
    ApiDeprecated,
    AuthExpired,
    ContentRejected,
    MalformedResponse,
    NetworkError,
    NotFound,
    RateLimited,
    Transient,
)
from beffroi.networks.http import ApiClient, ParsedError
from beffroi.networks.mastodon import mapper
from beffroi.networks.mastodon.bridge import bridged_session
from beffroi.networks.oauth import build_authorization_url, token_set_from_response
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

T = TypeVar("T")
# The Mastodon.py feature level we rely on; we never ask the server (no extra /api/v1/instance call).
ASSUMED_SERVER_VERSION = "4.3.0"
OAUTH_SCOPES = "read write"
# Granular scopes that together amount to the broad ones Beffroi asks for.
_GRANULAR = {
    "read": {"read:statuses", "read:notifications", "read:accounts", "read:search"},
    "write": {"write:statuses", "write:media"},
}
MAX_PAGES = 20
_URL = re.compile(r"https?://\S+")
_REMOTE_MENTION = re.compile(r"(@\w+)@[\w.-]+\w")
MEDIA_POLLS = 8


def parse_error(response: httpx.Response) -> ParsedError | None:
    """Mastodon's Error entity: {"error": "...", "error_description": "..."}."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return ParsedError(message=text[:300]) if text else None
    if not isinstance(body, dict) or "error" not in body:
        return None
    message = str(body["error"])
    if body.get("error_description"):
        message = f"{message} : {body['error_description']}"
    if response.status_code == 403 and "scope" in message.lower():
        return ParsedError(message=message, missing_scopes=("read", "write"))
    return ParsedError(message=message)


@register_adapter(Network.MASTODON)
class MastodonAdapter(NetworkAdapter):
    network = Network.MASTODON
    capabilities = frozenset(
        {
            Capability.PUBLISH,
            Capability.DELETE,
            Capability.FETCH_POSTS,
            Capability.FETCH_COMMENTS,
            Capability.FETCH_MENTIONS,
            Capability.SEARCH,
            Capability.REPLY,
            Capability.ACCOUNT_STATS,
            Capability.THREADS,
        }
    )
    max_text_length = 500  # the default of Mastodon; instances may allow more
    required_scopes = ("read", "write")

    def __init__(self, credentials: Mapping[str, str], **options: Any) -> None:
        super().__init__(credentials, **options)
        instance = self.credentials.get("instance_url", "").rstrip("/")
        if not instance.startswith(("http://", "https://")):
            raise AuthExpired(
                self.network,
                "adresse de l'instance manquante ou invalide",
                user_action="Reconnectez le compte en indiquant l'adresse de l'instance (https://…).",
            )
        self.instance_url = instance
        self.client = ApiClient(
            self.network,
            instance,
            timeout=self.timeout,
            max_retries=self.max_retries,
            max_wait=float(options.get("max_wait", 120.0)),
            error_parser=parse_error,
            transport=self.transport,
            sleep=self.sleep,
            clock=lambda: self.clock().timestamp(),
        )
        session, self.bridge = bridged_session(self.client)
        self.api = Mastodon(
            access_token=self.credentials.get("access_token") or None,
            api_base_url=instance,
            session=session,
            ratelimit_method="throw",
            version_check_mode="created",  # trust ASSUMED_SERVER_VERSION, never ask the server
            mastodon_version=ASSUMED_SERVER_VERSION,
            user_agent="Beffroi/0.1",
        )
        self._me: Mapping[str, Any] | None = None

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ publishing
    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishResult:
        text = _with_link(variant.text, variant.link)
        self._check_length(text, *variant.thread)
        media_ids = [self._upload(media) for media in variant.media]
        first = self._status_post(
            text, idempotency_key, media_ids=media_ids, in_reply_to=variant.reply_to_remote_id
        )
        ids = [str(first["id"])]
        for number, part in enumerate(variant.thread, start=1):
            # Each part has its own key derived from the publication's: a retry resumes the thread.
            following = self._status_post(part, f"{idempotency_key}:{number}", in_reply_to=ids[-1])
            ids.append(str(following["id"]))
        return PublishResult(
            remote_id=ids[0],
            url=first.get("url") or first.get("uri"),
            published_at=mapper.parse_time(first["created_at"]),
            thread_remote_ids=tuple(ids) if variant.thread else (),
        )

    def reply(self, parent_remote_id: str, text: str, idempotency_key: str) -> PublishResult:
        parent = self._call(self.api.status, parent_remote_id)
        acct = str(parent["account"]["acct"])
        me = self._account()
        # On Mastodon a reply names whom it answers, or they are not notified.
        if str(parent["account"]["id"]) != str(me["id"]) and f"@{acct}" not in text:
            text = f"@{acct} {text}"
        self._check_length(text)
        status = self._status_post(text, idempotency_key, in_reply_to=parent_remote_id)
        return PublishResult(
            remote_id=str(status["id"]),
            url=status.get("url") or status.get("uri"),
            published_at=mapper.parse_time(status["created_at"]),
        )

    def delete(self, remote_id: str) -> None:
        self._call(self.api.status_delete, remote_id)

    # ------------------------------------------------------------------ reading
    @guarded  # a payload missing a field: MalformedResponse, not KeyError
    def fetch_posts(self, since: datetime) -> list[Post]:
        me = self._account()
        now = self.clock()
        first = self._call(self.api.account_statuses, me["id"], exclude_reblogs=True, limit=40)
        return [
            mapper.post(status, now)
            for status in self._walk(first, since)
            if status.get("reblog") is None
        ]

    @guarded
    def fetch_comments(self, post_remote_id: str, since: datetime) -> list[Comment]:
        context = self._call(self.api.status_context, post_remote_id)
        comments = [mapper.comment(s, post_remote_id) for s in context["descendants"]]
        return [c for c in comments if c.created_at >= since]

    @guarded
    def fetch_mentions(self, since: datetime) -> list[Mention]:
        first = self._call(self.api.notifications, types=["mention"], limit=40)
        mentions = []
        for notification in self._walk(first, since):
            status = notification.get("status")
            if status is not None:
                mentions.append(mapper.mention(status, "mention"))
        return mentions

    @guarded
    def search(self, query: str, since: datetime) -> list[Mention]:
        """A #hashtag reads the hashtag timeline; other words use full-text search (where the instance offers it)."""
        query = query.strip()
        if not query:
            raise ContentRejected(self.network, "recherche vide", reason="empty query")
        if query.startswith("#") and " " not in query:
            first = self._call(self.api.timeline_hashtag, query[1:], limit=40)
            return [mapper.mention(s, "search") for s in self._walk(first, since)]
        found = self._call(self.api.search_v2, query, resolve=False, result_type="statuses")
        statuses = found["statuses"] if isinstance(found, Mapping) else found.statuses
        results = [mapper.mention(s, "search") for s in statuses]
        return [m for m in results if m.created_at >= since]

    @guarded
    def account_stats(self) -> AccountStats:
        self._me = None
        return mapper.account_stats(self._account(), self.clock())

    # ------------------------------------------------------------------ tokens and OAuth
    def verify_credentials(self) -> tuple[str, ...] | None:
        self._me = None
        self._account()  # AuthExpired when the token was revoked
        if self.bridge.deprecated_endpoints:
            raise ApiDeprecated(
                self.network,
                "points d'API signalés obsolètes par l'instance : "
                + ", ".join(sorted(self.bridge.deprecated_endpoints)),
                version="v1",
            )
        try:
            app = self._call(self.api.app_verify_credentials)
        except (NotFound, AuthExpired):
            # The account call above proved the token works; some servers only accept app tokens here.
            return None
        scopes = app.get("scopes") if isinstance(app, Mapping) else None
        if not scopes:
            return None  # servers before 4.3 do not tell the scopes
        return effective_scopes(tuple(str(s) for s in scopes))

    def authorization_url(
        self, state: str, redirect_uri: str, *, code_challenge: str | None = None
    ) -> str:
        return build_authorization_url(
            f"{self.instance_url}/oauth/authorize",
            {
                "response_type": "code",
                "client_id": self.credentials.get("client_id"),
                "redirect_uri": redirect_uri,
                "scope": OAUTH_SCOPES,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256" if code_challenge else None,
            },
        )

    def exchange_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None
    ) -> TokenSet:
        payload = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": self.credentials.get("client_id", ""),
            "client_secret": self.credentials.get("client_secret", ""),
            "redirect_uri": redirect_uri,
            "scope": OAUTH_SCOPES,
        }
        if code_verifier:
            payload["code_verifier"] = code_verifier
        body = self.client.post_json("/oauth/token", data=payload, authenticated=False)
        tokens = token_set_from_response(body, now=self.clock())
        return TokenSet(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scopes=tokens.scopes,
            extra={
                "instance_url": self.instance_url,
                "client_id": self.credentials.get("client_id", ""),
                "client_secret": self.credentials.get("client_secret", ""),
            },
        )

    # ------------------------------------------------------------------ internals
    def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Calls Mastodon.py and turns its exceptions into ours (the ApiClient's, when it raised first)."""
        try:
            return method(*args, **kwargs)
        except MastodonError as exc:
            raise self._translate(exc) from exc

    def _translate(self, exc: MastodonError) -> NetworkError:
        inner: BaseException | None = exc
        while inner is not None:
            if isinstance(inner, NetworkError):
                return inner
            inner = inner.__cause__ or inner.__context__
        message = str(exc)
        if isinstance(exc, MastodonRatelimitError):
            return RateLimited(self.network, message, retry_after=60.0)
        if isinstance(exc, MastodonNotFoundError):
            return NotFound(self.network, message)
        if isinstance(exc, MastodonUnauthorizedError):
            return AuthExpired(self.network, message)
        if isinstance(exc, MastodonFileNotFoundError | MastodonIllegalArgumentError):
            return ContentRejected(self.network, message, reason="media")
        if isinstance(exc, MastodonIOError):
            return Transient(self.network, message)
        if isinstance(exc, MastodonAPIError) and "parse response as JSON" in message:
            return MalformedResponse(self.network, message)
        return NetworkError(self.network, message)

    def _account(self) -> Mapping[str, Any]:
        if self._me is None:
            self._me = self._call(self.api.account_verify_credentials)
        return self._me

    def _status_post(
        self,
        text: str,
        idempotency_key: str,
        *,
        media_ids: list[str] | None = None,
        in_reply_to: str | None = None,
    ) -> Mapping[str, Any]:
        # Mastodon keeps the Idempotency-Key for an hour: the same key returns the same status.
        return self._call(
            self.api.status_post,
            text,
            in_reply_to_id=in_reply_to,
            media_ids=media_ids or None,
            visibility="public",
            language="fr",
            idempotency_key=idempotency_key,
        )

    def _upload(self, media: Media) -> str:
        attachment = self._call(
            self.api.media_post,
            media.path,
            mime_type=media.mime_type,
            description=media.alt_text or None,
        )
        # Large files are processed asynchronously (HTTP 202, url null): wait before attaching.
        polls = 0
        while attachment.get("url") is None and polls < MEDIA_POLLS:
            self.sleep(min(2.0**polls, 15.0))
            attachment = self._call(self.api.media, attachment["id"])
            polls += 1
        if attachment.get("url") is None:
            raise Transient(
                self.network, "le média est encore en cours de traitement par l'instance"
            )
        return str(attachment["id"])

    def _walk(self, first: Any, since: datetime) -> Iterator[Mapping[str, Any]]:
        """Follows the Link headers newest to oldest, stopping at the first item older than `since`."""
        page = first
        for _ in range(MAX_PAGES):
            if not page:
                return
            for item in page:
                if mapper.parse_time(item["created_at"]) < since:
                    return
                yield item
            page = self._call(self.api.fetch_next, page)

    def _check_length(self, *texts: str) -> None:
        # Instances may raise the limit (configuration.statuses.max_characters of /api/v2/instance);
        # the connection page stores it as `max_characters`.
        limit = int(self.credentials.get("max_characters") or self.max_text_length or 500)
        for text in texts:
            length = mastodon_length(text)
            if length > limit:
                raise ContentRejected(
                    self.network,
                    f"texte de {length} caractères, l'instance en accepte {limit}",
                    reason="text_too_long",
                    user_action="Raccourcissez le message ou découpez-le en fil.",
                )


def mastodon_length(text: str) -> int:
    """Mastodon's count: every link weighs 23 characters, a remote mention only its @user part."""
    text = _URL.sub("x" * 23, text)
    text = _REMOTE_MENTION.sub(lambda m: m.group(1), text)
    return len(text)


def effective_scopes(granted: tuple[str, ...]) -> tuple[str, ...]:
    """Adds "read"/"write" when the granular scopes granted cover what Beffroi uses."""
    scopes = set(granted)
    for broad, parts in _GRANULAR.items():
        if parts <= scopes:
            scopes.add(broad)
    return tuple(sorted(scopes))


def _with_link(text: str, link: str | None) -> str:
    if link and link not in text:
        return f"{text}\n\n{link}"
    return text
