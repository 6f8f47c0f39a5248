from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "beffroi.analytics"
    label = "analytics"
    verbose_name = _("Mesure")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from beffroi.core.navigation import NavItem, NavSection, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem(
                _("Mesure"),
                "analytics:dashboard",
                Perm.VIEW_STATS,
                order=60,
                section=NavSection.MEASURE,
            ),
            NavItem(
                _("Objectifs"),
                "analytics:objectives",
                Perm.VIEW_STATS,
                order=61,
                section=NavSection.MEASURE,
            ),
            NavItem(
                _("Part de voix"),
                "analytics:share_of_voice",
                Perm.VIEW_STATS,
                order=62,
                section=NavSection.MEASURE,
            ),
            NavItem(
                _("Sponsoring"),
                "analytics:sponsoring",
                Perm.VIEW_STATS,
                order=63,
                section=NavSection.MEASURE,
            ),
        )
