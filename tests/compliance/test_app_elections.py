"""The election-period guard inside Beffroi: calendar per organisation, the publishing hook,
second validation with justification, and the evidence file export."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from beffroi.compliance import selectors, services
from beffroi.compliance.guard import FlagCode
from beffroi.core.domain import Network
from beffroi.core.services import DomainError
from beffroi.networks.types import Media, PostVariant

pytestmark = pytest.mark.django_db

IN_PERIOD = datetime(2026, 1, 15, 10, tzinfo=UTC)  # municipales 2026


@pytest.fixture
def commune(make_org):
    return make_org(name="Saint-Aubin", kind="commune")


@pytest.fixture
def admin(commune, make_member):
    return make_member(commune, "admin")


def variant(text, **kw):
    return PostVariant(network=Network.FACEBOOK, text=text, **kw)


def test_organisation_entries_replace_and_extend_the_calendar(commune, admin):
    services.calendar_entry_save(
        organisation=commune,
        actor=admin,
        election_id="presidentielle-2027",
        kind="presidentielle",
        label="Présidentielle 2027 (décret)",
        first_round=date(2027, 4, 18),
        second_round=date(2027, 5, 2),
        source="Décret de convocation",
    )
    services.calendar_entry_save(
        organisation=commune,
        actor=admin,
        election_id="partielle-2027",
        kind="municipales",
        label="Municipale partielle",
        first_round=date(2027, 9, 12),
        second_round=date(2027, 9, 19),
        general=False,
    )
    calendar = {e.id: e for e in selectors.calendar_for(organisation=commune)}
    assert calendar["presidentielle-2027"].last_round == date(2027, 5, 2)
    assert not calendar["partielle-2027"].general
    (period,) = [
        p
        for p in selectors.periods_now(organisation=commune, when=date(2027, 5, 1))
        if p.election.id == "presidentielle-2027"
    ]
    assert period.end == date(2027, 5, 2)


def test_a_disabled_entry_hides_a_shipped_election(commune, admin):
    services.calendar_entry_save(
        organisation=commune,
        actor=admin,
        election_id="municipales-2026",
        kind="municipales",
        label="x",
        first_round=date(2026, 3, 15),
        disabled=True,
    )
    ids = {p.election.id for p in selectors.periods_now(organisation=commune, when=IN_PERIOD)}
    assert ids == {"communautaires-2026"}


def test_a_validator_cannot_change_the_calendar(commune, make_member):
    validator = make_member(commune, "validator")
    with pytest.raises(Exception, match="rôle"):
        services.calendar_entry_save(
            organisation=commune,
            actor=validator,
            election_id="x",
            kind="municipales",
            label="x",
            first_round=date(2030, 3, 1),
        )


def test_the_publishing_hook_refuses_sponsoring_and_flags_promotion(commune, admin):
    services.official_add(
        organisation=commune, actor=admin, name="Claire Martin", title="Maire", handles="@cmartin"
    )
    result = selectors.draft_compliance(
        organisation=commune,
        text="Inauguration du gymnase avec Claire Martin",
        planned_at=IN_PERIOD,
        variants=[
            variant(
                "Inauguration du gymnase", sponsored=True, media=(Media("g.jpg", "image/jpeg", ""),)
            )
        ],
    )
    assert result.refused and result.blocked
    codes = {f.code for f in result.election.flags}
    assert {FlagCode.INAUGURATION, FlagCode.OFFICIAL} <= codes
    assert result.accessibility_blocked  # the image has no alt text
    assert any("sponsorisée refusée" in r for r in result.reasons())
    assert any("Texte alternatif" in r or "texte alternatif" in r for r in result.reasons())


def test_a_neutral_draft_passes(commune):
    result = selectors.draft_compliance(
        organisation=commune,
        text="Collecte des encombrants mardi 4 mars.",
        planned_at=IN_PERIOD,
        variants=[variant("Collecte des encombrants mardi 4 mars.")],
    )
    assert not result.blocked and not result.needs_second_validation


def test_second_validation_and_justification_are_required(commune, admin, make_member):
    cm = make_member(commune, "community_manager")
    validator = make_member(commune, "validator")
    result = selectors.draft_compliance(
        organisation=commune,
        text="Bilan du mandat : promesses tenues.",
        planned_at=IN_PERIOD,
        variants=[variant("Bilan du mandat : promesses tenues.")],
    )
    review = services.draft_review_record(
        organisation=commune, draft_ref="42", result=result, actor=cm, excerpt="Bilan du mandat"
    )
    assert review.flagged
    with pytest.raises(DomainError) as refused:
        services.draft_review_check_approval(
            organisation=commune, draft_ref="42", approvers=[validator]
        )
    assert "Deux validations" in str(refused.value) and "justification" in str(refused.value)
    services.draft_review_justify(
        organisation=commune,
        draft_ref="42",
        actor=cm,
        justification="Rappel factuel demandé par le conseil, publié chaque année sous cette forme.",
    )
    services.draft_review_check_approval(
        organisation=commune, draft_ref="42", approvers=[validator, admin]
    )


def test_evidence_file_export_from_publication_logs(client, commune, admin, make_member):
    cm = make_member(commune, "community_manager")
    result = selectors.draft_compliance(
        organisation=commune,
        text="Inauguration de la médiathèque.",
        planned_at=IN_PERIOD,
        variants=[variant("Inauguration de la médiathèque.")],
    )
    services.draft_review_record(organisation=commune, draft_ref="7", result=result, actor=cm)
    services.draft_review_justify(
        organisation=commune,
        draft_ref="7",
        actor=cm,
        justification="Ouverture au public annoncée comme chaque équipement, sans bilan.",
    )
    services.publication_log(
        organisation=commune,
        network="facebook",
        account="VilleDeSaintAubin",
        text="Inauguration de la médiathèque.",
        published_at=IN_PERIOD,
        remote_id="123",
        draft_ref="7",
        validations=[
            {
                "by": "alice",
                "role": "validator",
                "at": IN_PERIOD.isoformat(),
                "decision": "approved",
            },
            # As the publishing circuit writes a step decided without a time.
            {"by": "bruno", "role": "cabinet", "at": "", "decision": "approved"},
        ],
    )
    services.publication_log(
        organisation=commune,
        network="x",
        account="SaintAubin",
        text="Travaux rue Pasteur.",
        published_at=datetime(2025, 6, 1, tzinfo=UTC),
    )
    client.force_login(admin)
    url = reverse(
        "compliance:evidence",
        kwargs={"org": commune.slug, "election_id": "municipales-2026", "fmt": "csv"},
    )
    response = client.get(url)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode()), delimiter=";"))
    assert [r["reseau"] for r in rows] == ["facebook"]  # June 2025 is before the period
    assert "Inauguration" in rows[0]["signalements"]
    assert rows[0]["justification"].startswith("Ouverture au public")
    summary = client.get(url.replace("preuves.csv", "preuves.txt")).content.decode()
    assert "Publications pendant la période : 1" in summary
    assert client.get(url.replace("preuves.csv", "preuves.pdf")).status_code == 404


def test_the_draft_is_compared_with_the_accounts_practice(commune):
    from datetime import timedelta

    for week in range(20):
        services.publication_log(
            organisation=commune,
            network="facebook",
            account="ville",
            text="Travaux rue Pasteur.",
            topic="voirie_travaux",
            published_at=datetime(2025, 8, 25, tzinfo=UTC) - timedelta(weeks=week),
        )
    result = selectors.draft_compliance(
        organisation=commune,
        text="Bilan : promesses tenues, un succès !",
        planned_at=IN_PERIOD,
        variants=[variant("Bilan : promesses tenues, un succès !")],
        topic="culture_patrimoine",
    )
    assert result.practice is not None
    assert result.practice.before.posts == 20
    warnings = " ".join(result.warnings())
    assert "Ce brouillon valorise" in warnings
    assert "Thème inhabituel" in warnings
    assert "emphatique" in warnings
