from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "beffroi.api"
    label = "api"

    def ready(self) -> None:
        from beffroi.core.navigation import NavItem, nav_register
        from beffroi.core.permissions import Perm

        nav_register(NavItem("API", "api_tokens:tokens", Perm.VIEW_ORG, order=95))
