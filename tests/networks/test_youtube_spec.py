"""YouTube fixtures and requests checked against the Data API v3 discovery document.

The discovery document is what Google's own client libraries are generated from: every recorded
resource must validate strictly against its method's response schema, and every request the adapter
sends must name a declared method, declared parameters with valid enum values, the required ones,
and a body that validates against the method's request schema.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import respx

from beffroi.core.domain import Network
from beffroi.networks.types import Media, PostVariant
from beffroi.networks.youtube import YouTubeAdapter
from beffroi.networks.youtube.client import API_BASE, UPLOAD_URL

DISCOVERY = (
    Path(__file__).parents[2].parent
    / "shared"
    / "data"
    / "api-specs"
    / "youtube-discovery"
    / "youtube.v3.json"
)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "youtube"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
HOST = "https://youtube.googleapis.com"

pytestmark = pytest.mark.skipif(not DISCOVERY.exists(), reason="discovery document absent")


@cache
def discovery() -> dict[str, Any]:
    return json.loads(DISCOVERY.read_text())


@cache
def schemas() -> dict[str, Any]:
    converted = {}
    for name, schema in discovery()["schemas"].items():
        schema = dict(schema)
        schema.pop("id", None)  # a discovery name, not a JSON Schema base URI
        converted[name] = strict(schema)
    return converted


def strict(node: Any) -> Any:
    """Discovery schema -> JSON Schema: bare `$ref` names resolved, undeclared properties refused."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = f"#/schemas/{value}"
        elif key == "properties":
            out[key] = {name: strict(prop) for name, prop in value.items()}
        else:
            out[key] = strict(value)
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def validate(instance: Any, schema_name: str) -> None:
    root = {"$ref": f"#/schemas/{schema_name}", "schemas": schemas()}
    jsonschema.Draft7Validator(root).validate(instance)


def methods() -> dict[tuple[str, str], dict[str, Any]]:
    """(HTTP method, path) -> discovery method, the upload path included."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for resource in discovery()["resources"].values():
        for method in resource.get("methods", {}).values():
            found[(method["httpMethod"], "/" + method["path"])] = method
            upload = method.get("mediaUpload", {}).get("protocols", {}).get("simple", {})
            if upload.get("path"):
                found[(method["httpMethod"], upload["path"])] = method
    return found


def check_request(request: httpx.Request) -> None:
    if request.url.host != "youtube.googleapis.com":
        return
    if request.method == "PUT":  # the bytes of a resumable session: no parameters of its own
        return
    method = methods().get((request.method, request.url.path))
    assert method, f"{request.method} {request.url.path}: no such method in the discovery document"
    declared = {**discovery()["parameters"], **method.get("parameters", {})}
    for name, value in request.url.params.multi_items():
        assert name in declared, f"{method['id']}: undeclared parameter {name}"
        param = declared[name]
        if "enum" in param:
            assert value in param["enum"], f"{method['id']}: {name}={value} not in {param['enum']}"
        if param.get("type") == "boolean":
            assert value in {"true", "false"}
        if param.get("type") == "integer":
            number = int(value)
            assert int(param.get("minimum", number)) <= number <= int(param.get("maximum", number))
    for name, param in method.get("parameters", {}).items():
        if param.get("required"):
            assert name in request.url.params, f"{method['id']}: {name} is required"
    if request.content and "json" in request.headers.get("content-type", ""):
        validate(json.loads(request.content), method["request"]["$ref"])


RESPONSES = [
    ("channels_mine.json", "ChannelListResponse"),
    ("playlist_items.json", "PlaylistItemListResponse"),
    ("videos_list.json", "VideoListResponse"),
    ("video_uploaded.json", "Video"),
    ("comment_threads.json", "CommentThreadListResponse"),
    ("comments_replies.json", "CommentListResponse"),
    ("comment_inserted.json", "Comment"),
    ("search_list.json", "SearchListResponse"),
    ("captions_none.json", "CaptionListResponse"),
    ("captions_fr.json", "CaptionListResponse"),
    ("caption_inserted.json", "Caption"),
]


@pytest.mark.parametrize(("fixture", "schema"), RESPONSES)
def test_recorded_resources_validate_against_the_discovery_document(
    fixture: str, schema: str
) -> None:
    validate(json.loads((FIXTURES / fixture).read_text()), schema)


def test_each_schema_is_the_one_its_method_returns() -> None:
    by_id = {m["id"]: m for m in methods().values()}
    assert by_id["youtube.channels.list"]["response"]["$ref"] == "ChannelListResponse"
    assert by_id["youtube.videos.insert"]["response"]["$ref"] == "Video"
    assert by_id["youtube.comments.insert"]["response"]["$ref"] == "Comment"
    assert by_id["youtube.commentThreads.list"]["response"]["$ref"] == "CommentThreadListResponse"


def test_a_misspelt_field_is_caught() -> None:
    body = json.loads((FIXTURES / "videos_list.json").read_text())
    body["items"][0]["statistics"]["viewsCount"] = "1"
    with pytest.raises(jsonschema.ValidationError):
        validate(body, "VideoListResponse")


def test_a_wrong_enum_value_is_caught() -> None:
    request = httpx.Request(
        "POST", f"{API_BASE}/comments/setModerationStatus?id=x&moderationStatus=hidden"
    )
    with pytest.raises(AssertionError, match="not in"):
        check_request(request)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@respx.mock
def test_every_request_the_adapter_sends_is_declared(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"fake video")
    subtitles = tmp_path / "clip.vtt"
    subtitles.write_text("WEBVTT\n")
    session = f"{UPLOAD_URL}?uploadType=resumable&upload_id=abc"
    respx.get(f"{API_BASE}/channels").respond(json=load("channels_mine.json"))
    respx.get(f"{API_BASE}/playlistItems").respond(json=load("playlist_items.json"))
    respx.get(f"{API_BASE}/videos").respond(json=load("videos_list.json"))
    respx.post(UPLOAD_URL).respond(200, headers={"Location": session})
    respx.put(session).respond(json=load("video_uploaded.json"))
    respx.get(f"{API_BASE}/commentThreads").respond(json=load("comment_threads.json"))
    respx.get(f"{API_BASE}/comments").respond(json={"items": []})
    respx.post(f"{API_BASE}/comments").respond(json=load("comment_inserted.json"))
    respx.post(f"{API_BASE}/comments/setModerationStatus").respond(204)
    respx.get(f"{API_BASE}/search").respond(json=load("search_list.json"))
    respx.delete(f"{API_BASE}/videos").respond(204)
    respx.get(f"{API_BASE}/captions").respond(json={"items": []})
    respx.post(f"{HOST}/upload/youtube/v3/captions").respond(json=load("caption_inserted.json"))
    adapter = YouTubeAdapter(
        {"access_token": "t", "channel_id": "UCvilleExemple0000000001"}, clock=lambda: NOW
    )
    since = NOW - timedelta(days=30)
    adapter.publish(
        PostVariant(
            network=Network.YOUTUBE,
            text="Fermeture de la piscine lundi.",
            title="Piscine",
            media=(Media(str(clip), "video/mp4", captions_path=str(subtitles)),),
        ),
        "spec-1",
    )
    adapter.reply("UgzThread000000000002", "Le vote aura lieu en mars.", "spec-2")
    adapter.hide_comment("UgzThread000000000002")
    adapter.fetch_posts(since)
    adapter.fetch_comments("cm26nov2026", since)
    adapter.search("piscine", since)
    adapter.account_stats()
    adapter.delete("cm26nov2026")
    assert len(respx.calls) >= 14
    assert any(c.request.url.path == "/upload/youtube/v3/captions" for c in respx.calls)
    for call in respx.calls:
        check_request(call.request)
