"""Typed errors raised by every network adapter.

Each error carries the network's own reason (`message`, as the network wrote it) and what the user
should do about it (`user_action`, in French), so the interface can show both without knowing which
network spoke.
"""

from __future__ import annotations

from beffroi.core.domain import Network


class NetworkError(Exception):
    """Any failure while speaking to a network."""

    default_user_action = (
        "Réessayez plus tard ; si l'erreur persiste, vérifiez la connexion du compte."
    )
    # Whether retrying the same request later may succeed without the user doing anything.
    retryable = False

    def __init__(
        self,
        network: Network | str,
        message: str,
        *,
        user_action: str | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        self.network = Network(network)
        self.message = message
        self.user_action = user_action or self.default_user_action
        self.status = status
        self.code = code
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.network.label}"
        if self.status is not None:
            where += f" (HTTP {self.status})"
        return f"{where} : {self.message}"

    def to_dict(self) -> dict[str, str | int | float | None]:
        """A plain mapping for logs, audit entries and JSON APIs."""
        return {
            "kind": type(self).__name__,
            "network": self.network.value,
            "message": self.message,
            "user_action": self.user_action,
            "status": self.status,
            "code": self.code,
        }


class AuthExpired(NetworkError):
    default_user_action = (
        "La connexion au compte a expiré ou a été révoquée : reconnectez le compte depuis la page "
        "« Comptes »."
    )


class PermissionMissing(NetworkError):
    default_user_action = (
        "Le compte n'a pas accordé toutes les autorisations nécessaires : reconnectez-le en "
        "acceptant les autorisations demandées."
    )

    def __init__(
        self,
        network: Network | str,
        message: str,
        *,
        missing_scopes: tuple[str, ...] = (),
        user_action: str | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        self.missing_scopes = tuple(missing_scopes)
        if user_action is None and self.missing_scopes:
            user_action = (
                "Reconnectez le compte en accordant les autorisations manquantes : "
                + ", ".join(self.missing_scopes)
                + "."
            )
        super().__init__(network, message, user_action=user_action, status=status, code=code)


class RateLimited(NetworkError):
    retryable = True

    def __init__(
        self,
        network: Network | str,
        message: str,
        *,
        retry_after: float,
        user_action: str | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        self.retry_after = max(0.0, float(retry_after))
        if user_action is None:
            user_action = (
                "Le réseau limite le nombre de requêtes : Beffroi réessaiera automatiquement dans "
                f"{_human_delay(self.retry_after)}."
            )
        super().__init__(network, message, user_action=user_action, status=status, code=code)

    def to_dict(self) -> dict[str, str | int | float | None]:
        return {**super().to_dict(), "retry_after": self.retry_after}


class ContentRejected(NetworkError):
    default_user_action = (
        "Le réseau a refusé ce contenu : corrigez la publication selon le motif indiqué, puis "
        "relancez-la."
    )

    def __init__(
        self,
        network: Network | str,
        message: str,
        *,
        reason: str | None = None,
        user_action: str | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        # `reason` is the network's short reason ("text too long", "media type"), `message` its full text.
        self.reason = reason or message
        super().__init__(network, message, user_action=user_action, status=status, code=code)


class Transient(NetworkError):
    """A failure that should pass by itself: timeout, server error, unreadable answer."""

    retryable = True
    default_user_action = (
        "Le réseau ne répond pas correctement pour le moment : Beffroi réessaiera automatiquement."
    )


class MalformedResponse(Transient):
    """The network answered with a body that is not what its documentation promises."""


class NotFound(NetworkError):
    default_user_action = (
        "L'élément n'existe plus sur le réseau (supprimé ou masqué) : aucune action n'est possible."
    )


class CapabilityMissing(NetworkError):
    default_user_action = (
        "Ce réseau ne propose pas cette fonction : faites-le depuis son application."
    )

    def __init__(
        self,
        network: Network | str,
        capability: str,
        *,
        message: str | None = None,
        user_action: str | None = None,
    ) -> None:
        self.capability = capability
        super().__init__(
            network,
            message or f"opération non proposée par ce réseau : {capability}",
            user_action=user_action,
        )


class ApiDeprecated(NetworkError):
    default_user_action = (
        "La version de l'API utilisée par Beffroi n'est plus acceptée par le réseau : "
        "prévenez l'administrateur de Beffroi pour une mise à jour."
    )

    def __init__(
        self,
        network: Network | str,
        message: str,
        *,
        version: str | None = None,
        user_action: str | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        self.version = version
        super().__init__(network, message, user_action=user_action, status=status, code=code)


def _human_delay(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"
