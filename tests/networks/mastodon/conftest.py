"""A real Mastodon API server (mastodon-mock, an independent implementation) for the localserver tests."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.networks.localservers import LocalServer, free_port, missing

ACCOUNT_TOKEN = "mock_token"  # the seeded account of `mastodon_mock serve` (user "testuser")


@pytest.fixture(scope="module")
def mastodon_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if importlib.util.find_spec("mastodon_mock") is None:
        missing("mastodon-mock n'est pas installé")
    port = free_port()
    server = LocalServer(
        [
            sys.executable,
            "-m",
            "mastodon_mock",
            "serve",
            "--in-memory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        ready_url=f"http://127.0.0.1:{port}/api/v1/instance",
        log=tmp_path_factory.mktemp("mastodon") / "server.log",
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def mastodon_url(mastodon_server: str) -> Iterator[str]:
    """The server with no fault rule left by an earlier test."""
    httpx.delete(f"{mastodon_server}/api/v1/_mock/faults")
    yield mastodon_server
    httpx.delete(f"{mastodon_server}/api/v1/_mock/faults")


def citizen_token(base_url: str, username: str) -> str:
    """Creates a second local account (a resident) and returns its token."""
    response = httpx.post(f"{base_url}/api/v1/_mock/dev_user", json={"username": username})
    if response.status_code == 422:  # already made by an earlier test
        users = httpx.get(f"{base_url}/api/v1/_mock/dev_users").json()
        return next(u["access_token"] for u in users if u["username"] == username)
    response.raise_for_status()
    return str(response.json()["access_token"])


def add_fault(base_url: str, rule: dict[str, object]) -> None:
    httpx.post(f"{base_url}/api/v1/_mock/faults", json=rule).raise_for_status()
