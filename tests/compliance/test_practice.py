"""Comparison with the account's own practice before the period."""

from datetime import UTC, datetime, timedelta

from beffroi.compliance.practice import PostRecord, compare_practice, profile, theme_distance
from beffroi.core.domain import Topic

PERIOD_START = datetime(2025, 9, 1, tzinfo=UTC)
BASELINE_START = PERIOD_START - timedelta(weeks=26)
NOW = PERIOD_START + timedelta(weeks=10)

NEUTRAL = [
    ("Collecte des déchets verts lundi.", Topic.PROPRETE_DECHETS),
    ("Travaux rue Pasteur : circulation alternée.", Topic.VOIRIE_TRAVAUX),
    ("Concert gratuit au parc dimanche.", Topic.CULTURE_PATRIMOINE),
]


def weekly(start, weeks, per_week, items):
    posts = []
    for w in range(weeks):
        for k in range(per_week):
            text, topic = items[(w * per_week + k) % len(items)]
            posts.append(PostRecord(start + timedelta(weeks=w, days=k), text, topic))
    return posts


def test_same_rhythm_tone_and_themes_is_usual():
    posts = weekly(BASELINE_START, 26, 2, NEUTRAL) + weekly(PERIOD_START, 10, 2, NEUTRAL)
    comparison = compare_practice(
        posts, period_start=PERIOD_START, now=NOW, baseline_start=BASELINE_START
    )
    assert comparison.usual, comparison.findings
    assert round(comparison.before.posts_per_week) == 2
    assert round(comparison.during.posts_per_week) == 2
    assert comparison.theme_distance < 0.1


def test_more_posts_more_promotion_and_new_themes_are_reported():
    promo = [
        (
            "Bilan : grâce à l'action de la municipalité, 3 écoles rénovées !",
            Topic.EDUCATION_JEUNESSE,
        ),
        ("Inauguration du gymnase, un succès !", Topic.SPORT_LOISIRS),
    ]
    posts = weekly(BASELINE_START, 26, 2, NEUTRAL) + weekly(PERIOD_START, 10, 5, promo)
    comparison = compare_practice(
        posts, period_start=PERIOD_START, now=NOW, baseline_start=BASELINE_START
    )
    text = " ".join(comparison.findings)
    assert "Rythme en hausse" in text
    assert "valorisant" in text
    assert "emphatique" in text
    assert "Sujets différents" in text
    assert comparison.during.promo_share == 1.0 and comparison.before.promo_share == 0.0


def test_a_draft_is_compared_with_the_habit():
    posts = weekly(BASELINE_START, 26, 2, NEUTRAL)
    draft = PostRecord(NOW + timedelta(days=2), "Bilan du mandat : promesses tenues !", Topic.AUTRE)
    comparison = compare_practice(
        posts, period_start=PERIOD_START, now=NOW, baseline_start=BASELINE_START, draft=draft
    )
    text = " ".join(comparison.findings)
    assert "Ce brouillon valorise" in text
    assert "Thème inhabituel" in text
    assert comparison.during.posts == 1


def test_profile_and_distance_by_hand():
    posts = [
        PostRecord(BASELINE_START, "a", Topic.MOBILITE),
        PostRecord(BASELINE_START + timedelta(days=1), "b", Topic.MOBILITE),
        PostRecord(BASELINE_START + timedelta(days=2), "c", Topic.CULTURE_PATRIMOINE),
        PostRecord(BASELINE_START + timedelta(days=3), "d", None),
    ]
    p = profile(posts, BASELINE_START, BASELINE_START + timedelta(weeks=2))
    assert p.posts == 4 and p.posts_per_week == 2.0
    assert p.themes == {Topic.MOBILITE: 0.5, Topic.CULTURE_PATRIMOINE: 0.25, Topic.AUTRE: 0.25}
    assert theme_distance(p.themes, {Topic.MOBILITE: 1.0}) == 0.5
