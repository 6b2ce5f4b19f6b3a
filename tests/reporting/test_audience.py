"""Who sees which figures and releases: rules the web's publication pages held (issue 16)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tipdata.access.policy import Actor, default_policy
from tipdata.reporting.audience import may_trace_figures, sees_every_release
from tipdata.reporting.explain import Unit
from tipdata.reporting.releases import ReleaseInfo, replaced_releases

ROLES = ("ntf_data_officer", "statistics_reader", "molvt_officer", "auditor", "police_analyst")


def _actor(role: str, province_code: str | None = None) -> Actor:
    return Actor(user_id=1, username=role, role=role, agency_id=1, province_code=province_code)


def test_who_sees_every_release_and_who_may_trace_a_figure() -> None:
    policy = default_policy()
    every = {role: sees_every_release(_actor(role), policy) for role in ROLES}
    assert every == {
        "ntf_data_officer": True,
        "statistics_reader": False,
        "molvt_officer": False,
        "auditor": True,
        "police_analyst": False,
    }
    trace = {role: may_trace_figures(_actor(role)) for role in ROLES}
    # the police analyst reads persons, but only its agency's: a national figure is not theirs
    assert trace == {
        "ntf_data_officer": True,
        "statistics_reader": False,
        "molvt_officer": False,
        "auditor": False,
        "police_analyst": False,
    }
    assert sees_every_release(None) and may_trace_figures("operator")  # the CLI


def test_a_release_of_a_period_released_again_names_the_one_that_replaced_it() -> None:
    def release(release_id: int, kind: str, year: int) -> ReleaseInfo:
        return ReleaseInfo(
            release_id, kind, date(year, 1, 1), date(year, 12, 31), ("t",), 10, None, "d", {},
            "ntf", datetime(2009, 1, release_id, tzinfo=UTC),
        )  # fmt: skip

    releases = [
        release(1, "tip_report", 2008),
        release(2, "sdg_16_2_2", 2008),
        release(3, "tip_report", 2008),
        release(4, "tip_report", 2007),
        release(5, "tip_report", 2008),
    ]
    assert replaced_releases(releases) == {1: 3, 3: 5}


def test_a_unit_of_a_figure_is_named_by_its_public_id_or_its_record() -> None:
    assert Unit(7, "P-0007", ()).label == "P-0007"
    assert Unit(-12, None, ()).label == "record 12"  # a record no person holds yet
    assert Unit(31, None, ()).label == "31"  # a case or a charge
