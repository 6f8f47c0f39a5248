"""From a stored network account to the adapter that speaks to its network."""

from __future__ import annotations

from typing import Any

from beffroi.core.models import NetworkAccount
from beffroi.core.services import network_account_credentials
from beffroi.networks.base import NetworkAdapter


def adapter_for_account(account: NetworkAccount, **options: Any) -> NetworkAdapter:
    """The account's adapter; a simulated account gets the simulator standing in for its network."""
    credentials = {k: str(v) for k, v in network_account_credentials(account=account).items()}
    if account.simulated:
        from beffroi.networks.sandbox import sandbox_adapter_for

        return sandbox_adapter_for(account.network, credentials, **options)
    from beffroi.networks.registry import get_adapter

    return get_adapter(account.network, credentials, **options)
