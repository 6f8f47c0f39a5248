"""X adapter (API v2)."""

from beffroi.networks.x.adapter import XAdapter

__all__ = ["XAdapter"]
