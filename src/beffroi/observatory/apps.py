from django.apps import AppConfig


class ObservatoryConfig(AppConfig):
    name = "beffroi.observatory"
    label = "observatory"
    verbose_name = "Observatoire des collectivités"

    def ready(self) -> None:
        from beffroi.core.navigation import NavItem, nav_register
        from beffroi.core.permissions import Perm

        nav_register(NavItem("Observatoire", "observatory:position", Perm.VIEW_STATS, order=70))
