"""A real Bluesky PDS (with an in-memory PLC directory) on 127.0.0.1 for the localserver tests.

Installed by .ci/setup-networks.sh under .ci/cache/networks/ (Node.js 22, @atproto/pds,
@did-plc/server). BEFFROI_NODE_BIN and BEFFROI_PDS_DIR override the paths.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.networks.localservers import LocalServer, free_port, missing

ROOT = Path(__file__).parents[3]
CACHE = ROOT / ".ci" / "cache" / "networks"
NODE = Path(os.environ.get("BEFFROI_NODE_BIN", CACHE / "node-22.23.3" / "bin" / "node"))
PDS_DIR = Path(os.environ.get("BEFFROI_PDS_DIR", CACHE / "pds-0.5.35"))
LAUNCHER = Path(__file__).with_name("pds_server.mjs")


@pytest.fixture(scope="module")
def pds_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not NODE.exists() or not (PDS_DIR / ".installed").exists():
        missing(f"PDS Bluesky absent ({NODE}, {PDS_DIR})")
    data = tmp_path_factory.mktemp("pds")
    plc_port, pds_port = free_port(), free_port()
    server = LocalServer(
        [str(NODE), str(LAUNCHER)],
        env={
            "PDS_DIR": str(PDS_DIR),
            "PLC_PORT": str(plc_port),
            "PDS_PORT": str(pds_port),
            "DATA_DIR": str(data / "data"),
        },
        ready_url=f"http://127.0.0.1:{pds_port}/xrpc/_health",
        log=data / "server.log",
        timeout=120,
        ready=lambda r: r.status_code == 200,
    )
    try:
        yield f"http://127.0.0.1:{pds_port}"
    finally:
        server.stop()


def create_account(pds: str, name: str, password: str) -> dict[str, str]:
    """An account `<name>.test` (dev mode accepts .test handles); returns its session."""
    response = httpx.post(
        f"{pds}/xrpc/com.atproto.server.createAccount",
        json={"handle": f"{name}.test", "email": f"{name}@example.test", "password": password},
    )
    if response.status_code == 400 and "already" in response.text.lower():
        response = httpx.post(
            f"{pds}/xrpc/com.atproto.server.createSession",
            json={"identifier": f"{name}.test", "password": password},
        )
    response.raise_for_status()
    body: dict[str, str] = response.json()
    return body
