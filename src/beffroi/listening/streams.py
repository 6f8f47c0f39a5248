"""Labelled message streams for the bad-buzz detector: the JSONL format and a seeded generator.

The generator writes what a collectivité receives over a month on its accounts (comments, replies,
mentions), with the rhythm of a French public (quiet nights, peaks at lunch and in the evening,
weekends that differ), sizes from a village to a region, comment cascades under the organisation's
own posts, and labelled windows: the negative bursts to detect, and decoys that must not fire (a
festival with many happy comments, a busy event day, a slow drift of negativity). Every figure
comes from one `random.Random(seed)`, so a stream is rebuilt identically from its seed.

Bursts are made harder than a detector would wish, since held-out streams may be: four shapes
(`BurstShape`: viral floods, slow build-ups over 5 to 20 minutes, gradual ramps over 30 to 90
minutes, weak bursts of a few extra negative messages an hour), a negative share drawn between
60 and 90 %, a fifth of their messages that vent without naming the subject, a fifth of bursts at
night, and sometimes a burst on the organisation's busy event day. A burst's labelled start is its
first message (nothing of it can be seen before); its `onset`, when its intensity began to rise,
is kept beside it. `GeneratedStream.burst_of` says which messages belong to which burst.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from beffroi.core.domain import OrganisationKind, Sentiment

PARIS = ZoneInfo("Europe/Paris")


class WindowKind(StrEnum):
    NEGATIVE_BURST = "negative_burst"  # a bad buzz: the detector must alert
    POSITIVE_BURST = "positive_burst"  # decoy: a festival, many happy comments
    BUSY_DAY = "busy_day"  # decoy: an event day, volume up, usual tone
    DRIFT = "drift"  # decoy: negativity creeping up over days

    @property
    def is_decoy(self) -> bool:
        return self is not WindowKind.NEGATIVE_BURST


@dataclass(frozen=True, slots=True)
class StreamMessage:
    """One line of a replay stream."""

    id: str
    ts: datetime  # aware, UTC
    org: str
    network: str
    text: str
    author: str | None = None
    kind: str | None = None

    def to_json(self) -> dict[str, str]:
        row = {
            "id": self.id,
            "ts": format_ts(self.ts),
            "org": self.org,
            "network": self.network,
            "text": self.text,
        }
        if self.author is not None:
            row["author"] = self.author
        if self.kind is not None:
            row["kind"] = self.kind
        return row


class BurstShape(StrEnum):
    """How a bad buzz grows: the held-out streams may hold any of these, so the generator mixes them."""

    VIRAL = "viral"  # a flood within a minute or two
    SLOW = "montée lente"  # builds up over 5 to 20 minutes
    RAMP = "rampe graduelle"  # builds up over half an hour to an hour and a half
    WEAK = "faible"  # a few negative messages an hour more than usual (a village's bad buzz)


@dataclass(frozen=True, slots=True)
class LabelledWindow:
    """A labelled event. For a burst, `start` is its first message (the first moment anything of
    it can be seen) and `onset` the time its intensity started to rise, a little earlier."""

    org: str
    kind: WindowKind
    start: datetime
    end: datetime
    subject: str = ""
    onset: datetime | None = None
    shape: str = ""

    def to_json(self) -> dict[str, str]:
        row = {
            "org": self.org,
            "kind": self.kind.value,
            "start": format_ts(self.start),
            "end": format_ts(self.end),
            "subject": self.subject,
        }
        if self.onset is not None:
            row["onset"] = format_ts(self.onset)
        if self.shape:
            row["shape"] = self.shape
        return row

    @classmethod
    def from_json(cls, row: dict[str, str]) -> LabelledWindow:
        return cls(
            org=row["org"],
            kind=WindowKind(row["kind"]),
            start=parse_ts(row["start"]),
            end=parse_ts(row["end"]),
            subject=row.get("subject", ""),
            onset=parse_ts(row["onset"]) if row.get("onset") else None,
            shape=row.get("shape", ""),
        )


@dataclass(frozen=True, slots=True)
class OrgSpec:
    slug: str
    name: str
    kind: OrganisationKind
    daily_volume: float  # mean messages per day outside events
    networks: tuple[str, ...] = ("facebook",)


@dataclass(frozen=True, slots=True)
class GeneratedStream:
    messages: tuple[StreamMessage, ...]
    windows: tuple[LabelledWindow, ...]
    # The sentiment each message was written with: lets a benchmark separate the detector's own
    # errors from those of the sentiment model.
    truth: dict[str, Sentiment] = field(default_factory=dict)
    # The burst each burst message belongs to (message id -> its window): a benchmark measures
    # from it how soon any detector could have known (the k-th negative message of the burst).
    burst_of: dict[str, LabelledWindow] = field(default_factory=dict)

    def bursts(self) -> list[LabelledWindow]:
        return [w for w in self.windows if w.kind is WindowKind.NEGATIVE_BURST]


def format_ts(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_ts(text: str) -> datetime:
    """ISO 8601 to an aware UTC datetime; a time without offset is taken as UTC."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def write_jsonl(rows: Iterable[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_stream(stream: GeneratedStream, stream_path: Path, labels_path: Path) -> None:
    write_jsonl((m.to_json() for m in stream.messages), stream_path)
    write_jsonl((w.to_json() for w in stream.windows), labels_path)


def read_windows(path: Path) -> list[LabelledWindow]:
    with path.open(encoding="utf-8") as handle:
        return [LabelledWindow.from_json(json.loads(line)) for line in handle if line.strip()]


# --- sizes and rhythm -------------------------------------------------------------------------

DEFAULT_ORGS: tuple[OrgSpec, ...] = (
    OrgSpec(
        "saint-aubin-du-bois", "Saint-Aubin-du-Bois", OrganisationKind.COMMUNE, 5, ("facebook",)
    ),
    OrgSpec("montreval", "Montréval", OrganisationKind.COMMUNE, 45, ("facebook", "instagram", "x")),
    OrgSpec(
        "agglo-val-de-loire",
        "Agglomération du Val de Loire",
        OrganisationKind.EPCI,
        220,
        ("facebook", "x", "instagram", "linkedin"),
    ),
    OrgSpec(
        "departement-vienne-haute",
        "Département de la Haute-Vienne",
        OrganisationKind.DEPARTEMENT,
        700,
        ("facebook", "x", "instagram", "linkedin", "youtube"),
    ),
    OrgSpec(
        "region-grand-ouest",
        "Région Grand Ouest",
        OrganisationKind.REGION,
        3000,
        ("facebook", "x", "instagram", "linkedin", "youtube", "mastodon", "bluesky"),
    ),
)

# Share of a day's messages in each local hour: people write before work, at lunch and in the
# evening, little at night. Each organisation gets a jittered copy.
_HOUR_PROFILE: tuple[float, ...] = (
    0.6, 0.3, 0.15, 0.1, 0.1, 0.2, 0.6, 1.4, 2.0, 1.7, 1.5, 1.6,
    2.1, 2.0, 1.4, 1.2, 1.3, 1.6, 2.0, 2.3, 2.4, 2.1, 1.6, 1.0,
)  # fmt: skip
_DAY_PROFILE: tuple[float, ...] = (1.1, 1.05, 1.0, 1.05, 1.0, 0.8, 0.9)  # Monday first


def _normalised(values: list[float]) -> list[float]:
    mean = sum(values) / len(values)
    return [v / mean for v in values]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


# --- text ---------------------------------------------------------------------------------------

_PLACES = (
    "la rue Victor Hugo", "l'avenue Jean Jaurès", "la place de la Mairie", "le rond-point du Moulin",
    "la rue de la Gare", "le boulevard Gambetta", "le quartier des Tilleuls", "le chemin des Vignes",
    "la route de Bellevue", "le parc Léo Lagrange", "la zone des Bruyères", "le centre-bourg",
)  # fmt: skip

_NEUTRAL = (
    "Bonjour, à quelle heure ouvre la mairie samedi ?",
    "Est-ce que la déchetterie est ouverte le dimanche ?",
    "Bonjour, où peut-on retirer les sacs jaunes pour le tri ?",
    "Quand aura lieu le prochain conseil municipal ?",
    "Le bus de 7h45 passe-t-il toujours par {place} pendant les vacances ?",
    "Les inscriptions pour la cantine sont ouvertes jusqu'à quand ?",
    "Bonjour, comment faire une demande de carte d'identité ?",
    "Info : la collecte des encombrants est prévue jeudi dans {place}.",
    "Quelqu'un sait si le marché est maintenu ce matin ?",
    "Le compte rendu du conseil est-il en ligne ?",
    "La piscine est-elle ouverte pendant les vacances scolaires ?",
    "Il faut prendre rendez-vous pour le service urbanisme ?",
    "Partagé. Réunion publique mardi à 19h à la salle des fêtes.",
    "On peut venir voter avec une procuration faite en ligne ?",
    "Où trouver les horaires de la médiathèque ?",
    "Des travaux sont prévus dans {place} cet été ?",
    "Bonjour, le lien vers le formulaire ne marche pas chez moi",
    "C'est pour quand la fibre dans {place} ?",
)  # fmt: skip

_POSITIVE = (
    "Merci pour l'info !",
    "Bravo aux agents pour le déneigement ce matin 👏",
    "Super initiative, merci la mairie",
    "Très belle photo, on aime notre ville ❤️",
    "Merci aux équipes des espaces verts, {place} est magnifique",
    "Génial, enfin une piste cyclable dans {place} !",
    "Bravo pour la nouvelle médiathèque, les enfants adorent",
    "Excellente nouvelle pour le quartier 👍",
    "Merci pour votre réactivité, le lampadaire est réparé",
    "Belle réussite le forum des associations, bravo à tous",
    "Top, merci beaucoup !",
    "Enfin des bancs dans {place}, merci 🙂",
)  # fmt: skip

_NEGATIVE = (
    "Toujours pas de réponse à mon courrier, c'est lamentable",
    "Les trottoirs de {place} sont dans un état déplorable",
    "Encore des travaux qui n'en finissent pas dans {place}...",
    "Le ramassage des poubelles n'est pas passé, ça déborde",
    "Stationnement impossible dans {place}, merci pour rien",
    "Le bus était encore en retard ce matin, ras le bol",
    "Les impôts augmentent et les services baissent, bravo...",
    "Personne ne répond au téléphone à la mairie, pénible",
    "Déçu par la réunion publique, on ne nous écoute jamais",
    "Les nids de poule dans {place} c'est dangereux !",
    "Trop de bruit la nuit dans {place}, rien n'est fait",
    "Des tags partout dans {place} et aucun nettoyage",
)  # fmt: skip

_TAILS = ("", "", "", " !", " 😡", " #" + "colère", " ...", " @mairie", "!!")
_POS_TAILS = ("", "", "", " !", " 😊", " 👏", " ❤️", " @mairie")


@dataclass(frozen=True, slots=True)
class _Subject:
    """The cause of an event: what its messages talk about."""

    label: str
    negative: tuple[str, ...]
    neutral: tuple[str, ...]
    positive: tuple[str, ...]


_BURST_SUBJECTS: tuple[_Subject, ...] = (
    _Subject(
        "fermeture de la piscine",
        (
            "Fermer la piscine en plein été ? Scandaleux !",
            "La fermeture de la piscine est une honte, pensez aux enfants",
            "Inadmissible de fermer la piscine, on paye des impôts pour quoi ?",
            "Piscine fermée sans concertation, bravo la démocratie...",
            "Pétition contre la fermeture de la piscine, partagez !!",
            "Honteux, la piscine était le seul loisir des jeunes du quartier",
            "Ils ferment la piscine et refont la mairie, cherchez l'erreur",
        ),
        ("C'est vrai que la piscine ferme définitivement ?", "La piscine ferme quand exactement ?"),
        ("La piscine coûtait une fortune, décision courageuse",),
    ),
    _Subject(
        "hausse de la taxe foncière",
        (
            "+15% de taxe foncière, vous vous moquez de nous !",
            "Hausse de la taxe foncière scandaleuse, les retraités vont payer",
            "Encore une hausse d'impôts, démission !",
            "La taxe foncière explose, c'est du vol pur et simple",
            "Inacceptable cette augmentation, aucune concertation",
            "Vous êtes déconnectés, les gens n'en peuvent plus de payer",
        ),
        ("La hausse de la taxe foncière s'applique dès cette année ?",),
        ("Il fallait bien financer les écoles, je comprends",),
    ),
    _Subject(
        "coupure d'eau",
        (
            "Sans eau depuis ce matin et aucune information, c'est inadmissible",
            "Coupure d'eau encore ! Toujours aucune explication de la mairie",
            "Trois jours sans eau potable, vous attendez quoi pour agir ?",
            "L'eau du robinet est marron, personne ne répond, honteux",
            "Coupure d'eau sans prévenir, les personnes âgées sont abandonnées",
            "Nul, zéro communication sur la coupure d'eau",
        ),
        ("Quelqu'un sait quand l'eau revient ?", "La coupure d'eau touche quels quartiers ?"),
        ("Merci aux agents qui travaillent sur la fuite",),
    ),
    _Subject(
        "suppression de lignes de bus",
        (
            "Supprimer la ligne 12 c'est abandonner les villages, honteux",
            "Plus de bus le dimanche ? Comment on va travailler ?",
            "Suppression des lignes de bus : décision scandaleuse",
            "Les lycéens vont devoir marcher 5 km, bravo la région...",
            "Réseau de bus massacré, on paye pour un service fantôme",
            "Nos enfants n'ont plus de car scolaire, c'est une honte",
        ),
        ("La ligne 12 est supprimée à partir de quand ?",),
        ("La ligne était toujours vide, c'est logique",),
    ),
    _Subject(
        "abattage des platanes",
        (
            "Abattre 40 platanes centenaires, quel massacre !",
            "Honte à vous pour l'abattage des arbres de {place}",
            "Ils coupent les arbres pour un parking, c'est scandaleux",
            "Massacre écologique en plein centre, démission",
            "Rassemblement contre l'abattage des platanes samedi, soyez nombreux",
            "Vous détruisez notre patrimoine, inadmissible",
        ),
        ("Pourquoi les platanes sont-ils abattus ?",),
        ("Les arbres étaient malades, il fallait le faire",),
    ),
    _Subject(
        "agression devant le collège",
        (
            "Encore une agression devant le collège, que fait la police municipale ?",
            "Nos enfants ne sont plus en sécurité, c'est grave",
            "Insécurité totale dans {place}, les élus dorment",
            "Agression au collège : silence de la mairie, c'est honteux",
            "Combien d'agressions avant que vous réagissiez ???",
            "Les parents ont peur, aucune réponse des élus, lamentable",
        ),
        ("Que s'est-il passé devant le collège ?",),
        ("Soutien à la victime et merci aux secours",),
    ),
    _Subject(
        "vidéo virale des poubelles",
        (
            "Regardez cette vidéo, les poubelles s'entassent depuis 2 semaines dans {place} 🤮",
            "Les rats envahissent {place}, la collecte ne passe plus, dégoûtant",
            "Ville poubelle, honte à la municipalité",
            "La vidéo fait le tour des réseaux, c'est la honte pour notre ville",
            "Collecte des déchets inexistante, on paye la taxe pour rien",
            "Insalubrité totale, que fait la mairie ???",
        ),
        ("La collecte reprend quand ?",),
        ("Les agents font ce qu'ils peuvent avec la grève",),
    ),
)

_FESTIVALS: tuple[_Subject, ...] = (
    _Subject(
        "feu d'artifice du 14 juillet",
        ("Dommage pour les bouchons à la sortie",),
        (
            "Le feu d'artifice commence à quelle heure ?",
            "On peut se garer où pour le feu d'artifice ?",
        ),
        (
            "Magnifique feu d'artifice, bravo !",
            "Quel spectacle ce soir, merci la ville ❤️",
            "Superbe soirée, les enfants ont adoré",
            "Merci aux organisateurs, c'était grandiose",
            "Le plus beau feu d'artifice depuis des années 🎆",
            "Bravo et merci pour cette belle fête",
        ),
    ),
    _Subject(
        "fête de la musique",
        ("Trop de monde, on n'entendait rien",),
        ("La scène de la place est à quelle heure ?",),
        (
            "Super ambiance à la fête de la musique !",
            "Merci pour cette soirée géniale, quel bonheur",
            "Bravo aux musiciens, c'était top",
            "Belle fête, la ville était magnifique ce soir",
            "Merci la mairie pour l'organisation, parfait 👏",
        ),
    ),
    _Subject(
        "victoire du club en finale",
        ("Dommage pour les klaxons toute la nuit",),
        ("Le retour des joueurs est prévu où ?",),
        (
            "Champions !!! Bravo au club 🏆",
            "Quelle fierté pour notre ville, félicitations",
            "Incroyable match, merci pour l'écran géant",
            "Bravo les gars, vous êtes magnifiques",
            "Une soirée historique, merci à tous",
        ),
    ),
)

_BUSY_DAYS: tuple[_Subject, ...] = (
    _Subject(
        "alerte orange tempête",
        ("Encore un arbre tombé, les routes sont mal entretenues",),
        (
            "Les écoles sont-elles fermées demain avec la tempête ?",
            "La route de Bellevue est coupée ?",
            "Des infos sur les coupures de courant ?",
            "Le marché est-il annulé à cause du vent ?",
            "Quels parcs sont fermés aujourd'hui ?",
        ),
        ("Merci pour les informations en temps réel", "Bravo aux pompiers et aux agents"),
    ),
    _Subject(
        "soirée électorale",
        ("Résultats décevants, encore les mêmes",),
        (
            "Les résultats du bureau 3 sont disponibles ?",
            "Quel est le taux de participation à midi ?",
            "Où consulter les résultats par bureau ?",
            "Le dépouillement est public ?",
        ),
        ("Félicitations aux nouveaux élus", "Merci aux assesseurs bénévoles"),
    ),
    _Subject(
        "journée portes ouvertes et inscriptions",
        ("Site des inscriptions saturé, pénible",),
        (
            "Les inscriptions au centre de loisirs c'est sur quel site ?",
            "Faut-il un justificatif de domicile ?",
            "Il reste des places pour l'activité piscine ?",
            "Jusqu'à quelle heure sont ouvertes les portes ouvertes ?",
        ),
        ("Merci, inscription faite en 2 minutes", "Accueil très sympa aux portes ouvertes"),
    ),
)


_OPENERS = (
    "Bonjour, ", "Franchement, ", "Sérieusement, ", "Alors ", "Bref, ", "Honnêtement, ",
    "Re-bonjour, ", "Question : ", "@mairie ", "Bonsoir, ", "Dites, ", "Petit message : ",
)  # fmt: skip
_CLOSERS: dict[Sentiment, tuple[str, ...]] = {
    Sentiment.NEGATIVE: (
        " Lamentable.", " Pas normal.", " On attend toujours.", " Faites quelque chose !",
        " Ça suffit.", " Merci de réagir.", " Affligeant.", " Vraiment déçu.",
    ),
    Sentiment.POSITIVE: (
        " Continuez comme ça !", " Merci à toute l'équipe.", " Top !", " Bravo encore.",
        " Quel plaisir.", " Merci beaucoup.",
    ),
    Sentiment.NEUTRAL: (
        " Merci d'avance.", " Merci pour votre réponse.", " Bonne journée.", " Cordialement.",
        " Merci.", " Bonne soirée.",
    ),
}  # fmt: skip


def _typo(rng: random.Random, text: str) -> str:
    """Swap two neighbouring letters, as thumbs on a phone do."""
    letters = [i for i in range(len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()]
    if not letters:
        return text
    i = rng.choice(letters)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _decorate(rng: random.Random, template: str, sentiment: Sentiment) -> str:
    """Fill a template and add the small variations of real comments.

    Openers, closers, typos, case, accents and emojis make most messages unique, as real ones
    are (so that a benchmark does not flatter the enrichment with repeated texts).
    """
    text = template.replace("{place}", rng.choice(_PLACES))
    text = text.replace("de le ", "du ").replace("à le ", "au ")
    if rng.random() < 0.3:
        opener = rng.choice(_OPENERS)
        text = opener + (text[0].lower() + text[1:] if opener[-2] in ",:" else text)
    if rng.random() < 0.35:
        text = text.rstrip()
        if text[-1] not in ".!?":
            text += "."
        text += rng.choice(_CLOSERS[sentiment])
    tails = _POS_TAILS if sentiment is Sentiment.POSITIVE else _TAILS
    if sentiment is not Sentiment.NEUTRAL:
        text += rng.choice(tails)
    for _ in range(2):
        if rng.random() < 0.2:
            text = _typo(rng, text)
    roll = rng.random()
    if roll < 0.12:
        text = text.lower()
    elif roll < 0.18:
        text = text.translate(str.maketrans("éèêàçù", "eeeacu"))
    elif roll < 0.21:
        text = text.upper()
    return text


# --- generation ---------------------------------------------------------------------------------


@dataclass
class _Builder:
    """Accumulates the messages of one organisation."""

    rng: random.Random
    org: OrgSpec
    counter: int = 0
    items: list[tuple[float, StreamMessage, Sentiment]] = field(default_factory=list)

    def add(
        self, at: float, text: str, sentiment: Sentiment, *, author: str, kind: str = "comment"
    ) -> str:
        self.counter += 1
        message = StreamMessage(
            id=f"{self.org.slug}-{self.counter:07d}",
            ts=datetime.fromtimestamp(round(at), UTC),
            org=self.org.slug,
            network=self.rng.choice(self.org.networks),
            text=text,
            author=author,
            kind=kind,
        )
        self.items.append((at, message, sentiment))
        return message.id


def _pick_sentiment(rng: random.Random, negative: float, positive: float) -> Sentiment:
    roll = rng.random()
    if roll < negative:
        return Sentiment.NEGATIVE
    if roll < negative + positive:
        return Sentiment.POSITIVE
    return Sentiment.NEUTRAL


def _everyday_text(rng: random.Random, sentiment: Sentiment) -> str:
    bank = {Sentiment.NEGATIVE: _NEGATIVE, Sentiment.POSITIVE: _POSITIVE}.get(sentiment, _NEUTRAL)
    return _decorate(rng, rng.choice(bank), sentiment)


# A bad buzz draws insults too: the inbox must hide them, the alert counts them.
_INSULTS = (
    "Bande d'incapables !",
    "Élus de pacotille, dégagez",
    "Bande de guignols à la mairie",
    "Quelle bande de nuls, honte à vous",
    "Incompétents et menteurs, démission !",
)


def _burst_text(rng: random.Random, subject: _Subject, sentiment: Sentiment) -> str:
    """A message of a bad buzz: most name its subject, some only vent (a detector may not count
    on every message of a buzz sharing its words)."""
    if rng.random() < 0.2:
        return _everyday_text(rng, sentiment)
    return _subject_text(rng, subject, sentiment)


def _subject_text(rng: random.Random, subject: _Subject, sentiment: Sentiment) -> str:
    if sentiment is Sentiment.NEGATIVE and rng.random() < 0.08:
        return _decorate(rng, rng.choice(_INSULTS), sentiment)
    bank = {
        Sentiment.NEGATIVE: subject.negative,
        Sentiment.POSITIVE: subject.positive,
        Sentiment.NEUTRAL: subject.neutral,
    }[sentiment]
    return _decorate(rng, rng.choice(bank), sentiment)


@dataclass(frozen=True, slots=True)
class _Burst:
    start: float  # onset: the intensity starts rising here
    rise: float  # seconds to reach the peak
    hold: float  # seconds at the peak
    decay: float  # time constant of the fading, seconds
    subject: _Subject
    shape: BurstShape
    negative_share: float
    night: bool = False
    on_event_day: bool = False

    def peak_per_hour(self, rng: random.Random, hourly: float) -> float:
        """Messages an hour at the peak: several times the usual volume, with a floor for the
        small organisations (a post shared in the town's Facebook group brings that much)."""
        if self.shape is BurstShape.VIRAL:
            return max(45.0, hourly * rng.uniform(6.0, 15.0))
        if self.shape is BurstShape.SLOW:
            return max(20.0, hourly * rng.uniform(2.5, 6.0))
        if self.shape is BurstShape.RAMP:
            return max(15.0, hourly * rng.uniform(2.0, 5.0))
        return max(rng.uniform(6.0, 12.0), hourly * rng.uniform(1.5, 2.5))

    @property
    def label(self) -> str:
        tags = [self.shape.value]
        if self.night:
            tags.append("nuit")
        if self.on_event_day:
            tags.append("jour d'événement")
        return f"{self.subject.label} ({', '.join(tags)})"


# Seconds to the peak for each shape (drawn uniformly between the two).
_RISE_MINUTES: dict[BurstShape, tuple[float, float]] = {
    BurstShape.VIRAL: (1.0, 3.0),
    BurstShape.SLOW: (5.0, 20.0),
    BurstShape.RAMP: (30.0, 90.0),
    BurstShape.WEAK: (5.0, 30.0),
}


@dataclass(frozen=True, slots=True)
class _Plan:
    """The events placed in one organisation's month."""

    bursts: list[_Burst]
    festival: tuple[float, float, float, _Subject] | None  # start, duration, multiplier
    busy_day: tuple[float, float, _Subject] | None  # start of the local day, multiplier
    drift: tuple[float, float, float] | None  # start, end, extra negative share at the end


def _local_midnight(day: datetime) -> float:
    local = day.astimezone(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.timestamp()


def _plan_org(
    rng: random.Random,
    start: datetime,
    days: int,
    bursts: int,
    decoys: bool,
    shapes: tuple[BurstShape, ...],
) -> _Plan:
    # Events fall on distinct days, never on the first nor the last one, far enough apart to be
    # told apart.
    free_days = list(range(1, max(2, days - 1)))
    rng.shuffle(free_days)
    chosen: list[int] = []
    for day in free_days:
        if all(abs(day - other) >= 2 for other in chosen):
            chosen.append(day)
        if len(chosen) == bursts + 3:
            break

    def local_time(day_index: int, hour: float) -> float:
        return _local_midnight(start + timedelta(days=day_index)) + hour * 3600

    extra = chosen[bursts:]
    festival = busy = drift = None
    if decoys and len(extra) >= 2:
        festival = (
            local_time(extra[0], rng.uniform(19.0, 21.5)),
            rng.uniform(2.5, 5.0) * 3600,
            rng.uniform(4.0, 10.0),
            rng.choice(_FESTIVALS),
        )
        busy = (local_time(extra[1], 0.0), rng.uniform(2.5, 4.0), rng.choice(_BUSY_DAYS))
        drift_start = start.timestamp() + rng.uniform(0.2, 0.4) * days * 86400
        drift = (drift_start, start.timestamp() + days * 86400, rng.uniform(0.12, 0.22))

    planned_bursts = []
    offset = rng.randrange(len(shapes))
    for index, day in enumerate(chosen[:bursts]):
        # Shapes in turn from a random first one: every organisation meets several of them.
        shape = shapes[(offset + index) % len(shapes)]
        # Most bad buzzes start at a waking hour; some at night (a video posted late), when the
        # baseline is nearly silent; some on an event day, when volume is already high.
        night = rng.random() < 0.2
        on_event_day = busy is not None and index == bursts - 1 and rng.random() < 0.3
        if on_event_day:
            assert busy is not None
            begin = busy[0] + rng.uniform(9.0, 20.0) * 3600
        elif night:
            begin = local_time(day, rng.uniform(22.5, 29.5))
        else:
            begin = local_time(day, rng.uniform(6.5, 22.0))
        low, high = _RISE_MINUTES[shape]
        weak = shape is BurstShape.WEAK
        planned_bursts.append(
            _Burst(
                start=begin,
                rise=rng.uniform(low, high) * 60,
                hold=rng.uniform(60, 180) * 60 if weak else rng.uniform(20, 90) * 60,
                decay=rng.uniform(30, 120) * 60,
                subject=rng.choice(_BURST_SUBJECTS),
                shape=shape,
                negative_share=rng.uniform(0.6, 0.9),
                night=night and not on_event_day,
                on_event_day=on_event_day,
            )
        )
    return _Plan(planned_bursts, festival, busy, drift)


def _authors(rng: random.Random, org: OrgSpec) -> list[str]:
    population = max(30, int(org.daily_volume * 6))
    return [f"@{org.slug[:6]}_{rng.randrange(10**6):06d}" for _ in range(population)]


def _generate_org(
    rng: random.Random,
    org: OrgSpec,
    start: datetime,
    days: int,
    bursts: int,
    decoys: bool,
    shapes: tuple[BurstShape, ...],
    burst_of: dict[str, LabelledWindow],
) -> tuple[list[tuple[float, StreamMessage, Sentiment]], list[LabelledWindow]]:
    builder = _Builder(rng, org)
    plan = _plan_org(rng, start, days, bursts, decoys, shapes)
    regulars = _authors(rng, org)
    hours = _normalised([v * rng.uniform(0.75, 1.25) for v in _HOUR_PROFILE])
    weekdays = _normalised([v * rng.uniform(0.85, 1.15) for v in _DAY_PROFILE])
    base_negative = rng.uniform(0.15, 0.28)
    base_positive = rng.uniform(0.2, 0.32)
    t0 = start.timestamp()
    end = t0 + days * 86400
    # About a third of everyday traffic comes in cascades under the organisation's own posts.
    cascade_share = 0.35
    day_factor = 1.0
    for hour_index in range(days * 24):
        at = t0 + hour_index * 3600
        local = datetime.fromtimestamp(at, PARIS)
        if hour_index % 24 == 0:
            day_factor = rng.gammavariate(12.0, 1 / 12.0)  # some days are busier than others
        rate = org.daily_volume / 24 * hours[local.hour] * weekdays[local.weekday()] * day_factor
        negative = base_negative + _drift_extra(plan, at)
        if plan.busy_day is not None and 0 <= at - plan.busy_day[0] < 86400:
            rate *= plan.busy_day[1]
        for _ in range(_poisson(rng, rate * (1 - cascade_share))):
            sentiment = _pick_sentiment(rng, negative, base_positive)
            if plan.busy_day is not None and 0 <= at - plan.busy_day[0] < 86400:
                text = (
                    _subject_text(rng, plan.busy_day[2], sentiment)
                    if rng.random() < 0.6
                    else _everyday_text(rng, sentiment)
                )
            else:
                text = _everyday_text(rng, sentiment)
            builder.add(
                at + rng.random() * 3600,
                text,
                sentiment,
                author=rng.choice(regulars),
                kind=rng.choice(("comment", "mention", "reply")),
            )
    _add_cascades(
        rng, builder, org, t0, end, cascade_share, hours, base_negative, base_positive, regulars
    )
    windows = _add_events(rng, builder, org, plan, regulars, burst_of)
    return [item for item in builder.items if t0 <= item[0] < end], windows


def _drift_extra(plan: _Plan, at: float) -> float:
    if plan.drift is None or at < plan.drift[0]:
        return 0.0
    begin, finish, extra = plan.drift
    return extra * min(1.0, (at - begin) / (finish - begin))


def _add_cascades(
    rng: random.Random,
    builder: _Builder,
    org: OrgSpec,
    t0: float,
    end: float,
    share: float,
    hours: list[float],
    negative: float,
    positive: float,
    regulars: list[str],
) -> None:
    """The organisation posts a few times a day; each post draws comments over a few hours."""
    posts_per_day = min(6.0, 0.4 + org.daily_volume / 200)
    comments_per_post = org.daily_volume * share / posts_per_day
    at = t0
    while at < end:
        at += rng.expovariate(posts_per_day / 86400)
        local_hour = datetime.fromtimestamp(at, PARIS).hour
        if not 8 <= local_hour <= 19:  # teams publish in office hours
            continue
        # Some posts divide opinion more than others, without being a bad buzz.
        post_negative = min(0.6, negative * rng.choice((0.5, 1.0, 1.0, 1.4)))
        count = _poisson(
            rng, comments_per_post * rng.gammavariate(2.0, 0.5) * hours[local_hour] / 1.5
        )
        for _ in range(count):
            sentiment = _pick_sentiment(rng, post_negative, positive)
            builder.add(
                at + rng.expovariate(1 / 5400),
                _everyday_text(rng, sentiment),
                sentiment,
                author=rng.choice(regulars),
                kind="comment",
            )


def _add_events(
    rng: random.Random,
    builder: _Builder,
    org: OrgSpec,
    plan: _Plan,
    regulars: list[str],
    burst_of: dict[str, LabelledWindow],
) -> list[LabelledWindow]:
    windows: list[LabelledWindow] = []
    hourly = org.daily_volume / 24
    for burst in plan.bursts:
        begin, rise, hold, decay, subject = (
            burst.start, burst.rise, burst.hold, burst.decay, burst.subject
        )  # fmt: skip
        peak = burst.peak_per_hour(rng, hourly) / 3600
        finish = begin + rise + hold + decay * 2.3  # intensity has fallen under 10 % of the peak
        positive = (1 - burst.negative_share) * 0.3
        first: float | None = None
        members: list[str] = []
        t = begin
        while True:
            t += rng.expovariate(peak)
            if t >= finish:
                break
            elapsed = t - begin
            if elapsed < rise:
                level = elapsed / rise
            elif elapsed < rise + hold:
                level = 1.0
            else:
                level = math.exp(-(elapsed - rise - hold) / decay)
            if rng.random() > level:
                continue  # thinning: a Poisson process with the burst's intensity
            first = t if first is None else first
            sentiment = _pick_sentiment(rng, burst.negative_share, positive)
            author = (
                rng.choice(regulars)
                if rng.random() < 0.3
                else f"@{subject.label[:5].replace(' ', '')}_{rng.randrange(10**7):07d}"
            )
            members.append(
                builder.add(
                    t,
                    _burst_text(rng, subject, sentiment),
                    sentiment,
                    author=author,
                    kind=rng.choice(("comment", "mention", "mention", "reply")),
                )
            )
        if first is None:
            continue  # nothing was written: nothing to detect
        # The burst starts at its first message, as written in the stream (whole seconds):
        # nothing of it can be seen before, so no detector can be asked to be earlier.
        window = LabelledWindow(
            org.slug,
            WindowKind.NEGATIVE_BURST,
            datetime.fromtimestamp(round(first), UTC),
            datetime.fromtimestamp(round(finish), UTC),
            burst.label,
            onset=datetime.fromtimestamp(round(begin), UTC),
            shape=burst.shape.value,
        )
        windows.append(window)
        burst_of.update(dict.fromkeys(members, window))
    if plan.festival is not None:
        begin, duration, multiplier, subject = plan.festival
        rate = max(10.0, hourly * multiplier) / 3600
        t = begin
        while True:
            t += rng.expovariate(rate)
            if t >= begin + duration:
                break
            sentiment = _pick_sentiment(rng, 0.06, 0.74)
            builder.add(
                t,
                _subject_text(rng, subject, sentiment),
                sentiment,
                author=rng.choice(regulars),
            )
        windows.append(
            LabelledWindow(
                org.slug,
                WindowKind.POSITIVE_BURST,
                datetime.fromtimestamp(round(begin), UTC),
                datetime.fromtimestamp(round(begin + duration), UTC),
                subject.label,
            )
        )
    if plan.busy_day is not None:
        windows.append(
            LabelledWindow(
                org.slug,
                WindowKind.BUSY_DAY,
                datetime.fromtimestamp(round(plan.busy_day[0]), UTC),
                datetime.fromtimestamp(round(plan.busy_day[0] + 86400), UTC),
                plan.busy_day[2].label,
            )
        )
    if plan.drift is not None:
        windows.append(
            LabelledWindow(
                org.slug,
                WindowKind.DRIFT,
                datetime.fromtimestamp(round(plan.drift[0]), UTC),
                datetime.fromtimestamp(round(plan.drift[1]), UTC),
                f"part négative +{plan.drift[2]:.0%}",
            )
        )
    return windows


def generate_stream(
    *,
    seed: int,
    orgs: Iterable[OrgSpec] = DEFAULT_ORGS,
    start: datetime = datetime(2026, 3, 1, tzinfo=UTC),
    days: int = 30,
    bursts_per_org: int = 2,
    decoys: bool = True,
    shapes: Iterable[BurstShape] = tuple(BurstShape),
) -> GeneratedStream:
    """A month of messages for several organisations, in time order, with its labelled windows.

    Each organisation's bursts take the `shapes` in turn (from a random first one); a fifth of
    them start at night and, with decoys, an organisation's last burst may fall on its busy day.
    """
    shape_list = tuple(shapes)
    rng = random.Random(seed)
    items: list[tuple[float, StreamMessage, Sentiment]] = []
    windows: list[LabelledWindow] = []
    burst_of: dict[str, LabelledWindow] = {}
    for org in orgs:
        org_items, org_windows = _generate_org(
            random.Random(rng.randrange(2**32)),
            org,
            start,
            days,
            bursts_per_org,
            decoys,
            shape_list,
            burst_of,
        )
        items.extend(org_items)
        windows.extend(org_windows)
    items.sort(key=lambda item: (item[1].ts, item[1].id))
    return GeneratedStream(
        messages=tuple(item[1] for item in items),
        windows=tuple(sorted(windows, key=lambda w: (w.start, w.org))),
        truth={item[1].id: item[2] for item in items},
        burst_of={item[1].id: burst_of[item[1].id] for item in items if item[1].id in burst_of},
    )


def iter_messages(stream: GeneratedStream, org: str) -> Iterator[StreamMessage]:
    return (m for m in stream.messages if m.org == org)


# --- scoring ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    """How a list of alerts matches the labelled bursts of a stream."""

    bursts: int
    detected: int
    alerts: int
    true_alerts: int  # the first alert inside each burst; repeats count as false
    delays_s: tuple[float, ...]
    false_by_kind: dict[str, int]

    @property
    def recall(self) -> float:
        return self.detected / self.bursts if self.bursts else 1.0

    @property
    def precision(self) -> float:
        return self.true_alerts / self.alerts if self.alerts else 1.0

    @property
    def median_delay_s(self) -> float | None:
        if not self.delays_s:
            return None
        ordered = sorted(self.delays_s)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2


def score_alerts(
    alerts: Iterable[tuple[str, datetime]], windows: Iterable[LabelledWindow]
) -> Score:
    """Match alerts (org, detected_at) to bursts: an alert counts if it falls inside a burst."""
    all_windows = list(windows)
    bursts = [w for w in all_windows if w.kind is WindowKind.NEGATIVE_BURST]
    first_alert: dict[int, datetime] = {}
    false_by_kind: Counter[str] = Counter()
    alert_count = 0
    for org, at in sorted(alerts, key=lambda pair: pair[1]):
        alert_count += 1
        hit = next(
            (i for i, b in enumerate(bursts) if b.org == org and b.start <= at <= b.end), None
        )
        if hit is not None and hit not in first_alert:
            first_alert[hit] = at
            continue
        if hit is not None:
            false_by_kind["repeat"] += 1
            continue
        decoy = next(
            (w for w in all_windows if w.org == org and w.kind.is_decoy and w.start <= at <= w.end),
            None,
        )
        false_by_kind[decoy.kind.value if decoy else "other"] += 1
    return Score(
        bursts=len(bursts),
        detected=len(first_alert),
        alerts=alert_count,
        true_alerts=len(first_alert),
        delays_s=tuple(
            (at - bursts[index].start).total_seconds() for index, at in sorted(first_alert.items())
        ),
        false_by_kind=dict(false_by_kind),
    )
