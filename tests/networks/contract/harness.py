"""What a network provides to run the shared contract suite.

Each network writes `tests/networks/contract/harnesses/<network>.py` with a module-level
`contract_harness` object. For an HTTP network, subclass `HttpHarness`: `install` registers the
recorded payloads of tests/fixtures/<network>/ on a respx router, as a small stateful fake of the
network (so that publishing twice with one key can be observed), and `error_response` returns the
network's documented error body for each fault.

The suite then runs the same test functions against every harness (tests/networks/contract/test_contract.py),
skipping what an adapter does not declare in `capabilities`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import httpx
import respx

from beffroi.core.domain import Network
from beffroi.networks.base import NetworkAdapter
from beffroi.networks.types import PostVariant


class Fault(StrEnum):
    AUTH_EXPIRED = "auth_expired"  # the token was revoked or has expired
    RATE_LIMITED = "rate_limited"  # 429 (or the network's equivalent) asking to wait 30 s or more
    SERVER_ERROR = "server_error"  # 5xx, every time
    MALFORMED = "malformed"  # 200 with a body that is not the documented JSON
    TIMEOUT = "timeout"  # the network never answers


@dataclass
class Recorder:
    """Counts what the fake network really did, for the exactly-once checks."""

    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)


@dataclass
class Scene:
    """Everything a contract test needs: the adapter, the fake network's record, and the clock."""

    adapter: NetworkAdapter
    recorder: Recorder
    router: respx.MockRouter | None
    sleeps: list[float]


class ContractHarness(ABC):
    """The per-network part of the contract suite."""

    network: Network
    now: datetime  # the adapter's clock; recorded payloads are dated before it
    since: datetime  # a date before every recorded item
    post_remote_id: str  # a post in the recorded payloads: comments are read and deleted on it
    comment_remote_id: str  # a comment in the recorded payloads: replied to and hidden
    search_query: str = "piscine"

    @abstractmethod
    def scene(self, router: respx.MockRouter | None) -> Scene:
        """Builds the adapter (clock `now`, sleep recorded) and, for HTTP networks, installs the routes."""

    @abstractmethod
    def variant(self) -> PostVariant:
        """A post the network accepts."""

    @abstractmethod
    def inject(self, scene: Scene, fault: Fault) -> None:
        """Makes the read operation used by the fault tests (`fault_operation`) fail with `fault`."""

    @abstractmethod
    def lose_next_publish_answer(self, scene: Scene) -> None:
        """The next publication reaches the network and is created, but its answer is lost (timeout)."""

    def record(self, scene: Scene) -> Recorder:
        """What the fake network did so far."""
        return scene.recorder

    # The adapter call that the fault tests make: fetch_posts unless the network says otherwise.
    def fault_operation(self, scene: Scene) -> Callable[[], object]:
        return lambda: scene.adapter.fetch_posts(self.since)

    uses_http: bool = True


class HttpHarness(ContractHarness):
    """Base for the HTTP networks: faults are injected on the route of the read operation."""

    @abstractmethod
    def fault_route(self, scene: Scene) -> respx.Route:
        """The respx route that `fault_operation` calls first."""

    @abstractmethod
    def error_response(self, fault: Fault) -> httpx.Response:
        """The network's own error answer for `fault` (status, headers and documented body)."""

    def inject(self, scene: Scene, fault: Fault) -> None:
        route = self.fault_route(scene)
        if fault is Fault.TIMEOUT:
            route.side_effect = httpx.ReadTimeout("no answer")
        else:
            response = self.error_response(fault)
            route.side_effect = lambda request: _copy(response)


def _copy(response: httpx.Response) -> httpx.Response:
    return httpx.Response(response.status_code, headers=response.headers, content=response.content)
