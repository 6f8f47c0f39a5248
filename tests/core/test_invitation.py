"""An invited colleague receives an e-mail, chooses a password through its link, and logs in."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from beffroi.core import services
from beffroi.core.models import User

pytestmark = pytest.mark.django_db(
    transaction=True
)  # the e-mail leaves once the invitation commits


def test_an_invited_colleague_sets_a_password_from_the_e_mail_and_logs_in(
    client, make_org, make_member, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"  # as in production
    settings.BEFFROI_SITE_URL = "https://beffroi.example.fr"
    org = make_org()
    client.force_login(make_member(org, role="admin", email="dgs@saint-aubin.example"))
    client.post(
        f"/o/{org.slug}/membres/inviter/", {"email": "Elu@Brume.example", "role": "validator"}
    )
    client.logout()

    (invitation,) = mail.outbox
    assert invitation.to == ["elu@brume.example"]
    assert "dgs@saint-aubin.example vous invite" in invitation.body and org.name in invitation.body
    link = re.search(r"https://beffroi\.example\.fr(/\S+)", invitation.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "Brume-au-matin-2026", "password2": "Brume-au-matin-2026"},
    )

    user = User.objects.get(email="elu@brume.example")
    assert user.check_password("Brume-au-matin-2026")
    assert EmailAddress.objects.get(user=user).verified  # the link came by e-mail
    logged_in = client.post(
        "/comptes/login/", {"login": "elu@brume.example", "password": "Brume-au-matin-2026"}
    )
    assert logged_in.status_code == 302 and "/comptes/confirm-email" not in logged_in["Location"]


def test_an_existing_user_added_to_another_organisation_gets_no_password_link(
    make_org, make_member
):
    org, epci = make_org(), make_org(name="CC du Val de Brume", kind="epci")
    admin = make_member(epci, role="admin")
    known = make_member(org, role="analyst", email="analyste@brume.example")
    services.member_invite(organisation=epci, email=known.email, role="analyst", actor=admin)
    assert mail.outbox == []


def test_the_operator_vouches_for_the_address_of_a_user_created_on_the_command_line():
    user = services.user_create(email="dsi@brume.example", password="x" * 12, email_verified=True)
    assert EmailAddress.objects.get(user=user, primary=True).verified
