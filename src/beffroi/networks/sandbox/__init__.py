"""The simulated network: a believable audience for the demo, the tests and the benchmarks.

Everything it produces is labelled as simulated: `SIMULATED = True`, adapters with `SIMULATED`,
URLs with the `sandbox://` scheme.

    from beffroi.networks.sandbox import simulate_history
    for day in simulate_history(seed="lyon", followers=200_000, start=date(2025, 1, 1), days=365):
        day.posts, day.comments, day.mentions, day.account
"""

from beffroi.networks.sandbox.adapter import SandboxAdapter, SandboxFaults, sandbox_adapter_for
from beffroi.networks.sandbox.corpus import LabelledText
from beffroi.networks.sandbox.model import PROFILES, Audience, Incident, PostFormat
from beffroi.networks.sandbox.world import (
    SIMULATED,
    SimulatedComment,
    SimulatedDay,
    SimulatedMention,
    SimulatedPost,
    simulate_history,
)

__all__ = [
    "PROFILES",
    "SIMULATED",
    "Audience",
    "Incident",
    "LabelledText",
    "PostFormat",
    "SandboxAdapter",
    "SandboxFaults",
    "SimulatedComment",
    "SimulatedDay",
    "SimulatedMention",
    "SimulatedPost",
    "sandbox_adapter_for",
    "simulate_history",
]
