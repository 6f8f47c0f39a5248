"""Token health and API drift: is this account's connection going to fail, and why?

Called by the periodic check of every NetworkAccount (and by the account page): it flags a token that
has expired or expires soon without a way to refresh it, permissions the account did not grant, and
an API version the network has deprecated or will retire soon.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from beffroi.networks.errors import ApiDeprecated, AuthExpired, NetworkError, PermissionMissing
from beffroi.networks.oauth import tokens_from_credentials
from beffroi.networks.types import TokenHealth

if TYPE_CHECKING:
    from beffroi.networks.base import NetworkAdapter

EXPIRY_WARNING = timedelta(days=7)
SUNSET_WARNING = timedelta(days=60)


def check_token_health(
    adapter: NetworkAdapter,
    *,
    now: datetime | None = None,
    expiry_warning: timedelta = EXPIRY_WARNING,
    sunset_warning: timedelta = SUNSET_WARNING,
    call_network: bool = True,
) -> TokenHealth:
    """Checks the adapter's stored token; with call_network, also asks the network (one cheap call)."""
    now = now or adapter.clock()
    tokens = tokens_from_credentials(adapter.credentials)
    problems: list[str] = []
    missing: tuple[str, ...] = ()
    deprecated: str | None = None
    granted = tokens.scopes

    if not adapter.has_credentials() and not adapter.SIMULATED:
        problems.append("Aucun jeton enregistré : connectez le compte.")
    if tokens.expires_at is not None:
        remaining = tokens.expires_at - now
        can_refresh = bool(tokens.refresh_token)
        if remaining <= timedelta(0) and not can_refresh:
            problems.append(
                f"Le jeton a expiré le {_fr_date(tokens.expires_at)} : reconnectez le compte."
            )
        elif remaining <= expiry_warning and not can_refresh:
            problems.append(
                f"Le jeton expire le {_fr_date(tokens.expires_at)} : reconnectez le compte "
                "avant cette date pour que les publications programmées partent."
            )

    if call_network and (adapter.has_credentials() or adapter.SIMULATED):
        try:
            reported = adapter.verify_credentials()
        except AuthExpired as exc:
            problems.append(f"Le réseau refuse le jeton ({exc.message}) : reconnectez le compte.")
        except PermissionMissing as exc:
            missing = exc.missing_scopes
            problems.append(f"Autorisation refusée par le réseau : {exc.message}.")
        except ApiDeprecated as exc:
            deprecated = exc.version or adapter.api_version or "?"
            problems.append(f"Version d'API refusée par le réseau : {exc.message}.")
        except NetworkError as exc:
            # The check itself failed (timeout, rate limit): say so, but do not call the token bad.
            return TokenHealth(
                ok=_ok_without(problems),
                expires_at=tokens.expires_at,
                missing_scopes=missing,
                deprecated_api_version=deprecated,
                message=" ".join(
                    [*problems, f"Vérification impossible pour l'instant : {exc.message}."]
                ),
            )
        else:
            if reported is not None:
                granted = reported

    if not missing and adapter.required_scopes and granted:
        missing = tuple(s for s in adapter.required_scopes if s not in set(granted))
        if missing:
            problems.append(
                "Autorisations manquantes : "
                + ", ".join(missing)
                + " ; reconnectez le compte en les acceptant."
            )

    sunset = adapter.api_sunset
    if (
        deprecated is None
        and sunset is not None
        and adapter.api_version
        and sunset - now <= sunset_warning
    ):
        deprecated = adapter.api_version
        verb = "a été retirée" if sunset <= now else "sera retirée"
        problems.append(
            f"La version {adapter.api_version} de l'API {adapter.network.label} {verb} le "
            f"{_fr_date(sunset)} : une mise à jour de Beffroi est nécessaire."
        )

    return TokenHealth(
        ok=not problems,
        expires_at=tokens.expires_at,
        missing_scopes=missing,
        deprecated_api_version=deprecated,
        message=" ".join(problems) if problems else "Connexion en bon état.",
    )


def _ok_without(problems: list[str]) -> bool:
    return not problems


def _fr_date(when: datetime) -> str:
    return when.strftime("%d/%m/%Y")
