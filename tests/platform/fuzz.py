"""Hypothesis strategies shared by the parser property tests: recorded payloads, mutated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).parents[1] / "fixtures"

# Modest and with no deadline: every parser below is fuzzed in CI, whose time is counted.
FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

_DROP = object()

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=6,
)


def fixture(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


def mutated(value: Any) -> st.SearchStrategy[Any]:
    """The value most of the time; sometimes any JSON value instead; a dict may lose keys, a list
    items. Structure-aware, so that deep fields get exercised, not only the top-level type check."""
    if isinstance(value, dict):
        fields = {
            key: st.integers(0, 11).flatmap(
                lambda n, child=child: st.just(_DROP) if n == 0 else mutated(child)
            )
            for key, child in value.items()
        }
        inner: st.SearchStrategy[Any] = st.fixed_dictionaries(fields).map(
            lambda d: {k: v for k, v in d.items() if v is not _DROP}
        )
    elif isinstance(value, list):
        inner = st.tuples(*(mutated(child) for child in value[:2])).map(list)
    else:
        inner = st.just(value)
    return st.integers(0, 11).flatmap(lambda n: json_values if n == 0 else inner)


# For the many recorded payloads of the networks: fewer examples each, since there are 17 of them.
QUICK = settings(FAST, max_examples=12)
