"""The Splink model of tipdata: comparisons and blocking rules.

:func:`linkage_settings` builds the settings from the columns of the linkage table
(:mod:`tipdata.linkage.features`). The same settings run on DuckDB and on Spark:
comparison levels use only Splink's level library and plain SQL (``abs``,
``greatest``, ``=``), which both dialects translate.

Blocking on name keys alone explodes on Khmer names (a few hundred common syllables
make most names), so every rule combines a name key with province, birth year or
sex; :data:`BLOCKING_RULES` are measured by :func:`tipdata.linkage.blocking.count_pairs_by_rule`.

Training the model is :mod:`tipdata.linkage.training`; the stored default model and a
stored model's translation to this version and dialect are
:mod:`tipdata.linkage.stored_model`.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator
from splink.blocking_rule_library import CustomRule
from splink.internals.comparison_level_creator import ComparisonLevelCreator

MODEL_VERSION = "tipdata-linkage-10"
"""Version of the comparisons and blocking rules; stored with every trained model."""

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
    # One name word with province and birth year, between victims and suspects: with a
    # returnee or worker side (until model 9) they gave 8 % of the candidate pairs of the demo
    # at scale 2 and 17 of its 7,751 true pairs that the other rules' true pairs do not
    # connect (benchmarks/bench_blocking_rules.py --scale 2).
    _rule(
        "name_first_key",
        "province_code",
        "birth_year",
        where=f"l.role NOT IN {OTHER_ROLES} AND r.role NOT IN {OTHER_ROLES}",
    ),
    _rule(
        "name_last_key",
        "province_code",
        "birth_year",
        where=f"l.role NOT IN {OTHER_ROLES} AND r.role NOT IN {OTHER_ROLES}",
    ),
    _rule("name_first_key", "province_code", where=BOTH_VICTIMS),
    _rule("name_last_key", "province_code", where=BOTH_VICTIMS),
    # One name word with the birth decade between victims (until model 9) was 22 % of the demo's
    # candidate pairs (each grows with the square of the victims) for 16 true pairs not
    # otherwise connected: left out; databases under 10,000 records block on one name
    # word alone (training.SMALL_DATABASE_BLOCKING).
    _rule("name_first_key", where=BOTH_SUSPECTS),
    _rule("name_last_key", where=BOTH_SUSPECTS),
    # The same identity document, whoever holds it: the worker who departed is the
    # returnee who came back, the victim, the later defendant.
    CustomRule("l.document_key = r.document_key"),
    # The same contact, whoever gave it (null unless the agency records one).
    CustomRule("l.contact_key = r.contact_key"),
    # The same full date of birth, between victims, whatever the names (a name written
    # two ways with no word in common); null unless both records carry a full date.
    # Where it costs too many pairs (a register whose clerks wrote 1 January for a year
    # alone), blocking.blocking_rules_for drops it; the date with a name word or the
    # district stays.
    _rule("birth_day", "birth_year", where=BOTH_VICTIMS),
    _rule("name_first_key", "birth_day", "birth_year", where=BOTH_VICTIMS),
    _rule("name_last_key", "birth_day", "birth_year", where=BOTH_VICTIMS),
    _rule("birth_day", "birth_year", "place_district", where=BOTH_VICTIMS),
    # The first letters of every word (`Chutligh Tumas` / `Chudleigh Tumaz`): a name
    # mistyped in both words, with no birth year or place to pair it on.
    _rule("name_prefix_key", where=BOTH_VICTIMS),
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
one word key with province and birth year between victims and suspects (a typo in the
other word). Victims and suspects, few and recorded by several agencies (courts record
no province and often no sex), are also paired on one word key with province (victims)
or alone (suspects)."""


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
            # Term frequencies of the sorted key, each level against its own u
            # (``disable_tf_exact_match_detection``): Splink otherwise takes the u of the
            # level that is an exact match on the tf column, here "same keys, swapped
            # order" (u about 5e-7: pairs that reach it are neither written nor keyed
            # alike), and took about 9 bits off every pair with the same name (Splink's
            # historical_50k: "same name as written" scored 1.5 bits, not 10.4).
            cll.ExactMatchLevel("name_clean").configure(
                tf_adjustment_column="name_sorted_key",
                disable_tf_exact_match_detection=True,
                label_for_charts="same name as written",
                **_name_m(NAME_M["exact"]),
            ),
            # The same key, or the same letters keyed as one word (model 9): clerks
            # join and split syllables (`Keo Chan Ny` / `Keo Channy`), which is the
            # same name, not a similar one.
            cll.Or(
                cll.ExactMatchLevel("name_key"), cll.ExactMatchLevel("name_compact_key")
            ).configure(
                tf_adjustment_column="name_sorted_key",
                disable_tf_exact_match_detection=True,
                label_for_charts="same romanisation key",
                **_name_m(NAME_M["key"]),
            ),
            cll.ExactMatchLevel("name_sorted_key", term_frequency_adjustments=True).configure(
                disable_tf_exact_match_detection=True,
                label_for_charts="same keys, swapped order",
                **_name_m(NAME_M["swapped"]),
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


COMPANY_M = {"same": 0.85, "else": 0.15}
"""Fixed m of the company levels: of one worker's two records that both name a company,
most name the one the worker departed through (a hotline caller, an NGO's register);
some name a sub-agent or another company. Random pairs of departures share a company
about one time in fourteen (u, sampled on each database), so the same company is about
+3.5 bits and a different one -2.6 bits (demo, scale 1.0)."""


def _company_comparison() -> cl.CustomComparison:
    """The recruitment company: the same (as its group's key), or two companies.

    A hotline call about a worker abroad gives a name the family guessed and an age, and
    among one destination's thousands of departures the same name key and birth year is
    shared by another worker about every second time; the company the caller names (and
    the departure's licence, one key with it: :mod:`tipdata.linkage.companies`) tells the
    two apart. Null (no evidence) unless both records name a company.
    """
    return cl.CustomComparison(
        output_column_name="company",
        comparison_description="recruitment company (licence or name, one key)",
        comparison_levels=[
            cll.NullLevel("company_key"),
            cll.ExactMatchLevel("company_key").configure(
                label_for_charts="same company",
                m_probability=COMPANY_M["same"],
                u_probability=0.1,
                fix_m_probability=True,
            ),
            cll.ElseLevel().configure(
                label_for_charts="two companies",
                m_probability=COMPANY_M["else"],
                u_probability=0.9,
                fix_m_probability=True,
            ),
        ],
    )


OPTIONAL_COMPARISONS: tuple[str, ...] = ("birth_day", "place", "contact", "company")
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
            _company_comparison(),
        ],
        blocking_rules_to_generate_predictions=list(blocking_rules),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["record_key", "source"],
        max_iterations=25,
        em_convergence=0.0001,
    )
