"""Render the law catalogue as the article table of `docs/law-catalogue.md`.

The table between the markers of that file is generated, never edited by hand; a test checks
that it matches the catalogue. Regenerate with `python -m tipdata.codelists.lawdoc`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tipdata.codelists.law import Article, LawCatalogue, Penalty

BEGIN = "<!-- BEGIN GENERATED: law catalogue (python -m tipdata.codelists.lawdoc) -->"
END = "<!-- END GENERATED -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "law-catalogue.md"


def _months(low: int | None, high: int | None, unit: str) -> str:
    if low is None and high is None:
        return ""
    return f"{'?' if low is None else low}–{'?' if high is None else high} {unit}"


def _penalty(penalty: Penalty) -> str:
    when: str = penalty.condition
    if penalty.circumstances:
        when += " (" + ", ".join(penalty.circumstances) + ")"
    parts = [
        _months(penalty.min_months, penalty.max_months, "months"),
        _months(penalty.min_days, penalty.max_days, "days"),
        _months(penalty.min_fine, penalty.max_fine, penalty.fine_unit.replace("_", " ")),
    ]
    return f"{when}: " + ", ".join(p for p in parts if p)


def _penalties(article: Article, punished_by: dict[int, int]) -> str:
    if article.number in punished_by and not article.penalties:
        return f"set by art. {punished_by[article.number]}"
    if article.penalties is None:
        return "unknown"
    if not article.penalties:
        return "none (non-penal)"
    text = "; ".join(_penalty(p) for p in article.penalties)
    return text + ("; other conditions unknown" if not article.penalties_complete else "")


def _flag(value: bool | None) -> str:
    return "?" if value is None else ("yes" if value else "no")


def render_table(catalogue: LawCatalogue) -> str:
    """The Markdown table of every article: kind, trafficking offence, penalties, confidence.

    Args:
        catalogue: the loaded law catalogue.

    Returns:
        Markdown text, one section per law.
    """
    lines: list[str] = []
    for law in catalogue.laws.values():
        lines += [f"### {law.title} (`{law.code}`)", ""]
        lines += ["| art. | title | kind | TIP offence | penalties | confidence | sources |"]
        lines += ["|---|---|---|---|---|---|---|"]
        punished_by = {n: a.number for a in law.articles for n in a.penalises}
        for article in law.articles:
            title = (article.title or "").replace("|", "/")
            lines.append(
                f"| {article.number} | {title} | {article.kind or '?'} | "
                f"{_flag(article.is_trafficking_offence)} | {_penalties(article, punished_by)} | "
                f"{article.confidence} | {', '.join(article.source)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_document(current: str, catalogue: LawCatalogue) -> str:
    """`current` with the text between the generated markers replaced by a fresh table."""
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{render_table(catalogue)}{END}{tail}"


def main() -> int:
    """Rewrite the generated part of docs/law-catalogue.md."""
    from tipdata.codelists import load_law_catalogue

    DOC.write_text(render_document(DOC.read_text(encoding="utf-8"), load_law_catalogue()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
