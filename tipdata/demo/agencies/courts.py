"""Court outcomes: Phnom Penh Municipal Court and provincial courts.

One row per defendant per charge per victim: a defendant's one conviction appears once
per victim of the case (``ground_truth/court_charges.csv`` lists each true charge once,
the figure the "convictions" indicator must give). Habits: the article as the clerk wrote
it ("Art. 15", "15", "Article 15", "ម15", "មាត្រា ១៥"); the verdict in several
words; the sentence split into years and months columns; money in riel; the
victim's name given-first and age.
"""

from __future__ import annotations

import csv
import random

from tipdata.demo.agencies.common import Context, FileResult, written_age
from tipdata.demo.names import write_name
from tipdata.demo.output import GROUND_TRUTH_DIR, CsvFile, dmy
from tipdata.demo.world import CourtCase, TrueCase, TrueCharge, TruePerson

STEM = "court_outcomes"
HEADER = (
    "Row Ref",
    "Court",
    "Case No",
    "Judgment Date",
    "Defendant No",
    "Defendant Name",
    "Defendant Sex",
    "Defendant Age",
    "Offence",
    "Article Charged",
    "Article Convicted",
    "Verdict",
    "Sentence Years",
    "Sentence Months",
    "Suspended Months",
    "Fine (Riel)",
    "Compensation (Riel)",
    "Appeal",
    "Victim Name",
    "Victim Age",
)
OFFENCE_FORMS = {
    "trafficking": ("trafficking in persons", "human trafficking", "Trafficking in persons"),
    "cross_border_transfer": (
        "cross-border transfer",
        "Cross-border transfer",
        "unlawful removal for cross-border transfer",
    ),
    43: ("indecent acts", "indecent act against a minor"),
    42: ("sexual intercourse with a minor", "sexual intercourse with minor under 15"),
}
VERDICT_FORMS = {
    "convicted": ("convicted", "convicted", "Convicted", "guilty"),
    "acquitted": ("acquitted", "Acquitted", "not guilty"),
    "dismissed": ("dismissed", "Dismissed"),
}
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
ANOMALY_DETAILS = {
    "conviction_under_scope_article": (
        "convicted under Art. 3 (scope, no penalty) with a 2-year sentence"
    ),
    "charged_art3_convicted_art11": (
        "charged under Art. 3, convicted under Art. 11 (cross-border transfer)"
    ),
    "indecent_acts_instead_of_child_prostitution": (
        "client of 12- and 16-year-old victims charged with indecent acts (Art. 43),"
        " not purchase of child prostitution (Art. 34)"
    ),
    "sentence_outside_range": "Art. 15 sentence outside 84-180 months",
    "suspended_trafficking_sentence": "suspended sentence for a trafficking offence",
}


def article_as_written(article: int, rng: random.Random) -> str:
    """An article number the way court clerks write it."""
    form = rng.randrange(6)
    if form == 0:
        return f"Art. {article}"
    if form == 1:
        return str(article)
    if form == 2:
        return f"Article {article}"
    if form == 3:
        return f"ម{article}"
    if form == 4:
        return "មាត្រា " + str(article).translate(KHMER_DIGITS)
    return f"Art {article}"


def write(ctx: Context) -> FileResult:
    """Write ``court_outcomes_<year>.csv``.

    Args:
        ctx: the run context.

    Returns:
        The file written and its row count.
    """
    rng = ctx.rng("courts")
    name = ctx.file_name(STEM, "csv")
    out = CsvFile(ctx.out / name, HEADER)
    decided: list[tuple[TrueCase, CourtCase]] = [
        (case, case.court) for case in ctx.world.cases if case.court is not None
    ]
    decided.sort(
        key=lambda pair: (pair[1].court_code != "PPMC", pair[1].court_code, pair[1].case_no)
    )
    for case, court in decided:
        for d, charge in enumerate(court.charges, start=1):
            victims: list[TruePerson | None] = list(case.victims) or [None]
            for v, victim in enumerate(victims, start=1):
                ref = f"{court.court_code}:{court.case_no}:D{d}:V{v}"
                row = out.write(_row(ref, court, d, charge, victim, rng))
                ctx.truth.record(
                    name,
                    row,
                    ref,
                    court.court_code,
                    charge.defendant.person_id,
                    case.case_id,
                    victim.person_id if victim else "",
                )
                if charge.anomaly and v == 1:
                    ctx.truth.anomaly(
                        charge.anomaly,
                        name,
                        row,
                        ref,
                        charge.defendant.person_id,
                        ANOMALY_DETAILS[charge.anomaly],
                    )
    out.close()
    _write_charges_truth(ctx, decided)
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "PPMC", out.rows)


def _write_charges_truth(ctx: Context, decided: list[tuple[TrueCase, CourtCase]]) -> None:
    """``ground_truth/court_charges.csv``: each true charge once (defendant, article, judgment)."""
    with (ctx.out / GROUND_TRUTH_DIR / "court_charges.csv").open(
        "w", encoding="utf-8", newline=""
    ) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            (
                "court",
                "case_no",
                "verdict_date",
                "true_defendant_id",
                "article_charged",
                "article_convicted",
                "verdict",
                "sentence_months",
                "victims",
            )
        )
        for case, court in decided:
            for charge in court.charges:
                writer.writerow(
                    (
                        court.court_code,
                        court.case_no,
                        court.verdict_date.isoformat(),
                        charge.defendant.person_id,
                        charge.article_charged,
                        charge.article_convicted or "",
                        charge.verdict,
                        charge.sentence_months,
                        len(case.victims),
                    )
                )


def _row(
    ref: str,
    court: CourtCase,
    d: int,
    charge: TrueCharge,
    victim: TruePerson | None,
    rng: random.Random,
) -> list[object]:
    defendant = charge.defendant
    written = write_name(defendant.name, rng, variant_rate=0.3, typo_rate=0.04, swap_rate=0.05)
    if court.offence_group == "child_sexual_abuse":
        offence = rng.choice(OFFENCE_FORMS[charge.article_charged])
    else:
        offence = rng.choice(OFFENCE_FORMS[court.offence_group])
    convicted = charge.verdict == "convicted"
    victim_name = victim_age = ""
    if victim is not None:
        written_victim = write_name(
            victim.name, rng, variant_rate=0.35, typo_rate=0.05, khmer_rate=0.1
        )
        victim_name = written_victim.khmer or written_victim.given_first()
        victim_age = str(written_age(victim, court.verdict_date, rng, 0.15))
    return [
        ref,
        court.court_name,
        court.case_no,
        dmy(court.verdict_date),
        f"{court.case_no}-D{d}",
        written.family_first(),
        defendant.sex,
        written_age(defendant, court.verdict_date, rng, 0.1),
        offence,
        article_as_written(charge.article_charged, rng),
        article_as_written(charge.article_convicted, rng) if charge.article_convicted else "",
        rng.choice(VERDICT_FORMS[charge.verdict]),
        charge.sentence_months // 12 if convicted else "",
        charge.sentence_months % 12 if convicted else "",
        charge.suspended_months if convicted else "",
        charge.fine_riel if convicted else "",
        charge.compensation_riel if convicted else "",
        ("Y" if charge.appealed else "N") if convicted else "",
        victim_name,
        victim_age,
    ]
