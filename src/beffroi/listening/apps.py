from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "beffroi.listening"
    label = "listening"
    verbose_name = "Écoute"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from beffroi.core.navigation import NavItem, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem("Messages", "listening:inbox", Perm.HANDLE_INBOX, order=20),
            NavItem("Alertes", "listening:alerts", Perm.MANAGE_ALERTS, order=21),
            NavItem("Modération", "listening:moderation", Perm.MODERATE, order=22),
            NavItem("Réactivité", "listening:statistics", Perm.VIEW_STATS, order=23),
        )
