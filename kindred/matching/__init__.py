"""Kindred's matching engine: pure Python + numpy/scipy/OR-Tools, no Django.

Public API (the pairing app builds a JSON-shaped dict from registrations)::

    from kindred.matching import parse_problem, score_matrix, solve, recommend, ProblemError

    problem = parse_problem(data)          # raises ProblemError("criteria[2].kind: ...")
    matrix = score_matrix(problem)         # matrix.score(i, j) -> 0..100 or None; .to_json()
    solution = solve(problem)              # .pairs, .unmatched, .matched, .total_score, .to_json()
                                           # past time_limit (600 s): raises SolveTimeout(message)
    options = recommend(problem, "e1", 5)  # the 5 best mentors with room, with reasons

The problem format, the scoring rules and the guarantees are described in README.md ("Matching model");
``python -m kindred.matching score|solve PROBLEM.json`` runs the same code from a shell.
"""

from .model import Criterion, Person, Problem, ProblemError, parse_problem
from .recommend import Recommendation, recommend
from .score import ScoreMatrix, score_matrix
from .solution import TIME_LIMIT, Certificate, Group, Pair, Solution, SolveTimeout
from .solve import solve

__all__ = [
    "TIME_LIMIT",
    "Certificate",
    "Criterion",
    "Group",
    "Pair",
    "Person",
    "Problem",
    "ProblemError",
    "Recommendation",
    "ScoreMatrix",
    "Solution",
    "SolveTimeout",
    "parse_problem",
    "recommend",
    "score_matrix",
    "solve",
]
