"""The linear programs of the disclosure audits: one HiGHS model, many objectives.

An audit (:mod:`tipdata.reporting.suppression`, :mod:`tipdata.reporting.overlap`)
asks the smallest and largest value of many cells under the *same* constraints: what
was published, and counts ``>= 0``. :class:`Programs` hands the constraints to HiGHS
once and changes only the objective between programs, so each program starts from the
previous optimal basis (HiGHS's hot start) instead of building, checking and presolving
the model again as one :func:`scipy.optimize.linprog` call per program did. The optimum
of a linear program is unique, so the values are the same (the published 2008 demo
report has the same digest; ``docs/disclosure-control.md``).

HiGHS's plain solver class is used (``_Highs``, in ``highspy.__all__``, the class
``highspy.Highs`` extends): ``highspy.Highs`` adds Python callbacks whose set-up prints
HiGHS's banner on standard output, which would end up in the output of the command line
(``tests/reporting/test_programs.py`` checks that nothing is printed).
"""

from __future__ import annotations

import math

import numpy as np
from highspy import HighsLp, HighsModelStatus, HighsStatus, MatrixFormat, kHighsInf
from highspy._core import _Highs
from scipy.sparse import csc_array, vstack

from tipdata.errors import TipdataError

_UNBOUNDED = (HighsModelStatus.kUnbounded, HighsModelStatus.kUnboundedOrInfeasible)


class ProgramError(TipdataError, ValueError):
    """HiGHS could not solve an audit's program (the message says why)."""


class Programs:
    """``min objective @ x`` for many objectives, subject to fixed constraints and ``x >= 0``.

    Args:
        columns: the number of unknowns.
        a_ub, b_ub: ``a_ub @ x <= b_ub`` (None: no such rows).
        a_eq, b_eq: ``a_eq @ x == b_eq`` (None: no such rows).
    """

    def __init__(
        self,
        columns: int,
        *,
        a_ub: csc_array | None = None,
        b_ub: np.ndarray | None = None,
        a_eq: csc_array | None = None,
        b_eq: np.ndarray | None = None,
    ) -> None:
        blocks: list[csc_array] = []
        lower: list[np.ndarray] = []
        upper: list[np.ndarray] = []
        if a_eq is not None and b_eq is not None and len(b_eq):
            blocks.append(csc_array(a_eq))
            lower.append(np.asarray(b_eq, dtype=float))
            upper.append(np.asarray(b_eq, dtype=float))
        if a_ub is not None and b_ub is not None and len(b_ub):
            blocks.append(csc_array(a_ub))
            lower.append(np.full(len(b_ub), -kHighsInf))
            upper.append(np.asarray(b_ub, dtype=float))
        matrix = csc_array(vstack(blocks)) if blocks else csc_array((0, columns))
        self._columns = columns
        self._cost = np.zeros(columns)
        self._highs = _Highs()
        self._check(self._highs.setOptionValue("output_flag", False), "set HiGHS's options")
        lp = HighsLp()
        lp.num_col_, lp.num_row_ = columns, matrix.shape[0]
        lp.col_cost_ = self._cost
        lp.col_lower_ = np.zeros(columns)
        lp.col_upper_ = np.full(columns, kHighsInf)
        lp.row_lower_ = np.concatenate(lower) if lower else np.zeros(0)
        lp.row_upper_ = np.concatenate(upper) if upper else np.zeros(0)
        lp.a_matrix_.format_ = MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = columns, matrix.shape[0]
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data.astype(float)
        status = self._highs.passModel(lp)
        self._check(status, "hand the program to HiGHS")

    @staticmethod
    def _check(status: HighsStatus, doing: str) -> None:
        if status == HighsStatus.kError:
            raise ProgramError(f"could not {doing}")

    def minimum(self, objective: np.ndarray) -> float:
        """The least value of ``objective @ x``; ``-inf`` if it has none."""
        changed = np.flatnonzero(objective != self._cost)
        if len(changed):
            self._check(
                self._highs.changeColsCost(
                    len(changed), changed.astype(np.int32), objective[changed].astype(float)
                ),
                "change the objective",
            )
            self._cost = objective.astype(float, copy=True)
        self._check(self._highs.run(), "solve a program")
        status = self._highs.getModelStatus()
        if status in _UNBOUNDED:
            return -math.inf
        if status != HighsModelStatus.kOptimal:
            raise ProgramError(f"no optimum: {self._highs.modelStatusToString(status)}")
        return float(self._highs.getInfo().objective_function_value)
