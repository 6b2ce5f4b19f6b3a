"""The audits' linear programs: one HiGHS model, the objective changed between programs."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import csc_array

from tipdata.reporting.programs import ProgramError, Programs

# a 2 x 2 table with its margins known, the four inner cells suppressed:
# x0 + x1 = 7, x2 + x3 = 5, x0 + x2 = 6, x1 + x3 = 6 (x0, x1 in 1..6; x2, x3 in 0..5)
A_EQ = csc_array(np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]], dtype=float))
B_EQ = np.array([7.0, 5.0, 6.0, 6.0])


def test_ranges_match_a_fresh_program_each() -> None:
    programs = Programs(4, a_eq=A_EQ, b_eq=B_EQ)
    for k in range(4):
        objective = np.zeros(4)
        objective[k] = 1.0
        for sign in (1.0, -1.0):
            fresh = linprog(sign * objective, A_eq=A_EQ, b_eq=B_EQ, bounds=(0, None))
            assert programs.minimum(sign * objective) == pytest.approx(fresh.fun, abs=1e-9)
    assert [programs.minimum(np.eye(4)[k]) for k in range(4)] == [1.0, 1.0, 0.0, 0.0]


def test_inequalities_and_an_unbounded_program() -> None:
    # x0 + x1 <= 3 and x2 free above: max x0 = 3, max x2 unbounded
    programs = Programs(3, a_ub=csc_array(np.array([[1.0, 1.0, 0.0]])), b_ub=np.array([3.0]))
    assert programs.minimum(np.array([-1.0, 0.0, 0.0])) == -3.0
    assert programs.minimum(np.array([0.0, 0.0, -1.0])) == -math.inf
    assert programs.minimum(np.array([0.0, 1.0, 0.0])) == 0.0


def test_an_infeasible_program_is_an_error() -> None:
    programs = Programs(2, a_eq=csc_array(np.array([[1.0, 1.0]])), b_eq=np.array([-1.0]))
    with pytest.raises(ProgramError, match=r"[Ii]nfeasible"):
        programs.minimum(np.array([1.0, 0.0]))


def test_nothing_is_printed() -> None:
    """HiGHS prints nothing on standard output (it would land in the CLI's output)."""
    code = (
        "import numpy as np\n"
        "from scipy.sparse import csc_array\n"
        "from tipdata.reporting.programs import Programs\n"
        "p = Programs(2, a_eq=csc_array(np.array([[1.0, 1.0]])), b_eq=np.array([2.0]))\n"
        "p.minimum(np.array([1.0, 0.0]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == ""
    assert done.stderr == ""
