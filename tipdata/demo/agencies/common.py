"""What every agency writer shares: the run context and small recording habits."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from tipdata.demo.output import GroundTruth
from tipdata.demo.world import TruePerson, World


@dataclass(frozen=True, slots=True)
class FileResult:
    """One agency file written: its name, the agency that owns it and its data rows."""

    name: str
    agency: str
    rows: int


@dataclass(slots=True)
class Context:
    """Everything a writer needs: where to write, the world, the truth sink, the seed."""

    out: Path
    year: int
    seed: int
    world: World
    truth: GroundTruth
    next_person_id: Callable[[], str]
    tick: Callable[[int, int], None]

    @property
    def fixed_time(self) -> datetime:
        """The time written into file metadata: the first day of the year, midnight."""
        return datetime(self.year, 1, 1)

    def rng(self, label: str) -> random.Random:
        """A random stream of its own for one writer, stable for the seed."""
        return random.Random(f"tipdata-demo:{self.seed}:{label}")

    def file_name(self, stem: str, ext: str) -> str:
        """An agency file name for the year, e.g. ``moi_police_register_2008.csv``."""
        return f"{stem}_{self.year}.{ext}"


def written_age(person: TruePerson, at: date, rng: random.Random, error_rate: float) -> int:
    """Age at a date as a clerk writes it: sometimes one year off."""
    age = person.age_at(at)
    if rng.random() < error_rate:
        age += rng.choice((-1, 1))
    return max(0, age)


def written_sex(person: TruePerson, rng: random.Random, forms: dict[str, tuple[str, ...]]) -> str:
    """Sex in one of an agency's forms for it."""
    return rng.choice(forms[person.sex])


def blank(value: str, rng: random.Random, rate: float) -> str:
    """The value, or empty with probability ``rate`` (a field the clerk left out)."""
    return "" if rng.random() < rate else value
