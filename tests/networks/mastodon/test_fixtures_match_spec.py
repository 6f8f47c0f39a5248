"""The recorded Mastodon payloads and our requests, checked against the published OpenAPI description.

A fixture that drifts from the documented API (a missing required field, a wrong type, a field that
does not exist) fails here, before it can hide a bug in the adapter.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from beffroi.core.domain import Network
from beffroi.networks.mastodon import MastodonAdapter
from beffroi.networks.types import PostVariant
from tests.networks.mastodon.fake import FIXTURES, INSTANCE, MastodonFake, load
from tests.networks.specs import API_SPECS

# shared/ lies beside the checkout, on a developer's machine as in CI.
SPEC_PATH = API_SPECS / "mastodon-openapi" / "schema.json"
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text("utf-8"))
REGISTRY = Registry().with_resource("urn:mastodon", Resource.opaque(SPEC))

# fixture file -> schema of the entity, and whether it is a list of them
FIXTURE_SCHEMAS: dict[str, tuple[str, bool]] = {
    "account_verify_credentials.json": ("CredentialAccount", False),
    "status_created.json": ("Status", False),
    "status_thread_part.json": ("Status", False),
    "status_reply_created.json": ("Status", False),
    "status_comment.json": ("Status", False),
    "status_deleted.json": ("Status", False),
    "account_statuses_page1.json": ("Status", True),
    "account_statuses_page2.json": ("Status", True),
    "context.json": ("Context", False),
    "notifications_mentions.json": ("Notification", True),
    "tag_timeline.json": ("Status", True),
    "search_statuses.json": ("Search", False),
    "media_attachment.json": ("MediaAttachment", False),
    "media_attachment_processing.json": ("MediaAttachment", False),
    "app_verify_credentials.json": ("Application", False),
    "oauth_token.json": ("Token", False),
    "error_unauthorized.json": ("Error", False),
    "error_unprocessable.json": ("Error", False),
    "error_rate_limited.json": ("Error", False),
    "error_scope.json": ("Error", False),
    "error_not_found.json": ("Error", False),
}


def validator(schema_name: str, many: bool) -> Draft202012Validator:
    ref = {"$ref": f"urn:mastodon#/components/schemas/{schema_name}"}
    return Draft202012Validator({"type": "array", "items": ref} if many else ref, registry=REGISTRY)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """Follows $ref and merges allOf parts into one object schema."""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = {
            **SPEC["components"]["schemas"][name],
            **{k: v for k, v in schema.items() if k != "$ref"},
        }
    if "allOf" in schema:
        merged: dict[str, Any] = {"properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(resolve(part).get("properties", {}))
        return merged
    return schema


def unknown_fields(instance: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Fields of the fixture that the schema does not describe (invented or renamed fields)."""
    schema = resolve(schema)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [unknown_fields(instance, option, where) for option in schema[key]]
            return min(options, key=len)
    if isinstance(instance, list) and "items" in schema:
        return [
            f
            for i, item in enumerate(instance)
            for f in unknown_fields(item, schema["items"], f"{where}[{i}]")
        ]
    if isinstance(instance, dict) and "properties" in schema:
        found = []
        for name, value in instance.items():
            if name not in schema["properties"]:
                found.append(f"{where}.{name}")
            elif value is not None:
                found.extend(unknown_fields(value, schema["properties"][name], f"{where}.{name}"))
        return found
    return []


def test_every_fixture_is_checked() -> None:
    assert {p.name for p in FIXTURES.glob("*.json")} == set(FIXTURE_SCHEMAS)


@pytest.mark.parametrize("name", sorted(FIXTURE_SCHEMAS))
def test_fixture_matches_the_documented_entity(name: str) -> None:
    schema_name, many = FIXTURE_SCHEMAS[name]
    if schema_name not in SPEC["components"]["schemas"]:
        pytest.fail(f"the spec has no schema {schema_name}")
    payload = load(name)
    errors = sorted(validator(schema_name, many).iter_errors(payload), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    ref = {"$ref": f"#/components/schemas/{schema_name}"}
    extra = unknown_fields(payload, {"type": "array", "items": ref} if many else ref)
    assert not extra, f"fields not in the Mastodon spec: {extra[:8]}"


def test_the_validator_does_catch_a_drifted_fixture() -> None:
    broken = load("status_created.json")
    del broken["visibility"]
    broken["favourites_count"] = "41"
    broken["favorites"] = 3
    assert list(validator("Status", False).iter_errors(broken))
    assert unknown_fields(broken, {"$ref": "#/components/schemas/Status"}) == ["$.favorites"]


def _documented_form_fields() -> set[str]:
    body = SPEC["paths"]["/api/v1/statuses"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    fields: set[str] = set()
    for option in body["oneOf"]:
        fields |= set(resolve(option).get("properties", {}))
    return fields


@respx.mock
def test_our_status_request_uses_only_documented_parameters() -> None:
    fake = MastodonFake(respx.mock)
    adapter = MastodonAdapter({"instance_url": INSTANCE, "access_token": "t"}, sleep=lambda s: None)
    adapter.publish(PostVariant(network=Network.MASTODON, text="Bonjour", thread=("suite",)), "k")
    documented = _documented_form_fields()
    sent = {name.removesuffix("[]") for form in fake.posted_forms for name in form}
    assert sent <= documented, sent - documented
    header_names = {p["name"] for p in SPEC["paths"]["/api/v1/statuses"]["post"]["parameters"]}
    assert "Idempotency-Key" in header_names
    assert all(call.request.headers.get("Idempotency-Key") for call in fake.post_status.calls)
