"""Network adapters: the only code that speaks to a social network.

from beffroi.networks import get_adapter
adapter = get_adapter("mastodon", {"access_token": "...", "instance_url": "https://mastodon.social"})
result = adapter.publish(variant, idempotency_key="draft-42-v1")
"""

from beffroi.networks.base import NetworkAdapter
from beffroi.networks.errors import (
    ApiDeprecated,
    AuthExpired,
    CapabilityMissing,
    ContentRejected,
    MalformedResponse,
    NetworkError,
    NotFound,
    PermissionMissing,
    RateLimited,
    Transient,
)
from beffroi.networks.registry import get_adapter, register_adapter, registered_networks

__all__ = [
    "ApiDeprecated",
    "AuthExpired",
    "CapabilityMissing",
    "ContentRejected",
    "MalformedResponse",
    "NetworkAdapter",
    "NetworkError",
    "NotFound",
    "PermissionMissing",
    "RateLimited",
    "Transient",
    "get_adapter",
    "register_adapter",
    "registered_networks",
]
