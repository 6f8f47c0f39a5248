"""Facebook Login for Business, shared by the Facebook Page and Instagram adapters.

The flow: the user authorises the app (dialog/oauth) -> short-lived user token (1 to 2 h) ->
exchanged for a long-lived user token (about 60 days) -> `/me/accounts` gives each Page's token,
which does not expire when it comes from a long-lived user token. Meta has no refresh token: a
"refresh" exchanges the long-lived user token again, which works only while it is still valid.
The app id and secret are the deployment's (`client_id`, `client_secret` in the credentials).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beffroi.networks.errors import AuthExpired, NotFound
from beffroi.networks.facebook.graph import GRAPH_VERSION
from beffroi.networks.http import ApiClient
from beffroi.networks.oauth import build_authorization_url, token_set_from_response
from beffroi.networks.types import TokenSet

DIALOG_URL = f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth"


def meta_authorization_url(
    *, client_id: str, redirect_uri: str, state: str, scopes: tuple[str, ...]
) -> str:
    return build_authorization_url(
        DIALOG_URL,
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "scope": ",".join(scopes),
        },
    )


def meta_exchange_code(
    client: ApiClient,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    now: datetime,
) -> TokenSet:
    """Code -> short-lived user token -> long-lived user token (the one worth storing)."""
    short = client.get_json(
        "/oauth/access_token",
        params={
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": redirect_uri,
            "code": code,
        },
        authenticated=False,
    )
    return meta_long_lived(
        client,
        client_id=client_id,
        client_secret=client_secret,
        user_token=str(short["access_token"]),
        now=now,
    )


def meta_long_lived(
    client: ApiClient, *, client_id: str, client_secret: str, user_token: str, now: datetime
) -> TokenSet:
    payload = client.get_json(
        "/oauth/access_token",
        params={
            "grant_type": "fb_exchange_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "fb_exchange_token": user_token,
        },
        authenticated=False,
    )
    return token_set_from_response(payload, now=now)


def meta_pages(client: ApiClient, user_token: str) -> list[dict[str, Any]]:
    """The Pages the user manages, each with its own Page token and linked Instagram account."""
    body = client.get_json(
        "/me/accounts",
        params={
            "fields": "id,name,access_token,tasks,instagram_business_account{id,username}",
        },
        headers={"Authorization": f"Bearer {user_token}"},
        authenticated=False,
    )
    return [p for p in body.get("data", []) if isinstance(p, dict)]


def choose_page(pages: list[dict[str, Any]], wanted_page_id: str | None) -> dict[str, Any]:
    for page in pages:
        if wanted_page_id is None or str(page.get("id")) == wanted_page_id:
            return page
    raise NotFound(
        "facebook",
        "aucune Page Facebook accessible avec cette autorisation",
        user_action=(
            "Reconnectez le compte en cochant la Page de la collectivité dans la fenêtre "
            "d'autorisation de Facebook."
        ),
    )


def meta_debug_token(client: ApiClient, *, token: str, app_token: str | None) -> tuple[str, ...]:
    """Graph `debug_token`: raises AuthExpired for an invalid token, else returns the granted scopes."""
    body = client.get_json(
        "/debug_token",
        params={"input_token": token},
        headers={"Authorization": f"Bearer {app_token or token}"},
        authenticated=False,
    )
    data = body.get("data", {}) if isinstance(body, dict) else {}
    if not data.get("is_valid", False):
        error = data.get("error")
        error = error if isinstance(error, dict) else {}
        raise AuthExpired(client.network, str(error.get("message") or "jeton invalide"))
    return tuple(str(s) for s in data.get("scopes", []))


def meta_refresh(
    client: ApiClient, tokens: TokenSet, *, client_id: str, client_secret: str, now: datetime
) -> TokenSet:
    """Re-exchanges the stored long-lived user token; Page tokens derived from it never expire."""
    user_token = tokens.extra.get("user_token")
    if not user_token:
        raise AuthExpired(
            client.network,
            "aucun jeton utilisateur longue durée enregistré : Meta n'offre pas de renouvellement",
        )
    renewed = meta_long_lived(
        client, client_id=client_id, client_secret=client_secret, user_token=user_token, now=now
    )
    return TokenSet(
        access_token=tokens.access_token,
        refresh_token=None,
        expires_at=tokens.expires_at,
        scopes=tokens.scopes,
        extra={
            **tokens.extra,
            "user_token": renewed.access_token,
            "user_token_expires_at": renewed.expires_at.isoformat() if renewed.expires_at else "",
        },
    )
