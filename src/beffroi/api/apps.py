from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "beffroi.api"
    label = "api"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from beffroi.core.navigation import NavItem, NavSection, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem(
                _("API"),
                "api_tokens:tokens",
                Perm.VIEW_ORG,
                order=95,
                section=NavSection.ADMINISTER,
            )
        )
