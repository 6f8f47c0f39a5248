"""Demonstration data: an election period with a flagged draft, accessibility warnings on drafts,
a publication history, a purge that ran and one erasure request done. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from beffroi.compliance import selectors, services
from beffroi.compliance.models import ElectedOfficial, ErasureRequest, PublicationLog, PurgeRun
from beffroi.core.demo import DemoContext
from beffroi.core.domain import Network, Topic
from beffroi.core.models import Role
from beffroi.networks.types import Media, PostVariant

HISTORY = [
    (
        "Collecte des encombrants mardi : sortez vos objets la veille au soir.",
        Topic.PROPRETE_DECHETS,
    ),
    ("Travaux rue Pasteur : circulation alternée jusqu'au 12.", Topic.VOIRIE_TRAVAUX),
    ("Concert gratuit au parc des Tilleuls dimanche à 17 h.", Topic.CULTURE_PATRIMOINE),
    (
        "Inscriptions à la cantine ouvertes : https://saint-aubin.example/cantine",
        Topic.EDUCATION_JEUNESSE,
    ),
]


def demo_load(context: DemoContext) -> None:
    commune = context.commune
    admin = context.users[Role.ADMIN]
    cm = context.users[Role.COMMUNITY_MANAGER]
    now = timezone.now()
    if not selectors.periods_now(organisation=commune):
        # Keep an election period in force whatever the day the demo runs.
        first = timezone.localdate() + timedelta(days=45)
        services.calendar_entry_save(
            organisation=commune,
            actor=admin,
            election_id="complementaire-demo",
            kind="municipales",
            label="Élection municipale complémentaire (démonstration)",
            first_round=first,
            second_round=first + timedelta(days=7),
            source="Donnée de démonstration",
        )
    if not ElectedOfficial.objects.filter(organisation=commune).exists():
        services.official_add(
            organisation=commune,
            actor=admin,
            name="Claire Martin",
            title="Maire",
            handles="@ClaireMartinSA",
        )
    services.retention_settings_update(
        organisation=commune,
        actor=admin,
        days={},
        contact_email="rgpd@saint-aubin.example",
        dpo_email="dpd@cdg-brume.example",
        address="1 place de la Mairie, Saint-Aubin-sur-Brume",
        processors="Hébergeur de la collectivité (contrat article 28)",
    )
    drafts = {
        "demo-election-1": PostVariant(
            network=Network.FACEBOOK,
            text="Inauguration de la nouvelle médiathèque ! Grâce à l'action de la municipalité et de "
            "Claire Martin, un succès attendu depuis 2020.",
            media=(
                Media(
                    "mediatheque.jpg",
                    "image/jpeg",
                    "Claire Martin coupe le ruban devant la médiathèque",
                ),
            ),
        ),
        "demo-accessibilite-1": PostVariant(
            network=Network.INSTAGRAM,
            text="Tout le programme sur l'affiche 🎉🎉🎉🎉 #fetedelamusique",
            media=(Media("affiche.png", "image/png", "IMG_2031.png"),),
        ),
        "demo-accessibilite-2": PostVariant(
            network=Network.X,
            text="Dans le cadre de la requalification de la voirie, les modalités de stationnement ont été "
            "modifiées par arrêté municipal afin de permettre l'intervention des services du SIVOM.",
        ),
    }
    for ref, variant in drafts.items():
        result = selectors.draft_compliance(
            organisation=commune,
            text=variant.text,
            planned_at=now + timedelta(days=2),
            variants=[variant],
        )
        services.draft_review_record(
            organisation=commune, draft_ref=ref, result=result, actor=cm, excerpt=variant.text[:120]
        )
    account = context.accounts.get("facebook")
    handle = account.handle if account else "VilleDeSaintAubinSurBrume"
    if not PublicationLog.objects.filter(organisation=commune).exists():
        for week in range(36):
            text, topic = HISTORY[week % len(HISTORY)]
            services.publication_log(
                organisation=commune,
                network="facebook",
                account=handle,
                text=text,
                topic=topic.value,
                published_at=now - timedelta(weeks=week, hours=3),
                media=[
                    Media(
                        f"photo-{week}.jpg",
                        "image/jpeg",
                        "Vue de la place de la mairie un jour de marché",
                    )
                ]
                if week % 3 == 0
                else [Media(f"photo-{week}.jpg", "image/jpeg", "photo")]
                if week % 5 == 0
                else [],
                validations=[
                    {
                        "by": str(context.users[Role.VALIDATOR]),
                        "role": "validator",
                        "at": (now - timedelta(weeks=week, hours=5)).isoformat(),
                        "decision": "approved",
                    }
                ],
            )
    if not PurgeRun.objects.filter(organisation=commune).exists():
        services.retention_purge(organisation=commune, actor=None)
    if not ErasureRequest.objects.filter(organisation=commune).exists():
        request = services.erasure_request_create(
            organisation=commune,
            actor=admin,
            kind=ErasureRequest.Kind.ERASURE,
            requester="Habitant ayant écrit à rgpd@saint-aubin.example",
            handles=[("x", "@jdupont_brume"), (None, "jdupont@piaille.example")],
            note="Demande reçue par courriel (démonstration).",
        )
        services.erasure_request_execute(request=request, actor=admin)
