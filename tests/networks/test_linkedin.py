"""LinkedIn organisation page adapter against recorded /rest payloads (respx, sockets disabled)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

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
)
from beffroi.networks.linkedin import LinkedInAdapter
from beffroi.networks.linkedin.client import (
    API_BASE as L,
)
from beffroi.networks.linkedin.client import (
    INTROSPECT_URL,
    LINKEDIN_VERSION,
    TOKEN_URL,
    little_text,
    version_sunset,
)
from beffroi.networks.types import Media, PostVariant, TokenSet

FIXTURES = Path(__file__).parents[1] / "fixtures" / "linkedin"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ORG = "urn:li:organization:2414183"
ORG_PATH = "urn%3Ali%3Aorganization%3A2414183"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Sleeper:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make(sleeper: Sleeper | None = None, **extra: Any) -> LinkedInAdapter:
    options = {k: v for k, v in extra.items() if callable(v)}
    credentials = {k: v for k, v in extra.items() if not callable(v)}
    adapter = get_adapter(
        Network.LINKEDIN,
        {
            "access_token": "AQV_ancien",
            "organization_urn": ORG,
            "organization_name": "Ville d'Exemple",
            **credentials,
        },
        sleep=sleeper or Sleeper(),
        clock=lambda: NOW,
        **options,
    )
    assert isinstance(adapter, LinkedInAdapter)
    return adapter


def no_own_posts() -> respx.Route:
    return respx.get(f"{L}/posts", params={"q": "author"}).respond(json={"elements": []})


def statistics_routes(daily: Any = None) -> None:
    respx.get(url__startswith=f"{L}/organizationalEntityShareStatistics").respond(
        json=daily if daily is not None else {"elements": []}
    )
    respx.get(url__startswith=f"{L}/organizationalEntityFollowerStatistics").respond(
        json=load("follower_statistics.json")
    )
    respx.get(url__startswith=f"{L}/geo?ids=").respond(json=load("geo.json"))


def created(urn: str = "urn:li:share:7266300000000000001") -> httpx.Response:
    return httpx.Response(201, headers={"x-restli-id": urn})


# ---------------------------------------------------------------------------- little text


def test_little_text_escapes_reserved_characters_and_templates_hashtags() -> None:
    assert little_text("Réunion (salle B) #vélo & @maire_adjoint") == (
        "Réunion \\(salle B\\) {hashtag|\\#|vélo} & \\@maire\\_adjoint"
    )
    assert little_text("C# et 100 #1") == "C\\# et 100 {hashtag|\\#|1}"


# ---------------------------------------------------------------------------- publishing


@respx.mock
def test_publishes_a_post_with_the_versioned_headers_and_an_article() -> None:
    no_own_posts()
    route = respx.post(f"{L}/posts").mock(return_value=created())
    result = make().publish(
        PostVariant(
            network=Network.LINKEDIN,
            text="Le #budgetparticipatif est lancé (dossier en ligne).",
            link="https://www.ville-exemple.fr/budget",
            title="Budget participatif 2027",
        ),
        idempotency_key="li-1",
    )
    request = route.calls.last.request
    assert request.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    body = json.loads(request.content)
    assert body["author"] == ORG
    assert body["commentary"] == (
        "Le {hashtag|\\#|budgetparticipatif} est lancé \\(dossier en ligne\\)."
    )
    assert body["content"] == {
        "article": {
            "source": "https://www.ville-exemple.fr/budget",
            "title": "Budget participatif 2027",
        }
    }
    assert body["distribution"]["feedDistribution"] == "MAIN_FEED"
    assert result.remote_id == "urn:li:share:7266300000000000001"
    assert result.url == "https://www.linkedin.com/feed/update/urn:li:share:7266300000000000001/"


@respx.mock
def test_uploads_images_then_posts_them_with_alt_text(tmp_path: Path) -> None:
    one, two = tmp_path / "1.jpg", tmp_path / "2.png"
    one.write_bytes(b"jpeg-1")
    two.write_bytes(b"png-2")
    no_own_posts()
    init = respx.post(f"{L}/images", params={"action": "initializeUpload"}).mock(
        side_effect=[
            httpx.Response(200, json=load("image_initialize.json")),
            httpx.Response(
                200,
                json={
                    "value": {
                        "uploadUrl": "https://www.linkedin.com/dms-uploads/second",
                        "image": "urn:li:image:SECOND",
                    }
                },
            ),
        ]
    )
    upload_one = respx.put(url__startswith="https://www.linkedin.com/dms-uploads/sp/").respond(201)
    upload_two = respx.put("https://www.linkedin.com/dms-uploads/second").respond(201)
    post = respx.post(f"{L}/posts").mock(return_value=created())

    make().publish(
        PostVariant(
            network=Network.LINKEDIN,
            text="Le pôle d'échanges",
            media=(
                Media(str(one), "image/jpeg", alt_text="Quai de bus"),
                Media(str(two), "image/png"),
            ),
        ),
        idempotency_key="li-2",
    )

    assert json.loads(init.calls[0].request.content) == {"initializeUploadRequest": {"owner": ORG}}
    assert upload_one.calls.last.request.content == b"jpeg-1"
    assert upload_two.calls.last.request.headers["Content-Type"] == "image/png"
    assert json.loads(post.calls.last.request.content)["content"] == {
        "multiImage": {
            "images": [
                {"id": "urn:li:image:C4E10AQFoyyAjHPMQuQ", "altText": "Quai de bus"},
                {"id": "urn:li:image:SECOND"},
            ]
        }
    }


@respx.mock
def test_an_earlier_attempt_is_found_through_the_little_text() -> None:
    respx.get(f"{L}/posts", params={"q": "author"}).respond(json=load("posts.json"))
    post = respx.post(f"{L}/posts")
    result = make().publish(
        PostVariant(
            network=Network.LINKEDIN,
            text="Le #budgetparticipatif 2027 est lancé : déposez vos projets avant le 31 janvier "
            "(dossier en ligne).",
        ),
        idempotency_key="li-3",
    )
    assert result.already_published and result.remote_id == "urn:li:share:7266000000000000001"
    assert not post.called


@respx.mock
def test_a_lost_answer_then_duplicate_refusal_resolves_to_the_existing_post() -> None:
    listing = respx.get(f"{L}/posts", params={"q": "author"}).mock(
        side_effect=[
            httpx.Response(200, json={"elements": []}),
            httpx.Response(200, json=load("posts.json")),
        ]
    )
    respx.post(f"{L}/posts").respond(422, json=load("error_422_duplicate.json"))
    result = make().publish(
        PostVariant(
            network=Network.LINKEDIN,
            text="Le #budgetparticipatif 2027 est lancé : déposez vos projets avant le 31 janvier "
            "(dossier en ligne).",
        ),
        idempotency_key="li-4",
    )
    assert listing.call_count == 2
    assert result.already_published and result.remote_id == "urn:li:share:7266000000000000001"


@respx.mock
def test_a_duplicate_pointing_to_a_ghost_post_is_explained() -> None:
    no_own_posts()
    respx.post(f"{L}/posts").respond(422, json=load("error_422_duplicate.json"))
    with pytest.raises(ContentRejected) as caught:
        make().publish(
            PostVariant(network=Network.LINKEDIN, text="Texte supprimé puis reposté"), "k"
        )
    assert caught.value.code == "DUPLICATE_POST"
    assert "Content is a duplicate of urn:li:share:7266000000000000001" in caught.value.user_action
    assert "BadRequestResponseException" not in caught.value.user_action


@respx.mock
def test_comments_on_a_post_and_answers_a_comment_once() -> None:
    parent = "urn:li:comment:(urn:li:activity:7266000000000000009,7266100000000000001)"
    path = f"{L}/socialActions/{re.escape('urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A7266000000000000009%2C7266100000000000001%29')}/comments"
    listing = respx.get(url__regex=path).mock(
        side_effect=[
            httpx.Response(200, json={"elements": []}),
            httpx.Response(200, json={"elements": [load("comment_created.json")]}),
        ]
    )
    post = respx.post(url__regex=path).respond(201, json=load("comment_created.json"))
    first = make().reply(parent, "Merci, nous transmettons au service.", "li-r")
    again = make().reply(parent, "Merci, nous transmettons au service.", "li-r")
    body = json.loads(post.calls.last.request.content)
    assert body == {
        "actor": ORG,
        "object": "urn:li:activity:7266000000000000009",
        "message": {"text": "Merci, nous transmettons au service."},
        "parentComment": parent,
    }
    assert post.call_count == 1 and listing.call_count == 2
    assert first.remote_id == again.remote_id == load("comment_created.json")["commentUrn"]


@respx.mock
def test_deletes_a_post_by_its_encoded_urn() -> None:
    route = respx.delete(f"{L}/posts/urn%3Ali%3Ashare%3A7266000000000000001").respond(204)
    make().delete("urn:li:share:7266000000000000001")
    assert route.called


def test_hiding_a_comment_is_not_offered_by_linkedin() -> None:
    from beffroi.networks.errors import CapabilityMissing

    with pytest.raises(CapabilityMissing):
        make().hide_comment("urn:li:comment:(urn:li:activity:1,2)")


# ---------------------------------------------------------------------------- reading


@respx.mock
def test_fetches_posts_with_share_and_ugc_statistics() -> None:
    respx.get(f"{L}/posts", params={"q": "author"}).respond(json=load("posts.json"))
    stats = respx.get(url__startswith=f"{L}/organizationalEntityShareStatistics").mock(
        side_effect=[
            httpx.Response(200, json=load("share_statistics.json")),
            httpx.Response(200, json=load("ugc_statistics.json")),
        ]
    )
    posts = make().fetch_posts(since=NOW - timedelta(days=30))
    assert [p.remote_id for p in posts] == [
        "urn:li:share:7266000000000000001",
        "urn:li:ugcPost:7265000000000000002",
    ]
    queries = [unquote(str(c.request.url.query, "ascii")) for c in stats.calls]
    assert queries[0].endswith("&shares=List(urn:li:share:7266000000000000001)")
    assert "List(urn%3Ali%3Ashare" in str(stats.calls[0].request.url)
    assert queries[1].endswith("&ugcPosts=List(urn:li:ugcPost:7265000000000000002)")
    first, second = posts
    assert first.text == (
        "Le #budgetparticipatif 2027 est lancé : déposez vos projets avant le 31 janvier "
        "(dossier en ligne)."
    )
    assert first.metrics is not None
    assert (first.metrics.impressions, first.metrics.reach, first.metrics.clicks) == (
        4410,
        3120,
        88,
    )
    assert second.media_count == 3 and second.metrics is not None and second.metrics.likes == 25
    assert first.author.display_name == "Ville d'Exemple"


@respx.mock
def test_fetches_comments_with_their_parent() -> None:
    respx.get(url__regex=rf"{re.escape(L)}/socialActions/.+/comments").respond(
        json=load("comments.json")
    )
    question, answer = make().fetch_comments(
        "urn:li:share:7266000000000000001", since=NOW - timedelta(days=1)
    )
    assert question.author.display_name == "Membre LinkedIn"
    assert question.likes == 3 and question.parent_remote_id is None
    assert answer.parent_remote_id == question.remote_id
    assert answer.author.display_name == "Ville d'Exemple"


@respx.mock
def test_mentions_come_from_share_mention_notifications() -> None:
    notes = respx.get(url__startswith=f"{L}/organizationalEntityNotifications").respond(
        json=load("notifications.json")
    )
    respx.get(f"{L}/posts/urn%3Ali%3Ashare%3A7266200000000000005").respond(
        json=load("mention_post.json")
    )
    (mention,) = make().fetch_mentions(since=NOW - timedelta(days=7))
    query = unquote(str(notes.calls.last.request.url.query, "ascii"))
    assert "actions=List(SHARE_MENTION)" in query
    assert f"timeRange=(start:{int((NOW - timedelta(days=7)).timestamp() * 1000)}," in query
    assert "plan vélo" in mention.text
    assert mention.author.remote_id == "urn:li:organization:99887766"


@respx.mock
def test_account_stats_from_network_size_and_28_daily_statistics() -> None:
    size = respx.get(f"{L}/networkSizes/{ORG_PATH}").respond(json=load("network_size.json"))
    statistics_routes(load("share_statistics_daily.json"))
    stats = make().account_stats()
    assert size.calls.last.request.url.params["edgeType"] == "COMPANY_FOLLOWED_BY_MEMBER"
    assert (stats.followers, stats.impressions_28d, stats.reach_28d) == (5120, 2900, 2000)
    geo = respx.calls.last.request.url
    assert unquote(str(geo)).endswith("/geo?ids=List(90009660,90009659,90009590)")
    assert stats.audience_places == {
        "Lyon et périphérie": round(2960 / 4992, 4),
        "Grenoble et périphérie": round(1502 / 4992, 4),
        "Paris et périphérie": round(530 / 4992, 4),
    }


@respx.mock
def test_places_stay_empty_when_follower_statistics_are_refused() -> None:
    respx.get(f"{L}/networkSizes/{ORG_PATH}").respond(json=load("network_size.json"))
    respx.get(url__startswith=f"{L}/organizationalEntityShareStatistics").respond(
        json={"elements": []}
    )
    respx.get(url__startswith=f"{L}/organizationalEntityFollowerStatistics").respond(
        403, json=load("error_403.json")
    )
    stats = make().account_stats()
    assert stats.followers == 5120 and stats.audience_places == {}


# ---------------------------------------------------------------------------- faults


@respx.mock
def test_a_revoked_token_is_refreshed_then_the_call_goes_on() -> None:
    stored: list[TokenSet] = []
    size = respx.get(f"{L}/networkSizes/{ORG_PATH}").mock(
        side_effect=[
            httpx.Response(401, json=load("error_401.json")),
            httpx.Response(200, json=load("network_size.json")),
        ]
    )
    statistics_routes()
    token = respx.post(TOKEN_URL).respond(json=load("oauth_token.json"))
    adapter = make(
        refresh_token="AQX_old",
        client_id="cid",
        client_secret="sec",
        on_tokens_refreshed=stored.append,
    )
    assert adapter.account_stats().followers == 5120
    assert parse_qs(token.calls.last.request.content.decode())["refresh_token"] == ["AQX_old"]
    assert size.calls.last.request.headers["Authorization"] == "Bearer AQV_nouveau"
    assert stored[0].expires_at == NOW + timedelta(days=60)


@respx.mock
def test_a_revoked_token_without_refresh_asks_to_reconnect() -> None:
    respx.get(f"{L}/networkSizes/{ORG_PATH}").respond(401, json=load("error_401.json"))
    with pytest.raises(AuthExpired) as caught:
        make().account_stats()
    assert caught.value.message == "The token used in the request has been revoked by the user"


@respx.mock
def test_access_denied_is_a_missing_permission() -> None:
    no_own_posts()
    respx.post(f"{L}/posts").respond(403, json=load("error_403.json"))
    with pytest.raises(PermissionMissing) as caught:
        make().publish(PostVariant(network=Network.LINKEDIN, text="x"), "k")
    assert "partnerApiPostsExternal.CREATE" in caught.value.message


@respx.mock
def test_the_daily_throttle_waits_until_midnight_utc() -> None:
    respx.get(f"{L}/networkSizes/{ORG_PATH}").respond(429, json=load("error_429.json"))
    with pytest.raises(RateLimited) as caught:
        make().account_stats()
    assert caught.value.retry_after == 12 * 3600
    assert "minuit" in caught.value.user_action


@respx.mock
def test_429_with_retry_after_then_success() -> None:
    respx.get(f"{L}/networkSizes/{ORG_PATH}").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "3"},
                json={"status": 429, "message": "Too many requests"},
            ),
            httpx.Response(200, json=load("network_size.json")),
        ]
    )
    statistics_routes()
    sleeper = Sleeper()
    assert make(sleeper).account_stats().followers == 5120
    assert sleeper.waits == [3.0]


@respx.mock
def test_server_error_then_success() -> None:
    respx.get(f"{L}/networkSizes/{ORG_PATH}").mock(
        side_effect=[
            httpx.Response(500, json=load("error_500.json")),
            httpx.Response(200, json=load("network_size.json")),
        ]
    )
    statistics_routes()
    assert make().account_stats().followers == 5120


@respx.mock
def test_malformed_json() -> None:
    respx.get(f"{L}/networkSizes/{ORG_PATH}").respond(200, text='{"firstDegreeSize": ')
    with pytest.raises(MalformedResponse):
        make().account_stats()


@respx.mock
def test_an_answer_without_a_documented_field_is_a_malformed_response() -> None:
    respx.get(url__regex=rf"{re.escape(L)}/socialActions/.+/comments").respond(
        json={"elements": [{"actor": "urn:li:person:1", "message": {"text": "sans date"}}]}
    )
    with pytest.raises(MalformedResponse):
        make().fetch_comments("urn:li:share:1", since=NOW - timedelta(days=1))


@respx.mock
def test_a_too_long_commentary_surfaces_linkedin_reason_in_french() -> None:
    no_own_posts()
    respx.post(f"{L}/posts").respond(422, json=load("error_422_too_long.json"))
    with pytest.raises(ContentRejected) as caught:
        # 1,600 parentheses: 1,600 characters for us, 3,200 once LinkedIn's escapes are added.
        make().publish(PostVariant(network=Network.LINKEDIN, text="(" * 1600), "k")
    assert caught.value.user_action == (
        "LinkedIn a refusé la publication : « Commentary is too long. Maximum length is 3000 "
        "characters. ». Corrigez le contenu selon ce motif, puis relancez la publication."
    )


@pytest.mark.parametrize(
    ("media", "text", "expected"),
    [
        ((Media("/v.mp4", "video/mp4"),), "x", "vidéos vers LinkedIn"),
        (tuple(Media(f"/{i}.jpg", "image/jpeg") for i in range(21)), "x", "au plus 20 images"),
        ((), "x" * 3001, "dépasse 3000 caractères"),
    ],
)
def test_preflight_names_what_linkedin_will_refuse(
    media: tuple[Media, ...], text: str, expected: str
) -> None:
    variant = PostVariant(network=Network.LINKEDIN, text=text, media=media)
    problems = make().preflight(variant)
    assert any(expected in p for p in problems), problems
    with pytest.raises(ContentRejected) as caught:
        make().publish(variant, "refused-before-any-call")  # no route: a call would fail loudly
    assert expected in caught.value.user_action


@respx.mock
def test_a_retired_version_is_api_drift() -> None:
    respx.get(f"{L}/networkSizes/{ORG_PATH}").respond(426, json=load("error_426.json"))
    with pytest.raises(ApiDeprecated) as caught:
        make().account_stats()
    assert caught.value.version == "20240101"


# ---------------------------------------------------------------------------- tokens and OAuth


def test_the_version_sunset_is_a_year_after_release() -> None:
    assert version_sunset("202609") == datetime(2027, 9, 1, tzinfo=UTC)
    assert LinkedInAdapter.api_sunset == version_sunset(LINKEDIN_VERSION)


@respx.mock
def test_token_health_uses_introspection_and_names_missing_scopes() -> None:
    route = respx.post(INTROSPECT_URL).respond(json=load("introspect.json"))
    health = make(client_id="cid", client_secret="sec").token_health()
    assert parse_qs(route.calls.last.request.content.decode())["token"] == ["AQV_ancien"]
    assert health.missing_scopes == ("rw_organization_admin",)
    assert not health.ok


@respx.mock
def test_token_health_flags_the_coming_sunset_of_the_version() -> None:
    respx.post(INTROSPECT_URL).respond(
        json={**load("introspect.json"), "scope": ",".join(LinkedInAdapter.required_scopes)}
    )
    adapter = get_adapter(
        Network.LINKEDIN,
        {"access_token": "t", "organization_urn": ORG, "client_id": "c", "client_secret": "s"},
        clock=lambda: version_sunset() - timedelta(days=20),
    )
    health = adapter.token_health()
    assert health.deprecated_api_version == LINKEDIN_VERSION


@respx.mock
def test_exchange_code_picks_the_administered_organisation() -> None:
    respx.post(TOKEN_URL).respond(json=load("oauth_token.json"))
    acls = respx.get(f"{L}/organizationAcls").respond(json=load("organization_acls.json"))
    adapter = get_adapter(
        Network.LINKEDIN, {"client_id": "cid", "client_secret": "sec"}, clock=lambda: NOW
    )
    tokens = adapter.exchange_code("code", "https://beffroi.example/oauth/linkedin")
    assert acls.calls.last.request.headers["Authorization"] == "Bearer AQV_nouveau"
    assert tokens.extra == {"organization_urn": ORG}
    assert tokens.scopes == (
        "r_organization_social",
        "w_organization_social",
        "rw_organization_admin",
    )
    assert tokens.refresh_token == "AQX_refresh"


def test_authorization_url() -> None:
    url = make(client_id="cid").authorization_url("etat", "https://beffroi.example/oauth/linkedin")
    query = parse_qs(url.split("?", 1)[1])
    assert url.startswith("https://www.linkedin.com/oauth/v2/authorization?")
    assert query["scope"] == ["r_organization_social w_organization_social rw_organization_admin"]


# ---------------------------------------------------------------------------- fixtures stay honest

POST_FIELDS = {
    "id",
    "author",
    "commentary",
    "visibility",
    "distribution",
    "content",
    "lifecycleState",
    "lifecycleStateInfo",
    "isReshareDisabledByAuthor",
    "createdAt",
    "publishedAt",
    "lastModifiedAt",
    "reshareContext",
    "contentLandingPage",
    "contentCallToActionLabel",
    "adContext",
}


@pytest.mark.parametrize("fixture", ["posts.json", "mention_post.json"])
def test_post_fixtures_use_only_documented_posts_api_fields(fixture: str) -> None:
    body = load(fixture)
    for element in body.get("elements", [body]):
        assert set(element) <= POST_FIELDS, set(element) - POST_FIELDS
        assert element["id"].startswith(("urn:li:share:", "urn:li:ugcPost:"))
        assert isinstance(element["createdAt"], int) and element["createdAt"] > 10**12
