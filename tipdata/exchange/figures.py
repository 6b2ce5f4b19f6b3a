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

Not counted yet: victims re-trafficked after repatriation, which needs the date of the
partner's record (not in the package; a coarse month would be a disclosure the agreement
must accept) beside this side's repatriation pathway.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from tipdata.store import CrossBorderExchange, CrossBorderLink, Database, PersonRecord

VICTIM = "victim"
OFFENDER = "suspect"

COLUMNS = ("victim in both", "offender in both", "other roles")
"""The columns of the regional table, in order; a person is in one of them (victim first),
so a row's total is the persons linked with that country."""


@dataclass(frozen=True)
class RegionalFigures:
    """Distinct persons per partner country and column (rows sorted by country)."""

    countries: tuple[str, ...]
    counts: tuple[tuple[int, int, int], ...]
    """Per country: victim in both, offender in both, other roles (see :data:`COLUMNS`)."""


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
                CrossBorderExchange.sender, CrossBorderLink.person_id, CrossBorderLink.partner_role
            )
            .join(CrossBorderExchange, CrossBorderExchange.id == CrossBorderLink.exchange_id)
            .where(CrossBorderExchange.status == "accepted")
        ).all()
        person_ids = {person_id for _sender, person_id, _role in links}
        local_roles: dict[int, set[str]] = defaultdict(set)
        for person_id, role in session.execute(
            sa.select(PersonRecord.person_id, PersonRecord.role).where(
                PersonRecord.person_id.in_(person_ids)
            )
        ):
            if role:
                local_roles[person_id].add(role)
    # per country, per person: the roles the partner gave them (a person may have several)
    partner_roles: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for sender, person_id, role in links:
        partner_roles[sender or "?"][person_id].add(role or "")
    countries = tuple(sorted(partner_roles))
    counts = []
    for country in countries:
        row = [0, 0, 0]
        for person_id, roles in partner_roles[country].items():
            if VICTIM in roles and VICTIM in local_roles[person_id]:
                row[0] += 1
            elif OFFENDER in roles and OFFENDER in local_roles[person_id]:
                row[1] += 1
            else:
                row[2] += 1
        counts.append((row[0], row[1], row[2]))
    return RegionalFigures(countries, tuple(counts))


__all__ = ["COLUMNS", "OFFENDER", "VICTIM", "RegionalFigures", "regional_figures"]
