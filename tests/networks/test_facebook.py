"""Facebook Page adapter against recorded Graph API payloads (respx, sockets disabled)."""

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
    ApiDeprecated,
    AuthExpired,
    ContentRejected,
    MalformedResponse,
    PermissionMissing,
    RateLimited,
    Transient,
)
from beffroi.networks.facebook import FacebookAdapter
from beffroi.networks.facebook import mapper as fb_mapper
from beffroi.networks.facebook.graph import GRAPH_BASE
from beffroi.networks.types import Capability, Media, PostVariant

FIXTURES = Path(__file__).parents[1] / "fixtures" / "facebook"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PAGE = "104512345678901"
G = GRAPH_BASE


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Sleeper:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make(sleeper: Sleeper | None = None, **extra: str) -> FacebookAdapter:
    adapter = get_adapter(
        Network.FACEBOOK,
        {"access_token": "EAApagetoken", "page_id": PAGE, **extra},
        sleep=sleeper or Sleeper(),
        clock=lambda: NOW,
    )
    assert isinstance(adapter, FacebookAdapter)
    return adapter


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def no_earlier_posts() -> respx.Route:
    return respx.get(f"{G}/{PAGE}/published_posts").respond(json={"data": []})


# ---------------------------------------------------------------------------- publishing


@respx.mock
def test_publishes_a_text_post_with_a_link_on_the_page_feed() -> None:
    no_earlier_posts()
    route = respx.post(f"{G}/{PAGE}/feed").respond(json=load("post_created.json"))
    variant = PostVariant(
        network=Network.FACEBOOK,
        text="Le budget participatif est ouvert : déposez vos idées !",
        link="https://www.ville-exemple.fr/budget",
    )

    result = make().publish(variant, idempotency_key="draft-1")

    assert result.remote_id == "104512345678901_987654321098765"
    assert result.url == "https://www.facebook.com/104512345678901_987654321098765"
    assert not result.already_published
    sent = route.calls.last.request
    assert form(sent) == {"message": variant.text, "link": "https://www.ville-exemple.fr/budget"}
    assert sent.headers["Authorization"] == "Bearer EAApagetoken"
    assert sent.url.params["locale"] == "fr_FR"


@respx.mock
def test_publishes_one_photo_with_its_alt_text(tmp_path: Path) -> None:
    image = tmp_path / "marche.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg")
    no_earlier_posts()
    route = respx.post(f"{G}/{PAGE}/photos").respond(json=load("photo_published.json"))
    variant = PostVariant(
        network=Network.FACEBOOK,
        text="Le marché de Noël ouvre samedi.",
        media=(
            Media(str(image), "image/jpeg", alt_text="Chalets en bois sur la place de la Mairie"),
        ),
    )

    result = make().publish(variant, idempotency_key="draft-2")

    # The post id, not the photo id: comments and insights hang on the post.
    assert result.remote_id == "104512345678901_1122334455667788"
    body = route.calls.last.request.content
    assert b'name="alt_text_custom"' in body
    assert b"Chalets en bois sur la place de la Mairie" in body
    assert b'name="source"; filename="marche.jpg"' in body
    assert b"fake jpeg" in body


@respx.mock
def test_a_photo_post_carries_its_link_in_the_caption() -> None:
    no_earlier_posts()
    route = respx.post(f"{G}/{PAGE}/photos").respond(json=load("photo_published.json"))
    make().publish(
        PostVariant(
            network=Network.FACEBOOK,
            text="Inscriptions ouvertes.",
            link="https://www.ville-exemple.fr/centre-aere",
            media=(Media("https://cdn.ville-exemple.fr/c.jpg", "image/jpeg", alt_text="Enfants"),),
        ),
        idempotency_key="draft-link",
    )
    assert form(route.calls.last.request)["caption"] == (
        "Inscriptions ouvertes.\nhttps://www.ville-exemple.fr/centre-aere"
    )


@respx.mock
def test_publishes_several_photos_as_one_post_with_attached_media() -> None:
    no_earlier_posts()
    photos = respx.post(f"{G}/{PAGE}/photos").mock(
        side_effect=[
            httpx.Response(200, json={"id": "111"}),
            httpx.Response(200, json={"id": "222"}),
        ]
    )
    feed = respx.post(f"{G}/{PAGE}/feed").respond(json=load("post_created.json"))
    variant = PostVariant(
        network=Network.FACEBOOK,
        text="Trois photos du montage ce matin.",
        media=(
            Media("https://cdn.ville-exemple.fr/1.jpg", "image/jpeg", alt_text="Grue et sapin"),
            Media("https://cdn.ville-exemple.fr/2.jpg", "image/jpeg", alt_text="Chalets"),
        ),
    )

    make().publish(variant, idempotency_key="draft-3")

    assert [form(c.request)["published"] for c in photos.calls] == ["false", "false"]
    assert form(photos.calls[0].request)["url"] == "https://cdn.ville-exemple.fr/1.jpg"
    assert form(photos.calls[1].request)["alt_text_custom"] == "Chalets"
    assert form(feed.calls.last.request) == {
        "message": "Trois photos du montage ce matin.",
        "attached_media[0]": '{"media_fbid":"111"}',
        "attached_media[1]": '{"media_fbid":"222"}',
    }


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ((Media("/a.mp4", "video/mp4"), Media("/b.mp4", "video/mp4")), "une seule vidéo"),
        ((Media("/a.mp4", "video/mp4"), Media("/b.jpg", "image/jpeg")), "ne mélange pas"),
    ],
)
def test_preflight_names_what_facebook_will_refuse(media: tuple[Media, ...], expected: str) -> None:
    variant = PostVariant(network=Network.FACEBOOK, text="x", media=media)
    assert any(expected in p for p in make().preflight(variant))
    with pytest.raises(ContentRejected) as caught:
        make().publish(variant, "refused-before-any-call")
    assert expected in caught.value.user_action


@respx.mock
def test_an_earlier_attempt_found_on_the_page_is_not_posted_again() -> None:
    respx.get(f"{G}/{PAGE}/published_posts").respond(json=load("published_posts.json"))
    feed = respx.post(f"{G}/{PAGE}/feed").respond(json=load("post_created.json"))
    # Same text as the first fixture post, but spacing and the link differ (Facebook rewrites links).
    variant = PostVariant(
        network=Network.FACEBOOK,
        text="Travaux rue Victor Hugo :  la circulation sera alternée du 2 au 6 décembre. "
        "Plus d'infos : https://vil.le/t",
    )

    result = make().publish(variant, idempotency_key="draft-4")

    assert result.already_published
    assert result.remote_id == "104512345678901_987654321098765"
    assert not feed.called


@respx.mock
def test_a_timeout_after_the_post_reached_facebook_finds_it_instead_of_posting_twice() -> None:
    listing = respx.get(f"{G}/{PAGE}/published_posts").mock(
        side_effect=[
            httpx.Response(200, json={"data": []}),
            httpx.Response(200, json=load("published_posts.json")),
        ]
    )
    feed = respx.post(f"{G}/{PAGE}/feed").mock(side_effect=httpx.ReadTimeout("lent"))
    variant = PostVariant(
        network=Network.FACEBOOK,
        text="Le marché de Noël ouvre ses portes samedi place de la Mairie ! "
        "Trois photos du montage ce matin.",
    )

    result = make().publish(variant, idempotency_key="draft-5")

    assert feed.call_count == 1  # a POST that may have arrived is never sent again
    assert listing.call_count == 2
    assert result.already_published
    assert result.remote_id == "104512345678901_987654321011111"


@respx.mock
def test_a_timeout_with_no_trace_on_the_page_is_raised_for_a_later_retry() -> None:
    no_earlier_posts()
    respx.post(f"{G}/{PAGE}/feed").mock(side_effect=httpx.ReadTimeout("lent"))
    with pytest.raises(Transient):
        make().publish(PostVariant(network=Network.FACEBOOK, text="Texte"), idempotency_key="k")


@respx.mock
def test_the_same_key_twice_in_one_process_publishes_once() -> None:
    no_earlier_posts()
    feed = respx.post(f"{G}/{PAGE}/feed").respond(json=load("post_created.json"))
    adapter = make()
    variant = PostVariant(network=Network.FACEBOOK, text="Une seule fois")
    first = adapter.publish(variant, idempotency_key="same")
    second = adapter.publish(variant, idempotency_key="same")
    assert feed.call_count == 1
    assert second.remote_id == first.remote_id and second.already_published


@respx.mock
def test_replies_to_a_comment_as_the_page_once() -> None:
    parent = "987654321098765_5551112223334"
    listing = respx.get(f"{G}/{parent}/comments").mock(
        side_effect=[
            httpx.Response(200, json={"data": []}),
            httpx.Response(
                200,
                json={
                    "data": [
                        {
                            "id": "987654321098765_777",
                            "message": "Oui, par le boulevard.",
                            "created_time": "2026-11-27T11:59:00+0000",
                            "from": {"id": PAGE},
                        }
                    ]
                },
            ),
        ]
    )
    post = respx.post(f"{G}/{parent}/comments").respond(json={"id": "987654321098765_777"})

    first = make().reply(parent, "Oui, par le boulevard.", idempotency_key="r-1")
    again = make().reply(parent, "Oui, par le boulevard.", idempotency_key="r-1")

    assert first.remote_id == again.remote_id == "987654321098765_777"
    assert again.already_published and post.call_count == 1 and listing.call_count == 2
    assert form(post.calls.last.request) == {"message": "Oui, par le boulevard."}


@respx.mock
def test_hides_and_unhides_a_comment() -> None:
    route = respx.post(f"{G}/987654321098765_5551112223334").respond(json=load("success.json"))
    adapter = make()
    adapter.hide_comment("987654321098765_5551112223334", hidden=True)
    adapter.hide_comment("987654321098765_5551112223334", hidden=False)
    assert [form(c.request)["is_hidden"] for c in route.calls] == ["true", "false"]


@respx.mock
def test_deletes_a_post_and_reports_a_refusal() -> None:
    respx.delete(f"{G}/104512345678901_1").respond(json=load("success.json"))
    respx.delete(f"{G}/104512345678901_2").respond(json={"success": False})
    adapter = make()
    adapter.delete("104512345678901_1")
    with pytest.raises(ContentRejected):
        adapter.delete("104512345678901_2")


# ---------------------------------------------------------------------------- reading


@respx.mock
def test_fetches_posts_with_metrics_across_pages_until_since() -> None:
    second = respx.get(f"{G}/{PAGE}/published_posts", params={"after": "QVFIUjZAkYzRm"}).respond(
        json=load("published_posts_page2.json")
    )
    first = respx.get(f"{G}/{PAGE}/published_posts").respond(json=load("published_posts.json"))

    posts = make().fetch_posts(since=NOW - timedelta(days=30))

    assert first.called and second.called
    assert [p.remote_id for p in posts] == [
        "104512345678901_987654321098765",
        "104512345678901_987654321011111",
        "104512345678901_987654320000000",
    ]
    top = posts[0]
    assert top.published_at == datetime(2026, 11, 27, 9, 15, 2, tzinfo=UTC)
    assert top.author.display_name == "Ville d'Exemple"
    assert top.metrics is not None
    assert (top.metrics.likes, top.metrics.comments, top.metrics.shares) == (87, 14, 12)
    assert (top.metrics.impressions, top.metrics.reach, top.metrics.clicks) == (4210, 2980, 133)
    assert top.media_count == 1 and posts[1].media_count == 3
    assert posts[1].metrics is not None and posts[1].metrics.impressions is None


@respx.mock
def test_fetch_posts_stops_at_the_first_post_older_than_since() -> None:
    page2 = respx.get(f"{G}/{PAGE}/published_posts", params={"after": "QVFIUjZAkYzRm"})
    respx.get(f"{G}/{PAGE}/published_posts").respond(json=load("published_posts.json"))
    posts = make().fetch_posts(since=datetime(2026, 11, 27, tzinfo=UTC))
    assert [p.remote_id for p in posts] == ["104512345678901_987654321098765"]
    assert not page2.called


@respx.mock
def test_fetches_comments_with_replies_hidden_ones_and_anonymous_authors() -> None:
    route = respx.get(f"{G}/104512345678901_987654321098765/comments").respond(
        json=load("comments.json")
    )
    comments = make().fetch_comments(
        "104512345678901_987654321098765", since=NOW - timedelta(days=1)
    )
    assert route.calls.last.request.url.params["filter"] == "stream"
    assert [c.author.display_name for c in comments] == [
        "Camille Martin",
        "Ville d'Exemple",
        "Personne non identifiée",
    ]
    assert comments[0].likes == 3 and not comments[0].hidden
    assert comments[1].parent_remote_id == "987654321098765_5551112220000"
    assert comments[2].hidden


@respx.mock
def test_mentions_are_the_posts_that_tag_the_page() -> None:
    respx.get(f"{G}/{PAGE}/tagged").respond(json=load("tagged.json"))
    (mention,) = make().fetch_mentions(since=NOW - timedelta(days=7))
    assert mention.author.display_name == "Association Canal Propre"
    assert mention.kind == "mention"
    assert "journée propreté" in mention.text


@respx.mock
def test_account_stats_from_page_fields_and_28_day_insights() -> None:
    respx.get(f"{G}/{PAGE}").respond(json=load("page.json"))
    insights = respx.get(f"{G}/{PAGE}/insights").respond(json=load("page_insights.json"))
    stats = make().account_stats()
    assert insights.calls.last.request.url.params["period"] == "days_28"
    assert stats.followers == 18452
    assert stats.impressions_28d == 154877  # the latest value, not the first
    assert stats.reach_28d == 41093


@respx.mock
def test_posts_are_read_without_insights_when_meta_retired_a_metric() -> None:
    retired = {
        "error": {
            "message": "(#100) The value must be a valid insights metric",
            "type": "OAuthException",
            "code": 100,
            "fbtrace_id": "Gone",
        }
    }
    plain = load("published_posts_page2.json")
    route = respx.get(f"{G}/{PAGE}/published_posts").mock(
        side_effect=[httpx.Response(400, json=retired), httpx.Response(200, json=plain)]
    )
    (post,) = make().fetch_posts(since=NOW - timedelta(days=30))
    assert "insights" in route.calls[0].request.url.params["fields"]
    assert "insights" not in route.calls[1].request.url.params["fields"]
    assert post.metrics is not None and post.metrics.impressions is None and post.metrics.likes == 9


@respx.mock
def test_calls_carry_the_appsecret_proof_of_the_token() -> None:
    import hashlib
    import hmac

    route = respx.get(f"{G}/{PAGE}/tagged").respond(json=load("tagged.json"))
    make(client_secret="s3cr3t").fetch_mentions(since=NOW - timedelta(days=7))
    expected = hmac.new(b"s3cr3t", b"EAApagetoken", hashlib.sha256).hexdigest()
    assert route.calls.last.request.url.params["appsecret_proof"] == expected


def test_search_is_not_offered() -> None:
    adapter = make()
    assert not adapter.supports(Capability.SEARCH)


# ---------------------------------------------------------------------------- faults


def _fault(status: int, name: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=load(name), headers=headers)


@respx.mock
def test_code_190_is_an_expired_token_even_with_http_400() -> None:
    respx.get(f"{G}/{PAGE}/tagged").mock(return_value=_fault(400, "error_token_expired.json"))
    with pytest.raises(AuthExpired) as caught:
        make().fetch_mentions(since=NOW)
    assert "Session has expired" in caught.value.message
    assert "reconnectez" in caught.value.user_action


@respx.mock
def test_code_200_names_the_missing_permission() -> None:
    no_earlier_posts()
    respx.post(f"{G}/{PAGE}/feed").mock(return_value=_fault(403, "error_permission.json"))
    with pytest.raises(PermissionMissing) as caught:
        make().publish(PostVariant(network=Network.FACEBOOK, text="x"), idempotency_key="k")
    assert caught.value.missing_scopes == ("pages_manage_posts",)
    assert "pages_manage_posts" in caught.value.user_action


@respx.mock
def test_rate_limit_waits_for_the_business_use_case_reset_then_succeeds() -> None:
    usage = json.dumps(
        {PAGE: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 1}]}
    )
    respx.get(f"{G}/{PAGE}/tagged").mock(
        side_effect=[
            _fault(400, "error_rate_limit.json", {"X-Business-Use-Case-Usage": usage}),
            httpx.Response(200, json=load("tagged.json")),
        ]
    )
    sleeper = Sleeper()
    assert len(make(sleeper).fetch_mentions(since=NOW - timedelta(days=7))) == 1
    assert sleeper.waits == [60.0]


@respx.mock
def test_rate_limit_longer_than_the_worker_may_wait_is_raised_with_the_delay() -> None:
    usage = json.dumps({PAGE: [{"call_count": 100, "estimated_time_to_regain_access": 30}]})
    respx.get(f"{G}/{PAGE}/tagged").mock(
        return_value=_fault(400, "error_rate_limit.json", {"X-Business-Use-Case-Usage": usage})
    )
    with pytest.raises(RateLimited) as caught:
        make().fetch_mentions(since=NOW)
    assert caught.value.retry_after == 1800.0
    assert "30 min" in caught.value.user_action


@respx.mock
def test_server_errors_on_a_read_are_retried_with_backoff() -> None:
    respx.get(f"{G}/{PAGE}/tagged").mock(
        side_effect=[
            httpx.Response(500, json=load("error_transient.json")),
            httpx.Response(503, text="Service Unavailable"),
            httpx.Response(200, json=load("tagged.json")),
        ]
    )
    sleeper = Sleeper()
    assert len(make(sleeper).fetch_mentions(since=NOW - timedelta(days=7))) == 1
    assert len(sleeper.waits) == 2


@respx.mock
def test_malformed_json_is_a_clear_transient_error() -> None:
    respx.get(f"{G}/{PAGE}").respond(200, text="<html>Sorry, something went wrong</html>")
    with pytest.raises(MalformedResponse) as caught:
        make().account_stats()
    assert "JSON" in caught.value.message


@respx.mock
def test_an_answer_without_a_documented_field_is_a_malformed_response() -> None:
    respx.get(f"{G}/{PAGE}/tagged").respond(json={"data": [{"id": "1", "message": "sans date"}]})
    with pytest.raises(MalformedResponse) as caught:
        make().fetch_mentions(since=NOW - timedelta(days=7))
    assert "created_time" in caught.value.message and caught.value.retryable


@respx.mock
def test_a_refused_post_surfaces_meta_french_reason_in_the_user_action() -> None:
    no_earlier_posts()
    respx.post(f"{G}/{PAGE}/feed").mock(return_value=_fault(400, "error_rejected.json"))
    with pytest.raises(ContentRejected) as caught:
        make().publish(PostVariant(network=Network.FACEBOOK, text="x"), idempotency_key="k")
    reason = "Votre publication enfreint nos Standards de la communauté sur le spam."
    assert caught.value.reason == reason
    assert caught.value.user_action.startswith("Facebook a refusé la publication : « ")
    assert reason in caught.value.user_action


@respx.mock
def test_a_duplicate_refusal_with_the_post_on_the_page_is_an_earlier_attempt() -> None:
    respx.get(f"{G}/{PAGE}/published_posts").mock(
        side_effect=[
            httpx.Response(200, json={"data": []}),
            httpx.Response(200, json=load("published_posts.json")),
        ]
    )
    respx.post(f"{G}/{PAGE}/feed").mock(return_value=_fault(400, "error_duplicate.json"))
    variant = PostVariant(
        network=Network.FACEBOOK,
        text="Le marché de Noël ouvre ses portes samedi place de la Mairie ! "
        "Trois photos du montage ce matin.",
    )
    result = make().publish(variant, idempotency_key="dup")
    assert result.already_published and result.remote_id.endswith("987654321011111")


# ---------------------------------------------------------------------------- tokens and OAuth


@respx.mock
def test_token_health_reports_missing_scopes_from_debug_token() -> None:
    respx.get(f"{G}/{PAGE}").respond(json={"id": PAGE}, headers={"facebook-api-version": "v25.0"})
    respx.get(f"{G}/debug_token").respond(json=load("debug_token.json"))
    health = make().token_health()
    assert not health.ok
    assert health.missing_scopes == ("pages_manage_engagement",)


@respx.mock
def test_token_health_flags_a_version_meta_no_longer_serves() -> None:
    respx.get(f"{G}/{PAGE}").respond(json={"id": PAGE}, headers={"facebook-api-version": "v26.0"})
    health = make().token_health()
    assert not health.ok and health.deprecated_api_version == "v25.0"


@respx.mock
def test_verify_credentials_raises_api_deprecated_on_upgraded_version() -> None:
    respx.get(f"{G}/{PAGE}").respond(json={"id": PAGE}, headers={"facebook-api-version": "v26.0"})
    with pytest.raises(ApiDeprecated):
        make().verify_credentials()


def test_authorization_url_asks_for_page_permissions() -> None:
    url = make(client_id="1357924680", client_secret="s3cr3t").authorization_url(
        "etat-123", "https://beffroi.example/oauth/facebook"
    )
    assert url.startswith("https://www.facebook.com/v25.0/dialog/oauth?")
    query = parse_qs(url.split("?", 1)[1])
    assert query["state"] == ["etat-123"] and query["client_id"] == ["1357924680"]
    assert "pages_manage_posts" in query["scope"][0].split(",")


@respx.mock
def test_exchange_code_keeps_the_page_token_and_the_long_lived_user_token() -> None:
    respx.get(f"{G}/oauth/access_token", params={"code": "abc"}).respond(
        json=load("oauth_short_token.json")
    )
    respx.get(f"{G}/oauth/access_token", params={"grant_type": "fb_exchange_token"}).respond(
        json=load("oauth_long_token.json")
    )
    accounts = respx.get(f"{G}/me/accounts").respond(json=load("me_accounts.json"))

    tokens = make(client_id="1357924680", client_secret="s3cr3t").exchange_code(
        "abc", "https://beffroi.example/oauth/facebook"
    )

    assert accounts.calls.last.request.headers["Authorization"] == "Bearer EAAlonglived"
    assert tokens.access_token == "EAApagetoken" and tokens.expires_at is None
    assert tokens.extra["page_id"] == PAGE
    assert tokens.extra["user_token"] == "EAAlonglived"


# ---------------------------------------------------------------------------- fixtures stay honest


def _requested(fields: str) -> set[str]:
    """Top-level names of a Graph `fields=` expression: `a,b{c},d.summary(x)` -> {a, b, d}."""
    flat = fields
    while True:
        shorter = re.sub(r"[{(][^{}()]*[})]", "", flat)
        if shorter == flat:
            break
        flat = shorter
    return {part.split(".")[0] for part in flat.split(",")}


@pytest.mark.parametrize(
    ("fixture", "fields"),
    [
        ("published_posts.json", fb_mapper.POST_FIELDS),
        ("published_posts_page2.json", fb_mapper.POST_FIELDS),
        ("comments.json", fb_mapper.COMMENT_FIELDS),
        ("tagged.json", fb_mapper.TAGGED_FIELDS),
    ],
)
def test_fixtures_carry_only_fields_the_adapter_requests(fixture: str, fields: str) -> None:
    asked = _requested(fields)
    for node in load(fixture)["data"]:
        assert set(node) <= asked, set(node) - asked
        assert {"id", "created_time"} <= set(node)
