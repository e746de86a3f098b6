"""Peer pairs: the blossom algorithm against networkx, odd pools, the certificate, the time limit."""

from __future__ import annotations

import importlib
import json
import random
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kindred.matching import SolveTimeout, parse_problem, solve
from kindred.matching.blossom import BlossomResult, max_weight_matching
from kindred.matching.certificate import certify, slacks
from kindred.matching.score import FULL_SCORE

from .conftest import random_problem, reference_values

PEER = importlib.import_module("kindred.matching.peer")
FAST = settings(max_examples=40, deadline=None, derandomize=True)


def _random_graph(seed: int, n: int, density: float, top: int) -> tuple[np.ndarray, ...]:
    rng = random.Random(seed)
    edges = [(i, j, rng.randint(0, top)) for i in range(n) for j in range(i + 1, n) if rng.random() < density]
    a, b, w = (np.array([e[x] for e in edges], dtype=np.int64) for x in range(3))
    return a, b, w


def _networkx_weight(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> int:
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from(zip(a.tolist(), b.tolist(), w.tolist(), strict=True))
    return sum(graph[x][y]["weight"] for x, y in nx.max_weight_matching(graph))


def _weight_of(result: BlossomResult, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> int:
    return int(w[result.mate[a] == b].sum())


@FAST
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(0, 24),
    density=st.sampled_from([0.1, 0.3, 0.6, 1.0]),
    top=st.sampled_from([1, 3, 10, 1000, 10**9]),
)
def test_blossom_matches_networkx_and_certifies(seed, n, density, top):
    a, b, w = _random_graph(seed, n, density, top)
    result = max_weight_matching(n, a, b, w)
    assert certify(n, a, b, w, result)
    assert slacks(a, b, w, result).tolist() == _slow_slacks(a, b, w, result)
    assert _weight_of(result, a, b, w) == _networkx_weight(n, a, b, w)


def _slow_slacks(a: np.ndarray, b: np.ndarray, w: np.ndarray, result: BlossomResult) -> list[int]:
    """Doubled slacks from the blossoms' vertex sets, one edge at a time."""
    held: list[set[int]] = [set() for _ in result.z]
    for v, inner in enumerate(result.inner.tolist()):
        while inner >= 0:
            held[inner].add(v)
            inner = int(result.parent[inner])
    return [
        int(result.dual[x] + result.dual[y] - 2 * weight)
        + 2 * sum(int(z) for members, z in zip(held, result.z, strict=True) if x in members and y in members)
        for x, y, weight in zip(a.tolist(), b.tolist(), w.tolist(), strict=True)
    ]


@pytest.mark.parametrize("seed", range(6))
def test_blossom_on_larger_graphs_with_nested_blossoms(seed):
    n = 31 + 10 * seed
    a, b, w = _random_graph(seed, n, 0.4, [3, 10, 1000][seed % 3])
    result = max_weight_matching(n, a, b, w)
    assert (result.parent >= 0).any()  # blossoms inside blossoms are left at the end
    assert certify(n, a, b, w, result)
    assert slacks(a, b, w, result).tolist() == _slow_slacks(a, b, w, result)
    assert _weight_of(result, a, b, w) == _networkx_weight(n, a, b, w)


def test_the_certificate_refuses_wrong_answers():
    a, b, w = _random_graph(3, 15, 0.5, 20)
    result = max_weight_matching(15, a, b, w)
    assert certify(15, a, b, w, result)
    lowered = BlossomResult(result.mate, result.dual.copy(), result.inner, result.parent, result.z)
    lowered.dual[int(np.argmax(lowered.dual))] -= 2
    assert not certify(15, a, b, w, lowered)  # an edge is no longer covered, or the values differ
    x, y = int(a[0]), int(b[0])
    other = result.mate.copy()
    for v in (x, y, *(int(other[v]) for v in (x, y) if other[v] >= 0)):
        other[v] = -1
    other[x], other[y] = y, x
    changed = BlossomResult(other, result.dual, result.inner, result.parent, result.z)
    assert (other == result.mate).all() or not certify(15, a, b, w, changed)
    assert (slacks(a, b, w, result) >= 0).all()


def _expected(data: dict, values: dict) -> tuple[int, int]:
    """(pairs, total value) of the best pairing of the people outside fixed pairs, by networkx:
    max_participation = maximum cardinality first (networkx's own option), then weight."""
    taken = {x for pair in data.get("fixed", []) for x in pair}
    ids = [p["id"] for p in data["participants"] if p["id"] not in taken]
    graph = nx.Graph()
    n = len(ids)
    for x, first in enumerate(ids):
        for second in ids[x + 1 :]:
            value = values[(first, second)]
            if value is None:
                continue
            if data["objective"] == "max_participation":
                graph.add_edge(first, second, weight=value)
            else:
                graph.add_edge(first, second, weight=value * (n + 1) + 1, value=value)
    maxcardinality = data["objective"] == "max_participation"
    chosen = nx.max_weight_matching(graph, maxcardinality=maxcardinality)
    return len(chosen), sum(values[(x, y)] if (x, y) in values else values[(y, x)] for x, y in chosen)


def _check(data: dict) -> None:
    values = reference_values(data)
    solution = solve(parse_problem(data))
    fixed = {frozenset(pair) for pair in data.get("fixed", [])}
    got = [(p.mentee, p.mentor) for p in solution.pairs if frozenset((p.mentee, p.mentor)) not in fixed]
    people = [x for p in solution.pairs for x in (p.mentee, p.mentor)]
    assert len(people) == len(set(people))
    assert fixed <= {frozenset((p.mentee, p.mentor)) for p in solution.pairs}
    assert all(values[pair] is not None for pair in got)
    assert sorted(people + solution.unmatched) == sorted(p["id"] for p in data["participants"])
    assert (len(got), sum(values[pair] for pair in got)) == _expected(data, values)
    assert solution.certificate is not None and solution.certificate.optimal


@pytest.mark.parametrize("n", [61, 81, 101])
@pytest.mark.parametrize("objective", ["max_participation", "max_score"])
def test_odd_pools_are_paired_exactly(n, objective):
    """The sizes that never finished with the integer program (its bound stayed half a pair
    above when an odd number of people could be paired)."""
    data = random_problem(n, n, 0, objective=objective, mode="peer")
    _check(data)


@pytest.mark.parametrize("objective", ["max_participation", "max_score"])
def test_one_person_who_fits_nobody(objective):
    data = random_problem(7, 101, 0, objective=objective, mode="peer", extras=False)
    data["exclude"] = [["p0", f"p{k}"] for k in range(1, 101)]
    data["fixed"] = [["p5", "p6"]]
    _check(data)
    assert "p0" in solve(parse_problem(data)).unmatched


@FAST
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(0, 41),
    objective=st.sampled_from(["max_participation", "max_score"]),
)
def test_random_pools_match_networkx(seed, n, objective):
    """Random pools with every criterion kind, must-haves, min_score, apart, exclude and fixed."""
    _check(random_problem(seed, n, 0, objective=objective, mode="peer"))


def test_candidate_rounds_reach_pairs_outside_the_first_candidates(monkeypatch):
    """With one candidate per person the first solve misses pairs; the dual check adds them."""
    monkeypatch.setattr(PEER, "PEER_CANDIDATES", 1)
    monkeypatch.setattr(PEER, "PEER_ACTIVATE", 1)
    data = random_problem(12, 41, 0, mode="peer", extras=False)
    _check(data)
    assert solve(parse_problem(data)).certificate.rounds > 1


@pytest.mark.parametrize("objective", ["max_participation", "max_score"])
def test_a_pool_where_every_pair_ties(objective):
    """Every score is 100: the candidates spread over the pool (a rotation per person), so the
    first solve pairs everyone and its duals cover every pair."""
    data = {"mode": "peer", "objective": objective, "participants": [{"id": f"p{k}"} for k in range(401)]}
    solution = solve(parse_problem(data))
    assert solution.matched == 200 and solution.total_score == 200 * 100
    assert solution.certificate.optimal and solution.certificate.rounds == 1


def test_big_weights_stay_exact():
    """max_participation's weights exceed any score total; all arithmetic stays in integers."""
    n = 301
    data = random_problem(21, n, 0, mode="peer", extras=False)
    solution = solve(parse_problem(data))
    assert solution.matched == n // 2 and len(solution.unmatched) == 1
    assert solution.certificate.optimal
    assert 2 * FULL_SCORE * n + 1 < 2**62


# -- the time limit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        random_problem(1, 101, 0, mode="peer"),
        {**random_problem(1, 30, 0, mode="peer", extras=False), "group_size": 3},
        random_problem(2, 40, 20),
        random_problem(2, 40, 20, objective="stable"),
    ],
    ids=["peer", "circles", "mentoring", "stable"],
)
def test_a_solve_past_its_time_limit_stops_with_a_clear_message(data):
    with pytest.raises(SolveTimeout, match=r"time limit of 1e-09 seconds without a result \(.+\)"):
        solve(parse_problem(data), time_limit=1e-9)
    assert solve(parse_problem(data), time_limit=None).unmatched is not None


def _cli(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kindred.matching", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_cli_time_limit_exits_3_with_one_line():
    data = json.dumps(random_problem(1, 61, 0, mode="peer"))
    result = _cli("solve", "-", "--time-limit", "0.000000001", stdin=data)
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "time limit of 1e-09 seconds" in result.stderr and "61 participants, pairs" in result.stderr
    done = _cli("solve", "-", "--time-limit", "0", stdin=data)  # 0: no limit
    assert done.returncode == 0 and json.loads(done.stdout)["certificate"]["optimal"]
    bad = _cli("solve", "-", "--time-limit", "-1", stdin=data)
    assert bad.returncode == 2 and "--time-limit" in bad.stderr
