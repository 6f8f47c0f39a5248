"""Where listening keeps citizens' personal data, for retention purges and RGPD erasure (beffroi.compliance)."""

from beffroi.compliance.personal_data import PersonalDataSpec
from beffroi.compliance.rgpd import DataKind

SPECS = [
    PersonalDataSpec(
        model="listening.InboxItem",
        kind=DataKind.INBOX_MESSAGES,
        created_field="received_at",
        network_field="network",
        handle_field="author_handle",
        remote_id_field="author_remote_id",
    ),
]
