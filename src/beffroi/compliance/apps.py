from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "beffroi.compliance"
    label = "compliance"
    verbose_name = "Conformité"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from beffroi.core.navigation import NavItem, nav_register
        from beffroi.core.permissions import Perm

        nav_register(NavItem("Conformité", "compliance:overview", Perm.VIEW_ORG, order=80))
