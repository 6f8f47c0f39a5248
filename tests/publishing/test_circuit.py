"""Every transition of the approval circuit, and every refusal: wrong role, wrong state, expired guest link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied

from beffroi.core.domain import Network
from beffroi.core.models import AuditEntry
from beffroi.core.services import DomainError
from beffroi.networks.types import Media
from beffroi.publishing import services
from beffroi.publishing.models import (
    ApprovalStep,
    Draft,
    DraftVersion,
    Notification,
    PublishIntent,
    Variant,
)
from beffroi.publishing.services import StepSpec

pytestmark = pytest.mark.django_db
State = Draft.State
TEXT = "Le marché de Noël ouvre samedi place du Beffroi : 40 chalets, patinoire et chorales. Venez nombreux !"


def _draft(team, networks=(Network.FACEBOOK, Network.X), **extra):
    return services.draft_create(
        organisation=team.org,
        actor=team.cm,
        title="Marché de Noël",
        text=TEXT,
        accounts=[team.accounts[n] for n in networks],
        hashtags=("marché de Noël",),
        **extra,
    )


def _circuit(team, *, guest=False):
    steps = [
        StepSpec("Community manager", reviewer=team.cm),
        StepSpec("Direction de la communication", reviewer=team.director),
    ]
    if guest:
        steps.append(
            StepSpec(
                "Cabinet du maire",
                guest_email="cabinet@saint-aubin.example",
                guest_name="Cabinet du maire",
            )
        )
    services.circuit_set(organisation=team.org, steps=steps, actor=team.admin)


def _actions(draft):
    return list(
        AuditEntry.objects.filter(object_id=str(draft.pk), object_type="publishing.Draft")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_a_draft_gets_one_composed_variant_per_account_and_a_first_version(team):
    draft = _draft(team)
    variants = {v.network: v for v in draft.variants.all()}
    assert set(variants) == {"facebook", "x"}
    assert "#MarchéDeNoël" in variants["x"].text
    assert draft.state == State.DRAFT and draft.version == 1
    assert DraftVersion.objects.get(draft=draft).content["variants"][0]["text"]
    assert _actions(draft) == ["draft.create"]


def test_the_full_circuit_in_sequence_with_a_guest_reviewer(
    team, soon, django_capture_on_commit_callbacks
):
    _circuit(team, guest=True)
    draft = _draft(team)
    services.draft_submit(draft=draft, actor=team.cm)
    draft.refresh_from_db()
    assert draft.state == State.IN_REVIEW and draft.current_step == 1
    assert Notification.objects.filter(user=team.cm, draft=draft).exists()

    # Step 2's validator cannot jump the queue.
    with pytest.raises(PermissionDenied):
        services.draft_approve(draft=draft, actor=team.director)
    with django_capture_on_commit_callbacks(execute=True):
        services.draft_approve(draft=draft, actor=team.cm, comment="Relu, ok pour moi.")
    draft.refresh_from_db()
    assert draft.state == State.IN_REVIEW and draft.current_step == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.draft_approve(draft=draft, actor=team.director)
    draft.refresh_from_db()
    assert draft.current_step == 3

    guest_step = draft.steps.get(position=3)
    guest_mail = next(m for m in mail.outbox if "cabinet@saint-aubin.example" in m.to)
    token = services.guest_token(guest_step)
    assert "/relecture/" in guest_mail.body and "7 jours" in guest_mail.body
    assert mail.outbox[0].to == [team.director.email]  # the director was told by e-mail too
    assert "attend votre validation (Direction de la communication)" in mail.outbox[0].body
    services.guest_decide(token=token, approve=True, name="Mme Morel, directrice de cabinet")
    draft.refresh_from_db()
    assert draft.state == State.APPROVED
    assert (
        draft.steps.get(position=3).decided_by_label
        == "Mme Morel, directrice de cabinet (relecteur invité)"
    )

    services.draft_schedule(draft=draft, actor=team.cm, scheduled_at=soon(30))
    draft.refresh_from_db()
    assert draft.state == State.SCHEDULED
    keys = set(
        PublishIntent.objects.filter(variant__draft=draft).values_list("idempotency_key", flat=True)
    )
    assert len(keys) == 2
    assert _actions(draft) == [
        "draft.create",
        "draft.submit",
        "draft.approve",
        "draft.approve",
        "draft.approve",
        "draft.schedule",
    ]


def test_changes_requested_then_resubmitted_starts_a_new_round(team):
    _circuit(team)
    draft = _draft(team)
    services.draft_submit(draft=draft, actor=team.cm)
    services.draft_approve(draft=draft, actor=team.cm)
    with pytest.raises(DomainError, match="Dites ce qu'il faut modifier"):
        services.draft_request_changes(draft=draft, actor=team.director, comment="  ")
    services.draft_request_changes(
        draft=draft, actor=team.director, comment="Ajoutez les horaires."
    )
    draft.refresh_from_db()
    assert draft.state == State.CHANGES_REQUESTED
    assert Notification.objects.filter(
        user=team.cm, message__contains="Ajoutez les horaires"
    ).exists()
    assert draft.comments.get().text == "Ajoutez les horaires."
    services.draft_update(draft=draft, actor=team.cm, text=TEXT + " De 10 h à 20 h.")
    services.draft_submit(draft=draft, actor=team.cm)
    draft.refresh_from_db()
    assert draft.state == State.IN_REVIEW and draft.current_step == 1
    assert ApprovalStep.objects.filter(draft=draft, round=2).count() == 2


def test_no_circuit_means_approved_at_submission(team):
    draft = _draft(team)
    services.draft_submit(draft=draft, actor=team.cm)
    draft.refresh_from_db()
    assert draft.state == State.APPROVED


@pytest.mark.parametrize("role", ["analyst", "director", "outsider"])
def test_roles_that_cannot_write_drafts_are_refused(team, role):
    with pytest.raises(PermissionDenied):
        services.draft_create(
            organisation=team.org,
            actor=getattr(team, role),
            title="x",
            text="x",
            accounts=[team.accounts[Network.X]],
        )


def test_an_account_of_another_organisation_is_refused(team, make_org):
    from beffroi.core import services as core

    other = make_org(name="Ailleurs")
    foreign = core.network_account_create(
        organisation=other,
        network="x",
        handle="ailleurs",
        simulated=True,
        credentials={"sandbox_seed": "a"},
        actor=None,
    )
    with pytest.raises(PermissionDenied):
        services.draft_create(
            organisation=team.org, actor=team.cm, title="x", text="x", accounts=[foreign]
        )


def test_an_analyst_cannot_approve_and_a_cm_cannot_schedule_without_approval(team, soon):
    services.circuit_set(
        organisation=team.org,
        steps=[StepSpec("Direction") if False else StepSpec("Direction", reviewer=team.director)],
        actor=team.admin,
    )
    draft = _draft(team)
    with pytest.raises(DomainError, match="Seul un brouillon en validation"):
        services.draft_approve(draft=draft, actor=team.director)
    services.draft_submit(draft=draft, actor=team.cm)
    with pytest.raises(PermissionDenied):
        services.draft_approve(draft=draft, actor=team.analyst)
    with pytest.raises(PermissionDenied):
        services.draft_approve(draft=draft, actor=team.outsider)
    with pytest.raises(DomainError, match="Seul un brouillon validé"):
        services.draft_schedule(draft=draft, actor=team.cm, scheduled_at=soon())
    with pytest.raises(DomainError, match="ne peut pas être soumis"):
        services.draft_submit(draft=draft, actor=team.cm)
    services.draft_approve(draft=draft, actor=team.director)
    with pytest.raises(PermissionDenied):
        services.draft_schedule(
            draft=draft, actor=team.director, scheduled_at=soon()
        )  # validators do not publish
    with pytest.raises(DomainError, match="passée"):
        services.draft_schedule(draft=draft, actor=team.cm, scheduled_at=soon(-60))


def test_a_step_without_named_reviewer_takes_any_validator_and_admin_can_always_decide(team):
    services.circuit_set(
        organisation=team.org,
        steps=[
            StepSpec("Validation", guest_email="elu@example.org"),
            StepSpec("Direction", reviewer=team.director),
        ],
        actor=team.admin,
    )
    draft = _draft(team)
    services.draft_submit(draft=draft, actor=team.cm)
    services.draft_approve(draft=draft, actor=team.admin)
    services.draft_approve(draft=draft, actor=team.admin)
    draft.refresh_from_db()
    assert draft.state == State.APPROVED


def test_submission_is_refused_while_a_variant_has_a_blocking_issue(team):
    photo = Media("media/marche.jpg", "image/jpeg", "", 1080, 1080, 300_000)
    draft = _draft(team, media=(photo,))
    with pytest.raises(DomainError, match="Texte alternatif manquant"):
        services.draft_submit(draft=draft, actor=team.cm)
    services.draft_update(
        draft=draft,
        actor=team.cm,
        media=(
            Media("media/marche.jpg", "image/jpeg", "Les chalets illuminés.", 1080, 1080, 300_000),
        ),
    )
    services.draft_submit(draft=draft, actor=team.cm)


def test_an_edit_after_approval_sends_the_draft_back_and_cancels_its_intents(team, soon):
    draft = _draft(team)
    services.draft_submit(draft=draft, actor=team.cm)
    services.draft_schedule(draft=draft, actor=team.cm, scheduled_at=soon())
    x = draft.variants.get(network="x")
    services.variant_edit(variant=x, actor=team.cm, text="Marché de Noël samedi ! #MarchéDeNoël")
    draft.refresh_from_db()
    assert draft.state == State.DRAFT and draft.version == 2
    assert set(
        PublishIntent.objects.filter(variant__draft=draft).values_list("status", flat=True)
    ) == {"cancelled"}
    assert "draft.reopen" in _actions(draft)
    # The hand-written X variant survives a change of the message; Facebook's is composed again.
    services.draft_update(draft=draft, actor=team.cm, text="Le marché de Noël ouvre dimanche.")
    assert draft.variants.get(network="x").text == "Marché de Noël samedi ! #MarchéDeNoël"
    assert draft.variants.get(network="facebook").text.startswith(
        "Le marché de Noël ouvre dimanche."
    )
    assert DraftVersion.objects.filter(draft=draft).count() == 3


def test_a_published_post_cannot_be_changed_or_cancelled(team, soon):
    draft = _draft(team, networks=(Network.MASTODON,))
    services.draft_submit(draft=draft, actor=team.cm)
    services.draft_schedule(draft=draft, actor=team.cm, scheduled_at=soon(0))
    assert services.publish_due() == 1
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED
    with pytest.raises(DomainError, match="déjà publiée"):
        services.draft_update(draft=draft, actor=team.cm, text="Correction")
    with pytest.raises(DomainError, match="déjà publiée"):
        services.variant_edit(variant=draft.variants.get(), actor=team.cm, text="Correction")
    with pytest.raises(DomainError, match="ne peut pas être annulée"):
        services.draft_cancel(draft=draft, actor=team.cm)
    with pytest.raises(DomainError, match="ne se déplace plus"):
        services.draft_move(draft=draft, actor=team.cm, scheduled_at=soon(120))


def test_cancel_unschedule_and_move(team, soon):
    draft = _draft(team)
    services.draft_move(draft=draft, actor=team.cm, scheduled_at=soon(300))
    services.draft_submit(draft=draft, actor=team.cm)
    services.draft_schedule(draft=draft, actor=team.cm, scheduled_at=soon(60))
    later = soon(90)
    services.draft_move(draft=draft, actor=team.cm, scheduled_at=later)
    assert {i.due_at for i in PublishIntent.objects.filter(variant__draft=draft)} == {later}
    services.draft_unschedule(draft=draft, actor=team.cm)
    draft.refresh_from_db()
    assert draft.state == State.APPROVED
    with pytest.raises(DomainError, match="n'est pas programmé"):
        services.draft_unschedule(draft=draft, actor=team.cm)
    services.draft_cancel(draft=draft, actor=team.cm, reason="Événement reporté")
    draft.refresh_from_db()
    assert draft.state == State.CANCELLED
    assert set(draft.variants.values_list("state", flat=True)) == {Variant.State.CANCELLED}
    with pytest.raises(DomainError, match="annulé"):
        services.draft_update(draft=draft, actor=team.cm, text="x")


def test_an_expired_or_tampered_guest_link_is_refused(team, settings):
    services.circuit_set(
        organisation=team.org,
        steps=[StepSpec("Cabinet", guest_email="cabinet@example.org")],
        actor=team.admin,
    )
    draft = _draft(team)
    services.draft_submit(draft=draft, actor=team.cm)
    token = services.guest_token(draft.steps.get())
    settings.BEFFROI_PUBLISHING = {"guest_link_days": 0}
    with pytest.raises(services.GuestLinkInvalid, match="a expiré"):
        services.guest_decide(token=token, approve=True)
    settings.BEFFROI_PUBLISHING = {"guest_link_days": 7}
    with pytest.raises(services.GuestLinkInvalid, match="n'est pas valide"):
        services.guest_decide(token=token[:-2] + "xx", approve=True)
    forged = signing.dumps(
        {"step": draft.steps.get().pk, "draft": draft.pk, "version": 1}, salt="autre"
    )
    with pytest.raises(services.GuestLinkInvalid):
        services.guest_decide(token=forged, approve=True)
    with pytest.raises(DomainError, match="Dites ce qu'il faut modifier"):
        services.guest_decide(token=token, approve=False)
    services.guest_decide(token=token, approve=False, comment="Retirez la photo du maire.")
    draft.refresh_from_db()
    assert draft.state == State.CHANGES_REQUESTED
    with pytest.raises(services.GuestLinkInvalid, match="n'est plus attendue"):
        services.guest_decide(token=token, approve=True)


def test_an_edit_voids_the_guest_link(team):
    services.circuit_set(
        organisation=team.org,
        steps=[StepSpec("Cabinet", guest_email="cabinet@example.org")],
        actor=team.admin,
    )
    draft = _draft(team)
    services.draft_submit(draft=draft, actor=team.cm)
    token = services.guest_token(draft.steps.get())
    services.draft_update(draft=draft, actor=team.cm, text="Autre texte.")
    with pytest.raises(services.GuestLinkInvalid, match="modifié depuis"):
        services.guest_decide(token=token, approve=True)


def test_comments_and_audit(team):
    draft = _draft(team)
    services.draft_comment(draft=draft, actor=team.director, text="Pensez à la photo des chalets.")
    assert Notification.objects.filter(user=team.cm, draft=draft).exists()
    with pytest.raises(PermissionDenied):
        services.draft_comment(draft=draft, actor=team.outsider, text="Hors organisation")
    with pytest.raises(DomainError):
        services.draft_comment(draft=draft, actor=team.cm, text=" ")
    assert "draft.comment" in _actions(draft)


def test_the_same_website_article_is_not_imported_twice(team):
    _draft(team, source=Draft.Source.WEBSITE, source_id="https://www.saint-aubin.example/?p=12")
    with pytest.raises(DomainError, match="déjà été importé"):
        _draft(team, source=Draft.Source.WEBSITE, source_id="https://www.saint-aubin.example/?p=12")


def test_guest_link_lifetime_defaults_to_seven_days():
    assert services.guest_link_max_age() == timedelta(days=7)


def test_compliance_refuses_a_sponsored_post_planned_in_an_election_period(team):
    from datetime import UTC, datetime

    from beffroi.compliance.models import DraftReview

    draft = _draft(team, sponsored=True, scheduled_at=datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    with pytest.raises(DomainError, match="Conformité : Publication sponsorisée refusée"):
        services.draft_submit(draft=draft, actor=team.cm)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    # Not sponsored, the same post goes into the circuit, and its review is kept for the compliance pages.
    services.draft_update(draft=draft, actor=team.cm, sponsored=False)
    services.draft_submit(draft=draft, actor=team.cm)
    assert DraftReview.objects.filter(organisation=team.org, draft_ref=str(draft.pk)).exists()


def test_each_publication_goes_to_the_compliance_evidence_file(team):
    from beffroi.compliance.models import PublicationLog

    draft = _draft(team, networks=(Network.MASTODON,))
    services.draft_submit(draft=draft, actor=team.cm)
    from django.utils import timezone

    services.draft_schedule(draft=draft, actor=team.cm, scheduled_at=timezone.now())
    services.publish_due()
    log = PublicationLog.objects.get(organisation=team.org)
    assert log.text == draft.variants.get().text
