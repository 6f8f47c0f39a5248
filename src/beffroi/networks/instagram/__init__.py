"""Instagram professional account adapter (Graph API with Facebook Login)."""

from beffroi.networks.instagram.adapter import InstagramAdapter

__all__ = ["InstagramAdapter"]
