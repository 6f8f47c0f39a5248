"""The error page of an uncaught exception (Django's handler500), with one case of its own: the
database unavailable for a moment (restart, failover, connections exhausted) is a 503 with
Retry-After, said plainly in French, never a traceback nor a generic 500.

The page is built without the database: no template context processors (they read the user's
organisations and the navigation), no session. API clients get the API's error shape.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# OperationalError: cannot connect, connection lost, too many clients, database is locked.
# InterfaceError: the connection was already closed under us.
UNAVAILABLE = (OperationalError, InterfaceError)

MESSAGE = (
    "Beffroi est momentanément indisponible : la base de données ne répond pas. "
    "Rien de ce qui était enregistré n'est perdu. Réessayez dans une minute."
)
PAGE = f"""<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Service momentanément indisponible · Beffroi</title></head>
<body>
<main>
<h1>Service momentanément indisponible</h1>
<p>{MESSAGE}</p>
<p>Si cela dure, prévenez l'équipe qui exploite Beffroi.</p>
</main>
</body>
</html>
"""


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 when the database is out of reach, Django's 500 page otherwise."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, UNAVAILABLE):
        return defaults.server_error(request)
    # Logged without the traceback's locals: the operator needs the cause, not a 60-line dump.
    logger.error(
        "base de données indisponible pendant %s %s : %s", request.method, request.path, exc
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE, "code": "unavailable"}, status=503)
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
