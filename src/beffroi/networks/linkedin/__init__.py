"""LinkedIn organisation page adapter (Community Management API, /rest with LinkedIn-Version)."""

from beffroi.networks.linkedin.adapter import LinkedInAdapter

__all__ = ["LinkedInAdapter"]
