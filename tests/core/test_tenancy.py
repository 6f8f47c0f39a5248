"""Tenant isolation: every page and API route of an organisation refuses an outsider.

The routes are enumerated from the URL configuration, so a new route without its checks fails here.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from beffroi.api.api import api
from beffroi.core.models import Role

pytestmark = pytest.mark.django_db

# Routes with an organisation in them, and a placeholder for every other argument.
ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def organisation_routes() -> list[str]:
    return sorted({route for route in _walk(get_resolver().url_patterns) if "<slug:org>" in route})


def concrete(route: str, org_slug: str) -> str:
    def fill(match):
        converter, name = match.group(1), match.group(2)
        if name == "org":
            return org_slug
        return "1" if converter in (None, "int") else "x"

    return "/" + ARG.sub(fill, route).lstrip("^").rstrip("$")


def test_the_enumeration_finds_the_core_routes():
    routes = organisation_routes()
    assert "o/<slug:org>/membres/" in routes
    assert "o/<slug:org>/journal/export.csv" in routes


@pytest.fixture
def two_communes(make_org, make_member):
    epci = make_org(name="CC du Val", kind="epci")
    ours = make_org(name="Saint-Aubin", parent=epci)
    theirs = make_org(name="Montclair", parent=epci)
    return ours, theirs, make_member(theirs, Role.ADMIN), make_member(epci, Role.ADMIN)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_of_another_organisation_gets_404_on_every_page(client, two_communes, method):
    ours, _theirs, neighbour_admin, _ = two_communes
    client.force_login(neighbour_admin)
    for route in organisation_routes():
        url = concrete(route, ours.slug)
        response = getattr(client, method)(url)
        assert response.status_code in (404, 405), (
            f"{method.upper()} {url} -> {response.status_code}"
        )


def test_an_anonymous_visitor_is_sent_to_login(client, two_communes):
    ours = two_communes[0]
    for route in organisation_routes():
        response = client.get(concrete(route, ours.slug))
        assert response.status_code in (302, 404, 405), route
        if response.status_code == 302:
            assert "/comptes/login/" in response["Location"]


def test_the_intercommunality_sees_its_communes_but_a_commune_never_sees_its_neighbour(
    client, two_communes
):
    ours, theirs, neighbour_admin, epci_admin = two_communes
    client.force_login(epci_admin)
    assert client.get(f"/o/{ours.slug}/").status_code == 200
    assert client.get(f"/o/{theirs.slug}/").status_code == 200
    client.force_login(neighbour_admin)
    assert client.get(f"/o/{theirs.slug}/").status_code == 200
    assert client.get(f"/o/{ours.slug}/").status_code == 404


def api_organisation_routes() -> list[tuple[str, str]]:
    routes = []
    for prefix, router in (
        api._get_urls_and_routers() if hasattr(api, "_get_urls_and_routers") else []
    ):
        del prefix, router
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        if "{org}" in path:
            routes.extend((method, path) for method in operations)
    return sorted(routes)


def test_a_member_of_another_organisation_gets_404_on_every_api_route(client, two_communes):
    ours, _theirs, neighbour_admin, _ = two_communes
    client.force_login(neighbour_admin)
    routes = api_organisation_routes()
    assert ("get", "/api/v1/organisations/{org}/members") in routes
    for method, path in routes:
        url = re.sub(r"\{(\w+)\}", lambda m: ours.slug if m.group(1) == "org" else "1", path)
        response = getattr(client, method)(url, content_type="application/json")
        assert response.status_code in (403, 404), (
            f"{method.upper()} {url} -> {response.status_code}"
        )


def test_the_api_lists_only_the_users_organisations(client, two_communes):
    ours, theirs, neighbour_admin, _ = two_communes
    client.force_login(neighbour_admin)
    slugs = {o["slug"] for o in client.get("/api/v1/organisations").json()["items"]}
    assert theirs.slug in slugs and ours.slug not in slugs
