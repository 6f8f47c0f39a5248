"""Builds answers.csv: answers to three municipal consultations, each labelled with the idea it carries.

The phrasings below are written by hand in the registers met under a town's posts (full sentences,
telegraphic notes, SMS spelling, capitals, emojis, one-word answers). Each is kept as written and
also copied once or twice with the slips people make when typing on a phone (a dropped accent, a
swapped or missing letter, SMS abbreviations, a greeting or a sign-off), so that the set holds the
near-duplicates and spelling variety a real comment thread has. Seeded: the file is reproducible.

    .venv/bin/python datasets/consultations/build.py
"""

from __future__ import annotations

import csv
import random
import unicodedata
from pathlib import Path

HERE = Path(__file__).parent
SEED = 20260512

QUESTIONS: dict[str, str] = {
    "friche": "Que faire de la friche de l'ancienne usine Mercier, rue des Tanneurs ?",
    "velo": "Où faut-il créer de nouvelles pistes cyclables dans la commune ?",
    "fete": "Que voudriez-vous trouver à la fête d'été de juillet ?",
}

# question -> idea -> phrasings
IDEAS: dict[str, dict[str, list[str]]] = {
    "friche": {
        "jardins_partages": [
            "Des jardins partagés pour les habitants du quartier, on manque de terre ici",
            "Un potager collectif ! Les immeubles autour n'ont aucun jardin",
            "jardins familiaux comme à la cité des Lilas, il y a une liste d'attente énorme",
            "Faites des parcelles de jardin à louer pas cher aux habitants",
            "Moi je rêve d'un jardin partagé avec un composteur et des ateliers pour les écoles",
            "potagers partagés",
            "Des jardins ouvriers, ça existait avant l'usine, pourquoi pas y revenir",
            "Un grand potager où chacun cultive son carré, les retraités seraient ravis",
        ],
        "parc_jeux": [
            "Un parc avec des jeux pour enfants, il n'y a rien pour les petits dans le quartier",
            "Une aire de jeux et des bancs, simplement un square pour les familles",
            "un vrai parc avec de la pelouse et des toboggans",
            "Il faut un espace vert ouvert à tous avec des jeux pour les 3-10 ans",
            "Square pour les enfants svp, on doit aller jusqu'au centre pour trouver une balançoire",
            "Des jeux pour les gamins et de l'ombre pour les parents",
            "Un jardin public avec une aire de jeux clôturée",
        ],
        "skatepark": [
            "Un skatepark ! Les jeunes squattent le parking de la mairie faute de mieux",
            "skate park pour les ados",
            "Une piste de pumptrack et un skatepark, les jeunes en ont marre de traîner",
            "Un espace glisse : skate, trottinette, BMX",
            "Il faudrait un bowl pour le skate, le plus proche est à 20 km",
            "Un lieu pour les ados avec un skatepark et des graffs autorisés",
            "rampe de skate et trottinette pour les jeunes du quartier",
        ],
        "logements": [
            "Des logements sociaux, la liste d'attente est interminable",
            "Construire des logements abordables pour les jeunes familles",
            "Du logement ! Les loyers sont devenus impossibles ici",
            "Des appartements pour les jeunes et les personnes âgées, une résidence intergénérationnelle",
            "Il faut loger les gens avant de faire des jardins, construisez des logements",
            "Des petites maisons en accession à la propriété pour les primo-accédants",
            "logement social et étudiant",
        ],
        "parking": [
            "Un parking, on ne trouve jamais de place rue des Tanneurs",
            "Faites un parking gratuit pour les riverains",
            "Un parking relais avec une navette vers le centre",
            "du stationnement !! impossible de se garer le soir",
            "Un parking pour désengorger le quartier, les voitures sont garées sur les trottoirs",
            "Des places de parking, c'est ce qui manque le plus",
        ],
        "foret_urbaine": [
            "Planter une forêt urbaine, il fait 40 degrés l'été dans ce quartier",
            "Laissez la nature reprendre ses droits, c'est devenu un refuge pour les oiseaux",
            "Une micro-forêt type Miyawaki avec les écoles",
            "Des arbres, des arbres et encore des arbres",
            "Un îlot de fraîcheur avec beaucoup d'arbres et une mare",
            "Renaturer le site et en faire une réserve de biodiversité",
            "ne rien bétonner, planter des arbres et laisser les herbes folles",
        ],
        "tiers_lieu": [
            "Un tiers-lieu dans la halle de l'usine : ateliers, café associatif, repair café",
            "Garder le bâtiment et en faire un lieu culturel avec des artistes en résidence",
            "Une salle pour les associations, on n'a jamais de salle disponible",
            "Un lieu de vie avec un café, des ateliers de réparation et un marché de producteurs",
            "Réhabiliter la halle en espace culturel, c'est notre patrimoine industriel",
            "Des ateliers d'artistes et une salle de concert dans l'ancienne usine",
            "un fablab et des bureaux partagés pour les indépendants",
        ],
        "terrain_sport": [
            "Un city stade pour jouer au foot et au basket",
            "Un terrain multisport, les jeunes jouent dans la rue",
            "Des terrains de sport en accès libre : basket, foot, street workout",
            "Un terrain de foot synthétique pour le club du quartier",
            "Des agrès de musculation en plein air et un terrain de basket",
            "city-stade !! comme dans toutes les autres villes",
        ],
    },
    "velo": {
        "republique": [
            "Avenue de la République en priorité, c'est l'axe le plus dangereux",
            "Une piste sur l'avenue de la République pour traverser la ville",
            "Sur la République, les voitures roulent à 70 et on se fait frôler",
            "avenue de la république svp c'est une horreur à vélo",
            "L'axe République - place du Marché mérite une vraie piste",
            "La grande avenue de la République, il y a la place de faire deux voies cyclables",
        ],
        "ecoles": [
            "Autour des écoles pour que les enfants puissent y aller à vélo en sécurité",
            "Sécuriser le trajet vers le collège Jean Moulin, les élèves risquent leur vie",
            "Des pistes vers les écoles et une rue scolaire fermée aux voitures à l'entrée",
            "Pour aller à l'école élémentaire des Tilleuls, il n'y a aucun aménagement",
            "Les abords des écoles d'abord, nos enfants devraient pouvoir pédaler sans danger",
            "itinéraire sécurisé maison école pour les gamins",
            "Vers le groupe scolaire et le lycée, des centaines de jeunes pourraient venir à vélo",
        ],
        "gare": [
            "Une piste jusqu'à la gare pour prendre le train sans voiture",
            "Relier les quartiers à la gare, beaucoup de gens y vont en voiture pour 2 km",
            "La liaison gare - centre-ville est indispensable",
            "Rejoindre la gare à vélo en sécurité, c'est la priorité des travailleurs",
            "Piste cyclable vers la gare SNCF et un abri vélo sécurisé là-bas",
            "gare gare gare, c'est là que tout le monde va le matin",
        ],
        "separees": [
            "Des vraies pistes séparées de la route, pas juste de la peinture au sol",
            "Arrêtez les bandes cyclables peintes, il faut des pistes protégées par une bordure",
            "Des pistes physiquement séparées des voitures, sinon personne n'ose",
            "Une séparation en dur entre vélos et voitures, les potelets ça marche",
            "La peinture ne protège personne, il faut des pistes en site propre",
            "pistes protégées et continues, pas des bouts qui s'arrêtent au carrefour",
        ],
        "stationnement_velo": [
            "Il manque surtout des arceaux pour garer son vélo",
            "Des parkings à vélo sécurisés, je me suis fait voler deux vélos",
            "Des abris vélos couverts devant les commerces et la médiathèque",
            "Avant les pistes, des garages à vélo fermés dans les quartiers d'immeubles",
            "Plus d'arceaux dans le centre, on accroche les vélos aux poteaux",
            "stationnement vélo sécurisé, des box comme à la gare de Lyon",
        ],
        "contre": [
            "Pas de pistes cyclables, on supprime encore des places de parking",
            "Les pistes sont vides, arrêtez de gaspiller l'argent",
            "Je suis contre, les commerçants vont perdre leurs clients en voiture",
            "Encore des pistes ? Il y a déjà des bouchons partout à cause d'elles",
            "Personne ne fait de vélo ici, c'est une ville de côtes, laissez la route aux voitures",
            "STOP aux pistes cyclables qui rétrécissent les routes",
            "Ça ne sert à rien, mettez l'argent dans la réfection des routes pour les voitures",
        ],
        "entretien": [
            "Entretenir les pistes existantes, elles sont pleines de trous et de verre cassé",
            "La piste du canal est pleine de racines et de nids de poule",
            "Il faudrait déjà balayer les pistes, feuilles mortes et gravillons partout",
            "Éclairer la piste le long du canal, le soir on ne voit rien",
            "Réparer les pistes actuelles avant d'en faire de nouvelles",
            "les pistes existantes sont en mauvais état, entretien svp",
        ],
        "zone_activites": [
            "Jusqu'à la zone d'activités des Sablons, des centaines de salariés y vont en voiture",
            "Une piste vers la zone commerciale pour faire ses courses à vélo",
            "Relier la zone industrielle, beaucoup d'ouvriers viendraient à vélo",
            "Vers la zone des Sablons et le centre commercial, c'est tout plat",
            "La route de la zone d'activités est mortelle pour les cyclistes qui vont travailler",
        ],
    },
    "fete": {
        "concerts": [
            "Des concerts avec des groupes locaux",
            "Plus de musique live, des groupes du coin et une vraie scène",
            "Un concert d'un artiste connu pour attirer du monde",
            "Une scène ouverte pour les musiciens amateurs de la commune",
            "de la musique, des concerts rock et un DJ le soir",
            "Des groupes de jazz et de musique du monde sur la place",
            "Un festival de musique sur deux jours",
        ],
        "feu_artifice": [
            "Un feu d'artifice pour finir la soirée",
            "Le feu d'artifice, c'est la tradition, ne le supprimez pas",
            "Un beau feu d'artifice au bord du lac",
            "feu d'artifice !!!",
            "Remettre le feu d'artifice comme avant le Covid",
            "Un spectacle pyrotechnique, les enfants adorent",
        ],
        "enfants": [
            "Des animations pour les enfants : maquillage, jeux en bois, structures gonflables",
            "Un espace pour les petits avec des manèges",
            "Des jeux pour les enfants l'après-midi, un spectacle de marionnettes",
            "Quelque chose pour les familles avec enfants, la fête est trop tournée vers les adultes",
            "chasse au trésor et ateliers pour les gamins",
            "Des structures gonflables et un clown pour les petits",
        ],
        "produits_locaux": [
            "Des food trucks et des producteurs locaux",
            "Un marché de producteurs du coin avec des stands de dégustation",
            "Plus de choix pour manger : végétarien, crêpes, spécialités",
            "Des stands tenus par les restaurateurs de la commune",
            "Un repas partagé avec les produits des fermes voisines",
            "Des buvettes et des food trucks, l'an dernier on a fait 45 minutes de queue pour une frite",
        ],
        "bal_guinguette": [
            "Un bal populaire comme autrefois",
            "Une guinguette au bord de l'eau avec accordéon",
            "Un bal musette pour que toutes les générations dansent ensemble",
            "Remettre le bal du 14 juillet sur la place",
            "Une soirée dansante guinguette, lampions et tables en bois",
            "bal pop !",
        ],
        "gratuite": [
            "Que ça reste gratuit, tout le monde n'a pas les moyens",
            "Des prix raisonnables aux buvettes, 5 euros la bière c'est trop",
            "L'entrée gratuite pour tous, c'est une fête populaire",
            "Pas d'entrée payante, sinon les familles modestes ne viendront pas",
            "Des tarifs accessibles, la fête est devenue trop chère",
        ],
        "bruit_horaires": [
            "Finir avant minuit, certains habitants travaillent le lendemain",
            "Moins fort la musique, on l'entend à 3 km",
            "Respectez les riverains, l'an dernier le bruit a duré jusqu'à 3 h du matin",
            "Arrêter la sono à une heure raisonnable",
            "Trop de bruit, trop tard, pensez aux personnes âgées du quartier",
            "limiter le volume et les horaires svp",
        ],
        "transports": [
            "Des navettes gratuites depuis les hameaux",
            "Un parking vélo surveillé et des navettes pour rentrer le soir",
            "Des bus de nuit pour rentrer sans prendre la voiture après avoir bu",
            "Organiser le stationnement, l'an dernier c'était le chaos dans les rues",
            "une navette depuis la gare et les villages autour",
        ],
        "zero_dechet": [
            "Des gobelets réutilisables et des poubelles de tri",
            "Une fête zéro déchet, plus de vaisselle jetable",
            "Des points d'eau gratuits et des éco-cups",
            "Le lendemain c'était une décharge, il faut plus de poubelles et de tri",
            "Interdire le plastique jetable sur les stands",
        ],
    },
}

# More ways of saying the same ideas, from other people (short, long, angry, hesitant).
MORE: dict[str, dict[str, list[str]]] = {
    "friche": {
        "jardins_partages": [
            "Pourquoi pas des jardins partagés gérés par une association du quartier ?",
            "un potager pour les écoles et les habitants, avec des récupérateurs d'eau",
            "Je voterais pour des jardins partagés, ça crée du lien entre voisins",
        ],
        "parc_jeux": [
            "Un parc pour les familles, avec des jeux et une fontaine",
            "On veut un square ! Les enfants jouent entre les voitures",
            "aire de jeux + pique-nique, ce serait top pour les mamans du quartier",
        ],
        "skatepark": [
            "Les jeunes demandent un skatepark depuis dix ans, c'est le moment",
            "un skatepark en béton bien fait, pas les modules en métal qui font du bruit",
        ],
        "logements": [
            "Il y a une crise du logement, ce terrain doit servir à loger des familles",
            "Des logements mais pas des tours, des petits immeubles avec de la verdure",
            "un programme de logements pour les seniors avec des services",
        ],
        "parking": [
            "On a besoin de places de stationnement, c'est un cauchemar pour se garer",
            "Un parking souterrain et un petit parc au-dessus",
            "parking parking parking, les riverains tournent pendant 20 minutes",
        ],
        "foret_urbaine": [
            "Une forêt en ville, avec des chemins pour se promener à l'ombre",
            "Il y a des hérissons et des chouettes sur la friche, protégeons-les",
            "Surtout pas de béton, un espace naturel planté d'arbres",
        ],
        "tiers_lieu": [
            "Un café associatif et une ressourcerie dans l'ancienne halle",
            "Transformer l'usine en maison des associations et salle de spectacle",
        ],
        "terrain_sport": [
            "Un terrain de basket et de foot en libre accès pour les jeunes",
            "Une salle de sport ou au moins un plateau sportif extérieur",
            "Un terrain de pétanque et un city stade, pour toutes les générations",
        ],
    },
    "velo": {
        "republique": [
            "Sur l'avenue de la République, on roule au milieu des bus et des camions",
            "Refaire l'avenue de la République avec une piste de chaque côté",
        ],
        "ecoles": [
            "Près des écoles, les parents déposent en voiture parce que le vélo est trop dangereux",
            "Pour que les collégiens aillent en cours à vélo sans risquer un accident",
        ],
        "gare": [
            "Une voie verte entre la gare et le quartier des Sablières",
            "Un accès vélo à la gare, aujourd'hui il faut passer par le rond-point de la rocade",
        ],
        "separees": [
            "Des pistes séparées, je ne laisserai jamais mes enfants rouler sur une bande peinte",
            "Des aménagements sûrs : bordures, séparateurs, pas juste un logo vélo sur la route",
        ],
        "stationnement_velo": [
            "Des arceaux près de la mairie, du marché et des écoles",
            "Un local vélo sécurisé près de la gare et dans chaque quartier",
        ],
        "contre": [
            "Les pistes cyclables tuent le commerce du centre-ville",
            "Pensez aux automobilistes, on ne peut plus circuler",
            "Inutile, je n'ai jamais vu un cycliste sur la piste de la rocade",
        ],
        "entretien": [
            "Les pistes sont envahies par les ronces et les voitures garées dessus",
            "Nettoyer et éclairer les pistes, certaines sont impraticables l'hiver",
        ],
        "zone_activites": [
            "Aller au travail à la zone des Sablons à vélo, aujourd'hui c'est du suicide",
            "Une piste pour rejoindre les entreprises de la zone d'activités",
        ],
    },
    "fete": {
        "concerts": [
            "Des concerts gratuits toute la soirée avec des groupes de la région",
            "Une programmation musicale plus variée : rap, rock, chanson",
        ],
        "feu_artifice": [
            "Sans feu d'artifice ce n'est pas une fête d'été",
            "Un feu d'artifice en musique à 23 h",
        ],
        "enfants": [
            "Un coin enfants avec des jeux et des animateurs",
            "Des ateliers cirque et magie pour les enfants",
        ],
        "produits_locaux": [
            "Mettre en avant les producteurs et les vins de la région",
            "Des stands de nourriture variés et pas seulement des frites et merguez",
        ],
        "bal_guinguette": [
            "Un grand bal en plein air avec un orchestre",
            "Une guinguette avec des lampions et de la danse jusqu'à minuit",
        ],
        "gratuite": [
            "Garder la gratuité, c'est important pour les familles",
            "Des boissons et des repas à prix doux pour que tout le monde puisse venir",
        ],
        "bruit_horaires": [
            "Arrêter la musique à minuit, on ne dort pas de la nuit",
            "Moins de décibels, on habite à côté de la place",
        ],
        "transports": [
            "Des navettes pour les villages et un parking à l'entrée de la ville",
            "Prévoir des bus pour le retour, les routes de campagne la nuit c'est dangereux",
        ],
        "zero_dechet": [
            "Fini les gobelets en plastique par terre, passez aux éco-cups",
            "Des stands de tri et une équipe de bénévoles pour ramasser les déchets",
        ],
    },
}

for _question, _ideas in MORE.items():
    for _idea, _phrasings in _ideas.items():
        IDEAS[_question][_idea].extend(_phrasings)

# Greetings and sign-offs as people write them under a post.
PREFIXES = ["", "", "", "Bonjour, ", "Perso ", "Franchement ", "Pour moi ", "Moi je dirais ", "+1 "]
SUFFIXES = ["", "", "", " !", " 👍", " merci", " svp", "...", " 🙏", " 😊", " !!"]
SMS = {
    "beaucoup": "bcp",
    "pour": "pr",
    "c'est": "c",
    "quelque": "qq",
    "vraiment": "vrmt",
    "aujourd'hui": "ajd",
    "parce que": "pcq",
    "s'il vous plaît": "svp",
    "enfants": "enfants",
    "rien": "r1",
}


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def typo(text: str, rng: random.Random) -> str:
    """One slip of the thumb: a letter dropped, doubled or swapped with its neighbour."""
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        w = w[:j] + w[j + 1 :]
    elif kind == "double":
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
    words[i] = w
    return " ".join(words)


def sms(text: str) -> str:
    out = text
    for word, short in SMS.items():
        out = out.replace(word, short)
    return out


def variant(text: str, rng: random.Random) -> str:
    """The same answer as another person might type it."""
    out = text
    if rng.random() < 0.45:
        out = strip_accents(out)
    if rng.random() < 0.4:
        out = out.lower()
    if rng.random() < 0.35:
        out = sms(out)
    for _ in range(rng.choice((0, 1, 1, 2))):
        out = typo(out, rng)
    prefix = rng.choice(PREFIXES)
    if prefix and out[:1].isupper() and not out[:2].isupper():
        out = out[0].lower() + out[1:]
    out = prefix + out.rstrip(" .!") + rng.choice(SUFFIXES)
    if rng.random() < 0.05:
        out = out.upper()
    return out.strip()


def build(rng: random.Random) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for question, ideas in IDEAS.items():
        for idea, phrasings in ideas.items():
            for phrasing in phrasings:
                texts = [phrasing] + [
                    variant(phrasing, rng) for _ in range(rng.choice((1, 2, 2, 3)))
                ]
                for text in dict.fromkeys(texts):  # a variant identical to its source is one answer
                    rows.append({"question": question, "idea": idea, "text": text})
    rng.shuffle(rows)
    for n, row in enumerate(rows, start=1):
        row["id"] = f"a{n:04d}"
    return rows


def main() -> None:
    rows = build(random.Random(SEED))
    path = HERE / "answers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "question", "idea", "text"])
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: r["id"]))
    with (HERE / "questions.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question", "text"])
        writer.writerows(QUESTIONS.items())
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["question"]] = counts.get(row["question"], 0) + 1
    print(f"{len(rows)} réponses écrites dans {path} : {counts}")


if __name__ == "__main__":
    main()
