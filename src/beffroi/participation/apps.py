from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "beffroi.participation"
    label = "participation"
    verbose_name = "Participation citoyenne"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from beffroi.core.navigation import NavItem, NavSection, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem(
                _("Consultations"),
                "participation:list",
                Perm.VIEW_ORG,
                order=40,
                section=NavSection.PARTICIPATE,
            )
        )
