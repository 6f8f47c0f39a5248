"""The composer turns one message into a checked native variant per network."""

from __future__ import annotations

import pytest

from beffroi.core.domain import REAL_NETWORKS, Network
from beffroi.networks.types import Media, PostVariant
from beffroi.publishing.composer import (
    Directory,
    Entity,
    LengthUnit,
    Message,
    Severity,
    camel_case_hashtag,
    check_variant,
    compose,
    measure,
    rules_for,
)
from beffroi.publishing.composer.preview import SegmentKind, preview, segments_of
from beffroi.publishing.composer.threads import split_sentences, split_thread

PHOTO = Media(
    path="media/fete-musique.jpg",
    mime_type="image/jpeg",
    alt_text="Une scène place du Beffroi, le public danse sous les guirlandes.",
    width=1080,
    height=1350,
    size_bytes=900_000,
)
VIDEO = Media(
    path="media/conseil.mp4",
    mime_type="video/mp4",
    size_bytes=40_000_000,
    duration_s=95,
    captions_path="media/conseil.vtt",
)
LINK = "https://www.ville-exemple.fr/agenda/2026/06/21/fete-de-la-musique-programme-complet"
LONG_TEXT = (
    "La Fête de la musique revient le dimanche 21 juin dans toute la ville. "
    "Plus de 80 scènes gratuites vous attendent du centre historique aux quartiers. "
    "Les lignes de tramway circulent toute la nuit, avec un passage toutes les 15 minutes. "
    "Le stationnement est interdit place du Beffroi à partir de 14 h. "
    "Les bénévoles sont attendus à 16 h à l'accueil de la mairie. "
    "Pensez aux bouchons d'oreille pour les plus petits, distribués gratuitement aux points info. "
    "Bonne fête à toutes et à tous !"
)


def _codes(checked_issues: tuple, severity: Severity | None = None) -> set[str]:
    return {i.code for i in checked_issues if severity is None or i.severity is severity}


def test_hashtags_are_written_in_camel_case() -> None:
    assert camel_case_hashtag("fête de la musique") == "#FêteDeLaMusique"
    assert camel_case_hashtag("#JO 2024") == "#JO2024"
    assert camel_case_hashtag("l'été au parc") == "#LÉtéAuParc"
    with pytest.raises(ValueError):
        camel_case_hashtag(" !? ")


def test_a_lower_case_hashtag_in_the_text_is_rewritten_as_the_known_camel_case_tag() -> None:
    message = Message(text="Rendez-vous ce soir #fetedelamusique", hashtags=("fête de la musique",))
    variant = compose(message, [Network.MASTODON]).variants[0].variant
    assert variant.text == "Rendez-vous ce soir #FêteDeLaMusique"


def test_an_unknown_lower_case_hashtag_gets_a_warning() -> None:
    checked = compose(Message(text="Ce soir #conseilmunicipal"), [Network.X]).variants[0]
    assert "hashtag_case" in _codes(checked.issues, Severity.WARNING)


def test_every_network_gets_a_variant_within_its_limit() -> None:
    message = Message(text=LONG_TEXT, link=LINK, hashtags=("fête de la musique",), media=(PHOTO,))
    composition = compose(message, [n for n in REAL_NETWORKS if n is not Network.YOUTUBE])
    for checked in composition.variants:
        rules = rules_for(checked.variant.network)
        for part in (checked.variant.text, *checked.variant.thread):
            assert measure(part, rules.unit) <= rules.max_length
        assert checked.publishable, checked.issues


def test_threads_are_split_on_sentence_boundaries_and_numbered() -> None:
    message = Message(text=LONG_TEXT, link=LINK, hashtags=("fête de la musique",))
    x = compose(message, [Network.X]).for_network(Network.X)
    parts = (x.variant.text, *x.variant.thread)
    assert len(parts) >= 2
    total = len(parts)
    for index, part in enumerate(parts, start=1):
        assert part.endswith(f" {index}/{total}")
        body = part.rsplit(" ", 1)[0]
        # each part ends at the end of a sentence (or with the link / hashtags added to it)
        assert body.endswith((".", "!", LINK, "#FêteDeLaMusique"))
    assert LINK in parts[0]
    assert parts[-1].split(" ")[-2] == "#FêteDeLaMusique"
    # The whole text is there, in order, once.
    rebuilt = " ".join(p.rsplit(" ", 1)[0] for p in parts)
    for sentence in split_sentences(LONG_TEXT):
        assert rebuilt.count(sentence) == 1


def test_a_text_that_fits_is_not_numbered() -> None:
    assert split_thread("Court.", limit=280, measure=len) == ["Court."]


def test_a_sentence_longer_than_a_part_is_cut_at_clauses_then_words() -> None:
    sentence = "Une phrase très longue, " * 30 + "qui finit enfin."
    parts = split_thread(sentence, limit=100, measure=len)
    assert all(len(p) <= 100 for p in parts)
    assert "".join(p.rsplit(" ", 1)[0] for p in parts).replace(" ", "") == sentence.replace(" ", "")


def test_instagram_has_no_clickable_link_and_says_lien_en_bio() -> None:
    message = Message(text=f"Programme complet : {LINK}", link=LINK, media=(PHOTO,))
    checked = compose(message, [Network.INSTAGRAM]).variants[0]
    assert "https://" not in checked.variant.text
    assert "Lien en bio." in checked.variant.text
    assert "(lien en bio)" in checked.variant.text
    assert checked.variant.link is None
    assert "link_in_bio" in _codes(checked.issues, Severity.WARNING)


def test_instagram_refuses_a_31st_hashtag_and_a_post_without_image() -> None:
    tags = " ".join(f"#Tag{i}Ville" for i in range(31))
    checked = compose(Message(text=f"Été 2026 {tags}"), [Network.INSTAGRAM]).variants[0]
    assert {"too_many_hashtags", "media_required"} <= _codes(checked.issues, Severity.BLOCKING)


@pytest.mark.parametrize(
    ("width", "height", "accepted"),
    [
        (1080, 1350, True),
        (1080, 1080, True),
        (1910, 1000, True),
        (1080, 1920, False),
        (2000, 1000, False),
    ],
)
def test_instagram_accepts_ratios_from_4_5_to_1_91(width: int, height: int, accepted: bool) -> None:
    photo = Media(
        "p.jpg", "image/jpeg", "Le marché couvert un samedi matin.", width, height, 500_000
    )
    checked = compose(Message(text="Marché", media=(photo,)), [Network.INSTAGRAM]).variants[0]
    assert ("media_ratio" not in _codes(checked.issues)) is accepted


def test_every_image_needs_an_alt_text_on_every_network() -> None:
    photo = Media("media/IMG_2041.jpg", "image/jpeg", "", 1200, 1200, 300_000)
    composition = compose(Message(text="Le nouveau parc", media=(photo,)), REAL_NETWORKS)
    for checked in composition.variants:
        assert "alt_text_missing" in _codes(checked.issues, Severity.BLOCKING)
        assert any("IMG_2041.jpg" in i.message for i in checked.issues)


def test_an_alt_text_that_only_says_image_gets_a_warning() -> None:
    photo = Media("p.jpg", "image/jpeg", "Image de la mairie", 1200, 1200, 300_000)
    checked = compose(Message(text="Mairie", media=(photo,)), [Network.X]).variants[0]
    assert "alt_text_poor" in _codes(checked.issues, Severity.WARNING)


def test_x_refuses_an_image_over_5_mb_that_mastodon_accepts() -> None:
    heavy = Media("p.png", "image/png", "Plan du quartier de la gare.", 2000, 1500, 6 * 1024 * 1024)
    composition = compose(Message(text="Plan", media=(heavy,)), [Network.X, Network.MASTODON])
    assert "media_too_large" in _codes(composition.for_network(Network.X).issues)
    assert "media_too_large" not in _codes(composition.for_network(Network.MASTODON).issues)
    assert "5 Mo" in next(i.message for i in composition.issues if i.code == "media_too_large")


def test_bluesky_takes_four_images_of_one_megabyte_at_most() -> None:
    photos = tuple(
        Media(
            f"p{i}.jpg", "image/jpeg", f"Photo {i} du chantier de la piscine.", 1000, 800, 1_200_000
        )
        for i in range(5)
    )
    checked = compose(Message(text="Chantier", media=photos), [Network.BLUESKY]).variants[0]
    assert {"too_many_images", "media_too_large"} <= _codes(checked.issues, Severity.BLOCKING)


def test_a_video_without_captions_gets_a_warning() -> None:
    silent = Media("v.mp4", "video/mp4", size_bytes=1_000_000, duration_s=30)
    checked = compose(Message(text="Vidéo", media=(silent,)), [Network.FACEBOOK]).variants[0]
    assert "captions_missing" in _codes(checked.issues, Severity.WARNING)


def test_x_refuses_a_video_longer_than_140_seconds() -> None:
    long_video = Media(
        "v.mp4", "video/mp4", size_bytes=10_000_000, duration_s=300, captions_path="v.vtt"
    )
    checked = compose(Message(text="Vidéo", media=(long_video,)), [Network.X]).variants[0]
    assert "video_too_long" in _codes(checked.issues, Severity.BLOCKING)


def test_youtube_needs_a_video_and_a_title_of_100_characters_at_most() -> None:
    message = Message(
        text="Le conseil municipal du 12 mars en vidéo.", title="T" * 101, media=(VIDEO,)
    )
    checked = compose(message, [Network.YOUTUBE]).variants[0]
    assert "title_too_long" in _codes(checked.issues, Severity.BLOCKING)
    ok = compose(
        Message(text="Le conseil municipal du 12 mars.", link=LINK, media=(VIDEO,)),
        [Network.YOUTUBE],
    ).variants[0]
    assert ok.publishable
    assert ok.variant.title == "Le conseil municipal du 12 mars."
    assert LINK in ok.variant.text
    no_video = compose(Message(text="Sans vidéo", media=(PHOTO,)), [Network.YOUTUBE]).variants[0]
    assert "video_required" in _codes(no_video.issues, Severity.BLOCKING)


def test_youtube_refuses_angle_brackets() -> None:
    checked = compose(Message(text="a < b", media=(VIDEO,)), [Network.YOUTUBE]).variants[0]
    assert "forbidden_characters" in _codes(checked.issues)


@pytest.mark.parametrize(
    ("network", "limit"), [(Network.LINKEDIN, 3000), (Network.FACEBOOK, 63206)]
)
def test_networks_without_threads_refuse_a_text_over_their_limit(
    network: Network, limit: int
) -> None:
    text = "a" * (limit + 1)
    checked = compose(Message(text=text), [network]).variants[0]
    assert checked.length == limit + 1
    assert "too_long" in _codes(checked.issues, Severity.BLOCKING)
    assert compose(Message(text="a" * limit), [network]).variants[0].publishable


def test_an_edited_variant_is_checked_again() -> None:
    edited = PostVariant(network=Network.X, text="é" * 281)
    checked = check_variant(edited)
    assert checked.length == 281
    assert not checked.publishable
    assert "281 caractères pondérés pour 280 sur X" in checked.issues[0].message


def test_mentions_use_each_network_handle_and_the_name_elsewhere() -> None:
    directory = Directory(
        [
            Entity(
                "Métropole de Lyon",
                {
                    Network.X: "grandlyon",
                    Network.MASTODON: "grandlyon@mastodon.social",
                    Network.BLUESKY: "grandlyon.bsky.social",
                    Network.LINKEDIN: "metropole-de-lyon",
                },
            )
        ]
    )
    message = Message(text="Merci à @[métropole de lyon] et à @[Inconnue] !")
    composition = compose(
        message, [Network.X, Network.MASTODON, Network.BLUESKY, Network.LINKEDIN], directory
    )
    assert composition.for_network(Network.X).variant.text.startswith("Merci à @grandlyon et")
    assert "@grandlyon@mastodon.social" in composition.for_network(Network.MASTODON).variant.text
    assert "@grandlyon.bsky.social" in composition.for_network(Network.BLUESKY).variant.text
    # LinkedIn tags organisations through its API, not through the text.
    linkedin = composition.for_network(Network.LINKEDIN)
    assert "Merci à Métropole de Lyon" in linkedin.variant.text
    assert "mention_unresolved" in _codes(linkedin.issues)
    assert "mention_unknown" in _codes(composition.for_network(Network.X).issues)


def test_a_mastodon_mention_with_its_domain_counts_as_the_user_part() -> None:
    directory = Directory(
        [
            Entity(
                "Médiathèque", {Network.MASTODON: "mediatheque@very-long-instance-name.example.org"}
            )
        ]
    )
    checked = compose(Message(text="@[Médiathèque]"), [Network.MASTODON], directory).variants[0]
    assert checked.length == len("@mediatheque")


def test_sponsored_flag_is_carried_to_every_variant() -> None:
    composition = compose(
        Message(text="Recrutement", sponsored=True), [Network.FACEBOOK, Network.LINKEDIN]
    )
    assert all(c.variant.sponsored for c in composition.variants)


def test_issue_messages_are_french() -> None:
    composition = compose(Message(text=""), [Network.X])
    assert composition.issues[0].message == "La publication est vide."


def test_preview_highlights_links_hashtags_and_mentions_and_shortens_links_on_x() -> None:
    segments = segments_of(f"Bravo @ville ! #FêteDeLaMusique {LINK}", Network.X)
    kinds = [s.kind for s in segments]
    assert kinds == [
        SegmentKind.TEXT,
        SegmentKind.MENTION,
        SegmentKind.TEXT,
        SegmentKind.HASHTAG,
        SegmentKind.TEXT,
        SegmentKind.LINK,
    ]
    link = segments[-1]
    assert link.href == LINK
    assert link.text.endswith("…") and len(link.text) == 30
    assert segments[3].href == "https://x.com/hashtag/F%C3%AAteDeLaMusique"


def test_preview_shows_instagram_links_as_plain_text_and_folds_after_125_characters() -> None:
    message = Message(text=LONG_TEXT, media=(PHOTO,))
    checked = compose(message, [Network.INSTAGRAM]).variants[0]
    shown = preview(checked)
    assert shown.clickable_links is False
    assert shown.parts[0].folded_at is not None
    assert shown.counter == f"{checked.length} / 2200"
    assert measure(LONG_TEXT, LengthUnit.CHARACTERS) == len(LONG_TEXT)


def test_preview_cuts_the_text_between_words_where_the_network_folds() -> None:
    text = "Le marché de Noël ouvre samedi place du Beffroi : 40 chalets et une patinoire ! " * 3
    checked = compose(Message(text=text, media=(PHOTO,)), [Network.INSTAGRAM]).variants[0]
    part = preview(checked).parts[0]
    assert part.folded_at == 1
    shown = part.segments[0].text
    assert len(shown) <= 125 and not shown.endswith(" ") and text.startswith(shown)
    assert "".join(s.text for s in part.segments) == checked.variant.text
