"""The consultation life cycle through its services: create, collect, group, correct, synthesise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from beffroi.core.adapters import adapter_for_account
from beffroi.core.models import AuditEntry
from beffroi.core.services import DomainError
from beffroi.networks.sandbox.adapter import SandboxAdapter
from beffroi.participation import selectors, services
from beffroi.participation.models import Answer, ConsultationPost, Idea
from tests.participation.conftest import incoming

pytestmark = pytest.mark.django_db

FRICHE = [
    ("Des jardins partagés pour les habitants du quartier", "alice", 4, "Les Tanneurs"),
    ("un potager collectif avec des parcelles pour les habitants", "bruno", 1, ""),
    ("Jardins partagés et potagers pour les familles du quartier", "chloe", 0, ""),
    ("des jardins partages pr les habitants du quartier !!", "alice", 2, ""),
    ("Un skatepark pour les ados, ils n'ont rien", "damien", 7, "La Brume"),
    ("skate park + rampe de trottinette pour les ados", "emma", 0, ""),
    ("Un skatepark en béton pour les jeunes et les ados", "farid", 3, ""),
    ("Rénover le lycée du quartier plutôt que la friche", "gaelle", 0, ""),
    ("Le lycée tombe en ruine, il faut le rénover", "hugo", 1, ""),
]


def _fill(consultation):
    return services.store_answers(
        consultation,
        [incoming(t, p, likes=likes, place=place) for t, p, likes, place in FRICHE],
    )


def test_create_checks_dates_retention_and_rights(team):
    now = timezone.now()
    with pytest.raises(DomainError):
        services.consultation_create(
            organisation=team.org,
            actor=team.cm,
            title="x",
            question="?",
            starts_at=now,
            ends_at=now - timedelta(days=1),
        )
    with pytest.raises(DomainError):
        services.consultation_create(
            organisation=team.org,
            actor=team.cm,
            title="x",
            question="Une question ?",
            starts_at=now,
            ends_at=now + timedelta(days=1),
            retention_days=5000,
        )
    with pytest.raises(PermissionDenied):
        services.consultation_create(
            organisation=team.org,
            actor=team.analyst,
            title="x",
            question="Une question ?",
            starts_at=now,
            ends_at=now + timedelta(days=1),
        )


def test_collect_reads_comments_of_linked_posts_through_the_adapter(team, consultation):
    account = team.accounts["facebook"]
    with adapter_for_account(account) as adapter:
        post = adapter.fetch_posts(consultation.starts_at)[0]
        expected = [
            c
            for c in adapter.fetch_comments(post.remote_id, consultation.starts_at)
            if not c.hidden and c.text.strip()
        ]
    assert expected, "the simulated account should have comments under its posts"
    services.consultation_link_post(
        consultation=consultation, actor=team.cm, account=account, remote_id=post.remote_id
    )
    report = services.consultation_collect(consultation=consultation, actor=team.cm)
    assert report.posts_read == 1 and report.errors == ()
    assert report.new == len(expected)
    stored = {a.remote_id for a in Answer.objects.filter(consultation=consultation)}
    assert {c.remote_id for c in expected} <= stored
    # A second collection finds nothing new: answers are keyed by network and remote id.
    again = services.consultation_collect(consultation=consultation, actor=team.cm)
    assert again.new == 0 and again.already_known >= len(expected)
    assert AuditEntry.objects.filter(action="consultation.collect").count() == 2


def test_collect_reports_a_missing_post_without_failing(team, consultation):
    ConsultationPost.objects.create(
        consultation=consultation,
        account=team.accounts["mastodon"],
        network="mastodon",
        remote_id="n-existe-pas",
    )
    report = services.consultation_collect(consultation=consultation, actor=team.cm)
    assert report.new == 0 and len(report.errors) == 1


def test_group_counts_one_person_once_per_idea_and_names_outside_competences(team, consultation):
    assert _fill(consultation) == (len(FRICHE), 0)
    report = services.consultation_group(consultation=consultation, actor=team.cm)
    assert report.answers == len(FRICHE) and report.duplicates >= 1
    synthesis = selectors.synthesis_for(consultation=consultation)
    garden = next(i for i in synthesis.ideas if "jardin" in i.label.lower())
    # alice answered twice about gardens: she counts once.
    garden_answers = Answer.objects.filter(idea_id=garden.id)
    assert garden.people == len({a.author_key for a in garden_answers}) < garden_answers.count()
    assert garden.likes == sum(a.likes for a in garden_answers)
    assert synthesis.ideas == tuple(
        sorted(synthesis.ideas, key=lambda i: (-i.people, -i.likes, i.id))
    )
    lycee = [i for i in synthesis.outside if i.holder and i.holder.subject == "lycée"]
    assert lycee and lycee[0].holder.sentence == "« lycée » : compétence du Conseil régional"
    assert synthesis.places.get("Les Tanneurs") == 1
    assert synthesis.networks == {"Facebook": len(FRICHE)}


def test_move_merge_split_are_audited_and_survive_a_new_grouping(team, consultation):
    _fill(consultation)
    services.consultation_group(consultation=consultation, actor=team.cm)
    skate = Answer.objects.get(consultation=consultation, text__startswith="Un skatepark pour")
    garden_idea = Answer.objects.get(
        consultation=consultation, text__startswith="Des jardins partagés"
    ).idea
    services.answer_move(answer=skate, idea=garden_idea, actor=team.cm)
    with pytest.raises(DomainError):
        services.answer_move(answer=skate, idea=garden_idea, actor=team.cm)

    new = services.idea_split(
        idea=garden_idea, answers=[skate], actor=team.cm, label="Sport urbain"
    )
    assert new.label == "Sport urbain" and list(new.answers.all()) == [skate]

    others = list(Idea.objects.filter(consultation=consultation).exclude(pk__in=[new.pk]))
    into = services.idea_merge(ideas=[new, *others[:1]], into=new, actor=team.cm)
    assert into.answers.count() >= 2

    services.consultation_group(consultation=consultation, actor=team.cm)
    skate.refresh_from_db()
    assert skate.idea_id == new.pk  # what a person placed stays placed
    assert Idea.objects.get(pk=new.pk).label == "Sport urbain"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"idea.answer_move", "idea.split", "idea.merge", "consultation.group"} <= actions


def test_split_refuses_to_empty_an_idea(team, consultation):
    _fill(consultation)
    services.consultation_group(consultation=consultation, actor=team.cm)
    idea = Idea.objects.filter(consultation=consultation).first()
    with pytest.raises(DomainError):
        services.idea_split(idea=idea, answers=list(idea.answers.all()), actor=team.cm)


def test_announcement_goes_through_the_publishing_circuit(team, consultation):
    draft = services.consultation_announce(
        consultation=consultation,
        actor=team.cm,
        accounts=list(team.accounts.values()),
        public_url="https://beffroi.example/participer/x/",
    )
    assert draft.state == "draft" and draft.hashtags == ["FricheMercier"]
    assert consultation.question in draft.text and "sans compte" in draft.text
    with pytest.raises(DomainError):
        services.consultation_announce(
            consultation=consultation, actor=team.cm, accounts=list(team.accounts.values())
        )
    # Once a variant is published its post becomes a linked post at the next collection.
    variant = draft.variants.first()
    with adapter_for_account(variant.account) as adapter:
        post = adapter.fetch_posts(consultation.starts_at)[0]
    variant.remote_id, variant.state = post.remote_id, "published"
    variant.save()
    services.consultation_collect(consultation=consultation, actor=team.cm)
    assert consultation.posts.filter(variant=variant).exists()


def test_public_answers_and_retention(team, consultation):
    answer = services.public_answer_submit(
        consultation=consultation,
        text="Un verger pour le quartier",
        client="203.0.113.5",
        name="Zoé",
        district="Le Moulin",
    )
    assert answer.source == "public" and answer.place == "Le Moulin"
    assert "203.0.113.5" not in answer.author_key
    services.consultation_close(consultation=consultation, actor=team.cm)
    with pytest.raises(DomainError):
        services.public_answer_submit(consultation=consultation, text="Encore", client="x")
    later = consultation.ends_at + timedelta(days=consultation.retention_days + 1)
    assert services.answers_purge_expired(now=later - timedelta(days=2)) == 0
    assert services.answers_purge_expired(now=later) == 1
    assert not Answer.objects.filter(consultation=consultation).exists()


def test_accurate_grouping_embeds_each_answer_once(team, consultation):
    consultation.grouping_method = "accurate"
    consultation.save()
    _fill(consultation)
    report = services.consultation_group(consultation=consultation, actor=team.cm)
    assert report.answers == len(FRICHE) and 2 <= report.ideas < len(FRICHE)
    vectors = dict(Answer.objects.filter(consultation=consultation).values_list("id", "vector"))
    assert all(v is not None and len(bytes(v)) == 384 * 4 for v in vectors.values())
    assert services.needs_embedding(consultation) == 0
    services.consultation_group(consultation=consultation, actor=team.cm)
    again = dict(Answer.objects.filter(consultation=consultation).values_list("id", "vector"))
    assert {k: bytes(v) for k, v in again.items()} == {k: bytes(v) for k, v in vectors.items()}
    skate = Answer.objects.get(consultation=consultation, text__startswith="Un skatepark pour")
    garden = Answer.objects.get(consultation=consultation, text__startswith="Des jardins partagés")
    assert skate.idea_id != garden.idea_id


class HashtagSandbox(SandboxAdapter):
    """The simulated account, whose search also returns a few messages written for this test."""

    extra: tuple = ()

    def search(self, query, since):
        return [*self.extra, *super().search(query, since)]


def test_collect_keeps_hashtag_mentions_of_the_period_from_others(team, consultation):
    from beffroi.networks.types import Author, Mention

    account = team.accounts["mastodon"]
    now = timezone.now()

    def mention(remote_id, text, when, author="voisin"):
        return Mention(
            network="mastodon",
            remote_id=remote_id,
            text=text,
            created_at=when,
            author=Author(remote_id=author, handle=author),
        )

    HashtagSandbox.extra = (
        mention("m1", "Des jardins partagés ! #FricheMercier", now - timedelta(days=2)),
        mention("m2", "#frichemercier un skatepark", now - timedelta(days=1)),
        mention("m3", "Rien à voir #FricheMercierBis", now - timedelta(days=1)),
        mention("m4", "Trop tôt #FricheMercier", consultation.starts_at - timedelta(days=1)),
    )

    def factory(acc):
        creds = {"sandbox_seed": f"participation-{acc.network}"}
        return HashtagSandbox(creds, simulated_network=acc.network)

    assert consultation.hashtag == "#FricheMercier"
    team.org.network_accounts.exclude(pk=account.pk).delete()
    report = services.consultation_collect(
        consultation=consultation, actor=team.cm, adapter_factory=factory
    )
    assert report.searches == 1 and report.new == 2
    assert set(Answer.objects.values_list("remote_id", flat=True)) == {"m1", "m2"}
