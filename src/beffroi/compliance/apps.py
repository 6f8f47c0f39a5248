from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "beffroi.compliance"
    label = "compliance"
    verbose_name = "Conformité"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from beffroi.core.navigation import NavItem, NavSection, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem(
                _("Conformité"),
                "compliance:overview",
                Perm.VIEW_ORG,
                order=80,
                section=NavSection.ADMINISTER,
            )
        )
