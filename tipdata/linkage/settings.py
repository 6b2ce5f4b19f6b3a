"""The Splink model of tipdata: comparisons, blocking rules and unsupervised training.

:func:`linkage_settings` builds the settings from the columns of the linkage table
(:mod:`tipdata.linkage.features`). The same settings run on DuckDB and on Spark:
comparison levels use only Splink's level library and plain SQL (``abs``,
``greatest``, ``=``), which both dialects translate.

Blocking on name keys alone explodes on Khmer names (a few hundred common syllables
make most names), so every rule combines a name key with province, birth year or
sex; :data:`BLOCKING_RULES` are measured by :func:`count_pairs_by_rule`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator
from splink.blocking_analysis import count_comparisons_from_blocking_rules
from splink.blocking_rule_library import CustomRule
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.exceptions import SplinkException

log = logging.getLogger(__name__)

MODEL_VERSION = "tipdata-linkage-7"
"""Version of the comparisons and blocking rules; stored with every trained model."""

DEFAULT_SEED = 20_081_231
"""Seed of the random sampling that estimates u probabilities (same seed, same model)."""

U_SAMPLE_PAIRS = 2_000_000
"""Random pairs drawn to estimate u probabilities (Splink recommends 1e6 to 1e7)."""

OTHER_ROLES = "('returnee', 'migrant_worker')"
"""Roles of people screened at the border or leaving to work: most records, rarely twice."""

BOTH_VICTIMS = "l.role = 'victim' AND r.role = 'victim'"
BOTH_SUSPECTS = "l.role IN ('suspect', 'convicted') AND r.role IN ('suspect', 'convicted')"


def _rule(*columns: str, where: str) -> CustomRule:
    """A blocking rule: equal ``columns`` and a condition on the pair's roles."""
    equal = " AND ".join(f"l.{column} = r.{column}" for column in columns)
    return CustomRule(f"{equal} AND {where}")


def _not_both_other(*columns: str) -> tuple[CustomRule, ...]:
    """Equal ``columns``, never two returnees or workers: three rules, one per side mix.

    One rule ``NOT (l.role IN (...) AND r.role IN (...))`` gives the same pairs, but the
    database must first join every record of a block with every other (31 M rows at
    scale 10 for the sorted key and province) and filter after; with a condition on
    each side alone it filters both sides before the join.
    """
    core, other = f"NOT IN {OTHER_ROLES}", f"IN {OTHER_ROLES}"
    return (
        _rule(*columns, where=f"l.role {core} AND r.role {core}"),
        _rule(*columns, where=f"l.role {core} AND r.role {other}"),
        _rule(*columns, where=f"l.role {other} AND r.role {core}"),
    )


def _not_both_other_years(key: str) -> tuple[CustomRule, ...]:
    """Equal ``key`` with birth years one year apart, as :func:`_not_both_other` rules.

    ``l.birth_year = r.birth_year_low`` (and the mirror) pairs an age's upper end with
    the other's lower end; equal lower ends catch the rest of the one-year shifts.
    """
    core, other = f"NOT IN {OTHER_ROLES}", f"IN {OTHER_ROLES}"
    mixes = (
        f"l.role {core} AND r.role {core}",
        f"l.role {core} AND r.role {other}",
        f"l.role {other} AND r.role {core}",
    )
    years = (
        "l.birth_year = r.birth_year_low",
        "l.birth_year_low = r.birth_year",
        "l.birth_year_low = r.birth_year_low",
    )
    return tuple(
        CustomRule(f"l.{key} = r.{key} AND {year} AND {mix}") for year in years for mix in mixes
    )


def _same_country(*conditions: str) -> CustomRule:
    """A blocking rule: ``conditions`` and the same country of labour migration."""
    return CustomRule(" AND ".join((*conditions, "l.destination_country = r.destination_country")))


MIGRATION_BLOCKING: tuple[CustomRule, ...] = (
    _same_country("l.name_sorted_key = r.name_sorted_key", "l.birth_year = r.birth_year"),
    _same_country("l.name_sorted_key = r.name_sorted_key", "l.birth_year_low = r.birth_year_low"),
    _same_country("l.name_sorted_key = r.name_sorted_key", "l.birth_year = r.birth_year_low"),
    _same_country("l.name_sorted_key = r.name_sorted_key", "l.birth_year_low = r.birth_year"),
    _same_country("l.name_sorted_key = r.name_sorted_key", "l.province_code = r.province_code"),
    _same_country("l.name_skeleton_key = r.name_skeleton_key", "l.province_code = r.province_code"),
    *(
        _same_country("l.name_skeleton_key = r.name_skeleton_key", years, "l.sex = r.sex")
        for years in (
            "l.birth_year = r.birth_year",
            "l.birth_year = r.birth_year_low",
            "l.birth_year_low = r.birth_year",
        )
    ),
    *(
        _same_country(
            f"l.{key} = r.{key}",
            "l.birth_decade = r.birth_decade",
            "l.province_code = r.province_code",
        )
        for key in ("name_first_key", "name_last_key")
    ),
)
"""Candidate pairs between records of one country of labour migration (any roles): the
same order-insensitive name key with birth years equal or a year apart (an age the
hotline caller guessed against a passport's date of birth), or with the province (no
birth year at all); the consonant skeleton (a deportation list's spelling of a
name) with the province, or with the birth year and sex; one name word with birth
decade and province (a typo in the other word). On the demo at scale 1.0 they add
about 13,000 candidate pairs to 131,500 and take the blocked share of the migration
pairs from 0.70 to 0.99 (``benchmarks/bench_linkage.py demo --scale 1`` prints each
rule's pairs)."""


BLOCKING_RULES: tuple[Any, ...] = (
    *_not_both_other("name_sorted_key", "province_code"),
    *_not_both_other("name_sorted_key", "birth_year"),
    *_not_both_other("name_sorted_key", "birth_year_low"),
    *_not_both_other("name_letters_key", "province_code"),
    *_not_both_other("name_letters_key", "birth_year"),
    *_not_both_other("name_skeleton_key", "birth_year"),
    # The skeleton with birth years a year apart (ages written a year apart, one of them
    # an age's two-year range): both ends, and the lower ends equal.
    *_not_both_other_years("name_skeleton_key"),
    # Coarse: among victims and suspects only (with a returnee side it tripled the
    # records an incremental run decrypts at scale 10).
    _rule(
        "name_skeleton_key",
        "province_code",
        "birth_decade",
        where=f"l.role NOT IN {OTHER_ROLES} AND r.role NOT IN {OTHER_ROLES}",
    ),
    *_not_both_other("name_first_key", "province_code", "birth_year"),
    *_not_both_other("name_last_key", "province_code", "birth_year"),
    _rule("name_first_key", "province_code", where=BOTH_VICTIMS),
    _rule("name_last_key", "province_code", where=BOTH_VICTIMS),
    _rule("name_first_key", "birth_decade", where=BOTH_VICTIMS),
    _rule("name_last_key", "birth_decade", where=BOTH_VICTIMS),
    _rule("name_first_key", where=BOTH_SUSPECTS),
    _rule("name_last_key", where=BOTH_SUSPECTS),
    # The same identity document, whoever holds it: the worker who departed is the
    # returnee who came back, the victim, the later defendant.
    CustomRule("l.document_key = r.document_key"),
    # The same contact, whoever gave it (null unless the agency records one).
    CustomRule("l.contact_key = r.contact_key"),
    # The same full date of birth, between victims, whatever the names (a name written
    # two ways with no word in common); null unless both records carry a full date.
    _rule("birth_day", "birth_year", where=BOTH_VICTIMS),
    # Between victims: the same name whatever the birth year and province (a record
    # with neither), and one word with the same village or district.
    _rule("name_sorted_key", where=BOTH_VICTIMS),
    _rule("name_first_key", "place_village", where=BOTH_VICTIMS),
    _rule("name_last_key", "place_village", where=BOTH_VICTIMS),
    _rule("name_first_key", "place_district", where=BOTH_VICTIMS),
    _rule("name_last_key", "place_district", where=BOTH_VICTIMS),
    # Returnees and workers with each other, on strict keys only (they are most records).
    _rule(
        "name_sorted_key",
        "birth_year_low",
        "birth_year_high",
        "sex",
        "province_code",
        where=f"l.role IN {OTHER_ROLES} AND r.role IN {OTHER_ROLES}",
    ),
    # The same country of labour migration, whatever the roles: the worker who departed
    # for Malaysia is the one Malaysia deported, the family called the hotline about, an
    # NGO screened on return. The country cuts the returnees and workers to those of one
    # destination (border returnees and most victims record none), so looser name keys
    # cost little (see MIGRATION_BLOCKING).
    *MIGRATION_BLOCKING,
)
"""Candidate pairs. No pair of roles is excluded: the worker who departs is the person
who comes back, is identified as a victim, or later recruits others. But returnees and
workers are nine records in ten, rarely recorded twice, so most rules pair them only
with victims and suspects (each written as three rules, one per side mix, so the
database filters both sides before the join), and they meet each other on strict keys
only: the same identity document (any roles), or the same order-insensitive name,
birth-year range, sex and province. Looser keys between them (the consonant skeleton;
no province, as departure lists often record none) doubled what an incremental run
decrypts at scale 10 and found nothing more on the unseen migration set. The
others: the same order-insensitive key, letters key (``Srey Mom`` / ``Sreymom``) or
consonant skeleton with province or birth year (either end of an age's two-year range);
one word key with province and birth year (a typo in the other word). Victims and
suspects, few and recorded by several agencies (courts record no province and often no
sex), are also paired on one word key with province or birth decade (victims) or alone
(suspects)."""

EM_BLOCKING_RULES: tuple[str, ...] = (
    "l.name_first_key = r.name_first_key AND l.role = 'victim' AND r.role = 'victim'",
)
"""Rule of the EM session. EM needs pairs among which matches are common, or it finds
no match class: returnees screened at the border and departing workers (most records)
are rarely recorded twice, victims are recorded by police, MOSAVY, shelters and
courts. So EM pairs victims on a name word and estimates birth year, sex and province
(names and roles are fixed, see :data:`NAME_M`). A second session on birth year and
province, which only re-estimated sex once names were fixed, was dropped."""


def _name_m(m_probability: float) -> dict[str, Any]:
    """A fixed m probability (see :data:`NAME_M`)."""
    return {"m_probability": m_probability, "fix_m_probability": True}


NAME_M: dict[str, float] = {
    "exact": 0.165,
    "key": 0.28,
    "swapped": 0.26,
    "jw95": 0.175,
    "jw88": 0.05,
    "skeleton": 0.03,
    "one_word": 0.02,
    "else": 0.02,
}
"""Fixed m probabilities of the name levels: the share of labelled matching pairs at
each level, by Splink's ``estimate_m_from_pairwise_labels`` on the demo data at scale
1.0 and seed 2 (1,963 pairs; ``benchmarks/bench_linkage.py m-from-labels --seed 2``).
Accuracy is measured on seed 1 (other people, other records). Labels gave "one word in
common" 0.006 and "else" 0.010; both are raised to 0.02, since the demo generator's
variants are fewer than real clerks' (a name written from hearing, a nickname): a model
sure that names always agree closely cannot link the rest.

Why fixed, not estimated by EM: on this data EM finds no match class for names (about
1 pair in 10 million matches, and EM on victim pairs blocked on birth year and
province converged to "same birth year and province" with m = 0.79 for "names
differ"). The demo generator's name variants stand for how clerks write one name;
with real deliveries, re-estimate from reviewers' "same" decisions (pairwise labels)."""

ROLE_M: dict[str, float] = {
    "victims": 0.48,
    "suspects": 0.043,
    "victim_other": 0.175,
    "worker_returnee": 0.125,
    "others": 0.157,
    "else": 0.02,
}
"""Fixed m probabilities of the role levels: the share of labelled matching pairs at each
level (``benchmarks/bench_linkage.py m-from-labels --seed 2``, the demo with its
labour-migration files: 3,989 pairs): both victims 0.487, both suspects 0.043, victim
and returnee or worker 0.177, worker and returnee 0.127, both returnees or both workers
0.160 (a departure, the company's status report and the hotline calls about one
worker), the rest 0.006, raised to 0.02 (a recruiter's departure and trial) with the
others scaled to the rest. Model 5 guessed 0.10 and 0.05 for the two worker levels:
the demo then had no worker who came back. Two returnees with one name, birth year, sex
and province still score far below the threshold on the national database (the prior
is 20 bits down): the worker's pairs are found with the country of migration
(:data:`COUNTRY_M`) and the documents."""


ROLE_LABELS: dict[str, str] = {
    "both victims": "victims",
    "both suspects": "suspects",
    "victim and returnee or worker": "victim_other",
    "worker and returnee": "worker_returnee",
    "both returnees or both workers": "others",
    "All other comparisons": "else",
}
"""Label of each role level -> its key in :data:`ROLE_M`."""

ROLE_U_NATIONAL: dict[str, float] = {
    "victims": 3.71e-4,
    "suspects": 7.5e-6,
    "victim_other": 0.0382,
    "worker_returnee": 0.2444,
    "others": 0.7111,
    "else": 0.0060,
}
"""u of the role levels in the database :data:`ROLE_M` was measured on (the national
demo, scale 1.0: ``default_model.json``): the mix of roles those m values go with."""


def role_m_for_mix(u_of_level: dict[str, float | None]) -> dict[str, float]:
    """m of the role levels for a database whose role mix (u per level) is ``u_of_level``.

    :data:`ROLE_M` is the share of matching pairs at each level in the national
    database, where nine records in ten are returnees or workers: "both victims" is
    0.48 of the matches against 4e-4 of random pairs (+10 bits). In a shelter's or a
    court's register every record is a victim: every pair, matching or not, is "both
    victims", so the level says nothing (0 bits), whereas the national m gave every
    pair of such a database -1 bit (0.48 against 1). What carries over from one
    database to another is how much likelier one person's two records are to fall at a
    level than two random records, not the share itself: m of a level is taken
    proportional to its national m times this database's u over the national u
    (:data:`ROLE_U_NATIONAL`), so each level keeps its national weight relative to the
    others, and a database with the national mix keeps :data:`ROLE_M`.

    Args:
        u_of_level: role level label (:data:`ROLE_LABELS`) -> this database's u (None
            or 0 when random sampling never met the level).

    Returns:
        label -> m (summing to 1).

    Examples:
        >>> m = role_m_for_mix({"both victims": 1.0, "All other comparisons": None})
        >>> round(m["both victims"], 4)
        1.0
    """
    weights = {}
    for label, key in ROLE_LABELS.items():
        u = u_of_level.get(label) or 0.0
        weights[label] = ROLE_M[key] * u / ROLE_U_NATIONAL[key]
    total = sum(weights.values())
    if total <= 0:
        return {label: ROLE_M[key] for label, key in ROLE_LABELS.items()}
    return {label: max(weight / total, 1e-6) for label, weight in weights.items()}


def _similar_words(threshold: float, *, or_contained: bool = False) -> ComparisonLevelCreator:
    """Jaro-Winkler of the sorted keys at ``threshold``, and each word key alike (>= 0.8).

    On the sorted key alone, two names sharing their first word (``Channary Heng`` /
    ``Channary Long``) score above 0.88 whatever the other word is. With
    ``or_contained``, one sorted key inside the other (``Nguyen Lan`` / ``Nguyen Thi
    Lan``: a dropped middle word) or the same compact key (``Srey Mom`` / ``Sreymom``)
    also count. Other spacing was a level of its own, but it is so rare (m 0.003) that
    random sampling of a small database never met it and left its u untrained.
    """
    similar = cll.And(
        cll.JaroWinklerLevel("name_sorted_key", threshold),
        cll.JaroWinklerLevel("name_first_key", 0.8),
        cll.JaroWinklerLevel("name_last_key", 0.8),
    )
    label = f"similar spelling (Jaro-Winkler >= {threshold})"
    if not or_contained:
        # One letter changed, added, dropped or two swapped (`Pcih` / `Pich`): keys of
        # short names fall below the Jaro-Winkler threshold for one transposition.
        typo = cll.DamerauLevenshteinLevel("name_sorted_key", 1)
        return cll.Or(similar, typo).configure(label_for_charts=label + " or one typo")
    if or_contained:
        contained = cll.CustomLevel(
            "instr(name_sorted_key_l, name_sorted_key_r) > 0 "
            "OR instr(name_sorted_key_r, name_sorted_key_l) > 0"
        )
        spacing = cll.ExactMatchLevel("name_letters_key")
        return cll.Or(similar, contained, spacing).configure(
            label_for_charts=label + ", contained or other spacing"
        )
    return similar.configure(label_for_charts=label)


def _name_comparison() -> cl.CustomComparison:
    """Names: exact, same romanisation key, same words in another order, Jaro-Winkler."""
    return cl.CustomComparison(
        output_column_name="name",
        comparison_description="name: exact / romanisation key / swapped order / Jaro-Winkler",
        comparison_levels=[
            cll.NullLevel("name_sorted_key"),
            cll.ExactMatchLevel("name_clean").configure(
                tf_adjustment_column="name_sorted_key",
                label_for_charts="same name as written",
                **_name_m(NAME_M["exact"]),
            ),
            cll.ExactMatchLevel("name_key").configure(
                tf_adjustment_column="name_sorted_key",
                label_for_charts="same romanisation key",
                **_name_m(NAME_M["key"]),
            ),
            cll.ExactMatchLevel("name_sorted_key", term_frequency_adjustments=True).configure(
                label_for_charts="same keys, swapped order", **_name_m(NAME_M["swapped"])
            ),
            _similar_words(0.95).configure(**_name_m(NAME_M["jw95"])),
            _similar_words(0.88, or_contained=True).configure(**_name_m(NAME_M["jw88"])),
            cll.ExactMatchLevel("name_skeleton_key").configure(
                label_for_charts="same consonants", **_name_m(NAME_M["skeleton"])
            ),
            cll.Or(
                cll.ExactMatchLevel("name_first_key"), cll.ExactMatchLevel("name_last_key")
            ).configure(label_for_charts="one word in common", **_name_m(NAME_M["one_word"])),
            cll.ElseLevel().configure(**_name_m(NAME_M["else"])),
        ],
    )


def _birth_year_comparison() -> cl.CustomComparison:
    """Birth-year ranges: overlapping, one, two to three, four to six years apart.

    The year only: the day and month of two full dates of birth are the birth-day
    comparison's (:func:`_birth_day_comparison`), so a full date is counted once, and a
    mistyped digit costs the part it is in, not the whole date. Model 6 also had
    "same date of birth" and "two dates of birth that differ" (fixed m 0.01) here, on
    top of the birth-day comparison: a date that agreed counted its day twice, and one
    mistyped digit (Splink's fake_1000: `1971-06-24` / `1971-05-24`, one true pair in
    ten) cost about 7 bits and the year's evidence (the fake_1000 slice of
    ``tests/linkage/test_public_tipdata.py``: persons F1 0.863 -> 0.686).
    """

    def gap_at_most(years: int) -> ComparisonLevelCreator:
        sql = (
            f"birth_year_low_l <= birth_year_high_r + {years} "
            f"AND birth_year_low_r <= birth_year_high_l + {years}"
        )
        label = "ranges overlap" if years == 0 else f"within {years} year(s)"
        start = {0: 0.35, 1: 0.1, 3: 0.05, 6: 0.03}[years]
        return cll.CustomLevel(sql, label_for_charts=label).configure(m_probability=start)

    return cl.CustomComparison(
        output_column_name="birth_year",
        comparison_description="birth year range with tolerance",
        comparison_levels=[
            cll.Or(cll.NullLevel("birth_year_low"), cll.NullLevel("birth_year_high")),
            cll.And(
                cll.ExactMatchLevel("birth_year_low"), cll.ExactMatchLevel("birth_year_high")
            ).configure(label_for_charts="same range", m_probability=0.45),
            gap_at_most(0),
            gap_at_most(1),
            gap_at_most(3),
            gap_at_most(6),
            cll.ElseLevel().configure(m_probability=0.02),
        ],
    )


SEX_M = {"same": 0.97, "else": 0.03}
"""Fixed m of the sex levels. EM drove "sex differs" to m ~ 1e-22 (-73 bits: a veto),
but clerks do miscode sex (`Sreymom` recorded male), and a veto makes such a record a
second person; 3 in 100 true pairs recorded with two sexes costs 4 bits instead."""


def _sex_comparison() -> cl.CustomComparison:
    """Sex: the same or not, with fixed m (:data:`SEX_M`)."""
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_description="sex as recorded",
        comparison_levels=[
            cll.NullLevel("sex"),
            cll.ExactMatchLevel("sex").configure(
                label_for_charts="same sex", **_name_m(SEX_M["same"])
            ),
            cll.ElseLevel().configure(label_for_charts="sex differs", **_name_m(SEX_M["else"])),
        ],
    )


RECORD_DATE_M: dict[int, float] = {7: 0.40, 31: 0.15, 183: 0.25, 730: 0.15, 0: 0.05}
"""Fixed m of the record-date levels (days apart -> m; 0: more than two years). EM on
the demo put "within 183 days" at m 0.06 and "within 730 days" at 0.009 (-6 and -10
bits), because the demo's agencies record one episode within days; but a court
judges months after the rescue, a shelter records a follow-up a year later, and on
exports the model had never seen those values cost most police-court pairs. Within a
week stays strong evidence (+3.3 bits); months apart is mild evidence against."""


def _record_date_comparison() -> cl.CustomComparison:
    """Days between the two records' first events: one episode is recorded within days.

    A returnee screened at Poipet and received by MOSAVY, a girl rescued by police and
    admitted to a shelter: each agency dates its record of the same episode a few days
    apart. Two people with one common name and birth year, recorded months apart, are
    usually two people; months apart proves little (a trial, a follow-up), so the m
    values are fixed (:data:`RECORD_DATE_M`).
    """
    levels: list[ComparisonLevelCreator | dict[str, Any]] = [cll.NullLevel("record_date")]
    for days in (7, 31, 183, 730):
        levels.append(
            cll.AbsoluteDateDifferenceLevel(
                "record_date", input_is_string=False, threshold=days, metric="day"
            ).configure(label_for_charts=f"within {days} days", **_name_m(RECORD_DATE_M[days]))
        )
    # Records more than two years apart never occur within one year's deliveries: the
    # starting u stands until a database holds several years.
    levels.append(cll.ElseLevel().configure(u_probability=0.01, **_name_m(RECORD_DATE_M[0])))
    return cl.CustomComparison(
        output_column_name="record_date",
        comparison_description="days between the records' first events",
        comparison_levels=levels,
    )


DOCUMENT_M = {"same": 0.6, "else": 0.4}
"""Fixed m of the document levels: of one person's two records that both carry a
document, the numbers often differ (passports are re-issued, agents keep them, a worker
id and a passport are two numbers), so "different numbers" is weak evidence against."""


def _document_comparison() -> cl.CustomComparison:
    """Identity documents: the same number (as blind index), or two different numbers.

    Random pairs almost never share a number: u of the same number is fixed at 1e-6
    (sampled, it was estimated on the few random pairs where both records carry a
    document, about one in ten thousand, and came out near 5e-5: a departure and the
    company's status report of one worker, same passport, name and birth date, then
    scored 0.49).
    """
    return cl.CustomComparison(
        output_column_name="document",
        comparison_description="identity document number (blind index)",
        comparison_levels=[
            cll.NullLevel("document_key"),
            cll.ExactMatchLevel("document_key").configure(
                label_for_charts="same document number",
                u_probability=1e-6,
                fix_u_probability=True,
                **_name_m(DOCUMENT_M["same"]),
            ),
            cll.ElseLevel().configure(
                label_for_charts="different document numbers", **_name_m(DOCUMENT_M["else"])
            ),
        ],
    )


COUNTRY_M: dict[str, float] = {"same": 0.933, "different": 0.014, "one": 0.053}
"""Fixed m of the levels of the country of labour migration: the share of labelled
matching pairs at each level among those where some record names a country
(``benchmarks/bench_linkage.py m-from-labels --seed 2``, as :data:`ROLE_M`: of 3,989
pairs, 0.332 the same country, 0.005 two countries, 0.019 one only, 0.644 neither)."""


COUNTRY_SILENT = (
    "NOT (destination_country_l IS NOT NULL OR destination_country_r IS NOT NULL) "
    "OR (role_l = 'victim' AND role_r = 'victim' AND ("
    "(destination_country_l IS NULL AND province_code_l IS NULL "
    "AND destination_country_r IS NOT NULL) "
    "OR (destination_country_r IS NULL AND province_code_r IS NULL "
    "AND destination_country_l IS NOT NULL)))"
)
"""When the country comparison is no evidence (its null level): neither record names a
country, or two victims' records of which the one without a country records no
province either. A court register's victim is a name and an age: it says nothing about
where the person lives or went, so against a victim identified on return from Malaysia
the missing country is not recorded, not "stayed home". Measured at demo scale 1.0,
seed 1, without the hotline records: a recruiter's victims' court records against
their screening as victims (same name and birth year) scored 0.05-0.34 with "one names
a country" (-4.1 bits) and were never linked; as no evidence, migration pairs F1 0.946
-> 0.960 (P 0.978 -> 0.962, R 0.915 -> 0.959). Every victim's record without a country
as no evidence cost P 0.939 (shelter and police victims with a province are mostly not
labour migrants); any placeless record, not only victims' (so a court record against a
departure), linked a court victim to a worker who left for Thailand at demo scale 0.05."""


def _destination_comparison() -> cl.CustomComparison:
    """The country of labour migration: both the same, two countries, or one only.

    The worker who departed for Malaysia, was deported, called about and screened is
    recorded with the country every time. Among the national database's random pairs,
    two records of one destination are about one in a hundred (a departure list's
    workers are a seventh of the records), so the same country is about +6.5 bits; a
    record with a country against one without (a departure and a border returnee)
    is evidence against (about -3.5 bits), and two records that name none (border
    returnees, most victims), or two victims' records where the one without a country
    records no province either (:data:`COUNTRY_SILENT`: a court register's name and
    age), are the null level: no evidence. The m values are fixed
    (:data:`COUNTRY_M`): EM runs on victim pairs, which name no country; a small
    database re-estimates them on its own pairs (:data:`SMALL_EM_COMPARISONS`).
    """
    both = "destination_country_l IS NOT NULL AND destination_country_r IS NOT NULL"
    return cl.CustomComparison(
        output_column_name="destination_country",
        comparison_description="country of labour migration (departure, return, deportation)",
        comparison_levels=[
            cll.CustomLevel(COUNTRY_SILENT).configure(
                label_for_charts="neither names a country", is_null_level=True
            ),
            cll.CustomLevel(f"{both} AND destination_country_l = destination_country_r").configure(
                label_for_charts="same country", **_name_m(COUNTRY_M["same"])
            ),
            cll.CustomLevel(both).configure(
                label_for_charts="two countries", **_name_m(COUNTRY_M["different"])
            ),
            cll.ElseLevel().configure(
                label_for_charts="one names a country", **_name_m(COUNTRY_M["one"])
            ),
        ],
    )


def _role_comparison() -> cl.CustomComparison:
    """Roles: victims and suspects are recorded by many agencies, returnees rarely twice.

    Suspects have a level of their own: one trafficker is named in several police
    and court records, usually with only a name and an age, and suspect records are
    rare, so "both suspects" is strong evidence (with "same other role", which also
    held returnee pairs, a suspect named identically in two court cases scored about
    -10 bits and was never linked).
    """
    other_side = "('returnee', 'migrant_worker')"
    suspect_side = "('suspect', 'convicted')"
    return cl.CustomComparison(
        output_column_name="role",
        comparison_description="role of the person in each record",
        comparison_levels=[
            cll.NullLevel("role"),
            cll.CustomLevel("role_l = 'victim' AND role_r = 'victim'").configure(
                label_for_charts="both victims", **_name_m(ROLE_M["victims"])
            ),
            cll.CustomLevel(f"role_l IN {suspect_side} AND role_r IN {suspect_side}").configure(
                label_for_charts="both suspects", **_name_m(ROLE_M["suspects"])
            ),
            cll.CustomLevel(
                f"(role_l = 'victim' AND role_r IN {other_side}) "
                f"OR (role_r = 'victim' AND role_l IN {other_side})"
            ).configure(
                label_for_charts="victim and returnee or worker", **_name_m(ROLE_M["victim_other"])
            ),
            cll.CustomLevel(
                "(role_l = 'migrant_worker' AND role_r = 'returnee') "
                "OR (role_l = 'returnee' AND role_r = 'migrant_worker')"
            ).configure(
                label_for_charts="worker and returnee", **_name_m(ROLE_M["worker_returnee"])
            ),
            cll.CustomLevel(f"role_l IN {other_side} AND role_r IN {other_side}").configure(
                label_for_charts="both returnees or both workers", **_name_m(ROLE_M["others"])
            ),
            cll.ElseLevel().configure(**_name_m(ROLE_M["else"])),
        ],
    )


BIRTH_DAY_M = {"same": 0.85, "close": 0.06, "month": 0.04, "else": 0.05}
"""Starting m of the birth-day levels (EM and a small database's own pairs re-estimate
them; :data:`M_FLOORS` keeps the last two above zero): most records of one person with
a full date of birth write the same day."""

_DAY_DISTANCE = (
    "abs((cast(substr(birth_day_l, 1, 2) as integer)"
    " - cast(substr(birth_day_r, 1, 2) as integer)) * 31"
    " + cast(substr(birth_day_l, 4, 2) as integer)"
    " - cast(substr(birth_day_r, 4, 2) as integer))"
)
"""Days between two ``MM-DD`` (a month counted as 31 days; 31 December and 1 January are
a year apart): plain SQL that DuckDB and Spark both run."""


def _birth_day_comparison() -> cl.CustomComparison:
    """Day and month of two full dates of birth: the same, a typo apart, a month apart, other.

    The year is compared by the birth-year comparison; day and month add what it cannot
    say (two people born in one year share a birthday one time in 365). Null (no
    evidence) unless both records carry a full date of birth: most agency records give
    a year or an age only. A clerk's slip (one digit, day and month swapped, a day or a
    few off: `06-24` / `05-24`, `04-07` / `07-04`) is a level of its own, apart from
    dates a month apart and from dates that really differ, each with its own m,
    estimated on the database (EM, or a small database's own pairs), never fixed: on
    departure lists copied from passports "really different" is strong evidence
    against, on a register typed from forms it is much weaker.
    """
    swapped = "substr(birth_day_l, 4, 2) || '-' || substr(birth_day_l, 1, 2) = birth_day_r"
    return cl.CustomComparison(
        output_column_name="birth_day",
        comparison_description="day and month of the date of birth",
        comparison_levels=[
            cll.NullLevel("birth_day"),
            cll.ExactMatchLevel("birth_day").configure(
                label_for_charts="same day and month",
                m_probability=BIRTH_DAY_M["same"],
                u_probability=1 / 365,
            ),
            cll.Or(
                cll.DamerauLevenshteinLevel("birth_day", 1),
                cll.CustomLevel(swapped),
                cll.CustomLevel(f"{_DAY_DISTANCE} <= 7"),
            ).configure(
                label_for_charts="one digit off, day and month swapped, or within a week",
                m_probability=BIRTH_DAY_M["close"],
                u_probability=0.06,
            ),
            cll.CustomLevel(f"{_DAY_DISTANCE} <= 31").configure(
                label_for_charts="within a month",
                m_probability=BIRTH_DAY_M["month"],
                u_probability=0.12,
            ),
            cll.ElseLevel().configure(
                label_for_charts="day and month differ",
                m_probability=BIRTH_DAY_M["else"],
                u_probability=0.82,
            ),
        ],
    )


PLACE_M = {"village": 0.45, "commune": 0.2, "district": 0.15, "else": 0.2}
"""Starting m of the place levels (re-estimated as :data:`BIRTH_DAY_M`): one agency
records the home village, another the place of rescue, so places often differ."""


def _place_comparison() -> cl.CustomComparison:
    """Village, commune or district, whichever both records fill, the most precise first.

    Null (no evidence) unless both records fill at least one of the same place fields.
    """
    fields = ("place_village", "place_commune", "place_district")
    both = " OR ".join(f"({f}_l IS NOT NULL AND {f}_r IS NOT NULL)" for f in fields)
    levels: list[ComparisonLevelCreator | dict[str, Any]] = [
        cll.CustomLevel(f"NOT ({both})").configure(is_null_level=True),
    ]
    for field, u in zip(fields, (0.001, 0.01, 0.05), strict=True):
        level = field.removeprefix("place_")
        levels.append(
            cll.ExactMatchLevel(field).configure(
                label_for_charts=f"same {level}", m_probability=PLACE_M[level], u_probability=u
            )
        )
    levels.append(cll.ElseLevel().configure(m_probability=PLACE_M["else"], u_probability=0.94))
    return cl.CustomComparison(
        output_column_name="place",
        comparison_description="village, commune or district",
        comparison_levels=levels,
    )


CONTACT_M = {"same": 0.6, "else": 0.4}
"""Starting m of the contact levels: telephone numbers and e-mail addresses change, so
two different contacts are weak evidence against (as two document numbers)."""


def _contact_comparison() -> cl.CustomComparison:
    """Contact (telephone by its digits, or e-mail): the same, or different."""
    return cl.CustomComparison(
        output_column_name="contact",
        comparison_description="telephone or e-mail",
        comparison_levels=[
            cll.NullLevel("contact_key"),
            cll.ExactMatchLevel("contact_key").configure(
                label_for_charts="same contact", m_probability=CONTACT_M["same"], u_probability=1e-4
            ),
            cll.ElseLevel().configure(
                label_for_charts="different contacts",
                m_probability=CONTACT_M["else"],
                u_probability=1 - 1e-4,
            ),
        ],
    )


OPTIONAL_COMPARISONS: tuple[str, ...] = ("birth_day", "place", "contact")
"""Comparisons of fields many agencies leave empty (null: no evidence). A stored model
made before them (the default model) gets them with their starting m and u
(:func:`with_optional_comparisons`); the database's own u and pairs then calibrate them."""


def linkage_settings(
    *,
    probability_two_random_records_match: float = 1e-5,
    blocking_rules: tuple[Any, ...] = BLOCKING_RULES,
) -> SettingsCreator:
    """The Splink settings of tipdata's model (deduplication across all sources).

    Args:
        probability_two_random_records_match: the prior; replaced by the estimate made
            from deterministic rules during training.
        blocking_rules: the candidate-pair rules (default :data:`BLOCKING_RULES`).

    Returns:
        Settings for ``Linker(sdf, settings)``; untrained (m and u are estimated by
        :func:`train`).
    """
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=probability_two_random_records_match,
        comparisons=[
            _name_comparison(),
            _birth_year_comparison(),
            _sex_comparison(),
            # No nationality comparison: only police records carry one (about 1 in
            # 1,300 records), so random sampling met too few pairs with two values to
            # estimate its u probabilities (Splink warned of untrained u on every run)
            # and it was evidence for almost no pair.
            cl.ExactMatch("province_code").configure(
                term_frequency_adjustments=True, m_probabilities=[0.7, 0.3]
            ),
            _record_date_comparison(),
            _document_comparison(),
            _destination_comparison(),
            _role_comparison(),
            _birth_day_comparison(),
            _place_comparison(),
            _contact_comparison(),
        ],
        blocking_rules_to_generate_predictions=list(blocking_rules),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["record_key", "source"],
        max_iterations=25,
        em_convergence=0.0001,
    )


DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.name_sorted_key = r.name_sorted_key AND l.birth_year = r.birth_year "
    "AND l.province_code = r.province_code",
    # A full date of birth and the name: for databases that record no province.
    "l.name_sorted_key = r.name_sorted_key AND l.birth_year = r.birth_year "
    "AND l.birth_day = r.birth_day",
)
"""Rules that nearly always mean the same person; they estimate the prior."""


def train(linker: Linker, *, seed: int = DEFAULT_SEED, recall: float = 0.8) -> None:
    """Train a model without labels: prior from deterministic rules, u by sampling, m by EM.

    Args:
        linker: a linker over the linkage table.
        seed: seed of the random sampling of u (a fixed seed gives the same model).
        recall: assumed recall of :data:`DETERMINISTIC_RULES` (for the prior).
    """
    training = linker.training
    training.estimate_probability_two_random_records_match(list(DETERMINISTIC_RULES), recall=recall)
    _keep_prior_above_zero(linker)
    training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
    _role_mix_in_place(linker)
    for rule in EM_BLOCKING_RULES:
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except SplinkException as exc:
            # Too few victim pairs (a small database): keep the starting m values.
            log.warning("EM session skipped (%s): %s", rule, str(exc).splitlines()[0])


def _role_mix_in_place(linker: Linker) -> None:
    """Role m for the database's mix (:func:`role_m_for_mix`), on a linker with u sampled.

    Used by :func:`train` (10,000 records or more, u from two million random pairs); a
    smaller database estimates role m on its own scored pairs instead
    (:data:`SMALL_EM_COMPARISONS`): carried to its mix by this rule, the unseen
    migration set (a few victim pairs among workers and returnees) fell from F1 0.771
    to 0.521.
    """
    for comparison in linker._settings_obj.comparisons:
        if comparison.output_column_name != "role":
            continue
        levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
        u_of = {}
        for level in levels:
            u = level.u_probability
            u_of[level.label_for_charts] = float(u) if isinstance(u, float | int) else None
        found = role_m_for_mix(u_of)
        for level in levels:
            if level.label_for_charts in found:
                level.m_probability = found[level.label_for_charts]


PRIOR_WHEN_NO_RULE_AGREES = 1e-6
"""The prior when no pair agrees by :data:`DETERMINISTIC_RULES` (a database that records
neither province nor full dates of birth): Splink estimates 0, and EM then fails on
log(0). One pair in a million starts EM, which re-estimates it."""


def _keep_prior_above_zero(linker: Linker) -> None:
    """Replace a prior of 0 (no pair agreed by the rules) by :data:`PRIOR_WHEN_NO_RULE_AGREES`."""
    settings = linker._settings_obj  # Splink's own setter does the same (training.py)
    if not settings._probability_two_random_records_match > 0:
        log.warning("no pair agrees by the deterministic rules; prior set to %g",
                    PRIOR_WHEN_NO_RULE_AGREES)  # fmt: skip
        settings._probability_two_random_records_match = PRIOR_WHEN_NO_RULE_AGREES


SMALL_DATABASE_RULES: tuple[str, ...] = (
    *DETERMINISTIC_RULES,
    "l.name_sorted_key = r.name_sorted_key AND l.birth_year = r.birth_year AND l.sex = r.sex",
)
"""Rules of the prior of a small database: shelter and court files often record no
province, so the same name, birth year and sex count too."""


U_PRIOR_PAIRS = 20_000
"""Weight, in pairs, of the default model's u against the pairs a small database samples:
ten records give 45 pairs, too few to say how often names agree by chance (the
default's u dominates); 2,000 records give two million (the database's own u does)."""


def train_small(records: Any, *, count: int, dialect: str, seed: int = DEFAULT_SEED) -> Linker:
    """A linker for a database too small to train by EM, calibrated on that database.

    The m probabilities are those of the default model (:data:`DEFAULT_MODEL_FILE`): EM
    needs many pairs. The prior and the u probabilities come from the database itself:
    how often two of *its* records agree by chance depends on who it holds (in a
    shelter's database every record is a victim, so "both victims" is no evidence,
    while in the national one it is 12 bits), and its share of matching pairs is far
    above that of 158,000 records. Each u is the database's own estimate weighed
    against the default model's by how many pairs the database has
    (:data:`U_PRIOR_PAIRS`): a handful of records cannot estimate anything. The prior
    starts from deterministic rules, then is re-estimated as the expected number of
    matches over the pairs the model scores (the EM update of the prior with m and u
    held), with u corrected for the matches random sampling drew; a few steps settle it.

    Args:
        records: the registered linkage table.
        count: how many records it holds.
        dialect: the engine's SQL dialect (``"duckdb"`` or ``"spark"``).
        seed: seed of the u sampling.

    Returns:
        A linker ready to predict. Its candidate pairs stay in Splink's cache for that
        predict: the caller drops them after it (``linker.table_management.invalidate_cache()``).
    """
    base = model_for_dialect(default_model(term_frequencies=False), dialect)
    base["blocking_rules_to_generate_predictions"] = [
        *base["blocking_rules_to_generate_predictions"],
        *(
            {"blocking_rule": rule, "sql_dialect": dialect, "arrays_to_explode": None}
            for rule in SMALL_DATABASE_BLOCKING
        ),
    ]
    linker = Linker(records, base, log_level=logging.WARNING)
    for recall in (0.8, 1.0):
        # A handful of records may agree by the rules more often than a recall of 0.8
        # allows (Splink refuses); then every match is taken to be found.
        try:
            linker.training.estimate_probability_two_random_records_match(
                list(SMALL_DATABASE_RULES), recall=recall
            )
            break
        except (SplinkException, ValueError) as exc:
            log.warning("prior at recall %s: %s", recall, str(exc).splitlines()[0])
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
    model = apply_m_floors(linker.misc.save_model_to_json())
    # Two records that agree by the rules make a prior of 1 (infinite odds): no real
    # register is half duplicates.
    estimated = float(model.get("probability_two_random_records_match") or 0.0)
    if estimated <= 0:  # no two records agree by the rules: start from the default's
        estimated = float(base["probability_two_random_records_match"])
    model["probability_two_random_records_match"] = min(estimated, 0.5)
    sampled = min(count * (count - 1) // 2, U_SAMPLE_PAIRS)
    share = sampled / (sampled + U_PRIOR_PAIRS)
    for comparison, default in zip(model["comparisons"], base["comparisons"], strict=True):
        for level, default_level in zip(
            comparison["comparison_levels"], default["comparison_levels"], strict=True
        ):
            if level.get("is_null_level") or level.get("fix_u_probability"):
                continue
            measured = float(level.get("u_probability") or 0.0)
            prior_u = float(default_level.get("u_probability") or 0.0)
            blended = share * measured + (1 - share) * prior_u
            if blended > 0:
                level["u_probability"] = blended
    sampled_u = _u_values(model)
    total_pairs = max(count * (count - 1) // 2, 1)
    default_prior = float(base["probability_two_random_records_match"])
    # As with u: ten records cannot say how many of their pairs match (a fixed point on
    # 15 pairs runs away to "half of them"); the default's prior weighs U_PRIOR_PAIRS.
    weight = total_pairs / (total_pairs + U_PRIOR_PAIRS)
    # The steps below change m, u and the prior, never the blocking rules: the candidate
    # pairs are blocked once (Splink's cache serves each predict, the caller's too; 68
    # rules on ten records cost a second each time) and the settings, checked by the
    # first linker, are not checked again. Same pairs, same scores, a third of the time.
    linker.table_management.invalidate_cache()  # nothing another run left is reused
    linker.inference.compute_blocked_pairs_for_predict()
    for _ in range(PRIOR_ITERATIONS):
        linker = Linker(records, model, log_level=logging.WARNING, validate_settings=False)
        scored = linker.inference.predict(threshold_match_probability=1e-4)
        frame = scored.as_pandas_dataframe()
        scored.drop_table_from_database_and_remove_from_cache()
        expected = float(frame["match_probability"].sum())
        measured = expected / total_pairs
        prior = min(max(weight * measured + (1 - weight) * default_prior, 1e-9), 0.5)
        model["probability_two_random_records_match"] = prior
        _remove_matches_from_u(model, sampled_u, prior)
        _update_m_from_scores(model, base, frame)
    return Linker(records, model, log_level=logging.WARNING, validate_settings=False)


SMALL_DATABASE_BLOCKING: tuple[str, ...] = (
    "l.name_sorted_key = r.name_sorted_key",
    "l.name_skeleton_key = r.name_skeleton_key AND l.birth_decade = r.birth_decade",
    "l.name_first_key = r.name_first_key AND l.birth_year = r.birth_year",
    "l.name_last_key = r.name_last_key AND l.birth_year = r.birth_year",
    # One word of the name alone: a record with one name part only (`Robert` / `Robert
    # Allen`), or a birth year mistyped; in a few thousand records these are few pairs.
    "l.name_first_key = r.name_first_key",
    "l.name_last_key = r.name_last_key",
    # The same full date of birth, or the same contact, whatever the names.
    "l.birth_day = r.birth_day AND l.birth_year = r.birth_year",
    "l.contact_key = r.contact_key",
)
"""Looser candidate pairs for databases under :data:`MIN_TRAINING_RECORDS`, whatever the
roles: a departure list records no province of deportation, a hotline caller guesses the
worker's age, and in a few thousand records these rules cost nothing (the strict keys
between returnees and workers are for the 1.6 million records of scale 10). The model
stored by the run keeps them, so its incremental runs block the same way."""

SMALL_EM_COMPARISONS: tuple[str, ...] = (
    "name",
    "role",
    "birth_year",
    "record_date",
    "destination_country",
    *OPTIONAL_COMPARISONS,
)
"""Comparisons whose m a small database estimates on its own pairs (see
:func:`_update_m_from_scores`): how far apart two clerks write one person's age, or
date one person's events, is a habit of the agencies, not of the demo. So is how they
write names (model 7): the demo's Khmer clerks agree on the written name in one
matching pair in six, an English register's in most, and with the demo's m a different
name (m 0.02) cost only 5.6 bits, which a shared date of birth and city outweighed on
Splink's fake_1000. A small database's blocking also pairs records on no name at all
(the same full date of birth, the same contact), so its scored pairs reach every name
level. And the role mix: in a register of victims only, "both victims" is every pair
(the national m, 0.48, cost every pair 1 bit), while in a departure list and a
deportation list the worker and returnee levels are the matches. Each is weighed
against the default's m as :data:`SMALL_EM_PSEUDO_MATCHES` matching pairs."""

SMALL_EM_PSEUDO_MATCHES = 100.0
"""Weight of the default model's m in a small database's estimate, in matching pairs:
with 1,500 expected matches the database's own shares dominate; with 20, the default."""


def _update_m_from_scores(model: dict[str, Any], base: dict[str, Any], frame: pd.DataFrame) -> None:
    """One EM step of m for :data:`SMALL_EM_COMPARISONS` over the scored pairs (in place).

    m of a level is the expected share of matches at that level: the sum of the match
    probabilities of the pairs at the level over the sum of all (pairs where either
    value is missing left out), weighed against the default model's m by
    :data:`SMALL_EM_PSEUDO_MATCHES`; the floors (:data:`M_FLOORS`) still apply. On the
    unseen trafficking sets (seeds 1-3) this moved pairwise F1 from 0.848 / 0.857 /
    0.83 to 0.868 / 0.889 / 0.875.
    """
    probability = frame["match_probability"].to_numpy(dtype="float64")
    for comparison, default in zip(model["comparisons"], base["comparisons"], strict=True):
        name = comparison["output_column_name"]
        column = f"gamma_{name}"
        if name not in SMALL_EM_COMPARISONS or column not in frame:
            continue
        gamma = frame[column].to_numpy(dtype="int64")
        known = gamma >= 0
        total = float(probability[known].sum())
        levels = [
            (level, default_level)
            for level, default_level in zip(
                comparison["comparison_levels"], default["comparison_levels"], strict=True
            )
            if not level.get("is_null_level")
        ]
        # Splink numbers a comparison's levels from the last (0) up to the first.
        for position, (level, default_level) in enumerate(levels):
            value = len(levels) - 1 - position
            share = float(probability[known & (gamma == value)].sum())
            start = float(default_level.get("m_probability") or 0.0)
            level["m_probability"] = max(
                (share + SMALL_EM_PSEUDO_MATCHES * start) / (total + SMALL_EM_PSEUDO_MATCHES),
                1e-6,
            )
    apply_m_floors(model)


PRIOR_ITERATIONS = 4
"""Fixed-point steps of the small database's prior (see :func:`train_small`)."""


def _u_values(model: dict[str, Any]) -> dict[tuple[int, int], float]:
    """Each level's u as sampled: (comparison index, level index) -> u."""
    return {
        (c, at): float(level["u_probability"])
        for c, comparison in enumerate(model["comparisons"])
        for at, level in enumerate(comparison["comparison_levels"])
        if level.get("u_probability")
    }


def _remove_matches_from_u(
    model: dict[str, Any], sampled: dict[tuple[int, int], float], prior: float
) -> None:
    """u without the matching pairs that random sampling drew too.

    Random sampling estimates u from all pairs, matches included. In a national database
    matches are one pair in ten million and change nothing; in a small, dense one (2,000
    records of 1,000 people) they are one pair in 1,400 and make a shared name look
    commoner among different people than it is. A level's share among all pairs is
    ``prior * m + (1 - prior) * u``; solved for u, kept at least a tenth of the sampled
    value.
    """
    for (c, at), u_all in sampled.items():
        level = model["comparisons"][c]["comparison_levels"][at]
        if level.get("fix_u_probability"):
            continue
        m = float(level.get("m_probability") or 0.0)
        level["u_probability"] = max((u_all - prior * m) / (1 - prior), u_all / 10)


M_FLOORS: dict[tuple[str, str], float] = {
    ("birth_year", "within 3 year(s)"): 0.04,
    ("birth_year", "within 6 year(s)"): 0.02,
    ("birth_year", "All other comparisons"): 0.01,
    ("province_code", "All other comparisons"): 0.05,
    ("birth_day", "one digit off, day and month swapped, or within a week"): 0.02,
    ("birth_day", "within a month"): 0.01,
    ("birth_day", "day and month differ"): 0.01,
}
"""Least m of the levels EM drives towards zero on the demo, whose ages and provinces
are recorded consistently: EM gave "within 6 years" m 2e-7 (-20 bits, a veto), but ages
are estimated by police and shelters (`about 15`), and one agency records the province
of origin, another the province of rescue. The demo copies every full date of birth
exactly, so EM would make a mistyped or different day a veto; real clerks slip (model 6
fixed "two dates that differ" at 0.01 for the same reason)."""


def apply_m_floors(model: dict[str, Any]) -> dict[str, Any]:
    """The model with every m of :data:`M_FLOORS` raised to its floor (in place).

    Args:
        model: a Splink settings dict with m probabilities.

    Returns:
        The same dict.
    """
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            floor = M_FLOORS.get(
                (comparison["output_column_name"], level.get("label_for_charts", ""))
            )
            if floor is not None and float(level.get("m_probability") or 0.0) < floor:
                level["m_probability"] = floor
    return model


DEFAULT_MODEL_FILE = Path(__file__).with_name("default_model.json")
"""The model trained on the demo data at scale 1.0 (``benchmarks/bench_linkage.py
--save-default-model`` remakes it); used where too few records exist to train."""

MIN_TRAINING_RECORDS = 10_000
"""Below this many records a full run uses :data:`DEFAULT_MODEL_FILE` instead of training:
random sampling and EM need many pairs to estimate anything."""


def default_model(*, term_frequencies: bool = True) -> dict[str, Any]:
    """The trained default model (a Splink settings dict with m and u probabilities).

    Args:
        term_frequencies: keep term-frequency adjustments; a small database cannot
            estimate how common a name is (three records of ten sharing a name would
            cost that name 12 bits of evidence), so small runs turn them off.

    Returns:
        The model as a settings dict, with the blocking rules of this version's
        :data:`BLOCKING_RULES` (the file keeps trained parameters; candidate pairs are
        chosen by the code that serves every other run).
    """
    model: dict[str, Any] = json.loads(DEFAULT_MODEL_FILE.read_text(encoding="utf-8"))
    current = linkage_settings().create_settings_dict(model.get("sql_dialect", "duckdb"))
    with_current_levels(model, current)
    with_optional_comparisons(model, current)
    model["blocking_rules_to_generate_predictions"] = current[
        "blocking_rules_to_generate_predictions"
    ]
    if not term_frequencies:
        for comparison in model["comparisons"]:
            for level in comparison["comparison_levels"]:
                level.pop("tf_adjustment_column", None)
                level.pop("tf_adjustment_weight", None)
    return model


def with_current_levels(model: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """A stored model whose comparisons have the levels of this version, trained values kept.

    Each comparison the stored model shares with ``current`` gets ``current``'s levels in
    ``current``'s order: a level the stored model has (the same label; the null level as
    the null level) keeps its trained m and u, a new level starts from ``current``'s
    values, and a level this version dropped is dropped. So the default model trained
    with model 6's birth-year levels runs with model 7's without retraining (its
    "same date of birth" and "two dates of birth that differ" go: the birth-day
    comparison compares the day and month).

    Args:
        model: a stored model (changed in place).
        current: ``linkage_settings().create_settings_dict(dialect)``.

    Returns:
        The same dict.
    """
    stored = {c["output_column_name"]: c for c in model["comparisons"]}
    for comparison in current["comparisons"]:
        old = stored.get(comparison["output_column_name"])
        if old is None:
            continue
        by_label = {
            (bool(level.get("is_null_level")), level.get("label_for_charts", "")): level
            for level in old["comparison_levels"]
        }
        null_level = next((lv for lv in old["comparison_levels"] if lv.get("is_null_level")), None)
        levels = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                kept = null_level
            else:
                kept = by_label.get((False, level.get("label_for_charts", "")))
            levels.append(json.loads(json.dumps(kept if kept is not None else level)))
        old["comparison_levels"] = levels
    return model


def with_optional_comparisons(model: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """A stored model with the :data:`OPTIONAL_COMPARISONS` it lacks, at their start values.

    Models trained before those comparisons existed (the default model) stay usable:
    each missing one is taken from ``current`` (the settings dict of
    :func:`linkage_settings`) with its starting m and u, in its place.

    Args:
        model: a stored model (changed in place).
        current: ``linkage_settings().create_settings_dict(dialect)``.

    Returns:
        The same dict.
    """
    have = {c["output_column_name"] for c in model["comparisons"]}
    for comparison in current["comparisons"]:
        name = comparison["output_column_name"]
        if name in OPTIONAL_COMPARISONS and name not in have:
            model["comparisons"].append(json.loads(json.dumps(comparison)))
    return model


def model_for_dialect(model: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A stored model with its SQL rewritten for another engine's dialect.

    A saved model keeps its comparison levels and blocking rules as SQL of the engine
    that trained it (DuckDB quotes identifiers with ``"``, which Spark reads as a string
    literal, so every level would silently fail). The SQL of each level and rule is
    taken from :func:`linkage_settings` made for ``dialect``; the trained parameters
    (m, u, term-frequency columns, prior) stay those of the model.

    Args:
        model: a model saved by a linker (``linker.misc.save_model_to_json()``).
        dialect: Splink's dialect name of the engine, ``"duckdb"`` or ``"spark"``.

    Returns:
        The model itself when the dialects match, else a rewritten copy.

    Raises:
        ValueError: the model does not have the comparisons of :func:`linkage_settings`
            (a model of another version cannot be translated).
    """
    if model.get("sql_dialect", "duckdb") == dialect:
        return model
    target = linkage_settings().create_settings_dict(dialect)
    shape = [(c["output_column_name"], len(c["comparison_levels"])) for c in model["comparisons"]]
    if shape != [
        (c["output_column_name"], len(c["comparison_levels"])) for c in target["comparisons"]
    ]:
        raise ValueError(f"the model's comparisons {shape} are not those of {MODEL_VERSION}")
    translated = json.loads(json.dumps(model))
    for comparison, source in zip(translated["comparisons"], target["comparisons"], strict=True):
        for level, source_level in zip(
            comparison["comparison_levels"], source["comparison_levels"], strict=True
        ):
            level["sql_condition"] = source_level["sql_condition"]
    translated["blocking_rules_to_generate_predictions"] = target[
        "blocking_rules_to_generate_predictions"
    ]
    translated["sql_dialect"] = dialect
    return translated


def count_pairs_by_rule(
    table: Any, *, blocking_rules: tuple[Any, ...] = BLOCKING_RULES, exact: bool = True
) -> list[dict[str, Any]]:
    """Candidate pairs each blocking rule adds, by Splink's blocking analysis.

    Args:
        table: the registered linkage table (a ``SplinkDataFrame``).
        blocking_rules: the rules to measure.
        exact: count every pair (else Splink estimates from a 5 % sample).

    Returns:
        One dict per rule: ``rule``, ``pairs`` (pairs this rule adds to the ones
        before it) and ``cumulative``.
    """
    records = count_comparisons_from_blocking_rules(
        table,
        blocking_rules=list(blocking_rules),
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        record_sample_proportion=1.0 if exact else 0.05,
    )
    return [
        {
            "rule": str(record["blocking_rule"]),
            "pairs": int(record["marginal_comparison_count"]),
            "cumulative": int(record["cumulative_comparison_count"]),
        }
        for record in records
    ]
