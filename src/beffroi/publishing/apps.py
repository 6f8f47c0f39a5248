from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "beffroi.publishing"
    label = "publishing"
    verbose_name = "Publications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from beffroi.core.navigation import NavItem, NavSection, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem(
                _("Calendrier"),
                "publishing:calendar",
                Perm.VIEW_ORG,
                order=10,
                section=NavSection.PUBLISH,
            ),
            NavItem(
                _("Rédiger"),
                "publishing:compose",
                Perm.WRITE_DRAFTS,
                order=11,
                section=NavSection.PUBLISH,
            ),
            NavItem(
                _("À valider"),
                "publishing:review_queue",
                Perm.APPROVE_DRAFTS,
                order=12,
                section=NavSection.PUBLISH,
            ),
            NavItem(
                _("Lignes éditoriales"),
                "publishing:editorial_lines",
                Perm.VIEW_ORG,
                order=15,
                section=NavSection.PUBLISH,
            ),
            NavItem(
                _("Importer"),
                "publishing:import",
                Perm.WRITE_DRAFTS,
                order=16,
                section=NavSection.PUBLISH,
            ),
            NavItem(
                _("Carnet d'adresses"),
                "publishing:contacts",
                Perm.VIEW_ORG,
                order=17,
                section=NavSection.PUBLISH,
            ),
        )

        from beffroi.core.home import HomeCard, home_register
        from beffroi.publishing.home import publishing_home_lines

        home_register(HomeCard(_("Publier"), Perm.VIEW_ORG, publishing_home_lines, order=10))
