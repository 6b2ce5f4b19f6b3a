"""`tipdata link ...` and `tipdata persons show`: thin fronts over `tipdata.linkage.service`.

The command line acts as the local operator (``actor=None``): full access, still audited.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

import typer
from rich.table import Table

from tipdata.access import LOCAL_OPERATOR
from tipdata.cli._common import (
    HomeOption,
    console,
    group,
    progress_bars,
    system_for,
)
from tipdata.linkage.service import DEFAULT_REVIEW_LOWER, DEFAULT_THRESHOLD

app = group(
    "Link person records from every agency into persons; review uncertain pairs.",
    no_args_is_help=False,
)
persons_app = group("Persons made by linkage.")


@app.callback(invoke_without_command=True)
def run(
    ctx: typer.Context,
    home: HomeOption = None,
    engine: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
    mode: Annotated[str, typer.Option(help="auto, full or incremental.")] = "auto",
    threshold: Annotated[
        float, typer.Option(help="Match probability that links.")
    ] = DEFAULT_THRESHOLD,
    review_lower: Annotated[
        float, typer.Option(help="Lowest probability queued.")
    ] = DEFAULT_REVIEW_LOWER,
) -> None:
    """Run linkage (when no sub-command is given)."""
    if ctx.invoked_subcommand is not None:
        return
    from tipdata.linkage.service import link

    system = system_for(home)
    with progress_bars() as progress:
        result = link(
            system.db,
            engine=engine,
            mode=mode,  # type: ignore[arg-type]
            threshold=threshold,
            review_lower=review_lower,
            progress=progress,
            actor=None,  # the local operator
        )
    table = Table("run", "engine", "mode", "records", "new", "pairs", "persons", "created",
                  "merged", "split", "to review", "retired", "seconds")  # fmt: skip
    table.add_row(
        *(
            str(v)
            for v in (
                result.run_id,
                result.engine,
                result.mode,
                result.records,
                result.new_records,
                result.pairs_scored,
                result.persons,
                result.persons_created,
                result.persons_merged,
                result.persons_split,
                result.review_pairs_added,
                result.review_pairs_retired,
                result.seconds,
            )
        )
    )
    console.print(table)
    console.print(f"{result.mode} run: {result.mode_reason}")
    cal = result.calibration
    if cal:
        _print_calibration(cal)


def _print_calibration(cal: dict[str, Any]) -> None:
    """The run's calibration: prior, expectations, and each level's m, u and bits."""
    console.print(
        f"calibration: prior {cal['prior']:.3g} ({cal['prior_bits']:+.1f} bits); "
        f"{cal['expected_matches']:,.0f} matching pairs expected among the scored; "
        f"expected precision {cal['expected_precision']:.3f}, "
        f"recall {cal['expected_recall']:.3f} (of the scored matches)"
    )
    labelled = int(cal.get("labelled_pairs") or 0)
    console.print(
        f"m updated from {labelled} pair(s) reviewers decided are one person"
        if labelled
        else 'm from the model (no reviewer\'s "same" decision used)'
    )
    table = Table("comparison", "level", "m", "u", "bits")
    for comparison, level, m, u, bits in cal.get("levels") or []:
        table.add_row(
            comparison,
            level,
            "" if m is None else f"{m:.4g}",
            "" if u is None else f"{u:.3g}",
            "" if bits is None else f"{bits:+.2f}",
        )
    console.print(table)


@app.command("runs")
def runs(
    home: HomeOption = None,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 20,
) -> None:
    """The linkage runs so far (as the web's linkage page lists them), the newest calibrated."""
    from tipdata.linkage.service import linkage_runs

    found = linkage_runs(system_for(home).db, actor=None, limit=limit)
    if not found:
        console.print("linkage has not been run yet")
        return
    table = Table("run", "started", "by", "mode", "status", "records", "persons", "to review")
    for item in found:
        table.add_row(
            str(item.run_id), item.started_at.isoformat(timespec="seconds"),
            item.started_by or "", item.mode, item.status, str(item.records),
            str(item.persons), str(item.review_pairs_added),
        )  # fmt: skip
    console.print(table)
    if found[0].calibration:
        console.print(f"run {found[0].run_id}:")
        _print_calibration(found[0].calibration)


@app.command("review")
def review(
    home: HomeOption = None,
    pair: Annotated[int | None, typer.Option(help="Decide this pair.")] = None,
    decision: Annotated[str | None, typer.Option(help="same or different.")] = None,
    reviewer: Annotated[str, typer.Option(help="Who decides.")] = LOCAL_OPERATOR,
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
    seen: Annotated[
        str,
        typer.Option(
            help="The pair's status when you looked (pending, same or different): the "
            "decision is refused if another reviewer changed it since."
        ),
    ] = "pending",
    status: Annotated[str, typer.Option(help="List pairs with this status.")] = "pending",
    limit: Annotated[int, typer.Option(help="Pairs to list.")] = 20,
) -> None:
    """List the review queue, or decide a pair (--pair N --decision same|different)."""
    from tipdata.casefiles import decide_review_pair, review_pairs

    system = system_for(home)
    if pair is not None:
        if decision is None:
            raise typer.BadParameter("--decision same|different is needed with --pair")
        choice = cast(Literal["same", "different", "skip"], decision)  # the service checks it
        decide_review_pair(
            system.db, pair, choice, actor=reviewer, reason=reason, expected_status=seen
        )
        console.print(f"pair {pair}: {decision} (applied on every later run)")
        return
    page = review_pairs(system.db, actor=None, status=status, limit=limit)
    if not page.items:
        console.print(f"no {status} pair")
    for item in page.items:
        probability = f"{item.match_probability:.3f}" if item.match_probability is not None else "-"
        console.print(
            f"[bold]pair {item.pair_id}[/] ({item.status}, {item.origin}): probability "
            f"{probability}, records {item.left.key} / {item.right.key}"
        )
        recorded = Table("field", "left", "right", "")
        for field in item.recorded:
            recorded.add_row(
                field.field, field.left or "-", field.right or "-",
                "differs" if field.differs else "",
            )  # fmt: skip
        if recorded.rows:
            console.print(recorded)
        evidence = Table("comparison", "level", "values", "bits")
        for compared in item.fields:
            bits = "" if compared.match_weight is None else f"{compared.match_weight:+.2f}"
            values = f"{_shown(compared.left or None)} / {_shown(compared.right or None)}"
            evidence.add_row(compared.field, compared.level, values, bits)
        if evidence.rows:  # a manual pair has no evidence
            console.print(evidence)


def _shown(value: object) -> str:
    return "-" if value is None else str(value)


@app.command("explain")
def explain(
    home: HomeOption = None,
    pair: Annotated[int | None, typer.Option(help="A pair of the review queue.")] = None,
    records: Annotated[
        tuple[int, int] | None, typer.Option(help="Two person-record ids instead of a pair.")
    ] = None,
) -> None:
    """Why two records scored as they did: each comparison's weight, prior to total."""
    from tipdata.linkage.service import explain_pair, waterfall_rows

    explanation = explain_pair(system_for(home).db, pair_id=pair, record_ids=records, actor=None)
    table = Table("step", "level", "values", "bits")
    for row in waterfall_rows(explanation):
        table.add_row(*row)
    console.print(table)


@persons_app.command("show")
def show(
    public_id: Annotated[str, typer.Argument(help="The person's public id.")],
    home: HomeOption = None,
) -> None:
    """The records from each agency that make a person, and the steps of their pathway.

    The same profile the web's person page shows (``casefiles.person_profile``), as the
    local operator reads it: every record, step, referral, screening and charge.
    """
    from tipdata.casefiles import person_profile

    view = person_profile(system_for(home).db, public_id, actor=None)
    merged = f" (merged into {view.merged_into})" if view.merged_into else ""
    console.print(f"[bold]{view.public_id}[/] {view.status}{merged}")
    table = Table("agency", "source", "record", "role", "name", "sex", "birth", "province")
    for record in view.records:
        table.add_row(
            record.agency, record.source, record.source_key, record.role, record.name,
            record.sex, record.birth, record.province_code or "",
        )  # fmt: skip
    console.print(table)
    for step in view.timeline:
        console.print(f"step: {step.on or '-'} {step.pathway} {step.stage} ({step.agency})")
    console.print(
        f"{len(view.referrals)} referral(s), {len(view.screenings)} screening(s), "
        f"{len(view.charges)} charge(s), {len(view.documents)} document(s)"
    )
