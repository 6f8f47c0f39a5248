"""YouTube channel adapter (Data API v3)."""

from beffroi.networks.youtube.adapter import YouTubeAdapter

__all__ = ["YouTubeAdapter"]
