"""Regional figures from the cross-border links, without identities.

Each accepted package leaves links on this side's persons: the partner country (the
package's sender), the partner's role for the person and this side's person. From them
this module counts, per partner country, the persons **both countries counted as
victims**, the persons **in both countries' cases as offenders** (suspect on both
sides) and the other linked persons (a victim here whom the partner holds as a witness,
...): one column each, so a row adds up to the persons linked with that country. A
person linked under two agreements counts once in each of their rows, so the total of a
column (which the release gate adds up) counts persons per partner country, as a
COMMIT-style table of pairwise exchanges does.

The counts are tables of persons like any other published figure: the fronts pass them
through the release gate (:func:`tipdata.reporting.suppression.protect_table`) before
anyone sees them (``tipdata exchange figures``). Nothing here names a person; a row is a
country, a cell a count.

The victims in both are split in two columns: those **re-trafficked after
repatriation** (this side has a dated ``returned``, ``repatriated``, ``handed_over`` or
``received`` event of theirs, and the partner, who holds them as a victim, dated a record
of theirs in a calendar quarter that began after that day) and the others. The partner's
quarter reaches this side only under an agreement that lists ``event_quarter`` as disclosed
(``agreement.EVENT_QUARTER``); under any other, no victim can be counted in the first
column. A record in the quarter of the return is not counted: it may be the same episode.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tipdata.model.enums import EventType
from tipdata.store import CrossBorderExchange, CrossBorderLink, Database, Event, PersonRecord

VICTIM = "victim"
OFFENDER = "suspect"

COLUMNS = (
    "victim in both, re-trafficked after repatriation",
    "victim in both, other",
    "offender in both",
    "other roles",
)
"""The columns of the regional table, in order; a person is in one of them (victim first),
so a row's total is the persons linked with that country, and the first two add up to the
victims both countries counted."""

RETURN_EVENTS = (
    EventType.RETURNED,
    EventType.REPATRIATED,
    EventType.HANDED_OVER,
    EventType.RECEIVED,
)


@dataclass(frozen=True)
class RegionalFigures:
    """Distinct persons per partner country and column (rows sorted by country)."""

    countries: tuple[str, ...]
    counts: tuple[tuple[int, int, int, int], ...]
    """Per country: victims in both re-trafficked after repatriation, other victims in
    both, offenders in both, other roles (see :data:`COLUMNS`)."""


def regional_figures(db: Database) -> RegionalFigures:
    """Count the persons linked across each border, by role on both sides.

    Args:
        db: this side's database (its accepted packages' links).

    Returns:
        The figures; no row when nothing was linked.
    """
    with db.session() as session:
        links = session.execute(
            sa.select(
                CrossBorderExchange.sender,
                CrossBorderLink.person_id,
                CrossBorderLink.partner_role,
                CrossBorderLink.partner_quarter,
            )
            .join(CrossBorderExchange, CrossBorderExchange.id == CrossBorderLink.exchange_id)
            .where(CrossBorderExchange.status == "accepted")
        ).all()
        person_ids = {person_id for _sender, person_id, _role, _quarter in links}
        local_roles: dict[int, set[str]] = defaultdict(set)
        for person_id, role in session.execute(
            sa.select(PersonRecord.person_id, PersonRecord.role).where(
                PersonRecord.person_id.in_(person_ids)
            )
        ):
            if role:
                local_roles[person_id].add(role)
        returned: dict[int, date] = {}
        for person_id, day in session.execute(
            sa.select(PersonRecord.person_id, sa.func.min(Event.event_date))
            .join(Event, Event.person_record_id == PersonRecord.id)
            .where(
                PersonRecord.person_id.in_(person_ids),
                Event.event_type.in_(RETURN_EVENTS),
                Event.event_date.is_not(None),
            )
            .group_by(PersonRecord.person_id)
        ):
            returned[person_id] = day
    # per country, per person: the roles the partner gave them (a person may have several)
    partner_roles: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    # per country, per person: the latest quarter in which the partner held them as a victim
    victim_quarter: dict[str, dict[int, str]] = defaultdict(dict)
    for sender, person_id, role, quarter in links:
        country = sender or "?"
        partner_roles[country][person_id].add(role or "")
        if role == VICTIM and quarter and quarter > victim_quarter[country].get(person_id, ""):
            victim_quarter[country][person_id] = quarter
    countries = tuple(sorted(partner_roles))
    counts = []
    for country in countries:
        row = [0, 0, 0, 0]
        for person_id, roles in partner_roles[country].items():
            if VICTIM in roles and VICTIM in local_roles[person_id]:
                quarter = victim_quarter[country].get(person_id)
                back = returned.get(person_id)
                again = quarter is not None and back is not None and _start(quarter) > back
                row[0 if again else 1] += 1
            elif OFFENDER in roles and OFFENDER in local_roles[person_id]:
                row[2] += 1
            else:
                row[3] += 1
        counts.append((row[0], row[1], row[2], row[3]))
    return RegionalFigures(countries, tuple(counts))


def _start(quarter: str) -> date:
    """The first day of a quarter written ``2008Q3``."""
    return date(int(quarter[:4]), 3 * (int(quarter[5]) - 1) + 1, 1)


__all__ = [
    "COLUMNS",
    "OFFENDER",
    "RETURN_EVENTS",
    "VICTIM",
    "RegionalFigures",
    "regional_figures",
]
