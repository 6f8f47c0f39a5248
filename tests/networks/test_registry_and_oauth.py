"""The adapter registry, OAuth helpers and the typed errors' French guidance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from beffroi.core.domain import Network
from beffroi.networks import get_adapter, registered_networks, registry
from beffroi.networks.errors import (
    CapabilityMissing,
    ContentRejected,
    PermissionMissing,
    RateLimited,
)
from beffroi.networks.oauth import (
    build_authorization_url,
    credentials_from_tokens,
    make_pkce_pair,
    pkce_challenge,
    token_set_from_response,
    tokens_from_credentials,
)
from beffroi.networks.sandbox import SandboxAdapter
from beffroi.networks.types import TokenSet


def test_adapters_register_themselves_on_first_use() -> None:
    assert isinstance(get_adapter("sandbox", {"sandbox_seed": "r"}), SandboxAdapter)
    assert {Network.SANDBOX, Network.MASTODON, Network.BLUESKY} <= set(registered_networks())


def test_a_network_without_adapter_is_a_capability_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_module(name: str) -> None:
        raise ModuleNotFoundError(name=name)

    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(registry.importlib, "import_module", no_module)
    with pytest.raises(CapabilityMissing) as caught:
        get_adapter(Network.YOUTUBE, {})
    assert "YouTube" in caught.value.message
    with pytest.raises(ValueError):
        get_adapter("myspace", {})


def test_pkce_pair_follows_rfc_7636() -> None:
    verifier, challenge = make_pkce_pair()
    assert 43 <= len(verifier) <= 128 and challenge == pkce_challenge(verifier)
    # The example of RFC 7636, appendix B.
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_authorization_url_drops_empty_parameters() -> None:
    url = build_authorization_url(
        "https://x.example/authorize?a=1", {"state": "s t", "code_challenge": None}
    )
    assert url == "https://x.example/authorize?a=1&state=s+t"


def test_token_response_and_stored_credentials_round_trip() -> None:
    now = datetime(2026, 11, 28, tzinfo=UTC)
    first = token_set_from_response(
        {
            "access_token": "a1",
            "refresh_token": "r1",
            "expires_in": 7200,
            "scope": "tweet.read tweet.write",
        },
        now=now,
    )
    assert first.expires_at == now + timedelta(hours=2) and first.scopes == (
        "tweet.read",
        "tweet.write",
    )
    refreshed = token_set_from_response(
        {"access_token": "a2", "expires_in": 7200}, now=now, previous=first
    )
    assert refreshed.refresh_token == "r1" and refreshed.scopes == first.scopes  # RFC 6749 §6
    stored = credentials_from_tokens(TokenSet("a", "r", now, ("x",), {"page_id": "42"}))
    assert tokens_from_credentials(stored) == TokenSet("a", "r", now, ("x",), {"page_id": "42"})


def test_errors_say_what_to_do_in_french() -> None:
    limited = RateLimited(Network.X, "Too Many Requests", retry_after=900, status=429)
    assert "15 min" in limited.user_action and limited.retryable
    assert limited.to_dict()["retry_after"] == 900
    missing = PermissionMissing(Network.FACEBOOK, "(#200)", missing_scopes=("pages_manage_posts",))
    assert "pages_manage_posts" in missing.user_action
    rejected = ContentRejected(Network.X, "Your Tweet text is too long.", reason="text_too_long")
    assert str(rejected) == "X : Your Tweet text is too long." and not rejected.retryable
    assert CapabilityMissing(Network.X, "hide_comment").capability == "hide_comment"
