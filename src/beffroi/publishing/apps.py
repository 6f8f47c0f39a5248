from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "beffroi.publishing"
    label = "publishing"
    verbose_name = "Publications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from beffroi.core.navigation import NavItem, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem("Calendrier", "publishing:calendar", Perm.VIEW_ORG, order=10),
            NavItem("Rédiger", "publishing:compose", Perm.WRITE_DRAFTS, order=11),
            NavItem("À valider", "publishing:review_queue", Perm.APPROVE_DRAFTS, order=12),
            NavItem("Lignes éditoriales", "publishing:editorial_lines", Perm.VIEW_ORG, order=15),
            NavItem("Importer", "publishing:import", Perm.WRITE_DRAFTS, order=16),
            NavItem("Carnet d'adresses", "publishing:contacts", Perm.VIEW_ORG, order=17),
        )
