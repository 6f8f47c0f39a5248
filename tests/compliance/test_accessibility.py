"""Every accessibility check, the organisation's policy and the per-account report."""

import pytest

from beffroi.compliance.accessibility import (
    AccessibilityPolicy,
    Check,
    Severity,
    account_report,
    alt_text_problem,
    camelcase_suggestion,
    check_variant,
)
from beffroi.core.domain import Network
from beffroi.networks.types import Media, PostVariant

GOOD_ALT = "Des enfants plantent des arbres dans la cour de l'école Jules-Ferry"


def post(text="La médiathèque ouvre samedi à 10 h.", media=(), link=None, thread=()):
    return PostVariant(network=Network.FACEBOOK, text=text, media=media, link=link, thread=thread)


def image(alt=GOOD_ALT, path="plantation.jpg"):
    return Media(path=path, mime_type="image/jpeg", alt_text=alt)


def checks(variant, policy=None):
    return check_variant(variant, policy).checks()


def test_a_clean_post_has_no_issue():
    result = check_variant(post(media=(image(),)))
    assert result.issues == ()
    assert not result.blocked


def test_missing_alt_text_blocks_by_default():
    result = check_variant(post(media=(image(alt=""),)))
    assert result.checks() == {Check.ALT_MISSING}
    assert result.blocked


@pytest.mark.parametrize(
    ("alt", "reason"),
    [
        ("IMG_1234.jpg", "nom de fichier"),
        ("DSC01234", "nom de fichier"),
        ("affiche-concert-final.png", "nom de fichier"),
        ("image", "mot générique"),
        ("Photo.", "mot générique"),
        ("Visuel d'illustration", "mot générique"),
        ("Parc", "trop court"),
        ("La médiathèque ouvre samedi à 10 h.", "répète le texte"),
    ],
)
def test_alt_text_that_says_nothing(alt, reason):
    problem = alt_text_problem(alt, "La médiathèque ouvre samedi à 10 h.")
    assert problem is not None and reason in problem
    assert Check.ALT_NOT_MEANINGFUL in checks(post(media=(image(alt=alt),)))


def test_meaningful_alt_text_passes():
    assert alt_text_problem(GOOD_ALT, "Journée de l'arbre") is None


def test_video_without_captions():
    video = Media(path="conseil.mp4", mime_type="video/mp4")
    captioned = Media(path="conseil.mp4", mime_type="video/mp4", captions_path="conseil.vtt")
    assert checks(post(media=(video,))) == {Check.VIDEO_CAPTIONS}
    assert checks(post(media=(captioned,))) == set()


@pytest.mark.parametrize(
    ("text", "alt"),
    [
        ("Tout le programme sur l'affiche !", GOOD_ALT),
        (
            "Fête de la musique",
            "Affiche. Fête de la musique le 21 juin. Scène place de la mairie de 18 h à minuit, "
            "chorale des écoles à 18 h, harmonie municipale à 19 h 30, groupes locaux à partir de "
            "21 h. Buvette tenue par le comité des fêtes. Navettes gratuites toutes les 20 minutes.",
        ),
    ],
)
def test_information_only_in_the_image(text, alt):
    result = check_variant(post(text=text, media=(image(alt=alt),)))
    assert Check.TEXT_IN_IMAGE in result.checks()
    assert any("Texte dans l'image ?" in i.message for i in result.issues)


def test_hashtags_without_capitals():
    result = check_variant(post(text="Rendez-vous samedi #fetedelamusique #VilleDeLyon #RGPD"))
    (issue,) = [i for i in result.issues if i.check is Check.HASHTAG_CAMELCASE]
    assert "#FeteDeLaMusique" in issue.message
    assert camelcase_suggestion("bienvivreensemble") == "#BienVivreEnsemble"
    assert camelcase_suggestion("environnement") is None  # one word
    assert camelcase_suggestion("RGPD") is None  # an acronym
    assert camelcase_suggestion("VilleDeLyon") is None  # already CamelCase


def test_place_names_from_the_register_of_collectivites_split_hashtags():
    assert camelcase_suggestion("saintetienne") == "#SaintEtienne"
    assert camelcase_suggestion("nantesmetropole") == "#NantesMetropole"
    assert camelcase_suggestion("toulouse") is None  # one place name


def test_piled_up_emojis():
    assert Check.EMOJI_PILE in checks(post(text="Bravo aux bénévoles 🎉🎉🎉🎉"))
    assert Check.EMOJI_PILE in checks(post(text="Bravo 🎉 🎉 🎉 🎉 à tous"))
    assert Check.EMOJI_PILE not in checks(post(text="Bravo aux bénévoles 🎉🎉🎉"))


def test_emoji_in_place_of_a_word():
    result = check_variant(post(text="Rendez-vous au 🏊 samedi matin."))
    (issue,) = [i for i in result.issues if i.check is Check.EMOJI_AS_WORD]
    assert "personne nageant" in issue.message
    assert Check.EMOJI_AS_WORD not in checks(post(text="La piscine rouvre samedi 🏊"))


def test_link_text():
    assert Check.LINK_TEXT in checks(post(text="https://ville.example/inscriptions"))
    assert Check.LINK_TEXT in checks(post(text="", link="https://ville.example/inscriptions"))
    assert Check.LINK_TEXT in checks(
        post(text="Pour vous inscrire, cliquez ici : https://ville.example/inscriptions")
    )
    assert Check.LINK_TEXT not in checks(
        post(text="Inscriptions à la cantine : https://ville.example/inscriptions")
    )


def test_readability_and_plain_language():
    text = (
        "Dans le cadre de la requalification de la voirie communautaire, les modalités de "
        "stationnement ont été modifiées par arrêté municipal afin de permettre l'intervention "
        "des services techniques intercommunaux."
    )
    result = check_variant(post(text=text))
    assert {Check.READABILITY, Check.PLAIN_LANGUAGE} <= result.checks()
    assert result.readability.score < 50


def test_thread_parts_are_checked_too():
    assert Check.EMOJI_PILE in checks(post(text="Première partie.", thread=("Suite 🎉🎉🎉🎉🎉",)))


def test_the_policy_chooses_what_blocks_warns_or_is_off():
    bad = post(text="Bravo 🎉🎉🎉🎉🎉", media=(image(alt=""),))
    default = check_variant(bad)
    assert default.blocked
    lenient = AccessibilityPolicy(
        severities={Check.ALT_MISSING: Severity.WARN, Check.EMOJI_PILE: Severity.OFF}
    )
    result = check_variant(bad, lenient)
    assert not result.blocked
    assert result.checks() == {Check.ALT_MISSING}
    strict = AccessibilityPolicy(severities={Check.EMOJI_PILE: Severity.BLOCK}, max_emoji_run=1)
    assert check_variant(post(text="Bravo 🎉🎉"), strict).blocked


def test_policy_round_trips_through_a_dict():
    policy = AccessibilityPolicy(severities={Check.LINK_TEXT: Severity.BLOCK}, min_readability=40)
    again = AccessibilityPolicy.from_dict(policy.to_dict())
    assert again.severity(Check.LINK_TEXT) is Severity.BLOCK
    assert again.severity(Check.ALT_MISSING) is Severity.BLOCK
    assert again.min_readability == 40


def test_account_report():
    posts = [
        ("p1", post(media=(image(),))),
        ("p2", post(media=(image(alt="IMG_0001.JPG"),))),
        ("p3", post(text="Bravo 🎉🎉🎉🎉", media=(Media("v.mp4", "video/mp4"),))),
        (
            "p4",
            post(
                text="Séance du conseil en vidéo.",
                media=(Media("c.mp4", "video/mp4", captions_path="c.vtt"),),
            ),
        ),
    ]
    report = account_report("@ville", posts)
    assert report.posts == 4
    assert report.posts_with_issues == 2
    assert report.posts_blocked == 2
    assert (report.images, report.images_with_meaningful_alt) == (2, 1)
    assert (report.videos, report.videos_with_captions) == (2, 1)
    assert report.issues_by_check[Check.ALT_NOT_MEANINGFUL] == 1
    assert report.worst[0][0] == "p3"
    summary = report.summary()
    assert "Images avec un texte alternatif pertinent : 1/2" in summary
    assert "Vidéos sous-titrées : 1/2" in summary
