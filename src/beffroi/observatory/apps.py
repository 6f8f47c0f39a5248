from django.apps import AppConfig


class ObservatoryConfig(AppConfig):
    name = "beffroi.observatory"
    label = "observatory"
    verbose_name = "Observatoire des collectivités"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from beffroi.core.navigation import NavItem, NavSection, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem(
                _("Observatoire"),
                "observatory:position",
                Perm.VIEW_STATS,
                order=70,
                section=NavSection.MEASURE,
            )
        )
