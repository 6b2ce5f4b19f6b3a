"""Regional figures: persons counted by both countries, by role, through the release gate."""

from __future__ import annotations

from datetime import date

from tests.exchange.conftest import Border
from tipdata.exchange import load_agreement, load_keys, read_secret, receive, send
from tipdata.exchange.figures import COLUMNS, regional_figures
from tipdata.reporting.suppression import Table, audit, protect_table


def _exchange(border: Border) -> None:
    package = border.folder / "tha-2008.json"
    send(
        border.tha,
        load_agreement(border.agreement),
        load_keys(border.tha_keys),
        read_secret(border.secret),
        package,
        period_start=date(2008, 1, 1),
        period_end=date(2008, 12, 31),
    )
    receive(
        border.khm,
        package,
        load_agreement(border.agreement),
        load_keys(border.khm_keys),
        read_secret(border.secret),
    )


def test_the_figures_count_the_persons_both_sides_hold_by_role(border: Border) -> None:
    assert regional_figures(border.khm).countries == ()
    _exchange(border)
    figures = regional_figures(border.khm)
    assert figures.countries == ("THA",)
    victims, offenders, other = figures.counts[0]
    # the truth: persons both sides hold, by their (one) role
    roles = {record.person_key: record.role for record in border.pair.local}
    both = [roles[local] for _partner, local in border.pair.true_pairs()]
    true_victims, true_offenders = both.count("victim"), both.count("suspect")
    assert true_victims > 20 and true_offenders > 0
    assert 0.85 * true_victims <= victims <= true_victims
    assert offenders <= true_offenders
    assert other <= 0.1 * (victims + offenders + other)  # a role mismatch is a wrong link
    # the receiving side only: the sender learns nothing from the exchange
    assert regional_figures(border.tha).countries == ()


def test_the_release_gate_withholds_the_small_counts(border: Border) -> None:
    _exchange(border)
    figures = regional_figures(border.khm)
    table = Table.build("cross-border persons", figures.countries, COLUMNS, figures.counts)
    offenders = figures.counts[0][1]
    assert 1 <= offenders < 10
    protected = protect_table(table, threshold=10)
    published = protected.published()
    assert published[0][1] is None  # the small offender count is withheld
    assert audit(protected) == []
