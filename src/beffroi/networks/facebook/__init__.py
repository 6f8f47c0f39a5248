"""Facebook Page adapter (Graph API), Meta OAuth and webhooks shared with Instagram."""

from beffroi.networks.facebook.adapter import FacebookAdapter

__all__ = ["FacebookAdapter"]
