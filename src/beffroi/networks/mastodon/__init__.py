"""Mastodon adapter (Mastodon.py over our HTTP client)."""

from beffroi.networks.mastodon.adapter import MastodonAdapter

__all__ = ["MastodonAdapter"]
