"""Instagram professional account adapter (Instagram API with Facebook Login, graph.facebook.com).

Publishing is two steps: create a media container (Instagram downloads the image or video from a
public URL), wait until the container is FINISHED, then `media_publish` it. Only the second step
publishes: it is the one guarded against duplicates. A carousel is one container per item
(`is_carousel_item`) and a parent container `media_type=CAROUSEL` with `children`.

Credentials: `access_token` (Page or long-lived user token), `ig_user_id`; OAuth as for Facebook.
Option `public_media_url`: a callable turning a local Media into a public URL Instagram can fetch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
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
    NotFound,
    PermissionMissing,
    RateLimited,
    Transient,
)
from beffroi.networks.facebook.graph import (
    GRAPH_VERSION,
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
from beffroi.networks.instagram import mapper
from beffroi.networks.meta_webhooks import MentionRef
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

MAX_CAROUSEL = 10
MAX_HASHTAGS = 30
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})
CONTAINER_POLLS = 20
CONTAINER_POLL_SECONDS = 3.0


@register_adapter(Network.INSTAGRAM)
class InstagramAdapter(NetworkAdapter):
    network = Network.INSTAGRAM
    OAUTH_APP = "l'application Meta"
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
            Capability.WEBHOOKS,
        }
    )
    api_version = GRAPH_VERSION
    required_scopes = (
        "instagram_basic",
        "instagram_content_publish",
        "instagram_manage_comments",
        "instagram_manage_insights",
        "pages_show_list",
        "pages_read_engagement",
    )
    max_text_length = 2200

    def __init__(self, credentials: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(credentials, **kwargs)
        self.ig_user_id = self.credentials.get("ig_user_id", "")
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
            self._refuse(" ; ".join(problems))
        result = publish_once(
            lookup=lambda: self._earlier_post(variant.text),
            create=lambda: self._create_post(variant),
        )
        self._done[idempotency_key] = result
        return result

    def preflight(self, variant: PostVariant) -> tuple[str, ...]:
        """What Instagram will refuse in this variant, known before any call (in French)."""
        problems: list[str] = []
        if not variant.media:
            problems.append("Instagram n'accepte aucune publication sans image ni vidéo")
        if len(variant.media) > MAX_CAROUSEL:
            problems.append(f"un carrousel Instagram compte au plus {MAX_CAROUSEL} médias")
        if len(variant.text) > self.max_text_length:
            problems.append(f"la légende dépasse {self.max_text_length} caractères")
        if variant.text.count("#") > MAX_HASHTAGS:
            problems.append(f"Instagram accepte au plus {MAX_HASHTAGS} hashtags par publication")
        for media in variant.media:
            if media.mime_type.startswith("video/") and media.mime_type not in VIDEO_TYPES:
                problems.append(f"Instagram accepte les vidéos MP4 ou MOV, pas {media.mime_type}")
            if not self._has_public_url(media):
                problems.append(
                    f"Instagram télécharge les médias depuis une adresse publique : {media.path} "
                    "n'en a pas (l'administrateur doit configurer l'adresse publique des médias)"
                )
        return tuple(problems)

    def _has_public_url(self, media: Media) -> bool:
        return media.path.startswith(("https://", "http://")) or callable(
            self.options.get("public_media_url")
        )

    def _refuse(self, reason: str) -> None:
        raise ContentRejected(
            self.network, reason, reason=reason, user_action=rejected_action("Instagram", reason)
        )

    def _create_post(self, variant: PostVariant) -> PublishResult:
        self._check_quota()
        if len(variant.media) == 1:
            container = self._container(variant.media[0], caption=variant.text, in_carousel=False)
        else:
            children = [self._container(m, caption=None, in_carousel=True) for m in variant.media]
            for child in children:
                self._wait_until_ready(child)
            container = self._post_id(
                self.api.post_json(
                    f"/{self.ig_user_id}/media",
                    data={
                        "media_type": "CAROUSEL",
                        "children": ",".join(children),
                        "caption": variant.text,
                    },
                    params=LOCALE,
                )
            )
        self._wait_until_ready(container)
        media_id = self._post_id(
            self.api.post_json(
                f"/{self.ig_user_id}/media_publish", data={"creation_id": container}, params=LOCALE
            )
        )
        info = self.api.get_json(f"/{media_id}", params={"fields": "id,permalink,timestamp"})
        return PublishResult(
            remote_id=media_id,
            url=info.get("permalink"),
            published_at=parse_graph_time(info["timestamp"])
            if info.get("timestamp")
            else self.clock(),
        )

    def _container(self, media: Media, *, caption: str | None, in_carousel: bool) -> str:
        data: dict[str, Any] = {}
        url = self._public_url(media)
        if media.mime_type.startswith("video/"):
            data["media_type"] = "VIDEO" if in_carousel else "REELS"
            data["video_url"] = url
        else:
            data["image_url"] = url
            if media.alt_text:
                data["alt_text"] = media.alt_text  # images only (Meta, March 2025)
        if in_carousel:
            data["is_carousel_item"] = "true"
        if caption:
            data["caption"] = caption
        return self._post_id(
            self.api.post_json(f"/{self.ig_user_id}/media", data=data, params=LOCALE)
        )

    def _public_url(self, media: Media) -> str:
        if media.path.startswith(("https://", "http://")):
            return media.path
        resolver = self.options.get("public_media_url")
        if callable(resolver):
            return str(resolver(media))
        reason = "Instagram télécharge les médias depuis une adresse publique"
        raise ContentRejected(
            self.network,
            f"{reason} : {media.path} n'en a pas",
            reason=reason,
            user_action=(
                "Instagram doit pouvoir télécharger l'image : l'administrateur de Beffroi doit "
                "configurer l'adresse publique des médias, ou utilisez une image déjà en ligne."
            ),
        )

    def _wait_until_ready(self, container: str) -> None:
        """Videos (and sometimes images) are processed before they can be published."""
        for _ in range(CONTAINER_POLLS):
            body = self.api.get_json(f"/{container}", params={"fields": "status_code,status"})
            status = str(body.get("status_code") or "")
            if status in {"FINISHED", "PUBLISHED"}:
                return
            if status in {"ERROR", "EXPIRED"}:
                detail = str(body.get("status") or status)
                self._refuse(f"Instagram n'a pas pu traiter le média ({detail})")
            self.sleep(CONTAINER_POLL_SECONDS)
        raise Transient(self.network, f"le média {container} est toujours en cours de traitement")

    def _check_quota(self) -> None:
        """Instagram caps publications per 24 h: better to know before than to fail at publish time."""
        body = self.api.get_json(
            f"/{self.ig_user_id}/content_publishing_limit", params={"fields": "quota_usage,config"}
        )
        for entry in graph_items(body):
            used = int(entry.get("quota_usage") or 0)
            total = int((entry.get("config") or {}).get("quota_total") or 0)
            duration = float((entry.get("config") or {}).get("quota_duration") or 86400)
            if total and used >= total:
                raise RateLimited(
                    self.network,
                    f"quota de publication atteint ({used}/{total} sur 24 h)",
                    retry_after=duration / 4,
                )

    @staticmethod
    def _post_id(body: Any) -> str:
        return str(body["id"])

    def _earlier_post(self, text: str) -> PublishResult | None:
        body = self.api.get_json(
            f"/{self.ig_user_id}/media",
            params={"fields": "id,caption,timestamp,permalink", "limit": 25},
        )
        candidates = [
            Candidate(
                remote_id=str(node["id"]),
                text=str(node.get("caption") or ""),
                created_at=parse_graph_time(node["timestamp"]),
                url=node.get("permalink"),
            )
            for node in graph_items(body)
        ]
        found = find_earlier_attempt(text, candidates, now=self.clock(), lookback=self.lookback)
        return already(found) if found else None

    @guarded
    def reply(self, parent_remote_id: str, text: str, idempotency_key: str) -> PublishResult:
        """Replies to a comment (Instagram replies nest one level under a top-level comment)."""
        if idempotency_key in self._done:
            return as_already(self._done[idempotency_key])

        def lookup() -> PublishResult | None:
            body = self.api.get_json(
                f"/{parent_remote_id}/replies",
                params={"fields": "id,text,timestamp,from{id,username}"},
            )
            own = [
                Candidate(
                    remote_id=str(r["id"]),
                    text=str(r.get("text") or ""),
                    created_at=parse_graph_time(r["timestamp"]),
                )
                for r in graph_items(body)
                if str((r.get("from") or {}).get("id", "")) == self.ig_user_id
            ]
            found = find_earlier_attempt(text, own, now=self.clock(), lookback=self.lookback)
            return already(found) if found else None

        def create() -> PublishResult:
            body = self.api.post_json(
                f"/{parent_remote_id}/replies", data={"message": text}, params=LOCALE
            )
            return PublishResult(remote_id=str(body["id"]), url=None, published_at=self.clock())

        result = publish_once(lookup=lookup, create=create)
        self._done[idempotency_key] = result
        return result

    @guarded
    def delete(self, remote_id: str) -> None:
        body = self.api.request_json("DELETE", f"/{remote_id}", params=LOCALE)
        if not (isinstance(body, dict) and body.get("success") is True):
            raise ContentRejected(self.network, f"suppression refusée : {body!r}"[:300])

    @guarded
    def hide_comment(self, remote_id: str, hidden: bool = True) -> None:
        body = self.api.post_json(
            f"/{remote_id}", data={"hide": "true" if hidden else "false"}, params=LOCALE
        )
        if not (isinstance(body, dict) and body.get("success") is True):
            raise ContentRejected(self.network, f"masquage refusé : {body!r}"[:300])

    # ------------------------------------------------------------------ reading
    @guarded
    def fetch_posts(self, since: datetime) -> list[Post]:
        now = self.clock()
        nodes = list(
            self.api.paginate(
                f"/{self.ig_user_id}/media",
                params={"fields": mapper.MEDIA_FIELDS, "limit": 25},
                items=graph_items,
                next_page=graph_next_page,
                stop=lambda node: parse_graph_time(node["timestamp"]) < since,
            )
        )
        return [mapper.post_from(node, self._media_insights(node), taken_at=now) for node in nodes]

    def _media_insights(self, node: dict[str, Any]) -> Any:
        """One call per media; a media that has no insights (posted before the account became
        professional, or a story that expired) keeps its public counts only."""
        try:
            return self.api.get_json(
                f"/{node['id']}/insights", params={"metric": mapper.MEDIA_INSIGHTS}
            )
        except (ContentRejected, NotFound, PermissionMissing):
            return None

    @guarded
    def fetch_comments(self, post_remote_id: str, since: datetime) -> list[Comment]:
        found: list[Comment] = []
        for node in self.api.paginate(
            f"/{post_remote_id}/comments",
            params={"fields": mapper.COMMENT_FIELDS, "limit": 50},
            items=graph_items,
            next_page=graph_next_page,
        ):
            found.extend(mapper.comments_from(node, media_id=post_remote_id))
        return [c for c in found if c.created_at >= since]

    @guarded
    def fetch_mentions(self, since: datetime) -> list[Mention]:
        return [
            mapper.mention_from_tag(node)
            for node in self.api.paginate(
                f"/{self.ig_user_id}/tags",
                params={"fields": mapper.TAG_FIELDS, "limit": 50},
                items=graph_items,
                next_page=graph_next_page,
                stop=lambda node: parse_graph_time(node["timestamp"]) < since,
            )
        ]

    @guarded
    def resolve_mention(self, ref: MentionRef) -> Mention:
        """Turns a webhook mention (ids only) into a Mention, through `mentioned_media` /
        `mentioned_comment`: the only way to read a caption or comment that @mentions the account
        without tagging it."""
        if ref.comment_id:
            field = (
                f"mentioned_comment.comment_id({ref.comment_id})"
                "{id,text,timestamp,like_count,media{id,permalink}}"
            )
            node = self.api.get_json(f"/{self.ig_user_id}", params={"fields": field})
            return mapper.mention_from_comment(node["mentioned_comment"])
        field = (
            f"mentioned_media.media_id({ref.media_id})"
            "{id,caption,timestamp,username,permalink,like_count,comments_count}"
        )
        node = self.api.get_json(f"/{self.ig_user_id}", params={"fields": field})
        return mapper.mention_from_tag(node["mentioned_media"])

    @guarded
    def search(self, query: str, since: datetime) -> list[Mention]:
        """Instagram searches hashtags only (30 distinct hashtags per 7 days per account)."""
        tag = "".join(query.split()).lstrip("#")
        if not tag:
            return []
        found = self.api.get_json(
            "/ig_hashtag_search", params={"user_id": self.ig_user_id, "q": tag}
        )
        hashtags = graph_items(found)
        if not hashtags:
            return []
        body = self.api.get_json(
            f"/{hashtags[0]['id']}/recent_media",
            params={
                "user_id": self.ig_user_id,
                "fields": mapper.HASHTAG_MEDIA_FIELDS,
                "limit": 50,
            },
        )
        mentions = [mapper.mention_from_hashtag(node) for node in graph_items(body)]
        return [m for m in mentions if m.created_at >= since]

    @guarded
    def account_stats(self) -> AccountStats:
        now = self.clock()
        user = self.api.get_json(
            f"/{self.ig_user_id}",
            params={"fields": "id,username,followers_count,follows_count,media_count"},
        )
        insights = self.api.get_json(
            f"/{self.ig_user_id}/insights",
            params={
                "metric": "reach,views",
                "period": "day",
                "metric_type": "total_value",
                "since": unix(now - timedelta(days=28)),
                "until": unix(now),
            },
        )
        return mapper.account_stats_from(user, insights, taken_at=now)

    # ------------------------------------------------------------------ tokens
    @guarded
    def verify_credentials(self) -> tuple[str, ...] | None:
        response = self.api.get(f"/{self.ig_user_id or 'me'}", params={"fields": "id"})
        served = served_version(response)
        if served and served != GRAPH_VERSION:
            raise ApiDeprecated(
                self.network,
                f"Meta a répondu en {served} au lieu de {GRAPH_VERSION}",
                version=GRAPH_VERSION,
            )
        client_id, secret = self.credentials.get("client_id"), self.credentials.get("client_secret")
        return meta_debug_token(
            self.api,
            token=self.credentials.get("access_token", ""),
            app_token=f"{client_id}|{secret}" if client_id and secret else None,
        )

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
        pages = [
            p
            for p in meta_pages(self.api, user.access_token)
            if p.get("instagram_business_account")
        ]
        page = choose_page(pages, self.credentials.get("page_id"))
        account = page["instagram_business_account"]
        return TokenSet(
            access_token=str(page["access_token"]),
            scopes=self.required_scopes,
            extra={
                "page_id": str(page["id"]),
                "ig_user_id": str(account["id"]),
                "ig_username": str(account.get("username", "")),
                "user_token": user.access_token,
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


PublicUrl = Callable[[Media], str]
