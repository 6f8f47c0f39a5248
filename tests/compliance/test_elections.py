"""The restricted period of Code électoral L52-1, for each kind of election and organisation."""

from datetime import UTC, date, datetime

import pytest

from beffroi.compliance.elections import (
    CONCERNS,
    CalendarStatus,
    Concern,
    Election,
    ElectionKind,
    default_calendar,
    is_restricted,
    load_calendar,
    periods_for,
    restricted_period,
    sponsoring_decision,
    upcoming_periods,
)
from beffroi.core.domain import OrganisationKind


def by_id(election_id: str) -> Election:
    return next(e for e in default_calendar() if e.id == election_id)


@pytest.mark.parametrize(
    ("election_id", "start", "end"),
    [
        # Two rounds: from 1 September 2025 to the second round (22 March 2026).
        ("municipales-2026", date(2025, 9, 1), date(2026, 3, 22)),
        ("communautaires-2026", date(2025, 9, 1), date(2026, 3, 22)),
        ("presidentielle-2027", date(2026, 10, 1), date(2027, 4, 25)),
        ("departementales-2028", date(2027, 9, 1), date(2028, 3, 19)),
        ("regionales-2028", date(2027, 9, 1), date(2028, 3, 19)),
        # One round: the period ends on the day of the vote.
        ("europeennes-2029", date(2028, 12, 1), date(2029, 6, 10)),
        ("legislatives-2029", date(2028, 12, 1), date(2029, 6, 24)),
        ("municipales-2032", date(2031, 9, 1), date(2032, 3, 21)),
    ],
)
def test_period_of_each_election_in_the_calendar(election_id, start, end):
    assert restricted_period(by_id(election_id)) == (start, end)


def test_every_kind_of_election_is_in_the_calendar_with_a_source():
    kinds = {e.kind for e in default_calendar()}
    assert kinds == set(ElectionKind)
    assert all(e.source for e in default_calendar())
    assert by_id("municipales-2026").status is CalendarStatus.OFFICIAL
    assert by_id("presidentielle-2027").status is CalendarStatus.FORECAST


def test_the_sixth_month_before_crosses_the_year():
    january = Election("x", ElectionKind.LEGISLATIVES, (date(2030, 1, 13), date(2030, 1, 20)))
    assert restricted_period(january) == (date(2029, 7, 1), date(2030, 1, 20))


def test_rounds_must_be_in_order():
    with pytest.raises(ValueError):
        Election("x", ElectionKind.MUNICIPALES, (date(2026, 3, 22), date(2026, 3, 15)))


def test_boundaries_of_the_municipal_period():
    commune = OrganisationKind.COMMUNE
    assert not is_restricted(commune, date(2025, 8, 31))
    assert is_restricted(commune, date(2025, 9, 1))
    assert is_restricted(commune, date(2026, 3, 22))
    # 23 March 2026 is after the municipales and before the présidentielle period (1 October 2026).
    assert not is_restricted(commune, date(2026, 3, 23))


def test_a_utc_moment_is_read_as_a_paris_day():
    # 31 August 2025 at 22:30 UTC is already 1 September in Paris.
    assert is_restricted(OrganisationKind.COMMUNE, datetime(2025, 8, 31, 22, 30, tzinfo=UTC))
    assert not is_restricted(OrganisationKind.COMMUNE, datetime(2025, 8, 31, 21, 30, tzinfo=UTC))


def test_direct_and_territorial_concern_per_kind():
    assert CONCERNS[OrganisationKind.COMMUNE][ElectionKind.MUNICIPALES] is Concern.DIRECT
    assert CONCERNS[OrganisationKind.EPCI][ElectionKind.COMMUNAUTAIRES] is Concern.DIRECT
    assert CONCERNS[OrganisationKind.DEPARTEMENT][ElectionKind.DEPARTEMENTALES] is Concern.DIRECT
    assert CONCERNS[OrganisationKind.REGION][ElectionKind.REGIONALES] is Concern.DIRECT
    assert CONCERNS[OrganisationKind.REGION][ElectionKind.MUNICIPALES] is Concern.TERRITORY
    assert CONCERNS[OrganisationKind.COMMUNE][ElectionKind.PRESIDENTIELLE] is Concern.TERRITORY


def test_periods_in_force_list_direct_concerns_first():
    # February 2028: départementales and régionales run for everyone.
    periods = periods_for(OrganisationKind.DEPARTEMENT, date(2028, 2, 1))
    assert [p.election.id for p in periods] == ["departementales-2028", "regionales-2028"]
    assert [p.concern for p in periods] == [Concern.DIRECT, Concern.TERRITORY]
    assert "L52-1" in periods[0].describe()


def test_today_a_presidential_period_is_in_force_for_every_kind():
    for kind in OrganisationKind:
        ids = [p.election.id for p in periods_for(kind, date(2026, 11, 28))]
        assert ids == ["presidentielle-2027"]


def test_a_by_election_forbids_paid_advertising_but_not_promotion():
    partial = Election(
        "partielle", ElectionKind.MUNICIPALES, (date(2027, 6, 6), date(2027, 6, 13)), general=False
    )
    (period,) = periods_for(OrganisationKind.COMMUNE, date(2027, 2, 1), [partial])
    assert not period.promotion_ban


def test_sponsoring_is_refused_during_the_period_with_the_reason():
    refused = sponsoring_decision(OrganisationKind.COMMUNE, date(2026, 1, 10))
    assert not refused.allowed
    assert "Municipales" in refused.reason or "municipales" in refused.reason
    assert "L52-1" in refused.reason
    allowed = sponsoring_decision(OrganisationKind.COMMUNE, date(2026, 5, 1))
    assert allowed.allowed and allowed.reason == ""


def test_an_edited_calendar_is_read_from_json():
    text = """{"elections": [{"id": "test", "kind": "regionales", "label": "Régionales test",
      "rounds": ["2030-03-10", "2030-03-17"], "status": "previsionnel", "source": "essai"}]}"""
    (election,) = load_calendar(text)
    assert restricted_period(election) == (date(2029, 9, 1), date(2030, 3, 17))
    assert is_restricted(OrganisationKind.REGION, date(2029, 12, 1), [election])
    assert not is_restricted(OrganisationKind.REGION, date(2029, 8, 31), [election])


def test_upcoming_periods_are_sorted_by_start():
    upcoming = upcoming_periods(OrganisationKind.COMMUNE, date(2026, 11, 28))
    starts = [p.start for p in upcoming]
    assert starts == sorted(starts)
    assert upcoming[0].election.id == "presidentielle-2027"
