"""Bluesky adapter (AT Protocol XRPC over our HTTP client)."""

from beffroi.networks.bluesky.adapter import BlueskyAdapter

__all__ = ["BlueskyAdapter"]
