"""X's weighted length against every weighted-length case of the official twitter-text suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from beffroi.publishing.composer.twitter_text import (
    CONFIG_V2,
    CONFIG_V3,
    TwitterTextConfig,
    parse_tweet,
)

# shared/ sits beside the checkout, on a developer's machine as in CI.
REPOSITORY = Path(__file__).resolve().parents[2]
CONFORMANCE = REPOSITORY.parent / "shared" / "data" / "twitter-text-conformance"

# Which configuration each section of validate.yml is run with in twitter-text's own tests.
SECTIONS = {
    "WeightedTweetsCounterTest": CONFIG_V2,
    "WeightedTweetsWithDiscountedEmojiCounterTest": CONFIG_V3,
    "UnicodeDirectionalMarkerCounterTest": CONFIG_V3,
}


def _cases() -> list[Any]:
    suite = yaml.safe_load((CONFORMANCE / "validate.yml").read_text(encoding="utf-8"))
    params = []
    for section, config in SECTIONS.items():
        for case in suite["tests"][section]:
            params.append(pytest.param(config, case, id=f"{section}: {case['description']}"))
    return params


def test_the_conformance_suite_is_found_and_complete() -> None:
    # 20 + 22 + 2 cases at commit 30e2430: a silently empty parametrisation would prove nothing.
    assert len(_cases()) == 44


@pytest.mark.parametrize(("config", "case"), _cases())
def test_weighted_length_matches_twitter_text(
    config: TwitterTextConfig, case: dict[str, Any]
) -> None:
    result = parse_tweet(case["text"], config)
    expected = case["expected"]
    assert result.weighted_length == expected["weightedLength"]
    assert result.valid is expected["valid"]
    assert result.permillage == expected["permillage"]
    assert result.display_range == (expected["displayRangeStart"], expected["displayRangeEnd"])
    assert result.valid_range == (expected["validRangeStart"], expected["validRangeEnd"])


def test_the_shipped_v3_configuration_is_the_official_one() -> None:
    assert TwitterTextConfig.from_json(CONFORMANCE / "config-v3.json") == CONFIG_V3


def test_a_french_post_with_a_long_link_counts_the_link_as_23() -> None:
    text = (
        "Fête de la musique : scènes ouvertes place du Beffroi dès 18 h ! "
        "https://www.ville-exemple.fr/agenda/2026/06/21/fete-de-la-musique-programme-complet"
    )
    assert parse_tweet(text).weighted_length == len(text.split("https")[0]) + 23
