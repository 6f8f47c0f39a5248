"""Cross-module tests reuse the listening fixtures (rule-based enricher, throw-away lake)."""

from tests.listening.conftest import enricher, lake_dir, team  # noqa: F401 - fixtures
