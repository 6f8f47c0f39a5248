"""French texts of the simulated network: the collectivité's posts and its public's comments and mentions.

Written by hand for each competence area, with the register of real comment threads under a town
hall's posts: thanks, complaints, questions that are really requests, some irony, a few insults,
dropped accents and emoji. Every generated text keeps its ground truth (topic, sentiment, request,
insult), so the sandbox also serves as labelled data for the listening and NLP modules.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from beffroi.core.domain import Sentiment, Topic

PLACES = {
    "quartier": [
        "Saint-Michel",
        "les Tanneries",
        "Bellevue",
        "la Gare",
        "Vieux-Port",
        "les Coteaux",
        "Croix-Blanche",
        "le Centre",
    ],
    "rue": [
        "rue Victor-Hugo",
        "avenue de la République",
        "boulevard Jean-Jaurès",
        "rue Pasteur",
        "rue des Lilas",
        "quai des Tanneurs",
        "place du Marché",
    ],
    "equipement": [
        "la piscine Jean-Bouin",
        "la médiathèque Louise-Michel",
        "le gymnase des Coteaux",
        "le parc des Berges",
        "la salle des fêtes",
        "le conservatoire",
    ],
    "ligne": ["T1", "T2", "ligne 4", "ligne 12", "la navette du centre"],
    "jour": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
}

# The collectivité's own posts, per competence area. {url} is the site's news page.
POSTS: dict[Topic, list[str]] = {
    Topic.MOBILITE: [
        "🚋 À partir de {jour}, la {ligne} passe toutes les {n} minutes aux heures de pointe. Horaires : {url}",
        "Nouvelle piste cyclable {rue} : {n} km sécurisés pour rejoindre {quartier} à vélo. 🚲",
        "Stationnement : le parking relais de {quartier} est gratuit pour les abonnés du réseau. {url}",
        "Grève du {jour} : la {ligne} fonctionnera partiellement. Infos trafic en temps réel : {url}",
    ],
    Topic.VOIRIE_TRAVAUX: [
        "🚧 Travaux {rue} du {jour} au {jour2} : circulation alternée, déviation par {rue2}.",
        "Réfection de la chaussée à {quartier} : fin du chantier prévue dans {n} semaines. Merci de votre patience.",
        "Éclairage public : {n} nouveaux lampadaires LED installés {rue}, -60 % de consommation.",
    ],
    Topic.PROPRETE_DECHETS: [
        "♻️ Collecte des encombrants à {quartier} ce {jour}. Sortez-les la veille au soir, pas avant !",
        "Nouveaux bacs jaunes : tous les emballages se trient désormais. Le guide : {url}",
        "Opération « quartier propre » {jour} matin à {quartier} : rejoignez les bénévoles ! 🧤",
    ],
    Topic.URBANISME_LOGEMENT: [
        "Révision du PLU : l'enquête publique est ouverte jusqu'au {n} du mois prochain. Donnez votre avis : {url}",
        "{n} logements sociaux livrés à {quartier}, dont un tiers accessibles aux personnes à mobilité réduite.",
        "Aide à la rénovation énergétique : jusqu'à {n}00 € pour isoler votre logement. {url}",
    ],
    Topic.EDUCATION_JEUNESSE: [
        "📚 Inscriptions scolaires ouvertes jusqu'au {n} mars, en ligne ou en mairie. {url}",
        "Le conseil municipal des jeunes s'est réuni {jour} : {n} projets retenus pour cette année !",
        "Cantine : des repas {n} % bio et locaux dans toutes les écoles de la ville dès la rentrée.",
    ],
    Topic.SOLIDARITES_SANTE: [
        "Plan grand froid : le gymnase des Coteaux ouvre {n} places d'hébergement d'urgence. Appelez le 115.",
        "💉 Campagne de vaccination gratuite à la maison de santé de {quartier} ce {jour}.",
        "Seniors isolés : inscrivez-vous au registre canicule au {tel}.",
    ],
    Topic.CULTURE_PATRIMOINE: [
        "🎭 Ce {jour}, soirée gratuite à {equipement} : concert, lectures et surprises. Programme : {url}",
        "Journées du patrimoine : {n} lieux ouverts, dont le beffroi exceptionnellement accessible ! 🔔",
        "La nouvelle exposition de {equipement} est ouverte : {n} œuvres d'artistes de la région.",
    ],
    Topic.SPORT_LOISIRS: [
        "🏊 {equipement} rouvre {jour} après {n} mois de travaux, avec un bassin ludique pour les enfants.",
        "Le semi-marathon, c'est ce {jour} ! {n} 000 coureurs attendus, circulation modifiée. {url}",
        "Bravo à l'équipe féminine de handball pour sa montée en Nationale 1 ! 👏",
    ],
    Topic.ENVIRONNEMENT_NATURE: [
        "🌳 {n}00 arbres plantés cet hiver, dont une forêt urbaine à {quartier}.",
        "Épisode de pollution : la vitesse est abaissée de 20 km/h. Privilégiez les transports en commun.",
        "Le parc des Berges passe en gestion différenciée : on laisse la nature reprendre ses droits. 🐝",
    ],
    Topic.ECONOMIE_EMPLOI_TOURISME: [
        "Forum de l'emploi {jour} à la salle des fêtes : {n}00 offres, venez avec votre CV ! {url}",
        "🛍️ Le marché de Noël ouvre {jour} : {n} chalets d'artisans et producteurs locaux.",
        "Nouvelle pépinière d'entreprises à {quartier} : {n} bureaux pour les jeunes entreprises.",
    ],
    Topic.SECURITE_TRANQUILLITE: [
        "Tranquillité vacances : signalez votre absence à la police municipale, elle surveille votre logement. {url}",
        "{n} nouvelles caméras de vidéoprotection installées {rue} après concertation avec les riverains.",
        "Alerte orages : restez chez vous et évitez les berges jusqu'à {heure}h.",
    ],
    Topic.VIE_DEMOCRATIQUE_SERVICES: [
        "Le conseil municipal se réunit {jour} à {heure}h, en direct sur notre chaîne. Ordre du jour : {url}",
        "🗳️ Budget participatif : {n} projets soumis au vote jusqu'à la fin du mois. Votez : {url}",
        "Vos démarches en ligne : carte d'identité, état civil, inscriptions… tout est sur {url}",
    ],
    Topic.AUTRE: [
        "Belle journée à toutes et à tous ! 📸 Le beffroi vu depuis {quartier} ce matin.",
        "Merci pour vos {n} 000 abonnés ! 🎉",
    ],
}

# Short subject words per area, used in comments ("le tram", "les poubelles") and in search.
SUBJECTS: dict[Topic, list[str]] = {
    Topic.MOBILITE: ["le tram", "les bus", "la piste cyclable", "le stationnement", "la navette"],
    Topic.VOIRIE_TRAVAUX: ["les travaux", "le chantier", "les nids-de-poule", "la déviation"],
    Topic.PROPRETE_DECHETS: ["les poubelles", "la collecte", "les dépôts sauvages", "le tri"],
    Topic.URBANISME_LOGEMENT: [
        "le PLU",
        "les logements",
        "le projet immobilier",
        "le permis de construire",
    ],
    Topic.EDUCATION_JEUNESSE: ["la cantine", "l'école", "le périscolaire", "la crèche"],
    Topic.SOLIDARITES_SANTE: [
        "le CCAS",
        "la maison de santé",
        "l'hébergement d'urgence",
        "les médecins",
    ],
    Topic.CULTURE_PATRIMOINE: ["le concert", "la médiathèque", "l'expo", "le festival"],
    Topic.SPORT_LOISIRS: ["la piscine", "le stade", "le gymnase", "le semi-marathon"],
    Topic.ENVIRONNEMENT_NATURE: ["les arbres", "le parc", "la pollution", "les espaces verts"],
    Topic.ECONOMIE_EMPLOI_TOURISME: [
        "le marché de Noël",
        "les commerces",
        "le forum emploi",
        "l'office de tourisme",
    ],
    Topic.SECURITE_TRANQUILLITE: [
        "la police municipale",
        "les caméras",
        "les rodéos",
        "le bruit la nuit",
    ],
    Topic.VIE_DEMOCRATIQUE_SERVICES: [
        "le conseil municipal",
        "la mairie annexe",
        "le budget participatif",
        "les démarches en ligne",
    ],
    Topic.AUTRE: ["la ville", "la page", "la photo"],
}

POSITIVE = [
    "Super initiative 👍",
    "Merci pour l'info !",
    "Enfin ! Ça fait des années qu'on l'attendait.",
    "Bravo aux équipes, {subject} c'est vraiment mieux maintenant.",
    "Très bonne nouvelle pour {quartier} ❤️",
    "Génial, on y sera avec les enfants !",
    "Top, merci la ville 🙏",
    "Franchement {subject} s'est bien amélioré, continuez comme ça.",
    "J'y suis allée hier, c'était parfait.",
]
NEUTRAL = [
    "C'est à quelle heure exactement ?",
    "Ça concerne aussi {quartier} ?",
    "Info partagée.",
    "On verra bien.",
    "Et pour {subject}, il y a du nouveau ?",
    "Le lien ne marche pas chez moi.",
    "{name} regarde ça",
]
NEGATIVE = [
    "Toujours rien pour {quartier}, comme d'habitude…",
    "{subject} c'est n'importe quoi depuis des mois.",
    "Encore de l'argent jeté par les fenêtres.",
    "Et pendant ce temps {subject} reste dans un état lamentable.",
    "Belle com', mais sur le terrain rien ne change. 🙄",
    "Trois semaines que j'attends une réponse, c'est inadmissible.",
    "Bravo, encore une décision prise sans consulter les habitants.",
    "Super, encore des bouchons en perspective 😡",
    "Vous vous moquez de nous ?",
]
# Messages that ask the collectivité to do something: the inbox must route them to a service.
REQUESTS = [
    "Bonjour, à qui dois-je m'adresser pour {subject} {rue} ? Merci",
    "Pouvez-vous faire passer quelqu'un {rue} ? {subject} pose problème depuis une semaine.",
    "Bonjour, comment on s'inscrit pour {subject} ? Je ne trouve pas sur le site.",
    "Serait-il possible d'installer un banc {rue} ? Beaucoup de personnes âgées passent par là.",
    "Quand est-ce que {subject} sera réparé à {quartier} ???",
    "Je signale un lampadaire en panne {rue} depuis 10 jours.",
    "Est-ce que quelqu'un peut me rappeler ? J'ai écrit trois fois à la mairie pour {subject}.",
]
INSULTS = [
    "Bande d'incapables.",
    "Vous êtes des guignols, {subject} c'est une honte.",
    "Mairie de nuls, démissionnez !",
    "Quelle bande de clowns incompétents 🤡",
    "Escrocs ! Vous vous foutez de nous avec {subject}.",
    "Des branquignols à la tête de la ville, voilà le résultat.",
]
# Messages about an incident (bad buzz), whatever the area: indignation that spreads.
BUZZ = [
    "Scandale : {subject} ! Partagez un maximum.",
    "Personne ne parle de {subject} ? C'est grave ce qui se passe à {quartier}.",
    "Honteux. La mairie doit s'expliquer sur {subject}.",
    "Je relaie : {subject}, des habitants en colère à {quartier}. #scandale",
    "Ça devient n'importe quoi avec {subject}, on demande des comptes.",
]
NAMES = [
    "Camille",
    "Léa",
    "Nicolas",
    "Sophie",
    "Mehdi",
    "Julien",
    "Nathalie",
    "Yasmine",
    "Thomas",
    "Chantal",
    "Kevin",
    "Aïcha",
    "Pierre",
    "Manon",
    "Bernard",
]
SURNAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Laurent",
    "Moreau",
    "Benali",
    "Garcia",
    "Lefèvre",
    "Petit",
    "Nguyen",
]


@dataclass(frozen=True, slots=True)
class LabelledText:
    """A generated message and what it truly is (the ground truth for listening and NLP tests)."""

    text: str
    topic: Topic
    sentiment: Sentiment
    is_request: bool = False
    is_insult: bool = False


class _Slots(dict[str, str]):
    """Draws a slot's value only when the template uses it (most use two or three of them)."""

    def __init__(self, rng: random.Random, topic: Topic, url: str) -> None:
        super().__init__(url=url)
        self.rng = rng
        self.topic = topic

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key in PLACES or key in ("rue2", "jour2"):
            value = rng.choice(PLACES[key.rstrip("2")])
        elif key == "n":
            value = str(rng.randint(2, 30))
        elif key == "heure":
            value = str(rng.randint(8, 20))
        elif key == "tel":
            value = f"03 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        elif key == "subject":
            value = rng.choice(SUBJECTS[self.topic])
        elif key == "name":
            value = rng.choice(NAMES)
        else:
            raise KeyError(key)
        self[key] = value
        return value


def fill(template: str, rng: random.Random, topic: Topic, url: str = "") -> str:
    """Fills a template's slots with plausible local values."""
    return template.format_map(_Slots(rng, topic, url))


def post_text(rng: random.Random, topic: Topic, url: str) -> str:
    return fill(rng.choice(POSTS[topic]), rng, topic, url)


def public_message(
    rng: random.Random,
    topic: Topic,
    *,
    negative_share: float,
    request_share: float,
    insult_share: float,
    buzz: bool = False,
) -> LabelledText:
    """One message from the public about `topic`, drawn with the given shares."""
    draw = rng.random()
    if buzz:
        text = fill(rng.choice(BUZZ), rng, topic)
        return LabelledText(_roughen(text, rng), topic, Sentiment.NEGATIVE)
    if draw < insult_share:
        text = fill(rng.choice(INSULTS), rng, topic)
        return LabelledText(_roughen(text, rng), topic, Sentiment.NEGATIVE, is_insult=True)
    draw -= insult_share
    if draw < request_share:
        text = fill(rng.choice(REQUESTS), rng, topic)
        sentiment = (
            Sentiment.NEGATIVE if "???" in text or "trois fois" in text else Sentiment.NEUTRAL
        )
        return LabelledText(_roughen(text, rng), topic, sentiment, is_request=True)
    draw -= request_share
    if draw < negative_share:
        text = fill(rng.choice(NEGATIVE), rng, topic)
        return LabelledText(_roughen(text, rng), topic, Sentiment.NEGATIVE)
    draw -= negative_share
    # What remains is split between praise and neutral remarks.
    if draw < (1 - insult_share - request_share - negative_share) * 0.45:
        text = fill(rng.choice(POSITIVE), rng, topic)
        return LabelledText(_roughen(text, rng), topic, Sentiment.POSITIVE)
    text = fill(rng.choice(NEUTRAL), rng, topic)
    return LabelledText(_roughen(text, rng), topic, Sentiment.NEUTRAL)


def person(rng: random.Random) -> tuple[str, str]:
    """(handle, display name) of a member of the public."""
    first, last = rng.choice(NAMES), rng.choice(SURNAMES)
    handle = f"{_HANDLE_PART[first]}{_HANDLE_PART[last][:3]}{rng.randint(1, 999)}"
    return handle, f"{first} {last}"


def _roughen(text: str, rng: random.Random) -> str:
    """What people type: no accents on a phone, no capital, shouting, a stray double space."""
    roll = rng.random()
    if roll < 0.12:
        text = _ascii(text)
    elif roll < 0.22:
        text = text[0].lower() + text[1:]
    elif roll < 0.25:
        text = text.upper()
    return text


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


_HANDLE_PART = {name: _ascii(name).lower() for name in [*NAMES, *SURNAMES]}


def normalise(text: str) -> str:
    """Lower case without accents, for matching a search query."""
    return _ascii(text).casefold()
