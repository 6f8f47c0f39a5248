"""A logging filter that keeps tokens and passwords out of every log line."""

from __future__ import annotations

import logging
import re

_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9\-._~+/]+=*)"),
    re.compile(
        r"(?i)(access_token|refresh_token|client_secret|password|passwd|secret|api_key|authorization)([\"']?\s*[:=]\s*[\"']?)([^\s\"'&,}]+)"
    ),
]


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        if pattern.groups == 3:
            text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}[masqué]", text)
        else:
            text = pattern.sub(lambda m: f"{m.group(1)}[masqué]", text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
