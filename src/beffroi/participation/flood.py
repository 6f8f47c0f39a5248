"""Flood protection of the public answer page without a third-party captcha: a signed form token
that must be a few seconds old (scripts post at once) and not stale, a honeypot field humans never
see, and a per-address hourly quota kept in the cache (the address itself is never stored)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

SALT = "beffroi.participation.public-form"
MIN_SECONDS = 3
MAX_SECONDS = 2 * 3600
HONEYPOT_FIELD = "site_web"


def per_hour() -> int:
    return int(getattr(settings, "BEFFROI_PARTICIPATION_ANSWERS_PER_HOUR", 5))


def form_token(consultation_id: int) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(consultation_id))


@dataclass(frozen=True)
class Refusal:
    """Why a submission is refused, in French, for the person (or the log)."""

    message: str
    reason: str


def check_token(token: str, consultation_id: int) -> Refusal | None:
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign(token, max_age=MAX_SECONDS)
    except signing.SignatureExpired:
        return Refusal(
            "Le formulaire a expiré : rechargez la page puis renvoyez votre réponse.", "expired"
        )
    except signing.BadSignature:
        return Refusal("Formulaire invalide : rechargez la page.", "bad-token")
    if value != str(consultation_id):
        return Refusal("Formulaire invalide : rechargez la page.", "other-consultation")
    age = _age(token)
    if age is not None and age < MIN_SECONDS:
        return Refusal("Envoi trop rapide : relisez votre réponse puis renvoyez-la.", "too-fast")
    return None


def _age(token: str) -> float | None:
    try:
        stamp = token.rsplit(":", 2)[1]
        return timezone.now().timestamp() - signing.b62_decode(stamp)
    except (IndexError, ValueError):
        return None


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR (the reverse proxy is trusted to set it right, as for django-axes)."""
    return str(request.META.get("REMOTE_ADDR") or "inconnue")


def _quota_key(address: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:24]
    hour = timezone.now().strftime("%Y%m%d%H")
    return f"participation:quota:{digest}:{hour}"


def take_quota(address: str) -> Refusal | None:
    """Count one answer from this address this hour; refuse beyond the quota."""
    key = _quota_key(address)
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > per_hour():
        return Refusal(
            "Trop de réponses envoyées depuis cette connexion : réessayez dans une heure.",
            "quota",
        )
    return None
