"""Every write of the compliance app: checked, in a transaction, with its audit entry."""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from beffroi.compliance.accessibility import Check, Severity
from beffroi.compliance.archives import (
    ArchiveParty,
    ArchiveRecord,
    ArchiveRequest,
    RecordKind,
    export_archive,
    zip_bag,
)
from beffroi.compliance.elections import CalendarStatus, ElectionKind
from beffroi.compliance.guard import validation_problems
from beffroi.compliance.models import (
    AccessibilitySettings,
    DraftReview,
    ElectedOfficial,
    ElectionCalendarEntry,
    ErasureRequest,
    PublicationLog,
    PurgeRun,
    RetentionSettings,
)
from beffroi.compliance.personal_data import PersonalDataSpec, personal_data_specs
from beffroi.compliance.rgpd import DataKind, RetentionPolicy, guess_networks, normalise_handle
from beffroi.compliance.selectors import (
    DraftCompliance,
    parse_moment,
    person_query,
    person_records,
    retention_policy_for,
)
from beffroi.core.domain import Network
from beffroi.core.models import AuditEntry, Organisation, User
from beffroi.core.permissions import Perm
from beffroi.core.services import DomainError, audit_record, require, snapshot
from beffroi.networks.types import Media

# --- election calendar and officials ----------------------------------------------------------


@transaction.atomic
def calendar_entry_save(
    *,
    organisation: Organisation,
    actor: User | None,
    election_id: str,
    kind: str,
    label: str,
    first_round: date,
    second_round: date | None = None,
    status: str = CalendarStatus.OFFICIAL,
    source: str = "",
    general: bool = True,
    disabled: bool = False,
) -> ElectionCalendarEntry:
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_COMPLIANCE)
    if kind not in {k.value for k in ElectionKind}:
        raise DomainError(f"Scrutin inconnu : {kind}")
    if second_round is not None and second_round < first_round:
        raise DomainError("Le second tour doit suivre le premier.")
    entry = ElectionCalendarEntry.objects.filter(
        organisation=organisation, election_id=election_id
    ).first()
    before = snapshot(entry) if entry else None
    values = {
        "kind": kind,
        "label": label,
        "first_round": first_round,
        "second_round": second_round,
        "status": status,
        "source": source,
        "general": general,
        "disabled": disabled,
    }
    if entry is None:
        entry = ElectionCalendarEntry.objects.create(
            organisation=organisation, election_id=election_id, **values
        )
    else:
        for key, value in values.items():
            setattr(entry, key, value)
        entry.save()
    audit_record(
        actor=actor,
        organisation=organisation,
        action="compliance.calendar_entry.save",
        obj=entry,
        before=before,
        after=snapshot(entry),
    )
    return entry


@transaction.atomic
def calendar_entry_delete(*, entry: ElectionCalendarEntry, actor: User | None) -> None:
    require(actor=actor, organisation=entry.organisation, perm=Perm.MANAGE_COMPLIANCE)
    audit_record(
        actor=actor,
        organisation=entry.organisation,
        action="compliance.calendar_entry.delete",
        obj=entry,
        before=snapshot(entry),
    )
    entry.delete()


@transaction.atomic
def official_add(
    *,
    organisation: Organisation,
    actor: User | None,
    name: str,
    title: str = "",
    handles: str = "",
    may_be_candidate: bool = True,
) -> ElectedOfficial:
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_COMPLIANCE)
    if not name.strip():
        raise DomainError("Le nom de l'élu est requis.")
    official = ElectedOfficial.objects.create(
        organisation=organisation,
        name=name.strip(),
        title=title.strip(),
        handles=" ".join(handles.split()),
        may_be_candidate=may_be_candidate,
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="compliance.official.add",
        obj=official,
        after=snapshot(official),
    )
    return official


@transaction.atomic
def official_delete(*, official: ElectedOfficial, actor: User | None) -> None:
    require(actor=actor, organisation=official.organisation, perm=Perm.MANAGE_COMPLIANCE)
    audit_record(
        actor=actor,
        organisation=official.organisation,
        action="compliance.official.delete",
        obj=official,
        before=snapshot(official),
    )
    official.delete()


# --- policies ---------------------------------------------------------------------------------


@transaction.atomic
def accessibility_settings_update(
    *,
    organisation: Organisation,
    actor: User | None,
    severities: Mapping[str, str],
    min_readability: float = 50.0,
    max_emoji_run: int = 3,
    min_alt_chars: int = 10,
) -> AccessibilitySettings:
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_COMPLIANCE)
    try:
        clean = {Check(k).value: Severity(v).value for k, v in severities.items()}
    except ValueError as error:
        raise DomainError(f"Réglage d'accessibilité inconnu : {error}") from error
    if not 0 <= min_readability <= 120 or max_emoji_run < 1 or min_alt_chars < 1:
        raise DomainError("Seuils d'accessibilité hors limites.")
    row, _ = AccessibilitySettings.objects.get_or_create(organisation=organisation)
    before = snapshot(row)
    row.severities = clean
    row.min_readability = min_readability
    row.max_emoji_run = max_emoji_run
    row.min_alt_chars = min_alt_chars
    row.updated_at = timezone.now()
    row.save()
    audit_record(
        actor=actor,
        organisation=organisation,
        action="compliance.accessibility.update",
        obj=row,
        before=before,
        after=snapshot(row),
    )
    return row


@transaction.atomic
def retention_settings_update(
    *,
    organisation: Organisation,
    actor: User | None,
    days: Mapping[str, int],
    contact_email: str | None = None,
    dpo_email: str | None = None,
    address: str | None = None,
    processors: str | None = None,
) -> RetentionSettings:
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_COMPLIANCE)
    try:
        policy = RetentionPolicy.from_dict(days)
    except ValueError as error:
        raise DomainError(f"Durée de conservation invalide : {error}") from error
    row, _ = RetentionSettings.objects.get_or_create(organisation=organisation)
    before = snapshot(row)
    # Keep only what the organisation chose, so that later changes of the defaults reach it.
    row.days = {key: policy.days_for(DataKind(key)) for key in days}
    for name, value in (
        ("contact_email", contact_email),
        ("dpo_email", dpo_email),
        ("address", address),
        ("processors", processors),
    ):
        if value is not None:
            setattr(row, name, value.strip())
    row.updated_at = timezone.now()
    row.save()
    audit_record(
        actor=actor,
        organisation=organisation,
        action="compliance.retention.update",
        obj=row,
        before=before,
        after=snapshot(row),
    )
    return row


# --- purge ------------------------------------------------------------------------------------


@transaction.atomic
def retention_purge(
    *,
    organisation: Organisation,
    actor: User | None,
    now: datetime | None = None,
    specs: Iterable[PersonalDataSpec] | None = None,
) -> PurgeRun:
    """Delete the organisation's rows older than its retention, for every declared source."""
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_COMPLIANCE)
    now = now or timezone.now()
    policy = retention_policy_for(organisation=organisation)
    counts: dict[str, int] = {}
    for spec in personal_data_specs() if specs is None else specs:
        cutoff = policy.cutoff(spec.kind, now)
        rows = spec.model_class()._default_manager.filter(
            **{spec.organisation_field: organisation, f"{spec.created_field}__lt": cutoff}
        )
        deleted = rows.count()
        rows.delete()
        counts[spec.label] = counts.get(spec.label, 0) + deleted
    run = PurgeRun.objects.create(
        organisation=organisation,
        ran_at=now,
        actor=actor if actor is not None else None,
        counts=counts,
        total=sum(counts.values()),
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="compliance.purge",
        obj=run,
        after={"counts": counts, "policy": policy.to_dict()},
    )
    return run


def _lake() -> Any:
    """The event lake of the deployment (beffroi.analytics.lake), or None if not installed."""
    try:
        from beffroi.analytics.lake import EventLake
    except ImportError:  # the analytics module is optional for compliance
        return None
    return EventLake(str(settings.BEFFROI_LAKE_URL))


def lake_retention_purge(*, days: int | None = None, today: date | None = None) -> int:
    """Drop lake events older than the deployment's analytics retention (the lake is shared by
    every organisation, so its retention is one setting, not a per-organisation one)."""
    lake = _lake()
    if lake is None:
        return 0
    days = days or int(
        getattr(settings, "BEFFROI_LAKE_RETENTION_DAYS", 0)
        or RetentionPolicy().days_for(DataKind.ANALYTICS_EVENTS)
    )
    return int(lake.apply_retention(days=days, today=today).rows_deleted)


# --- RGPD requests ----------------------------------------------------------------------------


def _clean_handles(handles: Sequence[tuple[str | None, str]]) -> list[list[str]]:
    out = []
    for network, handle in handles:
        handle = handle.strip()
        if not handle:
            continue
        if network and network not in {n.value for n in Network}:
            raise DomainError(f"Réseau inconnu : {network}")
        if not network and not guess_networks(handle):
            raise DomainError(f"Identifiant non reconnu : {handle}")
        out.append([network or "", handle])
    return out


@transaction.atomic
def erasure_request_create(
    *,
    organisation: Organisation,
    actor: User | None,
    kind: str,
    requester: str,
    handles: Sequence[tuple[str | None, str]],
    remote_ids: Sequence[tuple[str, str]] = (),
    note: str = "",
) -> ErasureRequest:
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_COMPLIANCE)
    if kind not in ErasureRequest.Kind.values:
        raise DomainError(f"Type de demande inconnu : {kind}")
    clean = _clean_handles(handles)
    ids = [[n, r.strip()] for n, r in remote_ids if r.strip()]
    if not clean and not ids:
        raise DomainError("Indiquez au moins un pseudonyme ou un identifiant de la personne.")
    request = ErasureRequest.objects.create(
        organisation=organisation,
        kind=kind,
        requester=requester.strip() or "(non précisé)",
        handles=clean,
        remote_ids=ids,
        note=note,
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="compliance.rgpd_request.create",
        obj=request,
        after=snapshot(request),
    )
    return request


def _lake_erase(pairs: set[tuple[str, str]]) -> int:
    lake = _lake()
    if lake is None or not pairs:
        return 0
    from beffroi.analytics.lake import LakeError

    try:
        return sum(
            int(lake.erase_author(network=network, author=author).rows_deleted)
            for network, author in sorted(pairs)
        )
    except LakeError as error:
        # Without the pseudonymisation key the lake cannot find the person's events: the whole
        # erasure is refused rather than half done.
        raise DomainError(f"Effacement impossible dans le lac statistique : {error}") from error


def _detector_erase(organisation: Organisation, pairs: set[tuple[str, str]]) -> bool:
    """The bad-buzz detector remembers recent authors (as salted keys) and the last hour's messages."""
    if not apps.is_installed("beffroi.listening") or not pairs:
        return False
    from beffroi.listening.services import detector_forget_authors

    return detector_forget_authors(
        organisation=organisation, author_ids=sorted({author for _, author in pairs})
    )


@transaction.atomic
def erasure_request_execute(
    *,
    request: ErasureRequest,
    actor: User | None,
    specs: Iterable[PersonalDataSpec] | None = None,
) -> ErasureRequest:
    """Carry out the request: for an erasure, delete every row found and the lake events."""
    organisation = request.organisation
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_COMPLIANCE)
    if request.status != ErasureRequest.Status.RECEIVED:
        raise DomainError("Cette demande a déjà été traitée.")
    spec_list = list(personal_data_specs() if specs is None else specs)
    query = person_query(request)
    found = person_records(organisation=organisation, query=query, specs=spec_list)
    by_source: dict[str, int] = {}
    for item in found:
        by_source[item.spec.label] = by_source.get(item.spec.label, 0) + 1
    result: dict[str, Any] = {"trouves": by_source, "total": len(found)}
    if request.kind == ErasureRequest.Kind.ERASURE:
        for item in found:
            item.spec.model_class()._default_manager.filter(pk=item.record.record_id).delete()
        # The lake keeps only pseudonyms of raw author ids: erase by every id and handle we know.
        pairs = {(i.record.network.value, i.record.remote_id) for i in found if i.record.remote_id}
        pairs |= {(n.value, r) for n, r in query.remote_ids}
        pairs |= {
            (
                i.record.network.value,
                normalise_handle(
                    i.record.network, i.record.handle, default_instance=i.record.instance
                ),
            )
            for i in found
            if i.record.handle
        }
        result["lac_evenements_supprimes"] = _lake_erase(pairs)
        result["detecteur_auteurs_oublies"] = _detector_erase(organisation, pairs)
        remaining = person_records(organisation=organisation, query=query, specs=spec_list)
        result["restants"] = len(remaining)
        if remaining:
            raise DomainError(
                "L'effacement n'a pas supprimé toutes les données : rien n'est validé."
            )
    request.status = ErasureRequest.Status.DONE
    request.completed_at = timezone.now()
    request.handled_by = actor
    request.result = result
    request.save()
    audit_record(
        actor=actor,
        organisation=organisation,
        action=f"compliance.rgpd_request.{request.kind}",
        obj=request,
        after={"result": result},
    )
    return request


@transaction.atomic
def erasure_request_reject(
    *, request: ErasureRequest, actor: User | None, reason: str
) -> ErasureRequest:
    require(actor=actor, organisation=request.organisation, perm=Perm.MANAGE_COMPLIANCE)
    if not reason.strip():
        raise DomainError("Un refus doit être motivé (RGPD, article 12.4).")
    request.status = ErasureRequest.Status.REJECTED
    request.completed_at = timezone.now()
    request.handled_by = actor
    request.result = {"motif_du_refus": reason.strip()}
    request.save()
    audit_record(
        actor=actor,
        organisation=request.organisation,
        action="compliance.rgpd_request.reject",
        obj=request,
        after={"reason": reason.strip()},
    )
    return request


# --- drafts: the publishing circuit's hooks -----------------------------------------------------


@transaction.atomic
def draft_review_record(
    *,
    organisation: Organisation,
    draft_ref: str,
    result: DraftCompliance,
    actor: User | None,
    excerpt: str = "",
    planned_for: datetime | None = None,
) -> DraftReview:
    """Keep the compliance review of a draft (replacing the previous one of the same draft)."""
    require(actor=actor, organisation=organisation, perm=Perm.WRITE_DRAFTS)
    review, _ = DraftReview.objects.get_or_create(organisation=organisation, draft_ref=draft_ref)
    review.excerpt = excerpt[:200]
    review.planned_for = planned_for
    review.checked_at = timezone.now()
    review.elections = [p.election.id for p in result.election.periods]
    review.flags = [
        {"code": f.code.value, "reason": f.reason, "excerpt": f.excerpt}
        for f in result.election.flags
    ]
    review.refused = result.refused
    review.refusal_reason = result.election.sponsoring.reason
    review.accessibility_blocked = result.accessibility_blocked
    review.accessibility = [
        {
            "network": network.value,
            "check": issue.check.value,
            "severity": issue.severity.value,
            "message": issue.message,
        }
        for network, res in result.accessibility.items()
        for issue in res.issues
    ]
    review.save()
    audit_record(
        actor=actor,
        organisation=organisation,
        action="compliance.draft_review.record",
        obj=review,
        after={
            "draft": draft_ref,
            "flags": [f["code"] for f in review.flags],
            "refused": review.refused,
            "accessibility_blocked": review.accessibility_blocked,
        },
    )
    return review


@transaction.atomic
def draft_review_justify(
    *, organisation: Organisation, draft_ref: str, justification: str, actor: User | None
) -> DraftReview:
    require(actor=actor, organisation=organisation, perm=Perm.WRITE_DRAFTS)
    review = DraftReview.objects.filter(organisation=organisation, draft_ref=draft_ref).first()
    if review is None:
        raise DomainError("Aucune revue de conformité pour ce brouillon.")
    before = snapshot(review, ["justification"])
    review.justification = justification.strip()
    review.justified_by = actor
    review.justified_at = timezone.now()
    review.save(update_fields=["justification", "justified_by", "justified_at"])
    audit_record(
        actor=actor,
        organisation=organisation,
        action="compliance.draft_review.justify",
        obj=review,
        before=before,
        after=snapshot(review, ["justification"]),
    )
    return review


def draft_review_check_approval(
    *, organisation: Organisation, draft_ref: str, approvers: Sequence[User | str]
) -> None:
    """Raise DomainError (reasons in French) when the draft may not be approved yet."""
    review = DraftReview.objects.filter(organisation=organisation, draft_ref=draft_ref).first()
    if review is None:
        return
    problems: list[str] = []
    if review.refused:
        problems.append(review.refusal_reason)
    if review.accessibility_blocked:
        problems += [
            f"{i['network']} — {i['message']}"
            for i in review.accessibility
            if i["severity"] == Severity.BLOCK.value
        ]
    if review.flags:
        from beffroi.compliance.guard import ElectionFlag, ElectionReview, FlagCode

        as_review = ElectionReview(
            periods=(),
            flags=tuple(
                ElectionFlag(FlagCode(f["code"]), f["reason"], f["excerpt"]) for f in review.flags
            ),
        )
        problems += validation_problems(
            as_review,
            validators=[a.email if isinstance(a, User) else str(a) for a in approvers],
            justification=review.justification,
        )
    if problems:
        raise DomainError(" ".join(problems))


@transaction.atomic
def publication_log(
    *,
    organisation: Organisation,
    network: str,
    account: str,
    text: str,
    published_at: datetime,
    media: Sequence[Media] = (),
    remote_id: str = "",
    url: str | None = None,
    sponsored: bool = False,
    draft_ref: str = "",
    topic: str = "",
    validations: Sequence[Mapping[str, Any]] = (),
) -> PublicationLog:
    """Record a publication (called by the publishing circuit after the network accepted it)."""
    review = (
        DraftReview.objects.filter(organisation=organisation, draft_ref=draft_ref).first()
        if draft_ref
        else None
    )
    log = PublicationLog.objects.create(
        organisation=organisation,
        network=Network(network).value,
        account=account,
        draft_ref=draft_ref,
        remote_id=remote_id,
        url=url or "",
        text=text,
        media=[
            {
                "path": m.path,
                "mime_type": m.mime_type,
                "alt_text": m.alt_text,
                "captions_path": m.captions_path,
            }
            for m in media
        ],
        sponsored=sponsored,
        topic=topic,
        published_at=published_at,
        flags=[f"{f['reason']} : « {f['excerpt']} »" for f in review.flags] if review else [],
        justification=review.justification if review else "",
        validations=[dict(v) for v in validations],
    )
    audit_record(
        actor=None,
        organisation=organisation,
        action="compliance.publication.log",
        obj=log,
        after={"network": log.network, "remote_id": remote_id, "draft": draft_ref},
    )
    return log


# --- archives ---------------------------------------------------------------------------------

ArchiveSource = Callable[..., Iterable[ArchiveRecord]]


def archive_sources() -> list[ArchiveSource]:
    """`archive_records(*, organisation, start, end)` of each installed app's `archive` module."""
    found: list[ArchiveSource] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("beffroi.") or config.name == "beffroi.compliance":
            continue
        try:
            module = importlib.import_module(f"{config.name}.archive")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.archive":
                raise
            continue
        source = getattr(module, "archive_records", None)
        if source is not None:
            found.append(source)
    return found


_MODERATION_ACTIONS = ("inbox.", "moderation.", "comment.", "listening.")


def _own_archive_records(
    organisation: Organisation, start: datetime, end: datetime
) -> list[ArchiveRecord]:
    records: list[ArchiveRecord] = []
    for log in PublicationLog.objects.filter(
        organisation=organisation, published_at__gte=start, published_at__lt=end
    ):
        records.append(
            ArchiveRecord(
                RecordKind.PUBLICATION,
                f"publication-{log.pk}",
                log.published_at,
                {
                    "reseau": log.network,
                    "compte": log.account,
                    "texte": log.text,
                    "url": log.url,
                    "identifiant_reseau": log.remote_id,
                    "medias": log.media,
                    "sponsorise": log.sponsored,
                    "brouillon": log.draft_ref,
                    "signalements": log.flags,
                    "justification": log.justification,
                },
            )
        )
        for index, validation in enumerate(log.validations):
            moment = parse_moment(validation.get("at"), log.published_at)
            records.append(
                ArchiveRecord(
                    RecordKind.APPROVAL,
                    f"approbation-{log.pk}-{index}",
                    moment,
                    {"publication": f"publication-{log.pk}", **validation},
                )
            )
    for entry in AuditEntry.objects.filter(
        organisation=organisation, created_at__gte=start, created_at__lt=end
    ):
        if entry.action.startswith(_MODERATION_ACTIONS):
            records.append(
                ArchiveRecord(
                    RecordKind.MODERATION,
                    f"audit-{entry.pk}",
                    entry.created_at,
                    {
                        "action": entry.action,
                        "par": entry.actor_label,
                        "objet": entry.object_repr,
                        "avant": entry.before,
                        "apres": entry.after,
                    },
                )
            )
    return records


def _media_files(organisation: Organisation, start: datetime, end: datetime) -> list[Path]:
    """Media of the period's publications that are stored under MEDIA_ROOT (others are remote)."""
    root = Path(settings.MEDIA_ROOT).resolve()
    found: dict[Path, None] = {}
    for log in PublicationLog.objects.filter(
        organisation=organisation, published_at__gte=start, published_at__lt=end
    ):
        for media in log.media:
            raw = str(media.get("path") or "")
            if not raw:
                continue
            path = (root / raw).resolve()
            # Only files inside MEDIA_ROOT: a stored path never reaches elsewhere on the server.
            if path.is_file() and path.is_relative_to(root):
                found[path] = None
    return list(found)


@transaction.atomic
def archive_export(
    *,
    organisation: Organisation,
    actor: User | None,
    start: date,
    end: date,
    archival_agency: ArchiveParty,
    archival_agreement: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Build the BagIt/SEDA package of a period and return the path of its zip."""
    require(actor=actor, organisation=organisation, perm=Perm.EXPORT_DATA)
    if end < start:
        raise DomainError("La fin de la période précède son début.")
    now = now or timezone.now()
    tz = timezone.get_default_timezone()
    start_at = timezone.make_aware(datetime.combine(start, datetime.min.time()), tz)
    end_at = timezone.make_aware(datetime.combine(end + timedelta(days=1), datetime.min.time()), tz)
    records = _own_archive_records(organisation, start_at, end_at)
    for source in archive_sources():
        records.extend(source(organisation=organisation, start=start_at, end=end_at))
    request = ArchiveRequest(
        attachments=_media_files(organisation, start_at, end_at),
        organisation=ArchiveParty(organisation.code or organisation.slug, organisation.name),
        archival_agency=archival_agency,
        start=start,
        end=end,
        records=records,
        archival_agreement=archival_agreement,
    )
    exports = Path(settings.DATA_DIR) / "exports" / "archives" / organisation.slug
    exports.mkdir(parents=True, exist_ok=True)
    name = f"archives-{organisation.slug}-{start.isoformat()}-{end.isoformat()}-{now:%Y%m%d%H%M%S}"
    with tempfile.TemporaryDirectory(dir=exports) as work:
        bag = export_archive(request, Path(work) / name, now=now)
        target = zip_bag(bag, exports / f"{name}.zip")
    audit_record(
        actor=actor,
        organisation=organisation,
        action="compliance.archive.export",
        after={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "records": len(records),
            "file": target.name,
        },
    )
    return target
