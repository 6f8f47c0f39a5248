"""LinkedIn organisation page adapter (Community Management API, versioned /rest endpoints).

Credentials: `access_token`, `refresh_token`, `expires_at`, `organization_urn`
(`urn:li:organization:<id>`), `organization_name`; `client_id` and `client_secret` for OAuth and
token introspection. LinkedIn offers no way to hide a comment through its API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
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
from beffroi.networks.errors import (
    AuthExpired,
    ContentRejected,
    NotFound,
    PermissionMissing,
)
from beffroi.networks.linkedin import mapper
from beffroi.networks.linkedin.client import (
    API_BASE,
    AUTHORIZE_URL,
    INTROSPECT_URL,
    LINKEDIN_VERSION,
    SCOPES,
    TOKEN_URL,
    LinkedInClient,
    duplicate_of,
    linkedin_error_parser,
    little_text,
    rest_list,
    urn_path,
    version_sunset,
)
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

PAGE_SIZE = 50
MAX_IMAGES = 20


@register_adapter(Network.LINKEDIN)
class LinkedInAdapter(NetworkAdapter):
    network = Network.LINKEDIN
    OAUTH_APP = "l'application LinkedIn"
    capabilities = frozenset(
        {
            Capability.PUBLISH,
            Capability.DELETE,
            Capability.FETCH_POSTS,
            Capability.FETCH_COMMENTS,
            Capability.FETCH_MENTIONS,
            Capability.REPLY,
            Capability.ACCOUNT_STATS,
        }
    )
    api_version = LINKEDIN_VERSION
    api_sunset = version_sunset(LINKEDIN_VERSION)
    required_scopes = SCOPES
    max_text_length = 3000

    def __init__(self, credentials: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(credentials, **kwargs)
        self.org = self.credentials.get("organization_urn", "")
        self.org_name = self.credentials.get("organization_name", "")
        self.lookback = lookback_of(self.options)
        self._done: dict[str, PublishResult] = {}
        refresh_hook: Callable[[], bool] | None = (
            self.refresh_tokens_once if self.credentials.get("refresh_token") else None
        )
        self.api = LinkedInClient(
            Network.LINKEDIN,
            API_BASE,
            token_getter=lambda: self.credentials.get("access_token"),
            on_unauthorized=refresh_hook,
            headers={
                "LinkedIn-Version": str(self.options.get("linkedin_version", LINKEDIN_VERSION)),
                "X-Restli-Protocol-Version": "2.0.0",
            },
            error_parser=linkedin_error_parser,
            transport=self.transport,
            sleep=self.sleep,
            clock=lambda: self.clock().timestamp(),
            timeout=self.timeout,
            max_retries=self.max_retries,
        )
        self.api.now_fn = self.clock

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
                user_action=f"LinkedIn refusera cette publication : « {reason} ». Corrigez-la d'abord.",
            )
        result = publish_once(
            lookup=lambda: self._earlier_post(variant.text),
            create=lambda: self._create_post(variant),
            is_duplicate=lambda error: duplicate_of(error) is not None,
        )
        self._done[idempotency_key] = result
        return result

    def preflight(self, variant: PostVariant) -> tuple[str, ...]:
        """What LinkedIn (or Beffroi's LinkedIn support) will refuse, known before any call."""
        problems: list[str] = []
        if any(m.mime_type.startswith("video/") for m in variant.media):
            problems.append(
                "l'envoi de vidéos vers LinkedIn n'est pas encore pris en charge par Beffroi "
                "(publiez la vidéo depuis LinkedIn, ou remplacez-la par des images)"
            )
        if len(variant.media) > MAX_IMAGES:
            problems.append(f"LinkedIn accepte au plus {MAX_IMAGES} images par publication")
        if len(variant.text) > self.max_text_length:
            problems.append(f"le texte dépasse {self.max_text_length} caractères")
        return tuple(problems)

    def _create_post(self, variant: PostVariant) -> PublishResult:
        text = variant.text
        if variant.media and variant.link and variant.link not in text:
            text = f"{text}\n{variant.link}"  # no article card beside images: the link goes in the text
        body: dict[str, Any] = {
            "author": self.org,
            "commentary": little_text(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        images = [(self._upload_image(m), m.alt_text) for m in variant.media]
        if len(images) == 1:
            body["content"] = {"media": _image(*images[0])}
        elif images:
            body["content"] = {"multiImage": {"images": [_image(*i) for i in images]}}
        elif variant.link:
            body["content"] = {
                "article": {"source": variant.link, "title": variant.title or variant.link}
            }
        response = self.api.post("/posts", json=body)
        urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not urn:
            raise ContentRejected(self.network, "LinkedIn n'a pas renvoyé l'identifiant du post")
        return PublishResult(remote_id=urn, url=mapper.post_url(urn), published_at=self.clock())

    def _upload_image(self, media: Media) -> str:
        init = self.api.post_json(
            "/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": self.org}},
            idempotent=True,  # an image never attached to a post publishes nothing
        )
        value = init["value"]
        self.api.request(
            "PUT",
            str(value["uploadUrl"]),
            content=Path(media.path).read_bytes(),
            headers={"Content-Type": media.mime_type},
        )
        return str(value["image"])

    def _own_posts(self, count: int = PAGE_SIZE, start: int = 0) -> list[dict[str, Any]]:
        body = self.api.get_json(
            "/posts",
            params={
                "author": self.org,
                "q": "author",
                "count": count,
                "start": start,
                "sortBy": "CREATED",
            },
        )
        return [e for e in body.get("elements", []) if isinstance(e, dict)]

    def _earlier_post(self, text: str) -> PublishResult | None:
        candidates = [
            Candidate(
                remote_id=str(e["id"]),
                text=str(e.get("commentary") or ""),
                created_at=mapper.from_ms(e["createdAt"]),
                url=mapper.post_url(str(e["id"])),
            )
            for e in self._own_posts(count=20)
        ]
        found = find_earlier_attempt(text, candidates, now=self.clock(), lookback=self.lookback)
        return already(found) if found else None

    @guarded
    def reply(self, parent_remote_id: str, text: str, idempotency_key: str) -> PublishResult:
        """Comments as the organisation on a post, or answers a comment (`urn:li:comment:(...)`)."""
        if idempotency_key in self._done:
            return as_already(self._done[idempotency_key])
        path = f"/socialActions/{urn_path(parent_remote_id)}/comments"

        def lookup() -> PublishResult | None:
            body = self.api.get_json(path, params={"count": 100})
            own = [
                Candidate(
                    remote_id=str(e.get("commentUrn") or e.get("$URN") or e.get("id")),
                    text=str((e.get("message") or {}).get("text") or ""),
                    created_at=mapper.from_ms(e["created"]["time"]),
                )
                for e in body.get("elements", [])
                if e.get("actor") == self.org
            ]
            found = find_earlier_attempt(text, own, now=self.clock(), lookback=self.lookback)
            return already(found) if found else None

        def create() -> PublishResult:
            body: dict[str, Any] = {
                "actor": self.org,
                "object": _activity_of(parent_remote_id),
                "message": {"text": text},
            }
            if parent_remote_id.startswith("urn:li:comment:"):
                body["parentComment"] = parent_remote_id
            response = self.api.post(path, json=body)
            created = self.api.json_of(response) if response.content else {}
            urn = (
                created.get("commentUrn")
                or response.headers.get("x-restli-id")
                or str(created.get("id", ""))
            )
            return PublishResult(remote_id=str(urn), url=None, published_at=self.clock())

        result = publish_once(lookup=lookup, create=create)
        self._done[idempotency_key] = result
        return result

    @guarded
    def delete(self, remote_id: str) -> None:
        self.api.request("DELETE", f"/posts/{urn_path(remote_id)}")

    # ------------------------------------------------------------------ reading
    @guarded
    def fetch_posts(self, since: datetime) -> list[Post]:
        elements: list[dict[str, Any]] = []
        start = 0
        while True:
            page = self._own_posts(count=PAGE_SIZE, start=start)
            fresh = [e for e in page if mapper.from_ms(e["createdAt"]) >= since]
            elements.extend(fresh)
            if len(page) < PAGE_SIZE or len(fresh) < len(page):
                break
            start += PAGE_SIZE
        stats = self._share_statistics([str(e["id"]) for e in elements])
        now = self.clock()
        return [
            mapper.post_from(e, stats.get(str(e["id"])), taken_at=now, org_name=self.org_name)
            for e in elements
        ]

    def _share_statistics(self, urns: list[str]) -> dict[str, dict[str, Any]]:
        """Lifetime statistics of the given posts, asked in one call per kind of URN."""
        found: dict[str, dict[str, Any]] = {}
        for kind, param in (("share", "shares"), ("ugcPost", "ugcPosts")):
            wanted = [u for u in urns if u.startswith(f"urn:li:{kind}:")]
            if not wanted:
                continue
            query = (
                f"q=organizationalEntity&organizationalEntity={urn_path(self.org)}"
                f"&{param}={rest_list(wanted)}"
            )
            body = self.api.get_json(f"{API_BASE}/organizationalEntityShareStatistics?{query}")
            found.update(mapper.stats_by_post(body))
        return found

    @guarded
    def fetch_comments(self, post_remote_id: str, since: datetime) -> list[Comment]:
        body = self.api.get_json(
            f"/socialActions/{urn_path(post_remote_id)}/comments", params={"count": 100}
        )
        comments = [
            mapper.comment_from(e, post_urn=post_remote_id, org_name=self.org_name)
            for e in body.get("elements", [])
        ]
        return [c for c in comments if c.created_at >= since]

    @guarded
    def fetch_mentions(self, since: datetime) -> list[Mention]:
        """Posts that mention the organisation, from its notifications, then read one by one."""
        now = self.clock()
        query = (
            "q=criteria&actions=List(SHARE_MENTION)"
            f"&organizationalEntity={urn_path(self.org)}"
            f"&timeRange=(start:{mapper.to_ms(since)},end:{mapper.to_ms(now)})"
        )
        body = self.api.get_json(f"{API_BASE}/organizationalEntityNotifications?{query}")
        mentions: list[Mention] = []
        for note in body.get("elements", []):
            urn = note.get("generatedActivity") or note.get("sourcePost")
            if not urn:
                continue
            try:
                post = self.api.get_json(f"/posts/{urn_path(str(urn))}")
            except NotFound:
                continue  # deleted since the notification
            mentions.append(mapper.mention_from_post(post))
        return [m for m in mentions if m.created_at >= since]

    @guarded
    def account_stats(self) -> AccountStats:
        now = self.clock()
        size = self.api.get_json(
            f"/networkSizes/{urn_path(self.org)}",
            params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
        )
        start = now - timedelta(days=28)
        query = (
            f"q=organizationalEntity&organizationalEntity={urn_path(self.org)}"
            f"&timeIntervals=(timeRange:(start:{mapper.to_ms(start)},end:{mapper.to_ms(now)}),"
            "timeGranularityType:DAY)"
        )
        shares = self.api.get_json(f"{API_BASE}/organizationalEntityShareStatistics?{query}")
        stats = mapper.account_stats_from(size, shares, taken_at=now)
        return replace(stats, audience_places=self._audience_places())

    def _audience_places(self, top: int = 10) -> dict[str, float]:
        """Share of followers by place (LinkedIn's geo areas), named through the Geo API.

        Statistics are a bonus to the follower count: a refusal here (the page lacks the
        permission, a geo id unknown) leaves the places empty rather than failing the whole call.
        """
        query = f"q=organizationalEntity&organizationalEntity={urn_path(self.org)}"
        try:
            body = self.api.get_json(f"{API_BASE}/organizationalEntityFollowerStatistics?{query}")
            counts = mapper.followers_by_geo(body)
            if not counts:
                return {}
            total = sum(counts.values())
            best = sorted(counts, key=lambda geo: counts[geo], reverse=True)[:top]
            ids = [geo.rsplit(":", 1)[-1] for geo in best]
            names = self.api.get_json(f"{API_BASE}/geo?ids=List({','.join(ids)})")
        except (ContentRejected, NotFound, PermissionMissing):
            return {}
        return mapper.places_from(best, counts, total, names)

    # ------------------------------------------------------------------ tokens and OAuth
    @guarded
    def verify_credentials(self) -> tuple[str, ...] | None:
        client_id = self.credentials.get("client_id") or self.options.get("client_id")
        secret = self.credentials.get("client_secret") or self.options.get("client_secret")
        if not (client_id and secret):
            self.api.get_json(
                f"/networkSizes/{urn_path(self.org)}",
                params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
            )
            return None
        body = self.api.post_json(
            INTROSPECT_URL,
            data={
                "client_id": str(client_id),
                "client_secret": str(secret),
                "token": self.credentials.get("access_token", ""),
            },
            authenticated=False,
            idempotent=True,
        )
        if not body.get("active"):
            raise AuthExpired(self.network, f"jeton inactif ({body.get('status', 'inconnu')})")
        return tuple(s for s in str(body.get("scope", "")).replace(",", " ").split() if s)

    def authorization_url(
        self, state: str, redirect_uri: str, *, code_challenge: str | None = None
    ) -> str:
        return build_authorization_url(
            AUTHORIZE_URL,
            {
                "response_type": "code",
                "client_id": self.oauth_app_setting("client_id"),
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": " ".join(SCOPES),
            },
        )

    @guarded
    def exchange_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None
    ) -> TokenSet:
        tokens = self._token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            previous=None,
        )
        acls = self.api.get_json(
            "/organizationAcls",
            params={"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"},
            headers={"Authorization": f"Bearer {tokens.access_token}"},
            authenticated=False,
        )
        organisations = [
            str(e["organization"]) for e in acls.get("elements", []) if e.get("organization")
        ]
        wanted = self.credentials.get("organization_urn")
        chosen = wanted if wanted in organisations else (organisations[0] if organisations else "")
        if not chosen:
            raise NotFound(
                self.network,
                "ce compte LinkedIn n'administre aucune page",
                user_action=(
                    "Connectez un compte LinkedIn administrateur de la page de la collectivité."
                ),
            )
        return TokenSet(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scopes=tokens.scopes,
            extra={"organization_urn": chosen},
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


def _image(urn: str, alt_text: str) -> dict[str, str]:
    return {"id": urn, "altText": alt_text[:4086]} if alt_text else {"id": urn}


def _activity_of(parent: str) -> str:
    """`urn:li:comment:(urn:li:activity:123,456)` -> `urn:li:activity:123`; a post URN as is."""
    if parent.startswith("urn:li:comment:(") and "," in parent:
        return parent[len("urn:li:comment:(") : parent.index(",")]
    return parent
