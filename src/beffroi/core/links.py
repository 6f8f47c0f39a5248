"""Addresses of Beffroi's pages outside a request: e-mails, webhooks, reports."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` on the public address of the deployment (BEFFROI_SITE_URL).

    An e-mail or a webhook is written by a task with no request to take the host from, so the
    address comes from the configuration; a path that is already absolute is returned unchanged.
    """
    if not path or path.startswith(("http://", "https://")):
        return path
    return str(settings.BEFFROI_SITE_URL).rstrip("/") + "/" + path.lstrip("/")
