"""Instagram adapter against recorded Graph API payloads: two-step containers, carousel, comments."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from beffroi.core.domain import Network
from beffroi.networks import get_adapter
from beffroi.networks.errors import (
    AuthExpired,
    ContentRejected,
    MalformedResponse,
    PermissionMissing,
    RateLimited,
    Transient,
)
from beffroi.networks.facebook.graph import GRAPH_BASE as G
from beffroi.networks.instagram import InstagramAdapter
from beffroi.networks.instagram import mapper as ig_mapper
from beffroi.networks.meta_webhooks import MentionRef
from beffroi.networks.types import Media, PostVariant

FIXTURES = Path(__file__).parents[1] / "fixtures" / "instagram"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
IG = "17841400000000001"
CONTAINER = "17889455560051444"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Sleeper:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make(sleeper: Sleeper | None = None, **options: Any) -> InstagramAdapter:
    adapter = get_adapter(
        Network.INSTAGRAM,
        {"access_token": "EAApagetoken", "ig_user_id": IG, "page_id": "104512345678901"},
        sleep=sleeper or Sleeper(),
        clock=lambda: NOW,
        **options,
    )
    assert isinstance(adapter, InstagramAdapter)
    return adapter


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def image(
    url: str = "https://cdn.ville-exemple.fr/piste.jpg", alt: str = "Piste cyclable"
) -> Media:
    return Media(url, "image/jpeg", alt_text=alt)


def publishing_routes(*, media_listing: Any = None) -> dict[str, respx.Route]:
    return {
        "listing": respx.get(f"{G}/{IG}/media").respond(json=media_listing or {"data": []}),
        "quota": respx.get(f"{G}/{IG}/content_publishing_limit").respond(
            json=load("publishing_limit.json")
        ),
        "status": respx.get(f"{G}/{CONTAINER}").respond(json=load("container_finished.json")),
        "publish": respx.post(f"{G}/{IG}/media_publish").respond(json=load("media_published.json")),
        "info": respx.get(f"{G}/17920238422030506").respond(json=load("media_info.json")),
    }


# ---------------------------------------------------------------------------- publishing


@respx.mock
def test_publishes_one_image_in_two_steps_with_alt_text() -> None:
    routes = publishing_routes()
    create = respx.post(f"{G}/{IG}/media").respond(json=load("container_created.json"))
    variant = PostVariant(
        network=Network.INSTAGRAM, text="La piste est ouverte ! #mobilité", media=(image(),)
    )

    result = make().publish(variant, idempotency_key="ig-1")

    assert form(create.calls.last.request) == {
        "image_url": "https://cdn.ville-exemple.fr/piste.jpg",
        "alt_text": "Piste cyclable",
        "caption": "La piste est ouverte ! #mobilité",
    }
    assert form(routes["publish"].calls.last.request) == {"creation_id": CONTAINER}
    assert result.remote_id == "17920238422030506"
    assert result.url == "https://www.instagram.com/p/DAbCdEfGhIj/"
    assert result.published_at == datetime(2026, 11, 27, 12, 0, 4, tzinfo=UTC)


@respx.mock
def test_publishes_a_carousel_from_child_containers() -> None:
    publishing_routes()
    respx.get(url__regex=rf"{re.escape(G)}/child-\d").respond(json=load("container_finished.json"))
    create = respx.post(f"{G}/{IG}/media").mock(
        side_effect=[
            httpx.Response(200, json={"id": "child-1"}),
            httpx.Response(200, json={"id": "child-2"}),
            httpx.Response(200, json={"id": CONTAINER}),
        ]
    )
    variant = PostVariant(
        network=Network.INSTAGRAM,
        text="Trois vues du chantier",
        media=(image(alt="Vue 1"), Media("https://cdn.ville-exemple.fr/v.mp4", "video/mp4")),
    )

    make().publish(variant, idempotency_key="ig-2")

    first, second, parent = (form(c.request) for c in create.calls)
    assert first == {
        "image_url": "https://cdn.ville-exemple.fr/piste.jpg",
        "alt_text": "Vue 1",
        "is_carousel_item": "true",
    }
    assert second == {
        "media_type": "VIDEO",
        "video_url": "https://cdn.ville-exemple.fr/v.mp4",
        "is_carousel_item": "true",
    }
    assert parent == {
        "media_type": "CAROUSEL",
        "children": "child-1,child-2",
        "caption": "Trois vues du chantier",
    }


@respx.mock
def test_waits_while_a_video_container_is_processed() -> None:
    routes = publishing_routes()
    routes["status"].mock(
        side_effect=[
            httpx.Response(200, json=load("container_in_progress.json")),
            httpx.Response(200, json=load("container_in_progress.json")),
            httpx.Response(200, json=load("container_finished.json")),
        ]
    )
    respx.post(f"{G}/{IG}/media").respond(json=load("container_created.json"))
    sleeper = Sleeper()
    variant = PostVariant(
        network=Network.INSTAGRAM,
        text="Le festival en 30 secondes",
        media=(Media("https://cdn.ville-exemple.fr/f.mp4", "video/mp4"),),
    )
    make(sleeper).publish(variant, idempotency_key="ig-3")
    assert sleeper.waits == [3.0, 3.0]


@respx.mock
def test_a_container_in_error_is_refused_with_instagram_reason_and_not_published() -> None:
    routes = publishing_routes()
    routes["status"].respond(json=load("container_error.json"))
    respx.post(f"{G}/{IG}/media").respond(json=load("container_created.json"))
    variant = PostVariant(
        network=Network.INSTAGRAM,
        text="x",
        media=(Media("https://cdn.ville-exemple.fr/f.mov", "video/quicktime"),),
    )
    with pytest.raises(ContentRejected) as caught:
        make().publish(variant, idempotency_key="ig-4")
    assert "Le format de la vidéo n'est pas pris en charge" in caught.value.user_action
    assert not routes["publish"].called


@pytest.mark.parametrize(
    ("media", "text", "expected"),
    [
        ((), "x", "sans image ni vidéo"),
        (tuple(image() for _ in range(11)), "x", "au plus 10 médias"),
        ((image(),), "#a " * 31, "au plus 30 hashtags"),
        ((image(),), "x" * 2201, "dépasse 2200 caractères"),
        ((Media("https://c.fr/f.avi", "video/x-msvideo"),), "x", "MP4 ou MOV"),
    ],
)
def test_preflight_names_what_instagram_will_refuse(
    media: tuple[Media, ...], text: str, expected: str
) -> None:
    problems = make().preflight(PostVariant(network=Network.INSTAGRAM, text=text, media=media))
    assert any(expected in p for p in problems), problems


def test_preflight_accepts_a_publishable_carousel() -> None:
    variant = PostVariant(network=Network.INSTAGRAM, text="#a #b", media=(image(), image()))
    assert make().preflight(variant) == ()


def test_a_post_without_media_is_refused_before_any_call() -> None:
    with pytest.raises(ContentRejected) as caught:
        make().publish(PostVariant(network=Network.INSTAGRAM, text="Texte seul"), "ig-5")
    assert "sans image ni vidéo" in caught.value.user_action


def test_a_local_file_needs_a_public_url_resolver() -> None:
    variant = PostVariant(
        network=Network.INSTAGRAM, text="x", media=(Media("/srv/media/a.jpg", "image/jpeg"),)
    )
    with pytest.raises(ContentRejected) as caught:
        make().publish(variant, "ig-6")
    assert "adresse publique" in caught.value.user_action


@respx.mock
def test_a_local_file_is_published_through_the_configured_public_url() -> None:
    publishing_routes()
    create = respx.post(f"{G}/{IG}/media").respond(json=load("container_created.json"))
    adapter = make(public_media_url=lambda m: "https://beffroi.example/m/" + Path(m.path).name)
    variant = PostVariant(
        network=Network.INSTAGRAM, text="x", media=(Media("/srv/media/a.jpg", "image/jpeg"),)
    )
    adapter.publish(variant, "ig-7")
    assert form(create.calls.last.request)["image_url"] == "https://beffroi.example/m/a.jpg"


@respx.mock
def test_a_full_daily_quota_is_known_before_publishing() -> None:
    routes = publishing_routes()
    routes["quota"].respond(json=load("publishing_limit_full.json"))
    create = respx.post(f"{G}/{IG}/media")
    with pytest.raises(RateLimited) as caught:
        make().publish(PostVariant(network=Network.INSTAGRAM, text="x", media=(image(),)), "ig-8")
    assert "100/100" in caught.value.message
    assert not create.called


@respx.mock
def test_an_earlier_attempt_among_recent_media_is_not_published_again() -> None:
    routes = publishing_routes(media_listing=load("media.json"))
    create = respx.post(f"{G}/{IG}/media")
    variant = PostVariant(
        network=Network.INSTAGRAM,
        text="La nouvelle piste cyclable du quai Saint-Antoine est ouverte 🚲 #mobilité #villeexemple",
        media=(image(),),
    )
    result = make().publish(variant, "ig-9")
    assert result.already_published and result.remote_id == "17895695668004550"
    assert not create.called and not routes["publish"].called


@respx.mock
def test_a_media_publish_timeout_is_resolved_by_looking_at_recent_media() -> None:
    routes = publishing_routes()
    routes["listing"].mock(
        side_effect=[
            httpx.Response(200, json={"data": []}),
            httpx.Response(
                200,
                json={
                    "data": [
                        {
                            "id": "17920238422030506",
                            "caption": "Texte publié",
                            "timestamp": "2026-11-27T12:00:04+0000",
                            "permalink": "https://www.instagram.com/p/DAbCdEfGhIj/",
                        }
                    ]
                },
            ),
        ]
    )
    routes["publish"].mock(side_effect=httpx.ReadTimeout("lent"))
    respx.post(f"{G}/{IG}/media").respond(json=load("container_created.json"))
    result = make().publish(
        PostVariant(network=Network.INSTAGRAM, text="Texte publié", media=(image(),)), "ig-10"
    )
    assert routes["publish"].call_count == 1
    assert result.already_published and result.remote_id == "17920238422030506"


@respx.mock
def test_replies_hides_and_deletes() -> None:
    parent = "17865799348089039"
    respx.get(f"{G}/{parent}/replies").respond(json={"data": []})
    reply = respx.post(f"{G}/{parent}/replies").respond(json={"id": "17870000000000009"})
    hide = respx.post(f"{G}/17865799348089040").respond(json={"success": True})
    delete = respx.delete(f"{G}/17920238422030506").respond(json={"success": True})
    adapter = make()

    result = adapter.reply(parent, "Merci pour votre message !", "ig-r-1")
    adapter.hide_comment("17865799348089040")
    adapter.delete("17920238422030506")

    assert result.remote_id == "17870000000000009"
    assert form(reply.calls.last.request) == {"message": "Merci pour votre message !"}
    assert form(hide.calls.last.request) == {"hide": "true"}
    assert delete.called


@respx.mock
def test_a_reply_already_posted_by_the_account_is_not_posted_again() -> None:
    parent = "17865799348089039"
    respx.get(f"{G}/{parent}/replies").respond(
        json={
            "data": [
                {
                    "id": "17870000000000002",
                    "text": "Merci !  Elle sera prolongée jusqu'à la gare au printemps.",
                    "timestamp": "2026-11-27T11:30:00+0000",
                    "from": {"id": IG, "username": "ville_exemple"},
                }
            ]
        }
    )
    post = respx.post(f"{G}/{parent}/replies")
    result = make().reply(parent, "Merci ! Elle sera prolongée jusqu'à la gare au printemps.", "k")
    assert result.already_published and not post.called


# ---------------------------------------------------------------------------- reading


@respx.mock
def test_fetches_media_with_insights_and_keeps_counts_when_insights_fail() -> None:
    respx.get(f"{G}/{IG}/media").respond(json=load("media.json"))
    respx.get(f"{G}/17895695668004550/insights").respond(json=load("media_insights_carousel.json"))
    respx.get(f"{G}/17912345678901234/insights").respond(
        400, json=load("error_insights_unsupported.json")
    )

    posts = make().fetch_posts(since=NOW - timedelta(days=30))

    assert [p.remote_id for p in posts] == ["17895695668004550", "17912345678901234"]
    carousel, reel = posts
    assert carousel.media_count == 3
    assert carousel.metrics is not None
    assert (carousel.metrics.reach, carousel.metrics.impressions) == (3820, 6115)
    assert (carousel.metrics.saves, carousel.metrics.shares, carousel.metrics.likes) == (
        51,
        19,
        412,
    )
    assert reel.metrics is not None and reel.metrics.reach is None and reel.metrics.likes == 1290
    assert carousel.author.handle == "ville_exemple"


@respx.mock
def test_fetches_comments_and_their_replies() -> None:
    respx.get(f"{G}/17895695668004550/comments").respond(json=load("comments.json"))
    comments = make().fetch_comments("17895695668004550", since=NOW - timedelta(days=2))
    assert [c.author.handle for c in comments] == ["lea.velo", "ville_exemple", "anonyme_75"]
    assert comments[1].parent_remote_id == "17865799348089039"
    assert comments[2].hidden
    assert comments[0].author.url == "https://www.instagram.com/lea.velo/"


@respx.mock
def test_mentions_are_media_where_the_account_is_tagged() -> None:
    respx.get(f"{G}/{IG}/tags").respond(json=load("tags.json"))
    (mention,) = make().fetch_mentions(since=NOW - timedelta(days=7))
    assert mention.author.handle == "promeneuse.lyon" and mention.likes == 57


@respx.mock
def test_webhook_mentions_are_resolved_through_mentioned_media_and_comment() -> None:
    route = respx.get(f"{G}/{IG}").mock(
        side_effect=[
            httpx.Response(200, json=load("mentioned_media.json")),
            httpx.Response(200, json=load("mentioned_comment.json")),
        ]
    )
    adapter = make()
    in_caption = adapter.resolve_mention(MentionRef(account_id=IG, media_id="17887498072083520"))
    in_comment = adapter.resolve_mention(
        MentionRef(account_id=IG, media_id="17887498072083520", comment_id="17894227972186120")
    )
    fields = [c.request.url.params["fields"] for c in route.calls]
    assert fields[0].startswith("mentioned_media.media_id(17887498072083520){")
    assert fields[1].startswith("mentioned_comment.comment_id(17894227972186120){")
    assert in_caption.author.handle == "claire.photo" and in_caption.likes == 88
    assert in_comment.in_reply_to_remote_id == "17887498072083520"
    assert "bloquée" in in_comment.text


@respx.mock
def test_search_walks_the_hashtag_and_keeps_recent_media() -> None:
    lookup = respx.get(f"{G}/ig_hashtag_search").respond(json=load("hashtag_search.json"))
    respx.get(f"{G}/17843857450040591/recent_media").respond(json=load("hashtag_recent_media.json"))
    found = make().search("#budget participatif", since=NOW - timedelta(days=7))
    assert lookup.calls.last.request.url.params["q"] == "budgetparticipatif"
    assert [m.remote_id for m in found] == ["17990000000000001"]
    assert found[0].kind == "search"


@respx.mock
def test_account_stats_use_total_values_over_28_days() -> None:
    respx.get(f"{G}/{IG}").respond(json=load("user.json"))
    insights = respx.get(f"{G}/{IG}/insights").respond(json=load("user_insights.json"))
    stats = make().account_stats()
    params = insights.calls.last.request.url.params
    assert params["metric_type"] == "total_value"
    assert int(params["until"]) - int(params["since"]) == 28 * 86400
    assert (stats.followers, stats.following, stats.posts) == (9821, 312, 845)
    assert (stats.reach_28d, stats.impressions_28d) == (41230, 128904)


# ---------------------------------------------------------------------------- faults


@respx.mock
def test_expired_token() -> None:
    respx.get(f"{G}/{IG}/tags").respond(400, json=load("error_token_expired.json"))
    with pytest.raises(AuthExpired):
        make().fetch_mentions(since=NOW)


@respx.mock
def test_missing_permission() -> None:
    respx.get(f"{G}/{IG}/tags").respond(403, json=load("error_permission.json"))
    with pytest.raises(PermissionMissing) as caught:
        make().fetch_mentions(since=NOW)
    assert caught.value.message == "L'application n'est pas autorisée à publier sur ce compte."


@respx.mock
def test_rate_limit_honours_the_app_usage_reset_then_succeeds() -> None:
    usage = json.dumps({IG: [{"call_count": 100, "estimated_time_to_regain_access": 2}]})
    respx.get(f"{G}/{IG}/tags").mock(
        side_effect=[
            httpx.Response(
                400,
                json=load("error_rate_limit.json"),
                headers={"X-Business-Use-Case-Usage": usage},
            ),
            httpx.Response(200, json=load("tags.json")),
        ]
    )
    sleeper = Sleeper()
    assert len(make(sleeper).fetch_mentions(since=NOW - timedelta(days=7))) == 1
    assert sleeper.waits == [120.0]


@respx.mock
def test_server_error_then_success() -> None:
    respx.get(f"{G}/{IG}/tags").mock(
        side_effect=[
            httpx.Response(502, text="Bad Gateway"),
            httpx.Response(200, json=load("tags.json")),
        ]
    )
    assert len(make().fetch_mentions(since=NOW - timedelta(days=7))) == 1


@respx.mock
def test_server_errors_that_persist_end_in_transient() -> None:
    respx.get(f"{G}/{IG}/tags").respond(500, text="oops")
    with pytest.raises(Transient):
        make().fetch_mentions(since=NOW)


@respx.mock
def test_malformed_json() -> None:
    respx.get(f"{G}/{IG}").respond(
        200, content=b'{"id": "1784', headers={"Content-Type": "application/json"}
    )
    with pytest.raises(MalformedResponse):
        make().account_stats()


@respx.mock
def test_an_answer_without_a_documented_field_is_a_malformed_response() -> None:
    respx.get(f"{G}/{IG}/tags").respond(json={"data": [{"id": "1", "caption": "sans date"}]})
    with pytest.raises(MalformedResponse) as caught:
        make().fetch_mentions(since=NOW - timedelta(days=7))
    assert "timestamp" in caught.value.message


@respx.mock
def test_rejected_image_surfaces_instagram_french_reason() -> None:
    publishing_routes()
    respx.post(f"{G}/{IG}/media").respond(400, json=load("error_rejected.json"))
    with pytest.raises(ContentRejected) as caught:
        make().publish(PostVariant(network=Network.INSTAGRAM, text="x", media=(image(),)), "k")
    assert "Utilisez un rapport entre 4:5 et 1,91:1" in caught.value.user_action
    assert caught.value.user_action.startswith("Instagram a refusé la publication")


# ---------------------------------------------------------------------------- fixtures stay honest


def _requested(fields: str) -> set[str]:
    flat = fields
    while (shorter := re.sub(r"[{(][^{}()]*[})]", "", flat)) != flat:
        flat = shorter
    return {part.split(".")[0] for part in flat.split(",")}


@pytest.mark.parametrize(
    ("fixture", "fields"),
    [
        ("media.json", ig_mapper.MEDIA_FIELDS),
        ("comments.json", ig_mapper.COMMENT_FIELDS),
        ("tags.json", ig_mapper.TAG_FIELDS),
        ("hashtag_recent_media.json", ig_mapper.HASHTAG_MEDIA_FIELDS),
    ],
)
def test_fixtures_carry_only_fields_the_adapter_requests(fixture: str, fields: str) -> None:
    asked = _requested(fields)
    for node in load(fixture)["data"]:
        assert set(node) <= asked, set(node) - asked
        assert {"id", "timestamp"} <= set(node)
