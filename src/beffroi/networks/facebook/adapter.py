"""Facebook Page adapter over the Graph API: page feed and photos, comments, hiding, insights.

Credentials: `access_token` (the Page token), `page_id`; for OAuth, `client_id` and `client_secret`
(the Meta app of the deployment) and, after a connection, `user_token` (long-lived user token).
"""

from __future__ import annotations

from collections.abc import Mapping
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
from beffroi.networks.errors import (
    ApiDeprecated,
    ContentRejected,
)
from beffroi.networks.facebook import mapper
from beffroi.networks.facebook.graph import (
    GRAPH_VERSION,
    GRAPH_VIDEO_HOST,
    LOCALE,
    graph_client,
    graph_items,
    graph_next_page,
    parse_graph_time,
    rejected_action,
    served_version,
    unix,
)
from beffroi.networks.facebook.oauth import (
    choose_page,
    meta_authorization_url,
    meta_debug_token,
    meta_exchange_code,
    meta_pages,
    meta_refresh,
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

DUPLICATE_CODE = "506"


@register_adapter(Network.FACEBOOK)
class FacebookAdapter(NetworkAdapter):
    network = Network.FACEBOOK
    OAUTH_APP = "l'application Meta"
    capabilities = frozenset(
        {
            Capability.PUBLISH,
            Capability.DELETE,
            Capability.FETCH_POSTS,
            Capability.FETCH_COMMENTS,
            Capability.FETCH_MENTIONS,
            Capability.REPLY,
            Capability.HIDE_COMMENT,
            Capability.ACCOUNT_STATS,
            Capability.WEBHOOKS,
        }
    )
    api_version = GRAPH_VERSION
    required_scopes = (
        "pages_show_list",
        "pages_manage_posts",
        "pages_read_engagement",
        "pages_manage_engagement",
        "pages_read_user_content",
        "read_insights",
    )
    max_text_length = 63206

    def __init__(self, credentials: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(credentials, **kwargs)
        self.page_id = self.credentials.get("page_id", "")
        self.api = graph_client(self)
        self.lookback = lookback_of(self.options)
        self._done: dict[str, PublishResult] = {}

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
                self.network, reason, reason=reason, user_action=rejected_action("Facebook", reason)
            )
        result = publish_once(
            lookup=lambda: self._earlier_post(variant.text),
            create=lambda: self._create_post(variant),
            is_duplicate=lambda error: (error.code or "").startswith(DUPLICATE_CODE),
        )
        self._done[idempotency_key] = result
        return result

    def preflight(self, variant: PostVariant) -> tuple[str, ...]:
        """What Facebook will refuse in this variant, known before any call (in French)."""
        problems: list[str] = []
        videos = [m for m in variant.media if m.mime_type.startswith("video/")]
        if len(videos) > 1:
            problems.append("Facebook publie une seule vidéo par publication")
        if videos and len(videos) < len(variant.media):
            problems.append("Facebook ne mélange pas vidéo et photos dans une même publication")
        if len(variant.text) > self.max_text_length:
            problems.append(f"le texte dépasse {self.max_text_length} caractères")
        return tuple(problems)

    def _create_post(self, variant: PostVariant) -> PublishResult:
        images = [m for m in variant.media if m.mime_type.startswith("image/")]
        videos = [m for m in variant.media if m.mime_type.startswith("video/")]
        if videos:
            remote_id = self._post_video(variant, videos[0])
        elif len(images) == 1:
            remote_id = self._post_photo(images[0], caption=_with_link(variant), published=True)
        elif images:
            media_ids = [self._post_photo(m, caption="", published=False) for m in images]
            data: dict[str, Any] = {"message": _with_link(variant)}
            for i, media_id in enumerate(media_ids):
                data[f"attached_media[{i}]"] = f'{{"media_fbid":"{media_id}"}}'
            remote_id = self._post_id(
                self.api.post_json(f"/{self.page_id}/feed", data=data, params=LOCALE)
            )
        else:
            data = {"message": variant.text}
            if variant.link:
                data["link"] = variant.link
            remote_id = self._post_id(
                self.api.post_json(f"/{self.page_id}/feed", data=data, params=LOCALE)
            )
        return PublishResult(
            remote_id=remote_id,
            url=f"https://www.facebook.com/{remote_id}",
            published_at=self.clock(),
        )

    def _post_photo(self, media: Media, *, caption: str, published: bool) -> str:
        data: dict[str, Any] = {"published": "true" if published else "false"}
        if caption:
            data["caption"] = caption
        if media.alt_text:
            data["alt_text_custom"] = media.alt_text
        files = None
        if media.path.startswith(("http://", "https://")):
            data["url"] = media.path
        else:
            files = {
                "source": (Path(media.path).name, Path(media.path).read_bytes(), media.mime_type)
            }
        body = self.api.post_json(f"/{self.page_id}/photos", data=data, files=files, params=LOCALE)
        # A published photo is a post (`post_id`); an unpublished one is only a photo to attach.
        return str(body.get("post_id") or body["id"]) if published else str(body["id"])

    def _post_video(self, variant: PostVariant, media: Media) -> str:
        data: dict[str, Any] = {"description": variant.text}
        if variant.title:
            data["title"] = variant.title
        files = None
        if media.path.startswith(("http://", "https://")):
            data["file_url"] = media.path
        else:
            files = {
                "source": (Path(media.path).name, Path(media.path).read_bytes(), media.mime_type)
            }
        body = self.api.post_json(
            f"{GRAPH_VIDEO_HOST}/{GRAPH_VERSION}/{self.page_id}/videos",
            data=data,
            files=files,
            params=LOCALE,
        )
        return str(body["id"])

    @staticmethod
    def _post_id(body: Any) -> str:
        return str(body["id"])

    def _earlier_post(self, text: str) -> PublishResult | None:
        now = self.clock()
        body = self.api.get_json(
            f"/{self.page_id}/published_posts",
            params={
                "fields": "id,message,created_time,permalink_url",
                "since": unix(now - self.lookback),
                "limit": 50,
                **LOCALE,
            },
        )
        candidates = [
            Candidate(
                remote_id=str(node["id"]),
                text=str(node.get("message") or ""),
                created_at=parse_graph_time(node["created_time"]),
                url=node.get("permalink_url"),
            )
            for node in graph_items(body)
        ]
        found = find_earlier_attempt(text, candidates, now=now, lookback=self.lookback)
        return already(found) if found else None

    @guarded
    def reply(self, parent_remote_id: str, text: str, idempotency_key: str) -> PublishResult:
        if idempotency_key in self._done:
            return as_already(self._done[idempotency_key])

        def lookup() -> PublishResult | None:
            body = self.api.get_json(
                f"/{parent_remote_id}/comments",
                params={
                    "fields": "id,message,created_time,from{id},permalink_url",
                    "filter": "stream",
                    "order": "reverse_chronological",
                    "limit": 100,
                },
            )
            own = [
                Candidate(
                    remote_id=str(c["id"]),
                    text=str(c.get("message") or ""),
                    created_at=parse_graph_time(c["created_time"]),
                    url=c.get("permalink_url"),
                )
                for c in graph_items(body)
                if str((c.get("from") or {}).get("id", "")) == self.page_id
            ]
            found = find_earlier_attempt(text, own, now=self.clock(), lookback=self.lookback)
            return already(found) if found else None

        def create() -> PublishResult:
            body = self.api.post_json(
                f"/{parent_remote_id}/comments", data={"message": text}, params=LOCALE
            )
            return PublishResult(remote_id=str(body["id"]), url=None, published_at=self.clock())

        result = publish_once(lookup=lookup, create=create)
        self._done[idempotency_key] = result
        return result

    @guarded
    def delete(self, remote_id: str) -> None:
        body = self.api.request_json("DELETE", f"/{remote_id}", params=LOCALE)
        _require_success(body, self.network, "suppression")

    @guarded
    def hide_comment(self, remote_id: str, hidden: bool = True) -> None:
        body = self.api.post_json(
            f"/{remote_id}", data={"is_hidden": "true" if hidden else "false"}, params=LOCALE
        )
        _require_success(body, self.network, "masquage du commentaire")

    # ------------------------------------------------------------------ reading
    @guarded
    def fetch_posts(self, since: datetime) -> list[Post]:
        """Posts with reactions, comments, shares and insights.

        Meta retires insight metrics often (impressions in 2025): if the inline insights are
        refused, the posts are read again without them rather than not at all.
        """
        try:
            return self._posts(since, mapper.POST_FIELDS)
        except ContentRejected as error:
            if not (error.code or "").startswith("100"):
                raise
            return self._posts(since, mapper.POST_FIELDS_WITHOUT_INSIGHTS)

    def _posts(self, since: datetime, fields: str) -> list[Post]:
        now = self.clock()
        return [
            mapper.post_from(node, page_id=self.page_id, taken_at=now)
            for node in self.api.paginate(
                f"/{self.page_id}/published_posts",
                params={"fields": fields, "since": unix(since), "limit": 25, **LOCALE},
                items=graph_items,
                next_page=graph_next_page,
                stop=lambda node: parse_graph_time(node["created_time"]) < since,
            )
        ]

    @guarded
    def fetch_comments(self, post_remote_id: str, since: datetime) -> list[Comment]:
        return [
            mapper.comment_from(node, post_remote_id=post_remote_id)
            for node in self.api.paginate(
                f"/{post_remote_id}/comments",
                params={
                    "fields": mapper.COMMENT_FIELDS,
                    "filter": "stream",
                    "order": "reverse_chronological",
                    "limit": 100,
                    **LOCALE,
                },
                items=graph_items,
                next_page=graph_next_page,
                stop=lambda node: parse_graph_time(node["created_time"]) < since,
            )
        ]

    @guarded
    def fetch_mentions(self, since: datetime) -> list[Mention]:
        return [
            mapper.mention_from_tagged(node)
            for node in self.api.paginate(
                f"/{self.page_id}/tagged",
                params={
                    "fields": mapper.TAGGED_FIELDS,
                    "since": unix(since),
                    "limit": 50,
                    **LOCALE,
                },
                items=graph_items,
                next_page=graph_next_page,
                stop=lambda node: parse_graph_time(node["created_time"]) < since,
            )
        ]

    @guarded
    def account_stats(self) -> AccountStats:
        page = self.api.get_json(
            f"/{self.page_id}", params={"fields": "id,name,followers_count,fan_count", **LOCALE}
        )
        insights = self.api.get_json(
            f"/{self.page_id}/insights",
            params={
                "metric": "page_media_view,page_total_media_view_unique",
                "period": "days_28",
                **LOCALE,
            },
        )
        return mapper.account_stats_from(page, insights, taken_at=self.clock())

    # ------------------------------------------------------------------ tokens
    @guarded
    def verify_credentials(self) -> tuple[str, ...] | None:
        response = self.api.get(f"/{self.page_id or 'me'}", params={"fields": "id"})
        served = served_version(response)
        if served and served != GRAPH_VERSION:
            raise ApiDeprecated(
                self.network,
                f"Meta a répondu en {served} au lieu de {GRAPH_VERSION}",
                version=GRAPH_VERSION,
            )
        return meta_debug_token(
            self.api,
            token=self.credentials.get("access_token", ""),
            app_token=self._app_token(),
        )

    def _app_token(self) -> str | None:
        client_id, secret = self.credentials.get("client_id"), self.credentials.get("client_secret")
        return f"{client_id}|{secret}" if client_id and secret else None

    def authorization_url(
        self, state: str, redirect_uri: str, *, code_challenge: str | None = None
    ) -> str:
        return meta_authorization_url(
            client_id=self.oauth_app_setting("client_id"),
            redirect_uri=redirect_uri,
            state=state,
            scopes=self.required_scopes,
        )

    @guarded
    def exchange_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None
    ) -> TokenSet:
        user = meta_exchange_code(
            self.api,
            client_id=self.oauth_app_setting("client_id"),
            client_secret=self.oauth_app_setting("client_secret"),
            code=code,
            redirect_uri=redirect_uri,
            now=self.clock(),
        )
        page = choose_page(meta_pages(self.api, user.access_token), self.credentials.get("page_id"))
        return TokenSet(
            access_token=str(page["access_token"]),
            expires_at=None,  # a Page token from a long-lived user token does not expire
            scopes=self.required_scopes,
            extra={
                "page_id": str(page["id"]),
                "page_name": str(page.get("name", "")),
                "user_token": user.access_token,
                "user_token_expires_at": user.expires_at.isoformat() if user.expires_at else "",
            },
        )

    @guarded
    def refresh(self, tokens: TokenSet) -> TokenSet:
        return meta_refresh(
            self.api,
            tokens,
            client_id=self.oauth_app_setting("client_id"),
            client_secret=self.oauth_app_setting("client_secret"),
            now=self.clock(),
        )


def _with_link(variant: PostVariant) -> str:
    """A photo post has no link card: the link goes at the end of the text, where it is clickable."""
    if variant.link and variant.link not in variant.text:
        return f"{variant.text}\n{variant.link}"
    return variant.text


def _require_success(body: Any, network: Network, what: str) -> None:
    if not (isinstance(body, dict) and body.get("success") is True):
        raise ContentRejected(network, f"{what} refusé(e) par le réseau : {body!r}"[:300])
