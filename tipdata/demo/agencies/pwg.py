"""Provincial working groups' bi-weekly aggregate reports.

The 24 provincial working groups (23 provinces and the capital) each owe 26
bi-weekly reports. Many are never sent; many arrive late. Reported values are the
true counts of the province and period, sometimes under-reported.

Habits: one row per report received; the province written with name variants;
period start and end as ISO dates; ``submitted_at`` as "YYYY-MM-DD HH:MM", due
five days after the period ends; counts of victims identified by sex and
child/adult, victims referred, cases investigated and suspects arrested.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime, timedelta

from tipdata import periods
from tipdata.demo.agencies.common import Context, FileResult
from tipdata.demo.geography import provinces, write_province
from tipdata.demo.output import GROUND_TRUTH_DIR, CsvFile

STEM = "pwg_biweekly"
DEADLINE_DAYS = 5
ELEMENTS = (
    "victims_identified_female_child",
    "victims_identified_female_adult",
    "victims_identified_male_child",
    "victims_identified_male_adult",
    "victims_referred",
    "cases_investigated",
    "suspects_arrested",
)
HEADER = (
    "Report ID",
    "Province",
    "Period",
    "Period Start",
    "Period End",
    "Submitted At",
    *ELEMENTS,
)


def bi_weeks(year: int) -> list[tuple[int, date, date]]:
    """The bi-weeks of a year in tipdata's calendar (DHIS2 bi-weeks: 26, or 27 in a 53-week year).

    The working groups report on the same calendar tipdata uses to expect their reports
    (`tipdata.periods`, docs/reporting-periods.md).
    """
    return [(n, period.start, period.end) for n, period in enumerate(periods.bi_weeks(year), 1)]


def bi_week_of(day: date, year: int) -> int | None:
    """The bi-week number (1-26) of `year` a date falls in; None if it belongs to another year."""
    period = periods.bi_week_of(day)
    if not period.code.startswith(f"{year}BW"):
        return None
    return int(period.code[-2:])


def true_values(ctx: Context) -> dict[tuple[str, int], dict[str, int]]:
    """The true count of each data element by province code and bi-week."""
    values: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(ELEMENTS, 0))
    year = ctx.year
    for person in ctx.world.persons:
        if not person.is_victim or person.rescue_province is None:
            continue
        identified = person.rescue_date or (
            person.screening_date if person.determination == "victim" else None
        )
        if identified is not None and identified.year == year:
            age_group = "child" if person.age_at(identified) < 18 else "adult"
            sex = "female" if person.sex == "F" else "male"
            week = bi_week_of(identified, year)
            if week is not None:
                key = (person.rescue_province.code, week)
                values[key][f"victims_identified_{sex}_{age_group}"] += 1
        if person.mosavy_date is not None and person.mosavy_date.year == year:
            week = bi_week_of(person.mosavy_date, year)
            if week is not None:
                values[(person.rescue_province.code, week)]["victims_referred"] += 1
    for case in ctx.world.cases:
        week = None if case.arrest_date is None else bi_week_of(case.arrest_date, year)
        if week is not None:
            key = (case.province.code, week)
            values[key]["cases_investigated"] += 1
            values[key]["suspects_arrested"] += len(case.suspects)
    return values


def write(ctx: Context) -> FileResult:
    """Write ``pwg_biweekly_<year>.csv`` and ``ground_truth/pwg_true_values.csv``.

    Args:
        ctx: the run context.

    Returns:
        The file written and its row count.
    """
    rng = ctx.rng("pwg")
    name = ctx.file_name(STEM, "csv")
    out = CsvFile(ctx.out / name, HEADER)
    truth = true_values(ctx)
    reliability = {p.code: rng.uniform(0.3, 0.95) for p in provinces(ctx.year)}
    with (ctx.out / GROUND_TRUTH_DIR / "pwg_true_values.csv").open(
        "w", encoding="utf-8", newline=""
    ) as handle:
        truth_writer = csv.writer(handle, lineterminator="\n")
        truth_writer.writerow(
            ("province_code", "period", "period_start", "period_end", "submitted", *ELEMENTS)
        )
        for province in provinces(ctx.year):
            for number, start, end in bi_weeks(ctx.year):
                true = truth.get((province.code, number), dict.fromkeys(ELEMENTS, 0))
                submitted = rng.random() < reliability[province.code]
                truth_writer.writerow(
                    (
                        province.code,
                        number,
                        start.isoformat(),
                        end.isoformat(),
                        int(submitted),
                        *(true[e] for e in ELEMENTS),
                    )
                )
                if not submitted:
                    continue
                if rng.random() < 0.6:
                    delay = rng.randint(1, DEADLINE_DAYS)
                else:
                    delay = DEADLINE_DAYS + rng.randint(1, 60)
                submitted_at = datetime.combine(end, datetime.min.time()) + timedelta(
                    days=delay, hours=rng.randint(8, 17), minutes=rng.randrange(60)
                )
                reported = [
                    max(0, true[e] - rng.randint(1, 2))
                    if true[e] and rng.random() < 0.2
                    else true[e]
                    for e in ELEMENTS
                ]
                ref = f"PWG-{province.code}-{ctx.year}-BW{number:02d}"
                row = out.write(
                    [
                        ref,
                        write_province(province, rng, variant_rate=0.3, khmer_rate=0.05),
                        number,
                        start.isoformat(),
                        end.isoformat(),
                        submitted_at.strftime("%Y-%m-%d %H:%M"),
                        *reported,
                    ]
                )
                ctx.truth.record(name, row, ref, f"PWG-{province.code}")
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "PWG", out.rows)
