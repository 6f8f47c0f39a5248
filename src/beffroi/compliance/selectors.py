"""Reads of the compliance app, scoped by organisation; `draft_compliance` is the publishing hook."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from beffroi.compliance.accessibility import (
    AccessibilityPolicy,
    AccessibilityResult,
    AccountAccessibilityReport,
    Severity,
    account_report,
    check_variant,
)
from beffroi.compliance.elections import (
    Election,
    RestrictedPeriod,
    default_calendar,
    periods_for,
    upcoming_periods,
)
from beffroi.compliance.evidence import EvidenceEntry, EvidenceFile, Validation
from beffroi.compliance.guard import ElectionReview, Officials, review_draft
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
from beffroi.compliance.practice import PostRecord, PracticeComparison, compare_practice
from beffroi.compliance.rgpd import PersonQuery, PersonRecord, RetentionPolicy, find_person
from beffroi.core.domain import Network, OrganisationKind, Topic
from beffroi.core.models import Organisation
from beffroi.networks.types import Media, PostVariant

# --- election calendar ------------------------------------------------------------------------


def calendar_for(*, organisation: Organisation) -> list[Election]:
    """The shipped calendar with the organisation's own entries (same id replaces, disabled hides)."""
    entries = {
        e.election_id: e for e in ElectionCalendarEntry.objects.filter(organisation=organisation)
    }
    elections = [
        entries[e.id].to_election() if e.id in entries else e
        for e in default_calendar()
        if not (e.id in entries and entries[e.id].disabled)
    ]
    shipped = {e.id for e in default_calendar()}
    elections += [
        entry.to_election()
        for entry in entries.values()
        if entry.election_id not in shipped and not entry.disabled
    ]
    return sorted(elections, key=lambda e: e.first_round)


def calendar_entry_list(*, organisation: Organisation) -> QuerySet[ElectionCalendarEntry]:
    return ElectionCalendarEntry.objects.filter(organisation=organisation)


def periods_now(
    *, organisation: Organisation, when: date | datetime | None = None
) -> list[RestrictedPeriod]:
    return periods_for(
        OrganisationKind(organisation.kind),
        when or timezone.now(),
        calendar_for(organisation=organisation),
    )


def periods_upcoming(
    *, organisation: Organisation, when: date | datetime | None = None
) -> list[RestrictedPeriod]:
    return upcoming_periods(
        OrganisationKind(organisation.kind),
        when or timezone.now(),
        calendar_for(organisation=organisation),
    )


def officials_for(*, organisation: Organisation) -> Officials:
    rows = ElectedOfficial.objects.filter(organisation=organisation, may_be_candidate=True)
    return Officials(
        names=tuple(r.name for r in rows),
        handles=tuple(h for r in rows for h in r.handle_list()),
    )


def official_list(*, organisation: Organisation) -> QuerySet[ElectedOfficial]:
    return ElectedOfficial.objects.filter(organisation=organisation)


# --- policies ---------------------------------------------------------------------------------


def accessibility_policy_for(*, organisation: Organisation) -> AccessibilityPolicy:
    row = AccessibilitySettings.objects.filter(organisation=organisation).first()
    return row.to_policy() if row else AccessibilityPolicy()


def retention_policy_for(*, organisation: Organisation) -> RetentionPolicy:
    """The organisation's choices over the deployment's defaults (setting BEFFROI_RETENTION_DAYS,
    e.g. {"listening_mentions": 60}) over Beffroi's defaults (rgpd.DEFAULT_RETENTION_DAYS)."""
    from django.conf import settings

    row = RetentionSettings.objects.filter(organisation=organisation).first()
    defaults = dict(getattr(settings, "BEFFROI_RETENTION_DAYS", {}) or {})
    return RetentionPolicy.from_dict({**defaults, **(row.days if row else {})})


# --- the publishing hook ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftCompliance:
    """Everything compliance says of a draft: election period and accessibility of each variant."""

    election: ElectionReview
    accessibility: dict[Network, AccessibilityResult] = field(default_factory=dict)
    # During a restricted period: the draft against the account's practice before the period.
    practice: PracticeComparison | None = None

    @property
    def refused(self) -> bool:
        return self.election.refused

    @property
    def accessibility_blocked(self) -> bool:
        return any(r.blocked for r in self.accessibility.values())

    @property
    def blocked(self) -> bool:
        return self.refused or self.accessibility_blocked

    @property
    def needs_second_validation(self) -> bool:
        return self.election.needs_second_validation

    @property
    def needs_justification(self) -> bool:
        return self.election.needs_justification

    def reasons(self) -> list[str]:
        """What blocks or must be justified, in French."""
        out = self.election.reasons()
        for network, result in self.accessibility.items():
            out += [
                f"{network.label} — {i.message}"
                for i in result.issues
                if i.severity is Severity.BLOCK
            ]
        return out

    def warnings(self) -> list[str]:
        practice = (
            [f"Pratique habituelle — {f}" for f in self.practice.findings] if self.practice else []
        )
        return practice + [
            f"{network.label} — {i.message}"
            for network, result in self.accessibility.items()
            for i in result.issues
            if i.severity is Severity.WARN
        ]


def draft_compliance(
    *,
    organisation: Organisation,
    text: str,
    planned_at: datetime | None,
    variants: Sequence[PostVariant] = (),
    sponsored: bool = False,
    topic: str = "",
) -> DraftCompliance:
    """Review a draft planned for `planned_at` (now when not scheduled yet)."""
    when = planned_at or timezone.now()
    alt_texts = [m.alt_text for v in variants for m in v.media if m.alt_text]
    election = review_draft(
        text="\n".join([text, *(v.text for v in variants)]),
        org_kind=OrganisationKind(organisation.kind),
        when=when,
        officials=officials_for(organisation=organisation),
        sponsored=sponsored or any(v.sponsored for v in variants),
        alt_texts=alt_texts,
        calendar=calendar_for(organisation=organisation),
    )
    policy = accessibility_policy_for(organisation=organisation)
    accessibility = {v.network: check_variant(v, policy) for v in variants}
    practice = None
    if election.periods:
        practice = practice_for(
            organisation=organisation,
            period=election.periods[0],
            now=when,
            draft=PostRecord(when, text, Topic(topic) if topic in _TOPICS else None),
        )
    return DraftCompliance(election=election, accessibility=accessibility, practice=practice)


def draft_review_list(
    *, organisation: Organisation, flagged_only: bool = False
) -> QuerySet[DraftReview]:
    rows = DraftReview.objects.filter(organisation=organisation)
    if flagged_only:
        rows = rows.filter(Q(refused=True) | Q(accessibility_blocked=True) | ~Q(flags=[]))
    return rows


# --- publication log: evidence and accessibility report ----------------------------------------


def _variant(log: PublicationLog) -> PostVariant:
    media = tuple(
        Media(
            path=str(m.get("path", "")),
            mime_type=str(m.get("mime_type", "")),
            alt_text=str(m.get("alt_text", "")),
            captions_path=m.get("captions_path") or None,
        )
        for m in log.media
    )
    return PostVariant(
        network=Network(log.network), text=log.text, media=media, sponsored=log.sponsored
    )


def publication_log_list(
    *, organisation: Organisation, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[PublicationLog]:
    rows = PublicationLog.objects.filter(organisation=organisation)
    if start is not None:
        rows = rows.filter(published_at__gte=start)
    if end is not None:
        rows = rows.filter(published_at__lt=end)
    return rows


def accessibility_reports(
    *, organisation: Organisation, since: datetime | None = None
) -> list[AccountAccessibilityReport]:
    """One report per (network, account) over the publications logged since `since` (90 days)."""
    since = since or timezone.now() - timedelta(days=90)
    policy = accessibility_policy_for(organisation=organisation)
    by_account: dict[tuple[str, str], list[tuple[str, PostVariant]]] = {}
    for log in publication_log_list(organisation=organisation, start=since).order_by(
        "published_at"
    ):
        by_account.setdefault((log.network, log.account), []).append((str(log.pk), _variant(log)))
    return [
        account_report(f"{Network(network).label} {account}", posts, policy)
        for (network, account), posts in sorted(by_account.items())
    ]


_TOPICS = frozenset(t.value for t in Topic)


def _paris_midnight(day: date) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, datetime.min.time()), timezone.get_default_timezone()
    )


def practice_for(
    *,
    organisation: Organisation,
    period: RestrictedPeriod,
    now: datetime | None = None,
    draft: PostRecord | None = None,
) -> PracticeComparison:
    """Posts of the six months before the period against the period so far."""
    now = now or timezone.now()
    start = _paris_midnight(period.start)
    end = min(now, _paris_midnight(period.end) + timedelta(days=1))
    baseline_start = start - timedelta(days=182)
    posts = [
        PostRecord(log.published_at, log.text, Topic(log.topic) if log.topic in _TOPICS else None)
        for log in publication_log_list(organisation=organisation, start=baseline_start, end=end)
    ]
    return compare_practice(
        posts, period_start=start, now=end, baseline_start=baseline_start, draft=draft
    )


def evidence_file_for(
    *, organisation: Organisation, period: RestrictedPeriod, now: datetime | None = None
) -> EvidenceFile:
    now = now or timezone.now()
    start = _paris_midnight(period.start)
    end = _paris_midnight(period.end) + timedelta(days=1)
    entries = tuple(
        EvidenceEntry(
            published_at=log.published_at,
            network=log.network,
            account=log.account,
            text=log.text,
            url=log.url or None,
            remote_id=log.remote_id or None,
            sponsored=log.sponsored,
            flags=tuple(str(f) for f in log.flags),
            validations=tuple(_validation(v, log.published_at) for v in log.validations),
            justification=log.justification,
            draft_id=log.draft_ref or None,
        )
        for log in publication_log_list(organisation=organisation, start=start, end=end).order_by(
            "published_at"
        )
    )
    return EvidenceFile(
        organisation=organisation.name,
        period=period,
        entries=entries,
        generated_at=now,
        practice=practice_for(organisation=organisation, period=period, now=now),
    )


def parse_moment(value: object, fallback: datetime) -> datetime:
    """A stored ISO 8601 moment, or `fallback` when it is missing or malformed."""
    if isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return fallback
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return fallback


def _validation(raw: dict[str, Any], fallback: datetime) -> Validation:
    moment = parse_moment(raw.get("at"), fallback)
    return Validation(
        by=str(raw.get("by", "")),
        role=str(raw.get("role", "")),
        at=moment,
        decision=str(raw.get("decision", "approved")),
        comment=str(raw.get("comment", "")),
    )


# --- RGPD ---------------------------------------------------------------------------------------


def rgpd_config(*, organisation: Organisation) -> dict[str, Any]:
    """The configuration dict that `privacy_notice` and `register_entry` read."""
    from beffroi.core.models import NetworkAccount

    row = RetentionSettings.objects.filter(organisation=organisation).first()
    networks = sorted(
        {
            a.network
            for a in NetworkAccount.objects.filter(organisation=organisation)
            if a.network != Network.SANDBOX
        }
    )
    return {
        "organisation": {"name": organisation.name, "address": row.address if row else ""},
        "contact_email": row.contact_email if row else "",
        "dpo": {"email": row.dpo_email if row else ""},
        "networks": networks,
        "retention": row.days if row else {},
        "processors": [
            p.strip() for p in (row.processors if row else "").splitlines() if p.strip()
        ],
    }


def purge_run_list(*, organisation: Organisation) -> QuerySet[PurgeRun]:
    return PurgeRun.objects.filter(organisation=organisation)


def erasure_request_list(*, organisation: Organisation) -> QuerySet[ErasureRequest]:
    return ErasureRequest.objects.filter(organisation=organisation)


def erasure_request_get(*, organisation: Organisation, request_id: int) -> ErasureRequest:
    return ErasureRequest.objects.get(organisation=organisation, pk=request_id)


def person_query(request: ErasureRequest) -> PersonQuery:
    return PersonQuery(
        handles=tuple((Network(n) if n else None, str(h)) for n, h in request.handles),
        remote_ids=tuple((Network(n), str(r)) for n, r in request.remote_ids),
    )


def _bare_names(query: PersonQuery) -> set[str]:
    """Lower-case cores of the handles ("marie" for "@Marie@piaille.fr"), to narrow the search."""
    names = set()
    for _, handle in query.handles:
        core = handle.strip().rstrip("/").split("/")[-1].lstrip("@").split("@")[0]
        if core:
            names.add(core.lower())
    return names


@dataclass(frozen=True, slots=True)
class FoundRecord:
    spec: PersonalDataSpec
    record: PersonRecord


def person_records(
    *,
    organisation: Organisation,
    query: PersonQuery,
    specs: Iterable[PersonalDataSpec] | None = None,
) -> list[FoundRecord]:
    """Every stored row of the organisation that belongs to the person, across declared sources."""
    found: list[FoundRecord] = []
    names = _bare_names(query)
    for spec in personal_data_specs() if specs is None else specs:
        if not spec.identifies_people:
            continue
        model = spec.model_class()
        rows = model._default_manager.filter(**{spec.organisation_field: organisation})
        narrow = Q(pk__in=[])
        if spec.handle_field:
            for name in names:
                narrow |= Q(**{f"{spec.handle_field}__icontains": name})
        if spec.remote_id_field:
            ids = [r for _, r in query.remote_ids]
            if ids:
                narrow |= Q(**{f"{spec.remote_id_field}__in": ids})
        candidates = []
        for row in rows.filter(narrow):
            network = Network(getattr(row, spec.network_field)) if spec.network_field else None
            if network is None:
                continue
            candidates.append(
                PersonRecord(
                    network=network,
                    handle=str(getattr(row, spec.handle_field) or "") if spec.handle_field else "",
                    record_kind=spec.kind,
                    record_id=str(row.pk),
                    remote_id=str(getattr(row, spec.remote_id_field) or "")
                    if spec.remote_id_field
                    else "",
                    instance=str(getattr(row, spec.instance_field) or "") or None
                    if spec.instance_field
                    else None,
                )
            )
        found += [FoundRecord(spec, r) for r in find_person(query, candidates)]
    return found


def access_export(*, organisation: Organisation, request: ErasureRequest) -> dict[str, Any]:
    """The data held on the person, for an access request (RGPD art. 15)."""
    from django.forms.models import model_to_dict

    items = []
    for item in person_records(organisation=organisation, query=person_query(request)):
        row = item.spec.model_class()._default_manager.get(pk=item.record.record_id)
        data = {
            k: (v.isoformat() if isinstance(v, datetime | date) else v)
            for k, v in model_to_dict(row).items()
        }
        items.append({"source": item.spec.label, "type": item.spec.kind.value, "donnees": data})
    return {
        "organisation": organisation.name,
        "demande": request.pk,
        "genere_le": timezone.now().isoformat(),
        "pseudonymes_fournis": [h for _, h in request.handles],
        "donnees": items,
    }
