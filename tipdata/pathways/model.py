"""Pathway state models as data: stages, allowed transitions and named impossible sequences.

``victim.yaml`` and ``prosecution.yaml`` next to this module declare, for each stage,
the stages that may come next. Sources report only some steps, so a transition may skip
stages; a transition that is not declared is an impossible sequence, reported as a
finding. The files are validated on load: a mistake raises ``CodelistError`` naming the
file and line.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from tipdata.codelists import load_codelists
from tipdata.codelists.datafiles import CodelistModel, parse_model, read_yaml
from tipdata.errors import CodelistError
from tipdata.model.enums import EventType

PathwayKind = Literal["victim", "prosecution"]
Severity = Literal["info", "warning", "error", "critical"]

MODEL_DIR = Path(__file__).parent


class SequenceRule(CodelistModel):
    """A named impossible transition (``from`` → ``to``), or the generic rule (no stages).

    Attributes:
        code: the rule code written on findings.
        from_stages: the stages before; empty for the generic rule.
        to_stages: the stages after; empty for the generic rule.
        severity: info, warning, error or critical.
        message: what the finding tells the data officer.
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    from_stages: tuple[EventType, ...] = Field(default=(), alias="from")
    to_stages: tuple[EventType, ...] = Field(default=(), alias="to")
    severity: Severity
    message: str


class PathwayModel(CodelistModel):
    """The state model of one pathway.

    Attributes:
        pathway: ``victim`` or ``prosecution``.
        start: stages a pathway may begin with.
        episode_start: stages that begin a new episode after an ``episode_end`` stage.
        episode_end: stages that end an episode (reintegrated, released, ...).
        exits_shelter: stages that end a shelter stay (victim pathway).
        transitions: for each stage, the stages that may follow it.
        rules: named impossible transitions, then the generic rule (no stages).
    """

    pathway: PathwayKind
    start: tuple[EventType, ...]
    episode_start: tuple[EventType, ...]
    episode_end: tuple[EventType, ...]
    exits_shelter: tuple[EventType, ...] = ()
    transitions: dict[EventType, tuple[EventType, ...]]
    rules: tuple[SequenceRule, ...]

    @model_validator(mode="after")
    def _check(self) -> PathwayModel:
        generic = [rule for rule in self.rules if not rule.from_stages]
        if len(generic) != 1 or self.rules[-1] is not generic[0]:
            raise ValueError("rules must end with exactly one generic rule (no 'from'/'to')")
        return self

    def allows(self, before: EventType, after: EventType) -> bool:
        """Whether ``after`` may directly follow ``before``."""
        return after in self.transitions.get(before, ())

    def rule_for(self, before: EventType, after: EventType) -> SequenceRule:
        """The rule that names a disallowed transition: a named one, else the generic one."""
        for rule in self.rules[:-1]:
            if before in rule.from_stages and after in rule.to_stages:
                return rule
        return self.rules[-1]

    @property
    def stages(self) -> frozenset[EventType]:
        """Every stage of the pathway."""
        return frozenset(self.transitions)


def load_pathway_model(path: Path) -> PathwayModel:
    """Read and validate one pathway model file.

    Args:
        path: a YAML file shaped like ``victim.yaml``.

    Returns:
        The validated model.

    Raises:
        CodelistError: a bad key or value, or a stage outside the pathway's vocabulary.
    """
    document = read_yaml(path)
    model = parse_model(PathwayModel, document.data, path=path, line_of=document.line_of)
    stages = load_codelists().stages
    for code in model.transitions:
        stage = stages.by_code.get(code.value)
        if stage is not None and stage.pathway != model.pathway:
            raise CodelistError(
                path,
                f"stage belongs to the {stage.pathway} pathway",
                line=document.line_of(("transitions", code.value)),
                field="transitions",
                value=code.value,
            )
    named = set(model.transitions)
    for before, afters in model.transitions.items():
        for after in afters:
            if after not in named:
                raise CodelistError(
                    path,
                    "a transition leads to a stage that has no entry of its own",
                    line=document.line_of(("transitions", before.value)),
                    field="transitions",
                    value=after.value,
                )
    return model


@cache
def pathway_model(kind: PathwayKind) -> PathwayModel:
    """The built-in state model of the ``victim`` or ``prosecution`` pathway (cached)."""
    return load_pathway_model(MODEL_DIR / f"{kind}.yaml")


@cache
def stage_order() -> dict[EventType, int]:
    """The order of each stage within its pathway (stages.yaml), for same-day sorting."""
    orders: dict[EventType, int] = {}
    for stage in load_codelists().stages:
        orders[EventType(stage.code)] = stage.order
    return orders
