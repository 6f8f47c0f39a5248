"""The interface every network adapter implements, and the small helpers they share.

An adapter is built from the account's stored credentials (a flat mapping of strings, see
`beffroi.networks.oauth.tokens_from_credentials`) and declares what it can do in `capabilities`.
An operation the network does not offer raises `CapabilityMissing`: callers check
`adapter.supports(Capability.X)` first when they want to avoid the exception.
"""

from __future__ import annotations

import time
from abc import ABC
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from beffroi.core.domain import Network
from beffroi.networks.errors import AuthExpired, CapabilityMissing
from beffroi.networks.oauth import credentials_from_tokens
from beffroi.networks.types import (
    AccountStats,
    Capability,
    Comment,
    Mention,
    Post,
    PostVariant,
    PublishResult,
    TokenHealth,
    TokenSet,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class NetworkAdapter(ABC):  # noqa: B024 - abstract by contract: every operation defaults to CapabilityMissing
    """One network account, seen through Beffroi's typed operations."""

    network: ClassVar[Network]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    # True only for the simulator: the interface labels its data « simulé ».
    SIMULATED: ClassVar[bool] = False
    # The API version the adapter speaks (LinkedIn-Version, Graph API v21.0, ...), for drift checks.
    api_version: ClassVar[str | None] = None
    # When the network retires that version (published in its changelog), if announced.
    api_sunset: ClassVar[datetime | None] = None
    # The OAuth scopes the adapter needs for its capabilities.
    required_scopes: ClassVar[tuple[str, ...]] = ()
    # Longest text the network accepts for a post (in its own unit: characters, graphemes, weighted).
    max_text_length: ClassVar[int | None] = None
    # The deployment's OAuth application of this network, named in configuration errors.
    OAUTH_APP: ClassVar[str] = "l'application OAuth du réseau"

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = 20.0,
        max_retries: int = 3,
        **options: Any,
    ) -> None:
        self.credentials: dict[str, str] = dict(credentials)
        self.transport = transport
        self.sleep = sleep
        self.clock = clock
        self.timeout = timeout
        self.max_retries = max_retries
        self.options = options
        self._refreshing = False

    # ------------------------------------------------------------------ OAuth application and refresh
    def oauth_app_setting(self, key: str) -> str:
        """client_id or client_secret of the deployment's OAuth application (credentials, then options)."""
        value = self.credentials.get(key) or self.options.get(key)
        if not value:
            raise CapabilityMissing(
                self.network,
                "oauth",
                message=f"configuration OAuth incomplète ({key} manquant pour {self.OAUTH_APP})",
                user_action=f"L'administrateur de Beffroi doit renseigner {self.OAUTH_APP}.",
            )
        return str(value)

    def refresh_tokens_once(self) -> bool:
        """After a 401: renew the token once, keep it, hand it to `on_tokens_refreshed`; False if impossible."""
        # The token endpoint itself answers 400/401 to a revoked refresh token: never recurse.
        if self._refreshing:
            return False
        self._refreshing = True
        try:
            renewed = self.refresh(self.tokens)
        except (AuthExpired, CapabilityMissing):
            return False
        finally:
            self._refreshing = False
        self.credentials.update(credentials_from_tokens(renewed))
        hook = self.options.get("on_tokens_refreshed")
        if callable(hook):
            hook(renewed)
        return True

    # ------------------------------------------------------------------ capabilities
    @property
    def tokens(self) -> TokenSet:
        """The stored credentials as a TokenSet."""
        from beffroi.networks.oauth import tokens_from_credentials

        return tokens_from_credentials(self.credentials)

    def has_credentials(self) -> bool:
        """Whether anything to authenticate with is stored (a token, or an app password on Bluesky)."""
        return bool(self.tokens.access_token)

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability) -> None:
        """Raises CapabilityMissing unless the adapter declares the capability."""
        if capability not in self.capabilities:
            raise CapabilityMissing(self.network, capability.value)

    def _missing(self, capability: Capability) -> CapabilityMissing:
        return CapabilityMissing(self.network, capability.value)

    # ------------------------------------------------------------------ publishing
    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishResult:
        """Publishes once: a second call with the same key returns the first result (already_published=True)."""
        raise self._missing(Capability.PUBLISH)

    def delete(self, remote_id: str) -> None:
        raise self._missing(Capability.DELETE)

    def reply(self, parent_remote_id: str, text: str, idempotency_key: str) -> PublishResult:
        raise self._missing(Capability.REPLY)

    def hide_comment(self, remote_id: str, hidden: bool = True) -> None:
        raise self._missing(Capability.HIDE_COMMENT)

    # ------------------------------------------------------------------ reading
    def fetch_posts(self, since: datetime) -> list[Post]:
        """The account's own posts published at or after `since`, newest first, with metrics."""
        raise self._missing(Capability.FETCH_POSTS)

    def fetch_comments(self, post_remote_id: str, since: datetime) -> list[Comment]:
        raise self._missing(Capability.FETCH_COMMENTS)

    def fetch_mentions(self, since: datetime) -> list[Mention]:
        raise self._missing(Capability.FETCH_MENTIONS)

    def search(self, query: str, since: datetime) -> list[Mention]:
        raise self._missing(Capability.SEARCH)

    def account_stats(self) -> AccountStats:
        raise self._missing(Capability.ACCOUNT_STATS)

    # ------------------------------------------------------------------ tokens
    def token_health(self) -> TokenHealth:
        """Checks the stored token against the network; see beffroi.networks.health for the full check."""
        from beffroi.networks.health import check_token_health

        return check_token_health(self)

    def verify_credentials(self) -> tuple[str, ...] | None:
        """A cheap authenticated call; returns the scopes the network reports, or None if it does not say.

        Raises AuthExpired when the token no longer works. The default makes no call.
        """
        return None

    # ------------------------------------------------------------------ OAuth
    def authorization_url(
        self, state: str, redirect_uri: str, *, code_challenge: str | None = None
    ) -> str:
        """The URL to send the user to; `code_challenge` is the PKCE S256 challenge where needed (X)."""
        raise CapabilityMissing(self.network, "oauth")

    def exchange_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None
    ) -> TokenSet:
        raise CapabilityMissing(self.network, "oauth")

    def refresh(self, tokens: TokenSet) -> TokenSet:
        raise CapabilityMissing(self.network, "oauth_refresh")

    def close(self) -> None:  # noqa: B027 - optional hook
        """Releases HTTP connections; adapters owning a client override it."""

    def __enter__(self) -> NetworkAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
