"""The simulated network in the contract suite: no HTTP, faults injected through SandboxFaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import respx

from beffroi.core.domain import Network
from beffroi.networks.errors import AuthExpired, MalformedResponse, RateLimited, Transient
from beffroi.networks.sandbox import SandboxAdapter
from beffroi.networks.sandbox.state import forget_states
from beffroi.networks.types import PostVariant
from tests.networks.contract.harness import ContractHarness, Fault, Recorder, Scene

NOW = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
CREDENTIALS = {"sandbox_seed": "contract", "followers": "25000"}


class SandboxHarness(ContractHarness):
    network = Network.SANDBOX
    now = NOW
    since = NOW - timedelta(days=14)
    uses_http = False

    def __init__(self) -> None:
        forget_states()
        probe = SandboxAdapter(CREDENTIALS, clock=lambda: NOW)
        post = next(
            p for p in probe.fetch_posts(self.since) if p.metrics and p.metrics.comments > 2
        )
        self.post_remote_id = post.remote_id
        self.comment_remote_id = probe.fetch_comments(post.remote_id, self.since)[0].remote_id
        forget_states()

    def scene(self, router: respx.MockRouter | None) -> Scene:
        forget_states()
        sleeps: list[float] = []
        adapter = SandboxAdapter(CREDENTIALS, clock=lambda: NOW, sleep=sleeps.append)
        return Scene(adapter=adapter, recorder=Recorder(), router=None, sleeps=sleeps)

    def record(self, scene: Scene) -> Recorder:
        # No HTTP to count: read what the simulated network holds.
        assert isinstance(scene.adapter, SandboxAdapter)
        state = scene.adapter.state
        return Recorder(
            created=[p for p, stored in state.posts.items() if stored.reply_to is None],
            deleted=sorted(state.deleted),
            replies=list(state.replies),
            hidden=sorted(state.hidden),
        )

    def variant(self) -> PostVariant:
        return PostVariant(
            network=Network.SANDBOX, text="Fermeture de la piscine Jean-Bouin lundi pour vidange."
        )

    def inject(self, scene: Scene, fault: Fault) -> None:
        assert isinstance(scene.adapter, SandboxAdapter)
        error = {
            Fault.AUTH_EXPIRED: AuthExpired(Network.SANDBOX, "jeton expiré (simulé)", status=401),
            Fault.RATE_LIMITED: RateLimited(
                Network.SANDBOX, "trop de requêtes (simulé)", retry_after=30, status=429
            ),
            Fault.SERVER_ERROR: Transient(Network.SANDBOX, "erreur serveur (simulé)", status=503),
            Fault.MALFORMED: MalformedResponse(
                Network.SANDBOX, "réponse illisible (simulé)", status=200
            ),
            Fault.TIMEOUT: Transient(Network.SANDBOX, "délai dépassé (simulé)"),
        }[fault]
        scene.adapter.faults.fail_next("fetch_posts", error)

    def lose_next_publish_answer(self, scene: Scene) -> None:
        assert isinstance(scene.adapter, SandboxAdapter)
        scene.adapter.faults.fail_next(
            "publish", Transient(Network.SANDBOX, "réponse perdue (simulé)"), after_success=True
        )


contract_harness = SandboxHarness()
