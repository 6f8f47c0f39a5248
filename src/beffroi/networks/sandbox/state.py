"""What was done on the simulated network (published, replied, hidden, deleted), kept in memory or in a JSON file.

Idempotency keys are kept with the posts they created, so that a publication retried after a crash
finds the first one, as on a real network that honours keys. States are shared within a process by
account key, so two adapters for the same simulated account see the same posts.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class StoredPost:
    remote_id: str
    text: str
    published_at: str  # ISO 8601, UTC
    topic: str
    format: str
    budget_eur: float = 0.0
    media_count: int = 0
    reply_to: str | None = None
    thread_remote_ids: list[str] = field(default_factory=list)


@dataclass
class StoredReply:
    remote_id: str
    parent_remote_id: str
    post_remote_id: str
    text: str
    created_at: str


@dataclass
class StoredIncident:
    topic: str
    start: str
    intensity: float
    peak_after_h: float
    duration_d: float
    label: str


@dataclass
class SandboxState:
    posts: dict[str, StoredPost] = field(default_factory=dict)
    replies: dict[str, StoredReply] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    keys: dict[str, str] = field(default_factory=dict)  # idempotency key -> remote id
    incidents: list[StoredIncident] = field(default_factory=list)
    counter: int = 0
    path: Path | None = None
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def to_json(self) -> dict[str, Any]:
        return {
            "simulated": True,
            "posts": {k: asdict(v) for k, v in self.posts.items()},
            "replies": {k: asdict(v) for k, v in self.replies.items()},
            "hidden": sorted(self.hidden),
            "deleted": sorted(self.deleted),
            "keys": self.keys,
            "incidents": [asdict(i) for i in self.incidents],
            "counter": self.counter,
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any], path: Path | None = None) -> SandboxState:
        return cls(
            posts={k: StoredPost(**v) for k, v in payload.get("posts", {}).items()},
            replies={k: StoredReply(**v) for k, v in payload.get("replies", {}).items()},
            hidden=set(payload.get("hidden", [])),
            deleted=set(payload.get("deleted", [])),
            keys=dict(payload.get("keys", {})),
            incidents=[StoredIncident(**i) for i in payload.get("incidents", [])],
            counter=int(payload.get("counter", 0)),
            path=path,
        )

    def save(self) -> None:
        """Writes the JSON file atomically (temp file + rename) when the state has a path."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self.to_json(), out, ensure_ascii=False, indent=1)
        os.replace(temp, self.path)


_STATES: dict[str, SandboxState] = {}
_STATES_LOCK = threading.Lock()


def state_for(account_key: str, path: str | Path | None = None) -> SandboxState:
    """The shared state of one simulated account; loaded from `path` when given and present."""
    key = str(Path(path).resolve()) if path else account_key
    with _STATES_LOCK:
        state = _STATES.get(key)
        if state is None:
            file = Path(path) if path else None
            if file is not None and file.exists():
                state = SandboxState.from_json(json.loads(file.read_text("utf-8")), file)
            else:
                state = SandboxState(path=file)
            _STATES[key] = state
        return state


def forget_states() -> None:
    """Drops every in-memory state (tests)."""
    with _STATES_LOCK:
        _STATES.clear()
