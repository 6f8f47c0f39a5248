from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "beffroi.core"
    label = "core"
    verbose_name = "Beffroi"

    def ready(self) -> None:
        from allauth.account.signals import password_reset
        from django.utils.translation import gettext_lazy as _

        from beffroi.core.auth import email_verified_by_password_reset

        password_reset.connect(email_verified_by_password_reset, dispatch_uid="beffroi-verified")

        from beffroi.core.navigation import NavItem, NavSection, nav_register
        from beffroi.core.permissions import Perm

        nav_register(
            NavItem(
                _("Accueil"), "core:organisation", Perm.VIEW_ORG, order=0, section=NavSection.HOME
            ),
            NavItem(
                _("Comptes"),
                "core:accounts",
                Perm.VIEW_ORG,
                order=80,
                section=NavSection.ADMINISTER,
            ),
            NavItem(
                _("Membres"), "core:members", Perm.VIEW_ORG, order=85, section=NavSection.ADMINISTER
            ),
            NavItem(
                _("Journal"), "core:audit", Perm.VIEW_AUDIT, order=90, section=NavSection.ADMINISTER
            ),
        )

        from beffroi.core.health import account_home_lines
        from beffroi.core.home import HomeCard, home_register

        home_register(
            HomeCard(_("Connexions aux réseaux"), Perm.VIEW_ORG, account_home_lines, order=90)
        )
