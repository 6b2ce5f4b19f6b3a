"""How well the checks find the anomalies the demo generator plants (precision and recall).

The demo delivery's ``ground_truth/anomalies.csv`` lists each planted anomaly with the
agency record id of its row and the true person; ``records.csv`` maps every row to its
true person and case. A finding is a true positive when a planted anomaly of a kind its
rule detects concerns one of the finding's true persons (for court rows, the defendant).

Two kinds of disagreement are not errors of the checks and are reported apart:

* ``aggravated_range``: the catalogue sets 15-20 years for Art 15 when the victim is a
  minor (seed S0:944-950); the generator draws 7-15 years whatever the victim's age,
  so a "clean" sentence below 15 years for a minor victim is a lawful finding
  ("below the minimum: check for mitigation") the ground truth does not list;
* ``lawful_sentence``: a planted "outside 84-180 months" sentence that lies inside the
  aggravated range that applies to a minor victim is no anomaly under the law.

:func:`oracle_link` sets ``PersonRecord.person_id`` from the ground truth, so pathway
checks can be measured apart from the quality of linkage.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tipdata.legal.findings import CheckFinding
from tipdata.model.enums import PersonRole, PersonStatus
from tipdata.store import Database, Person, PersonRecord, SourceRecord

RULE_KINDS: dict[str, frozenset[str]] = {
    "conviction_under_non_penal_article": frozenset({"conviction_under_scope_article"}),
    "charge_under_non_penal_article": frozenset(
        {"conviction_under_scope_article", "charged_art3_convicted_art11"}
    ),
    "verdict_article_differs_from_charge": frozenset({"charged_art3_convicted_art11"}),
    "exploitation_facts_under_cross_border_article": frozenset({"charged_art3_convicted_art11"}),
    "sentence_below_minimum": frozenset({"sentence_outside_range"}),
    "sentence_above_maximum": frozenset({"sentence_outside_range"}),
    "victim_too_old_for_article": frozenset({"indecent_acts_instead_of_child_prostitution"}),
    "minor_victim_adult_article": frozenset({"indecent_acts_instead_of_child_prostitution"}),
    "trafficking_facts_as_indecent_acts": frozenset(
        {"indecent_acts_instead_of_child_prostitution"}
    ),
    "suspended_trafficking_sentence": frozenset({"suspended_trafficking_sentence"}),
    "sheltered_before_rescued": frozenset({"sheltered_before_rescued"}),
    "two_shelters_at_once": frozenset({"sheltered_before_rescued"}),
    "impossible_sequence": frozenset({"sheltered_before_rescued"}),
    "verdict_before_arrest": frozenset(),
    "identified_not_referred": frozenset({"identified_not_referred"}),
}
"""For each rule, the planted anomaly kinds it detects; rules absent here are not modelled
by the generator (e.g. ``compensation_not_recorded_paid``) and are reported apart."""

AGGRAVATED_MIN_MONTHS = 180
AGGRAVATED_MAX_MONTHS = 240


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One planted anomaly: its kind, the record id of its row and the true person."""

    kind: str
    source_key: str
    true_person_id: str
    detail: str


@dataclass(slots=True)
class Evaluation:
    """Precision and recall of the checks against the planted anomalies.

    Attributes:
        true_positives: findings that match a planted anomaly.
        false_positives: findings of modelled rules that match none.
        aggravated_range: lawful findings the generator does not model (see module doc).
        not_modelled: findings of rules the generator plants nothing for, by rule.
        found: planted anomalies found.
        missed: planted anomalies not found.
        lawful: planted anomalies that are lawful under the catalogue.
    """

    true_positives: list[CheckFinding] = field(default_factory=list)
    false_positives: list[CheckFinding] = field(default_factory=list)
    aggravated_range: list[CheckFinding] = field(default_factory=list)
    not_modelled: dict[str, int] = field(default_factory=dict)
    found: list[Anomaly] = field(default_factory=list)
    missed: list[Anomaly] = field(default_factory=list)
    lawful: list[Anomaly] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """True positives over all findings of modelled rules (1.0 when there are none)."""
        judged = len(self.true_positives) + len(self.false_positives)
        return len(self.true_positives) / judged if judged else 1.0

    @property
    def recall(self) -> float:
        """Planted anomalies found over those that are anomalies under the law."""
        planted = len(self.found) + len(self.missed)
        return len(self.found) / planted if planted else 1.0

    def summary(self) -> str:
        """A few lines for a test log or a benchmark."""
        kinds = Counter(a.kind for a in self.found)
        return "\n".join(
            [
                f"precision {self.precision:.3f} ({len(self.true_positives)} true, "
                f"{len(self.false_positives)} false findings)",
                f"recall {self.recall:.3f} ({len(self.found)} of "
                f"{len(self.found) + len(self.missed)} planted anomalies found: {dict(kinds)})",
                f"lawful findings the generator does not model (Art 15 aggravated range, "
                f"minor victims): {len(self.aggravated_range)}",
                f"planted anomalies lawful under the catalogue: "
                f"{[(a.kind, a.source_key) for a in self.lawful]}",
                f"findings of rules the generator plants nothing for: {self.not_modelled}",
                *(f"MISSED {a.kind} {a.source_key}" for a in self.missed),
                *(
                    f"FALSE {f.rule} {f.subject_type}:{f.subject_id} {f.message}"
                    for f in self.false_positives
                ),
            ]
        )


def read_anomalies(delivery: Path) -> list[Anomaly]:
    """The planted anomalies of a demo delivery."""
    with (delivery / "ground_truth" / "anomalies.csv").open(encoding="utf-8") as handle:
        return [
            Anomaly(row["kind"], row["source_record_id"], row["true_person_id"], row["detail"])
            for row in csv.DictReader(handle)
        ]


def read_truth(delivery: Path) -> dict[str, tuple[str, str]]:
    """Record id -> (true person, true victim person) of every row of a demo delivery."""
    truth: dict[str, tuple[str, str]] = {}
    with (delivery / "ground_truth" / "records.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            truth[row["source_record_id"]] = (row["true_person_id"], row["true_victim_person_id"])
    return truth


def source_keys(db: Database, ids: Iterable[int]) -> dict[int, str]:
    """Source record id -> the agency's record id."""
    wanted = sorted(set(ids))
    keys: dict[int, str] = {}
    with db.session() as session:
        for start in range(0, len(wanted), 900):
            batch = wanted[start : start + 900]
            rows = session.execute(
                sa.select(SourceRecord.id, SourceRecord.source_key).where(
                    SourceRecord.id.in_(batch)
                )
            ).tuples()
            keys.update(dict(rows.all()))
    return keys


def evaluate(db: Database, delivery: Path, findings: Sequence[CheckFinding]) -> Evaluation:
    """Compare findings with the anomalies planted in a demo delivery.

    Args:
        db: the database the delivery was imported into.
        delivery: the folder with ``ground_truth/``.
        findings: the findings of the legal and pathway checks.

    Returns:
        The evaluation.
    """
    anomalies = read_anomalies(delivery)
    truth = read_truth(delivery)
    keys = source_keys(db, (i for f in findings for i in f.record_ids.get("source_record", ())))
    by_person: dict[str, list[Anomaly]] = defaultdict(list)
    for anomaly in anomalies:
        by_person[anomaly.true_person_id].append(anomaly)
    result = Evaluation()
    not_modelled: Counter[str] = Counter()
    found: set[Anomaly] = set()
    for finding in findings:
        kinds = RULE_KINDS.get(finding.rule)
        if kinds is None:
            not_modelled[finding.rule] += 1
            continue
        people = {
            truth[keys[i]][0]
            for i in finding.record_ids.get("source_record", ())
            if i in keys and keys[i] in truth
        }
        matches = [a for p in people for a in by_person.get(p, ()) if a.kind in kinds]
        if matches:
            result.true_positives.append(finding)
            found.update(matches)
        elif _aggravated_range_finding(finding):
            result.aggravated_range.append(finding)
        else:
            result.false_positives.append(finding)
    result.not_modelled = dict(not_modelled)
    for anomaly in anomalies:
        if anomaly in found:
            result.found.append(anomaly)
        elif anomaly.kind == "sentence_outside_range" and _lawful_sentence(
            db, anomaly, findings, truth
        ):
            result.lawful.append(anomaly)
        else:
            result.missed.append(anomaly)
    return result


def _aggravated_range_finding(finding: CheckFinding) -> bool:
    """A below-minimum finding under the aggravated range whose sentence fits the base one."""
    facts = finding.facts
    return (
        finding.rule == "sentence_below_minimum"
        and facts.get("condition") == "aggravated"
        and "victim_minor" in facts.get("circumstances", ())
        and 84 <= int(facts.get("sentence_months") or 0) <= AGGRAVATED_MIN_MONTHS
    )


def _lawful_sentence(
    db: Database,
    anomaly: Anomaly,
    findings: Sequence[CheckFinding],
    truth: dict[str, tuple[str, str]],
) -> bool:
    """Whether a planted out-of-range Art 15 sentence lies in the aggravated range of a
    case with a minor victim (so the law allows it)."""
    from tipdata.legal.judgments import load_judgments

    with db.session() as session:
        source_id = session.execute(
            sa.select(SourceRecord.id).where(SourceRecord.source_key == anomaly.source_key)
        ).scalar_one_or_none()
        if source_id is None:
            return False
        for judgment in load_judgments(session):
            if source_id in judgment.source_record_ids:
                ages = judgment.victim_ages
                sentence = judgment.sentence_months or 0
                return (
                    bool(ages)
                    and ages[0] < 18
                    and AGGRAVATED_MIN_MONTHS <= sentence <= AGGRAVATED_MAX_MONTHS
                )
    return False


def oracle_link(db: Database, delivery: Path) -> int:
    """Link person records by the ground truth: one ``Person`` per true person.

    Args:
        db: the database the delivery was imported into.
        delivery: the demo delivery folder.

    Returns:
        The number of persons created.
    """
    truth = read_truth(delivery)
    with db.session() as session:
        rows = (
            session.execute(
                sa.select(
                    PersonRecord.id,
                    PersonRecord.role,
                    PersonRecord.owner_agency_id,
                    SourceRecord.source_key,
                ).join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
            )
            .tuples()
            .all()
        )
        wanted: dict[str, list[int]] = defaultdict(list)
        owners: dict[str, int] = {}
        for record_id, role, owner, key in rows:
            if key not in truth:
                continue
            person, victim = truth[key]
            true_id = victim if role == PersonRole.VICTIM and victim else person
            if not true_id:
                continue
            wanted[true_id].append(record_id)
            owners.setdefault(true_id, owner)
        people = {
            true_id: Person(owner_agency_id=owners[true_id], status=PersonStatus.ACTIVE)
            for true_id in wanted
        }
        session.add_all(people.values())
        session.flush()
        updates = [
            {"record_id": record_id, "person_id": people[true_id].id}
            for true_id, records in wanted.items()
            for record_id in records
        ]
        table = sa.table("person_record", sa.column("id"), sa.column("person_id"))
        session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("record_id"))
            .values(person_id=sa.bindparam("person_id")),
            updates,
        )
        session.commit()
    return len(people)
