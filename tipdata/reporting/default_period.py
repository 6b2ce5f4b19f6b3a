"""The period a page or a command opens on when none is asked for: where the figures are.

One rule for every front (issue 16: it was in ``web/routes/dashboard.py`` and
``web/routes/reports.py``, and the CLI had none):

* whoever sees internal figures (:func:`tipdata.reporting.audience.sees_internal_figures`:
  the NTF and the local operator) opens on the calendar year of the newest dated event,
  not on the current year, which is all zero until the year's exports arrive;
* every other reader of figures opens on what was released: the newest released period
  for the TIP tables, the newest released calendar year for the dashboard.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tipdata.access.policy import Acting, Actor, Policy, can
from tipdata.errors import TipdataError
from tipdata.reporting.audience import sees_internal_figures
from tipdata.reporting.releases import published_periods
from tipdata.store import Database, Event


class NothingReleased(TipdataError):
    """A reader asked for no period and nothing has been released yet."""

    def __init__(self) -> None:
        super().__init__("Not published: no figures have been released yet.")


def latest_year_with_data(db: Database, default: int | None = None) -> int:
    """The year of the newest dated event (where the figures are), else ``default``.

    Args:
        db: the database.
        default: the year when no event is dated (default: the current year).
    """
    with db.session() as session:
        newest = session.scalar(sa.select(sa.func.max(Event.event_date)))
    if newest is not None:
        return newest.year
    return default if default is not None else date.today().year


def _calendar_year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def default_report_period(
    db: Database, actor: Acting, policy: Policy | None = None
) -> tuple[date, date]:
    """The period of the TIP tables when none is asked for.

    Args:
        db: the database.
        actor: who reads (None or a label: the local operator).
        policy: the roles and permissions (default: the shipped policy).

    Returns:
        The year of the newest data for whoever sees internal figures; the newest
        released period for the other readers.

    Raises:
        NothingReleased: a reader of published figures, and nothing was released.
        AccessDenied: the actor may read no figures.
    """
    if sees_internal_figures(actor, policy):
        return _calendar_year(latest_year_with_data(db))
    assert isinstance(actor, Actor)
    released = published_periods(db, actor=actor)
    if not released:
        raise NothingReleased()
    return released[0].start, released[0].end


def default_dashboard_year(db: Database, actor: Acting, policy: Policy | None = None) -> int:
    """The calendar year the dashboard opens on when none is asked for.

    Returns:
        The newest released calendar year for a reader of published figures (when one
        was released); otherwise the year of the newest data.
    """
    if (
        isinstance(actor, Actor)
        and not sees_internal_figures(actor, policy)
        and can(actor, "reports:read_published", policy)
    ):
        years = [
            p.start.year
            for p in published_periods(db, actor=actor)
            if (p.start, p.end) == _calendar_year(p.start.year)
        ]
        if years:
            return max(years)
    return latest_year_with_data(db)
