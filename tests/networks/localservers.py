"""Starting real servers on 127.0.0.1 for the `localserver` tests (mastodon-mock, Bluesky PDS).

A server whose program is missing makes its tests skip on a developer's machine, but fail in CI
(CI=true), where .ci/setup-networks.sh must have installed it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx
import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(what: str) -> None:
    """Skips the test, or fails it in CI where everything must be installed."""
    message = f"{what} : lancez .ci/setup-networks.sh"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalServer:
    """A child process serving HTTP on 127.0.0.1, stopped when the fixture ends."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        ready_url: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        log: Path,
        timeout: float = 60.0,
        ready: Callable[[httpx.Response], bool] = lambda r: r.status_code < 500,
    ) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            list(command),
            env={**os.environ, **(env or {})},
            cwd=cwd,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"server exited ({self.process.returncode}):\n{self.tail()}")
            try:
                if ready(httpx.get(ready_url, timeout=1.0)):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self._log_file.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log_file.close()
