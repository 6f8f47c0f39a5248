from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "beffroi.listening"
    label = "listening"
    verbose_name = "Écoute"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from beffroi.core.navigation import NavItem, NavSection, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem(
                _("Messages"),
                "listening:inbox",
                Perm.HANDLE_INBOX,
                order=20,
                section=NavSection.LISTEN,
            ),
            NavItem(
                _("Alertes"),
                "listening:alerts",
                Perm.MANAGE_ALERTS,
                order=21,
                section=NavSection.LISTEN,
            ),
            NavItem(
                _("Modération"),
                "listening:moderation",
                Perm.MODERATE,
                order=22,
                section=NavSection.LISTEN,
            ),
            NavItem(
                _("Réactivité"),
                "listening:statistics",
                Perm.VIEW_STATS,
                order=23,
                section=NavSection.LISTEN,
            ),
        )

        from beffroi.core.home import HomeCard, home_register
        from beffroi.listening.home import listening_home_lines

        home_register(HomeCard(_("Écouter"), Perm.HANDLE_INBOX, listening_home_lines, order=20))
