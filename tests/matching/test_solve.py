"""Solvers proved against brute force, scipy, the `matching` library and networkx."""

from __future__ import annotations

import importlib

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching.games import HospitalResident
from scipy.optimize import linear_sum_assignment

from kindred.matching import parse_problem, score_matrix, solve
from kindred.matching.score import NOT_ALLOWED

from .conftest import brute_force_mentoring, random_problem, reference_values

SOLVE = importlib.import_module("kindred.matching.solve")  # the package exports the function too
SMALL = settings(max_examples=80, deadline=None, derandomize=True)
MEDIUM = settings(max_examples=20, deadline=None, derandomize=True)


def _check_feasible(data, solution, values):
    """Capacities, one pair per mentee, fixed pairs kept, only allowed pairs otherwise."""
    fixed = {tuple(p) for p in data.get("fixed", [])}
    capacity = {m["id"]: m["capacity"] for m in data["mentors"]}
    pairs = {(p.mentee, p.mentor) for p in solution.pairs}
    assert fixed <= pairs
    mentees = [p.mentee for p in solution.pairs]
    assert len(mentees) == len(set(mentees))
    for mentor, cap in capacity.items():
        assert sum(p.mentor == mentor for p in solution.pairs) <= cap
    for pair in pairs - fixed:
        assert values[pair] is not None, pair
    for p in solution.pairs:
        assert round(p.score * 100) == reference_values_direct(data, p.mentee, p.mentor, values)
    assert sorted(solution.unmatched + mentees) == sorted(e["id"] for e in data["mentees"])


def reference_values_direct(data, mentee, mentor, values):
    if values[(mentee, mentor)] is not None:
        return values[(mentee, mentor)]
    # A fixed pair that is not allowed still shows its score.
    relaxed = {**data, "min_score": 0, "exclude": []}
    relaxed["criteria"] = [{**c, "weight": 0} if c["weight"] == "must" else c for c in data["criteria"]]
    return reference_values(relaxed)[(mentee, mentor)]


@SMALL
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(0, 5),
    m=st.integers(0, 3),
    objective=st.sampled_from(["max_participation", "max_score"]),
)
def test_small_instances_match_brute_force(seed, n, m, objective):
    data = random_problem(seed, n, m, objective=objective)
    values = reference_values(data)
    solution = solve(parse_problem(data))
    _check_feasible(data, solution, values)
    fixed = {tuple(p) for p in data.get("fixed", [])}
    scored = {k: v for k, v in values.items()}
    for pair in fixed:
        scored[pair] = reference_values_direct(data, *pair, values)
    best_pairs, best_total = brute_force_mentoring(data, scored)
    assert (solution.matched, round(solution.total_score * 100)) == (best_pairs, best_total)
    assert solution.certificate is not None and solution.certificate.optimal


def _lsa_reference(problem, objective):
    """Exact (pairs, total centi) by scipy on the dense capacity-expanded matrix."""
    values = score_matrix(problem).values.astype(np.int64)
    capacity = np.array([p.capacity for p in problem.mentors])
    fixed_pairs, fixed_total = 0, 0
    free = np.ones(len(problem.mentees), bool)
    for i, j in problem.fixed:
        capacity[j] -= 1
        free[i] = False
        fixed_pairs += 1
        fixed_total += problem_pair_value(problem, i, j)
    slots = np.repeat(np.arange(len(capacity)), np.maximum(capacity, 0))
    block = values[free][:, slots]
    n_free = int(free.sum())
    if objective == "max_participation":
        weight = np.where(block != NOT_ALLOWED, FULL * n_free + 1 + block, 0)
    else:
        weight = np.where(block != NOT_ALLOWED, block * (n_free + 1) + 1, 0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    used = weight[rows, cols] > 0
    return fixed_pairs + int(used.sum()), fixed_total + int(block[rows, cols][used].sum())


FULL = 10000


def problem_pair_value(problem, i, j):
    from kindred.matching.score import Scorer

    return int(Scorer(problem).pairs(np.array([i]), np.array([j]))[0])


@MEDIUM
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(20, 70),
    m=st.integers(5, 40),
    objective=st.sampled_from(["max_participation", "max_score"]),
)
def test_medium_instances_match_scipy_with_the_certificate_machinery_forced(seed, n, m, objective):
    # Tiny candidate lists force every part of the certificate loop: reduced-cost activation,
    # the cheap-mentor column check, rescans against prices and the bound on pairs left out.
    problem = parse_problem(random_problem(seed, n, m, objective=objective))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SOLVE, "CANDIDATES", 1)
        patch.setattr(SOLVE, "RESERVOIR", 2)
        patch.setattr(SOLVE, "CHEAP_SHARE", 0.2)
        patch.setattr("kindred.matching.score.BLOCK_CELLS", 97)
        solution = solve(problem)
    assert solution.certificate is not None and solution.certificate.optimal
    assert (solution.matched, round(solution.total_score * 100)) == _lsa_reference(problem, objective)


def test_certificate_reports_a_gap_when_rounds_run_out(monkeypatch):
    monkeypatch.setattr(SOLVE, "CANDIDATES", 1)
    monkeypatch.setattr(SOLVE, "RESERVOIR", 1)
    monkeypatch.setattr(SOLVE, "MAX_ROUNDS", 1)
    problem = parse_problem(random_problem(3, 60, 30, objective="max_score", extras=False))
    solution = solve(problem)
    exact = _lsa_reference(problem, "max_score")
    certificate = solution.certificate
    assert certificate is not None
    missing = (exact[1] - round(solution.total_score * 100)) / 100
    if certificate.optimal:
        assert missing == 0
    else:
        assert 0 <= missing <= certificate.gap + 1e-9


@MEDIUM
@given(seed=st.integers(0, 10**6), n=st.integers(1, 25), m=st.integers(1, 12))
def test_stable_is_the_mentee_optimal_stable_matching(seed, n, m):
    data = random_problem(seed, n, m, objective="stable")
    data.pop("fixed", None)
    problem = parse_problem(data)
    values = score_matrix(problem).values
    residents, hospitals, capacities = {}, {}, {}
    for i, e in enumerate(problem.mentees):
        ok = [
            j
            for j in range(len(problem.mentors))
            if values[i, j] != NOT_ALLOWED and problem.mentors[j].capacity
        ]
        residents[e.id] = [problem.mentors[j].id for j in sorted(ok, key=lambda j: (-values[i, j], j))]
    for j, mentor in enumerate(problem.mentors):
        ok = [i for i in range(len(problem.mentees)) if mentor.id in residents[problem.mentees[i].id]]
        hospitals[mentor.id] = [problem.mentees[i].id for i in sorted(ok, key=lambda i: (-values[i, j], i))]
        capacities[mentor.id] = mentor.capacity
    expected = set()
    if any(residents.values()):
        residents = {r: p for r, p in residents.items() if p}
        hospitals = {h: p for h, p in hospitals.items() if p}
        game = HospitalResident.create_from_dictionaries(
            residents, hospitals, {h: capacities[h] for h in hospitals}
        )
        for hospital, matched in game.solve(optimal="resident").items():
            expected |= {(r.name, hospital.name) for r in matched}
    assert {(p.mentee, p.mentor) for p in solve(problem).pairs} == expected


@MEDIUM
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(0, 16),
    objective=st.sampled_from(["max_participation", "max_score"]),
)
def test_peer_pairing_is_maximum_weight(seed, n, objective):
    data = random_problem(seed, n, 0, objective=objective, mode="peer")
    values = reference_values(data)
    fixed = [tuple(p) for p in data.get("fixed", [])]
    taken = {x for p in fixed for x in p}
    graph = nx.Graph()
    ids = [p["id"] for p in data["participants"]]
    big = 2 * FULL * n + 1
    for a in ids:
        for b in ids:
            if a < b and a not in taken and b not in taken and values[(a, b)] is not None:
                weight = (
                    big + values[(a, b)] if objective == "max_participation" else values[(a, b)] * (n + 1) + 1
                )
                graph.add_edge(a, b, weight=weight)
    expected = nx.max_weight_matching(graph)
    expected_total = sum(values[(a, b)] for a, b in expected)
    solution = solve(parse_problem(data))
    got = [(p.mentee, p.mentor) for p in solution.pairs if (p.mentee, p.mentor) not in fixed]
    assert all(values[pair] is not None for pair in got)
    people = [x for pair in solution.pairs for x in (pair.mentee, pair.mentor)]
    assert len(people) == len(set(people))
    assert len(got) == len(expected)
    assert sum(values[pair] for pair in got) == expected_total
    assert {tuple(sorted(p)) for p in fixed} <= {tuple(sorted((p.mentee, p.mentor))) for p in solution.pairs}


@MEDIUM
@given(seed=st.integers(0, 10**6), n=st.integers(0, 30), k=st.integers(3, 5))
def test_peer_circles_are_valid_and_under_the_upper_bound(seed, n, k):
    data = random_problem(seed, n, 0, mode="peer")
    data.pop("fixed", None)
    data["group_size"] = k
    values = reference_values(data)
    solution = solve(parse_problem(data))
    seen = []
    total = 0
    for group in solution.groups:
        assert 2 <= len(group.members) <= k
        inner = [(a, b) for x, a in enumerate(group.members) for b in group.members[x + 1 :]]
        assert all(values[pair] is not None for pair in inner)
        total += sum(values[pair] for pair in inner)
        seen += group.members
    assert len(seen) == len(set(seen))
    assert sorted(seen + solution.unmatched) == sorted(p["id"] for p in data["participants"])
    assert solution.total_score == round(total / 200, 3)
    assert solution.upper_bound is not None and solution.total_score <= solution.upper_bound + 1e-9


def test_same_input_same_output():
    data = random_problem(11, 60, 30)
    first = solve(parse_problem(data)).to_json()
    assert all(solve(parse_problem(data)).to_json() == first for _ in range(3))


@pytest.mark.parametrize("objective", ["max_participation", "max_score"])
def test_objectives_differ_as_documented(objective):
    # One mentor, two mentees: max_score takes the best pair; max_participation needs the second
    # mentor, usable only by the weaker mentee, so it pairs both.
    data = {
        "objective": objective,
        "criteria": [{"name": "r", "kind": "equal", "mentee": "r", "mentor": "r", "weight": 1}],
        "mentees": [{"id": "e1", "attributes": {"r": "x"}}, {"id": "e2", "attributes": {"r": "y"}}],
        "mentors": [{"id": "m1", "attributes": {"r": "x"}}, {"id": "m2", "attributes": {"r": "z"}}],
        "exclude": [["e1", "m2"]],
    }
    solution = solve(parse_problem(data))
    assert [(p.mentee, p.mentor) for p in solution.pairs] == [("e1", "m1"), ("e2", "m2")]
    assert solution.matched == 2 and solution.total_score == 100.0


@MEDIUM
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(1, 30),
    m=st.integers(1, 600),
    k=st.integers(1, 12),
    distinct=st.sampled_from([1, 3, 50, 10**6]),
)
def test_best_keeps_each_rows_largest_and_bounds_the_rest(seed, n, m, k, distinct):
    # `_best` estimates a threshold from a sample of columns; whatever the sample says, the kept
    # entries must be each row's largest (best first, at most k) and `rest` must bound every
    # entry left out. Few distinct values make heavy ties (the argpartition fallback).
    rng = np.random.default_rng(seed)
    missing = -1
    values = rng.integers(0, distinct, size=(n, m)).astype(np.int64)
    values[rng.random((n, m)) < 0.3] = missing
    rows, cols, rank, rest = SOLVE._best(values, k, missing)
    kept = np.zeros((n, m), bool)
    kept[rows, cols] = True
    assert len(rows) == kept.sum()  # no entry twice
    for i in range(n):
        mine = np.flatnonzero(rows == i)
        got = values[i, cols[mine]]
        assert list(rank[mine]) == list(range(len(mine))) and len(mine) <= k
        assert list(got) == sorted(got, reverse=True) and (got > missing).all()
        left = values[i, ~kept[i] & (values[i] > missing)]
        if len(left):
            assert len(mine) and got.min() >= left.max()
            assert rest[i] == left.max()  # exact, so a row is not rescanned for nothing
        else:
            assert rest[i] == missing
        if len(mine) < k and len(left):
            assert len(mine) and got.min() > left.max()  # fewer than k only above a threshold


@pytest.mark.parametrize("objective", ["max_participation", "max_score"])
def test_scores_that_all_tie_are_solved_in_few_rounds(objective):
    # One criterion everyone meets: every pair scores 100. Candidates broken by lowest mentor
    # first would give every mentee the same few mentors, and each solve would only add a few
    # more (a 1,500 x 700 run stopped at the round limit with a third of the pairs).
    n, m = 1500, 700
    data = {
        "mode": "mentoring",
        "objective": objective,
        "criteria": [{"name": "team", "kind": "equal", "mentee": "team", "mentor": "team", "weight": 1}],
        "mentees": [{"id": f"e{i}", "attributes": {"team": "x"}} for i in range(n)],
        "mentors": [{"id": f"m{j}", "capacity": 2, "attributes": {"team": "x"}} for j in range(m)],
    }
    solution = solve(parse_problem(data))
    certificate = solution.certificate
    assert solution.matched == 2 * m and certificate is not None and certificate.optimal
    assert certificate.rounds <= 2 and certificate.rescored_rows <= n


def _blas_threads():
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_overlapping_solves_give_blas_its_threads_back(monkeypatch):
    # threadpoolctl's limit is process-wide: two overlapping solves, the first ending first, once
    # left BLAS at one thread for the rest of the process (the second restored the first's limit).
    import threading

    monkeypatch.setattr(SOLVE, "WORKERS", 2)
    before = _blas_threads()

    def solve_holding(inside, release):
        def held(x):
            inside.set()
            release.wait(10)
            return x

        return threading.Thread(target=SOLVE._in_parallel, args=(held, range(2)))

    events = [(threading.Event(), threading.Event()) for _ in range(2)]
    first, second = (solve_holding(*e) for e in events)
    first.start()
    assert events[0][0].wait(10)
    second.start()
    assert events[1][0].wait(10)
    events[0][1].set()  # the first solve ends while the second still has blocks in flight
    first.join()
    assert SOLVE._one_blas_thread.users == 1
    events[1][1].set()
    second.join()
    assert SOLVE._one_blas_thread.users == 0
    assert _blas_threads() == before
