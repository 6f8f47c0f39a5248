"""X adapter (API v2)."""
