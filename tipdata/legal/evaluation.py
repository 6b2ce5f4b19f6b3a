"""How well the checks find the anomalies the demo generator plants (precision and recall).

The demo delivery's ``ground_truth/anomalies.csv`` lists each planted anomaly with the
agency record id of its row and the true person; ``records.csv`` maps every row to its
true person and case. A finding is a true positive when a planted anomaly of a kind its
rule detects concerns one of the finding's true persons (for court rows, the defendant).

The generator follows the law catalogue (the aggravated range of Art 15 for a minor
victim included), so every finding of a modelled rule that matches no planted anomaly is a
false positive, and every planted anomaly the checks do not find is a miss.

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
from tipdata.store import Database, PersonRecord, SourceRecord, metadata, utc_now
from tipdata.store.people import new_person_public_id

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
        not_modelled: findings of rules the generator plants nothing for, by rule.
        found: planted anomalies found.
        missed: planted anomalies not found.
    """

    true_positives: list[CheckFinding] = field(default_factory=list)
    false_positives: list[CheckFinding] = field(default_factory=list)
    not_modelled: dict[str, int] = field(default_factory=dict)
    found: list[Anomaly] = field(default_factory=list)
    missed: list[Anomaly] = field(default_factory=list)

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
        else:
            result.false_positives.append(finding)
    result.not_modelled = dict(not_modelled)
    for anomaly in anomalies:
        (result.found if anomaly in found else result.missed).append(anomaly)
    return result


def oracle_link(db: Database, delivery: Path) -> int:
    """Link person records by the ground truth: one ``Person`` per true person.

    Set-based, so a scale-10 delivery (1.5 million records) links in seconds: the persons
    are inserted in batches with their ids returned in order, and the records are updated
    from a temporary table of (record, person) pairs in one statement.

    Args:
        db: the database the delivery was imported into.
        delivery: the demo delivery folder.

    Returns:
        The number of persons created.
    """
    truth = read_truth(delivery)
    person, record = metadata.tables["person"], metadata.tables["person_record"]
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(
                PersonRecord.id,
                sa.type_coerce(PersonRecord.role, sa.String()),
                PersonRecord.owner_agency_id,
                SourceRecord.source_key,
            )
            .join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
            .order_by(PersonRecord.id)
        ).all()
        wanted: dict[str, list[int]] = defaultdict(list)
        owners: dict[str, int] = {}
        for record_id, role, owner, key in rows:
            if key not in truth:
                continue
            true_person, victim = truth[key]
            true_id = victim if role == PersonRole.VICTIM.value and victim else true_person
            if not true_id:
                continue
            wanted[true_id].append(record_id)
            owners.setdefault(true_id, owner)
        if not wanted:
            return 0
        created = utc_now()
        order = list(wanted)
        ids = (
            connection.execute(
                person.insert().returning(person.c.id, sort_by_parameter_order=True),
                [
                    {
                        "public_id": new_person_public_id(),
                        "owner_agency_id": owners[true_id],
                        "status": PersonStatus.ACTIVE,
                        "created_at": created,
                    }
                    for true_id in order
                ],
            )
            .scalars()
            .all()
        )
        pairs = sa.Table(
            "oracle_link_pairs",
            sa.MetaData(),
            sa.Column("record_id", sa.Integer, primary_key=True),
            sa.Column("person_id", sa.Integer, nullable=False),
            prefixes=["TEMPORARY"],
        )
        pairs.create(connection)
        connection.execute(
            pairs.insert(),
            [
                {"record_id": record_id, "person_id": person_id}
                for true_id, person_id in zip(order, ids, strict=True)
                for record_id in wanted[true_id]
            ],
        )
        connection.execute(
            record.update()
            .values(person_id=pairs.c.person_id)
            .where(record.c.id == pairs.c.record_id)
        )
        pairs.drop(connection)
        connection.commit()
    return len(order)
