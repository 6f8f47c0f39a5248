"""Retention, handles across networks, privacy notice and register entry."""

from datetime import UTC, datetime, timedelta

import pytest

from beffroi.compliance.rgpd import (
    DataKind,
    PersonQuery,
    PersonRecord,
    RetentionPolicy,
    find_person,
    guess_networks,
    normalise_handle,
    privacy_notice,
    register_entry,
    register_entry_text,
)
from beffroi.core.domain import Network

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)

CONFIG = {
    "organisation": {"name": "Ville de Saint-Aubin", "address": "1 place de la Mairie"},
    "contact_email": "rgpd@saint-aubin.example",
    "dpo": {"email": "dpd@cdg.example"},
    "networks": ["facebook", "mastodon", "bluesky"],
    "retention": {"listening_mentions": 30},
    "processors": ["Prestataire d'hébergement (contrat art. 28)"],
}


def test_retention_defaults_and_cutoffs():
    policy = RetentionPolicy()
    assert policy.days_for(DataKind.LISTENING_MENTIONS) == 90
    assert policy.cutoff(DataKind.INBOX_MESSAGES, NOW) == NOW - timedelta(days=365)
    assert policy.is_expired(DataKind.LISTENING_MENTIONS, NOW - timedelta(days=91), NOW)
    assert not policy.is_expired(DataKind.LISTENING_MENTIONS, NOW - timedelta(days=89), NOW)


def test_retention_from_settings():
    policy = RetentionPolicy.from_dict({"inbox_messages": 180})
    assert policy.days_for(DataKind.INBOX_MESSAGES) == 180
    assert policy.days_for(DataKind.AUDIT_LOG) == 365
    assert RetentionPolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(ValueError):
        RetentionPolicy.from_dict({"inbox_messages": 0})


@pytest.mark.parametrize(
    ("network", "handle", "expected"),
    [
        (Network.MASTODON, "@Marie@Piaille.FR", "marie@piaille.fr"),
        (Network.MASTODON, "https://piaille.fr/@Marie", "marie@piaille.fr"),
        (Network.BLUESKY, "@Marie.bsky.social", "marie.bsky.social"),
        (Network.BLUESKY, "https://bsky.app/profile/marie.bsky.social", "marie.bsky.social"),
        (Network.BLUESKY, "did:plc:abc123xyz", "did:plc:abc123xyz"),
        (Network.X, "@MarieD", "maried"),
        (Network.X, "https://x.com/MarieD", "maried"),
        (Network.INSTAGRAM, "Marie.Dupont", "marie.dupont"),
        (Network.FACEBOOK, "https://www.facebook.com/Marie.Dupont", "marie.dupont"),
        (Network.YOUTUBE, "@MarieVlog", "marievlog"),
        (Network.YOUTUBE, "UCabcdefghijklmnopqrstuv", "UCabcdefghijklmnopqrstuv"),
        (Network.LINKEDIN, "https://www.linkedin.com/in/Marie-Dupont", "marie-dupont"),
    ],
)
def test_handles_are_normalised_per_network(network, handle, expected):
    assert normalise_handle(network, handle) == expected


def test_local_mastodon_handle_takes_the_instance_of_the_account():
    assert normalise_handle(Network.MASTODON, "marie", default_instance="mastodon.social") == (
        "marie@mastodon.social"
    )


def test_guess_networks_from_the_shape_of_a_handle():
    assert guess_networks("@marie@piaille.fr") == (Network.MASTODON,)
    assert guess_networks("https://bsky.app/profile/marie.bsky.social") == (Network.BLUESKY,)
    assert Network.BLUESKY in guess_networks("marie.bsky.social")
    assert Network.X in guess_networks("@marie")


RECORDS = [
    PersonRecord(Network.X, "MarieD", DataKind.INBOX_MESSAGES, "inbox-1"),
    PersonRecord(
        Network.MASTODON, "marie", DataKind.INBOX_MESSAGES, "inbox-2", instance="piaille.fr"
    ),
    PersonRecord(Network.BLUESKY, "marie.bsky.social", DataKind.LISTENING_MENTIONS, "mention-3"),
    PersonRecord(
        Network.FACEBOOK, "Jean Valjean", DataKind.INBOX_MESSAGES, "inbox-4", remote_id="1001"
    ),
    PersonRecord(Network.X, "mariedupuis", DataKind.AUTHORS, "author-5"),
]


def test_a_person_is_found_across_networks_by_handle():
    query = PersonQuery(
        handles=((None, "@mariED"), (None, "@Marie@piaille.fr"), (None, "marie.bsky.social"))
    )
    found = {r.record_id for r in find_person(query, RECORDS)}
    assert found == {"inbox-1", "inbox-2", "mention-3"}


def test_a_person_is_found_by_profile_id():
    query = PersonQuery(handles=(), remote_ids=((Network.FACEBOOK, "1001"),))
    assert [r.record_id for r in find_person(query, RECORDS)] == ["inbox-4"]


def test_privacy_notice_per_network():
    notice = privacy_notice(Network.FACEBOOK, CONFIG)
    assert "Ville de Saint-Aubin" in notice and "Facebook" in notice
    assert "Meta Platforms Ireland" in notice
    assert "mentions 30 jours" in notice
    assert "rgpd@saint-aubin.example" in notice and "dpd@cdg.example" in notice
    assert "instance" in privacy_notice(Network.MASTODON, CONFIG)
    with pytest.raises(ValueError):
        privacy_notice(Network.X, {"organisation": {"name": "X"}})


def test_register_entry_from_configuration():
    entry = register_entry(CONFIG)
    assert entry["responsable"]["nom"] == "Ville de Saint-Aubin"
    assert len(entry["responsables_conjoints"]) == 3
    assert entry["durees_de_conservation"]["Mentions et résultats de veille"].startswith("30 jours")
    assert "Prestataire d'hébergement (contrat art. 28)" in entry["destinataires"]
    text = register_entry_text(entry)
    assert text.startswith("Fiche de registre des traitements (RGPD, article 30)")
    assert "Base légale : mission d'intérêt public" in text
