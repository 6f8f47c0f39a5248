"""Token health: expiry, scopes, API sunsets, and a check that never blames the token for a timeout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

from beffroi.core.domain import Network
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.errors import (
    ApiDeprecated,
    AuthExpired,
    NetworkError,
    PermissionMissing,
    Transient,
)
from beffroi.networks.health import check_token_health
from beffroi.networks.types import Capability

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class FakeNetwork(NetworkAdapter):
    """An adapter whose verify_credentials answers what the test says (no HTTP)."""

    network = Network.LINKEDIN
    capabilities = frozenset({Capability.PUBLISH})
    required_scopes: ClassVar[tuple[str, ...]] = ("w_organization_social", "r_organization_social")
    api_version = "202411"
    api_sunset: ClassVar[datetime | None] = None

    def __init__(
        self, credentials: dict[str, str], answer: tuple[str, ...] | NetworkError | None = None
    ) -> None:
        super().__init__(credentials)
        self.answer = answer

    def verify_credentials(self) -> tuple[str, ...] | None:
        if isinstance(self.answer, NetworkError):
            raise self.answer
        return self.answer


def creds(
    expires_in: timedelta | None = None, refresh: bool = False, scopes: str = ""
) -> dict[str, str]:
    stored = {"access_token": "tok"}
    if expires_in is not None:
        stored["expires_at"] = (NOW + expires_in).isoformat()
    if refresh:
        stored["refresh_token"] = "r"
    if scopes:
        stored["scopes"] = scopes
    return stored


def test_a_fresh_token_is_healthy() -> None:
    health = check_token_health(FakeNetwork(creds(timedelta(days=50))), now=NOW)
    assert health.ok and health.message == "Connexion en bon état."
    assert health.expires_at == NOW + timedelta(days=50)


def test_expiring_soon_without_refresh_is_flagged_with_the_date() -> None:
    health = check_token_health(FakeNetwork(creds(timedelta(days=3))), now=NOW)
    assert not health.ok and "01/12/2026" in health.message


def test_expiring_soon_with_a_refresh_token_is_fine() -> None:
    assert check_token_health(FakeNetwork(creds(timedelta(days=1), refresh=True)), now=NOW).ok


def test_expired_token() -> None:
    health = check_token_health(FakeNetwork(creds(timedelta(days=-2))), now=NOW)
    assert not health.ok and "a expiré" in health.message


def test_missing_scopes_from_the_network_or_the_stored_grant() -> None:
    health = check_token_health(FakeNetwork(creds(), answer=("r_organization_social",)), now=NOW)
    assert health.missing_scopes == ("w_organization_social",) and not health.ok
    stored = check_token_health(FakeNetwork(creds(scopes="r_organization_social")), now=NOW)
    assert stored.missing_scopes == ("w_organization_social",)
    refused = check_token_health(
        FakeNetwork(
            creds(),
            answer=PermissionMissing(Network.LINKEDIN, "denied", missing_scopes=("rw_ads",)),
        ),
        now=NOW,
    )
    assert refused.missing_scopes == ("rw_ads",)


def test_revoked_token() -> None:
    health = check_token_health(
        FakeNetwork(creds(), answer=AuthExpired(Network.LINKEDIN, "REVOKED_ACCESS_TOKEN")), now=NOW
    )
    assert not health.ok and "REVOKED_ACCESS_TOKEN" in health.message


def test_api_version_sunset_soon_or_refused() -> None:
    class Sunsetting(FakeNetwork):
        api_sunset = NOW + timedelta(days=20)

    health = check_token_health(Sunsetting(creds()), now=NOW)
    assert health.deprecated_api_version == "202411" and "18/12/2026" in health.message
    refused = check_token_health(
        FakeNetwork(
            creds(), answer=ApiDeprecated(Network.LINKEDIN, "426 version", version="202311")
        ),
        now=NOW,
    )
    assert refused.deprecated_api_version == "202311"


def test_a_check_that_cannot_reach_the_network_does_not_blame_the_token() -> None:
    health = check_token_health(
        FakeNetwork(creds(), answer=Transient(Network.LINKEDIN, "timeout")), now=NOW
    )
    assert health.ok and "Vérification impossible" in health.message


def test_no_token_at_all() -> None:
    health = check_token_health(FakeNetwork({}), now=NOW, call_network=False)
    assert not health.ok and "connectez le compte" in health.message
