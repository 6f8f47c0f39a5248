"""From a stored network account to the adapter that speaks to its network."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings

from beffroi.core.models import NetworkAccount
from beffroi.core.services import network_account_credentials, network_account_set_credentials
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.oauth import credentials_from_tokens
from beffroi.networks.types import TokenSet


def network_app_options(network: str) -> dict[str, str]:
    """The deployment's OAuth application for a network: BEFFROI_<NETWORK>_CLIENT_ID and _CLIENT_SECRET."""
    options = {}
    for key in ("client_id", "client_secret"):
        value = os.environ.get(f"BEFFROI_{network.upper()}_{key.upper()}")
        if value:
            options[key] = value
    return options


def _store_refreshed_tokens(account: NetworkAccount) -> Any:
    def store(tokens: TokenSet) -> None:
        merged = {**network_account_credentials(account=account), **credentials_from_tokens(tokens)}
        network_account_set_credentials(
            account=account, credentials=merged, token_expires_at=tokens.expires_at, actor=None
        )

    return store


def adapter_for_account(account: NetworkAccount, **options: Any) -> NetworkAdapter:
    """The account's adapter; a simulated account gets the simulator standing in for its network.

    Tokens that the adapter refreshes on its own are stored again, encrypted, with an audit entry.
    """
    credentials = {k: str(v) for k, v in network_account_credentials(account=account).items()}
    if account.simulated:
        from beffroi.networks.sandbox import sandbox_adapter_for

        # Publications on the simulator survive restarts and are shared by the web and the worker.
        if "state_path" not in credentials:
            state_dir = Path(settings.DATA_DIR) / "sandbox"
            state_dir.mkdir(exist_ok=True)
            options.setdefault("state_path", state_dir / f"account-{account.pk}.json")
        return sandbox_adapter_for(account.network, credentials, **options)
    from beffroi.networks.registry import get_adapter

    for key, value in network_app_options(account.network).items():
        options.setdefault(key, value)
    options.setdefault("on_tokens_refreshed", _store_refreshed_tokens(account))
    return get_adapter(account.network, credentials, **options)
