"""X fixtures and requests checked against the published X API v2 OpenAPI, so they cannot drift.

Every recorded success payload must validate against its operation's response schema, strictly
(a property the spec does not declare is an error: that is how a renamed field is caught). Every
request the adapter sends while the behaviour tests run is matched to a spec operation: its query
parameters must be declared, with values in their enums and bounds, and its JSON body must validate
against the request schema.
"""

from __future__ import annotations

import copy
import json
import re
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
from beffroi.networks.x import XAdapter
from beffroi.networks.x.client import API_BASE

SPEC_PATH = (
    Path(__file__).parents[2].parent / "shared" / "data" / "api-specs" / "x-api-v2" / "openapi.json"
)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "x"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.skipif(not SPEC_PATH.exists(), reason="X API v2 OpenAPI absent")


@cache
def spec() -> dict[str, Any]:
    return strict(json.loads(SPEC_PATH.read_text()))


def strict(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: `nullable` becomes a null type; undeclared properties are refused."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict(v) for k, v in node.items() if k not in {"discriminator", "example"}}
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def validate(instance: Any, schema: dict[str, Any]) -> None:
    root = {**schema, "components": spec()["components"]}
    jsonschema.Draft7Validator(root).validate(instance)


def operation(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The spec operation whose path template matches a concrete path."""
    for template, operations in spec()["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    raise AssertionError(f"{method} {path}: no such operation in the X API v2 spec")


def parameters(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for param in op.get("parameters", []):
        if "$ref" in param:
            param = spec()["components"]["parameters"][param["$ref"].rsplit("/", 1)[-1]]
        found[param["name"]] = param
    return found


def check_request(request: httpx.Request) -> None:
    if not str(request.url).startswith(API_BASE + "/2/") or "/oauth2/" in request.url.path:
        return
    _, op = operation(request.method, request.url.path)
    declared = parameters(op)
    for name, value in request.url.params.multi_items():
        assert name in declared, f"{request.method} {request.url.path}: undeclared ?{name}"
        schema = copy.deepcopy(declared[name]["schema"])
        if schema.get("type") == "array":
            validate(value.split(","), schema)
        elif schema.get("type") == "integer":
            validate(int(value), schema)
        else:
            validate(value, schema)
    for name, param in declared.items():
        if param.get("required") and param.get("in") == "query":
            assert name in request.url.params, f"{request.url.path}: ?{name} is required"
    if request.content and request.headers.get("content-type", "").startswith("application/json"):
        body_schema = op["requestBody"]["content"]["application/json"]["schema"]
        validate(json.loads(request.content), body_schema)


RESPONSES = [
    ("create_post.json", "POST", "/2/tweets", "201"),
    ("users_posts.json", "GET", "/2/users/1234567890/tweets", "200"),
    ("users_posts_page2.json", "GET", "/2/users/1234567890/tweets", "200"),
    ("own_recent.json", "GET", "/2/users/1234567890/tweets", "200"),
    ("mentions.json", "GET", "/2/users/1234567890/mentions", "200"),
    ("conversation.json", "GET", "/2/tweets/search/recent", "200"),
    ("search_recent.json", "GET", "/2/tweets/search/recent", "200"),
    ("users_me.json", "GET", "/2/users/me", "200"),
    ("media_upload.json", "POST", "/2/media/upload", "200"),
    ("media_metadata.json", "POST", "/2/media/metadata", "200"),
    ("media_initialize.json", "POST", "/2/media/upload/initialize", "200"),
    ("media_append.json", "POST", "/2/media/upload/1862199999999999990/append", "200"),
    ("media_finalize.json", "POST", "/2/media/upload/1862199999999999990/finalize", "200"),
    ("media_status_in_progress.json", "GET", "/2/media/upload", "200"),
    ("media_status_succeeded.json", "GET", "/2/media/upload", "200"),
    ("hidden.json", "PUT", "/2/tweets/1861950000000000002/hidden", "200"),
    ("deleted.json", "DELETE", "/2/tweets/1861900000000000001", "200"),
]


@pytest.mark.parametrize(("fixture", "method", "path", "status"), RESPONSES)
def test_recorded_answers_validate_against_the_spec(
    fixture: str, method: str, path: str, status: str
) -> None:
    _, op = operation(method, path)
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    validate(json.loads((FIXTURES / fixture).read_text()), schema)


@pytest.mark.parametrize("fixture", ["error_400_invalid.json", "error_503.json"])
def test_typed_problems_validate_against_the_problem_schema(fixture: str) -> None:
    validate(json.loads((FIXTURES / fixture).read_text()), {"$ref": "#/components/schemas/Problem"})


@pytest.mark.parametrize(
    "fixture",
    ["error_401.json", "error_403_forbidden.json", "error_403_duplicate.json", "error_429.json"],
)
def test_generic_problems_carry_the_rfc7807_keys(fixture: str) -> None:
    body = json.loads((FIXTURES / fixture).read_text())
    assert {"title", "type", "status", "detail"} <= set(body) and body["type"] == "about:blank"


def test_a_renamed_field_is_caught() -> None:
    """The check is not a formality: the pre-2025 spelling of a field fails it."""
    body = json.loads((FIXTURES / "users_posts.json").read_text())
    body["data"][0]["public_metrics"]["retweet_count"] = 1
    _, op = operation("GET", "/2/users/1/tweets")
    with pytest.raises(jsonschema.ValidationError):
        validate(body, op["responses"]["200"]["content"]["application/json"]["schema"])


def test_an_undeclared_query_parameter_is_caught() -> None:
    with pytest.raises(AssertionError, match="undeclared"):
        check_request(httpx.Request("GET", f"{API_BASE}/2/users/1/mentions?tweet_mode=extended"))


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@respx.mock
def test_every_request_the_adapter_sends_is_declared_by_the_spec(tmp_path: Path) -> None:
    picture = tmp_path / "piscine.jpg"
    picture.write_bytes(b"\xff\xd8\xff fake")
    respx.get(f"{API_BASE}/2/users/1234567890/tweets").respond(json=load("users_posts_page2.json"))
    respx.get(f"{API_BASE}/2/users/1234567890/mentions").respond(json=load("mentions.json"))
    respx.get(f"{API_BASE}/2/tweets/search/recent").respond(json=load("search_recent.json"))
    respx.get(f"{API_BASE}/2/users/me").respond(json=load("users_me.json"))
    respx.post(f"{API_BASE}/2/tweets").respond(201, json=load("create_post.json"))
    respx.post(f"{API_BASE}/2/media/upload").respond(json=load("media_upload.json"))
    respx.post(f"{API_BASE}/2/media/metadata").respond(json=load("media_metadata.json"))
    respx.put(url__regex=rf"{re.escape(API_BASE)}/2/tweets/\d+/hidden").respond(
        json=load("hidden.json")
    )
    respx.delete(url__regex=rf"{re.escape(API_BASE)}/2/tweets/\d+$").respond(
        json=load("deleted.json")
    )
    adapter = XAdapter(
        {"access_token": "tok", "user_id": "1234567890", "username": "VilleExemple"},
        clock=lambda: NOW,
        sleep=lambda s: None,
    )
    since = NOW - timedelta(days=3)
    adapter.publish(
        PostVariant(
            network=Network.X,
            text="Fermeture de la piscine lundi.",
            media=(Media(str(picture), "image/jpeg", alt_text="Bassin vide"),),
            thread=("Réouverture mardi 7 h.",),
        ),
        idempotency_key="spec-1",
    )
    adapter.reply("1861950000000000002", "Oui, déviation par le boulevard.", "spec-2")
    adapter.fetch_posts(since)
    adapter.fetch_comments("1861900000000000001", since)
    adapter.fetch_mentions(since)
    adapter.search("piscine", since)
    adapter.hide_comment("1861950000000000002")
    adapter.delete("1861900000000000001")
    adapter.account_stats()

    assert len(respx.calls) >= 12
    for call in respx.calls:
        check_request(call.request)
