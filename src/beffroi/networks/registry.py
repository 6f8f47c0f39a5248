"""Which adapter class serves which network.

Adapters register themselves when their package is imported (`@register_adapter(Network.X)`);
`get_adapter` imports `beffroi.networks.<network>` on first use, so nothing has to list them here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from beffroi.core.domain import Network
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.errors import CapabilityMissing

AdapterFactory = Callable[..., NetworkAdapter]
_A = TypeVar("_A", bound=type[NetworkAdapter])

_REGISTRY: dict[Network, AdapterFactory] = {}


def register_adapter(network: Network | str) -> Callable[[_A], _A]:
    """Class decorator: `@register_adapter(Network.MASTODON)` on the adapter class."""

    def decorate(cls: _A) -> _A:
        register(network, cls)
        return cls

    return decorate


def register(network: Network | str, factory: AdapterFactory) -> None:
    _REGISTRY[Network(network)] = factory


def unregister(network: Network | str) -> None:
    _REGISTRY.pop(Network(network), None)


def adapter_factory(network: Network | str) -> AdapterFactory:
    network = Network(network)
    if network not in _REGISTRY:
        try:
            importlib.import_module(f"beffroi.networks.{network.value}")
        except ModuleNotFoundError as exc:
            if exc.name != f"beffroi.networks.{network.value}":
                raise
    try:
        return _REGISTRY[network]
    except KeyError:
        raise CapabilityMissing(
            network,
            "adapter",
            message=f"aucun connecteur disponible pour {network.label}",
            user_action="Ce réseau n'est pas encore pris en charge par Beffroi.",
        ) from None


def get_adapter(
    network: Network | str, credentials: Mapping[str, str], **options: Any
) -> NetworkAdapter:
    """Builds the adapter of `network` for one account's credentials.

    options are passed to the adapter (transport=, sleep=, clock=, timeout=, max_retries=, and
    network-specific ones such as instance_url= or seed=).
    """
    return adapter_factory(network)(credentials, **options)


def registered_networks() -> tuple[Network, ...]:
    """Networks whose adapter is importable, in the interface order."""
    available = []
    for network in Network:
        try:
            adapter_factory(network)
        except CapabilityMissing:
            continue
        available.append(network)
    return tuple(available)
