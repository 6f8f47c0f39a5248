from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "beffroi.core"
    label = "core"
    verbose_name = "Beffroi"

    def ready(self) -> None:
        from beffroi.core.navigation import NavItem, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem("Accueil", "core:organisation", Perm.VIEW_ORG, order=0),
            NavItem("Comptes", "core:accounts", Perm.VIEW_ORG, order=80),
            NavItem("Membres", "core:members", Perm.VIEW_ORG, order=85),
            NavItem("Journal", "core:audit", Perm.VIEW_AUDIT, order=90),
        )
