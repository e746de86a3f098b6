"""Scores match the issue's rules, computed independently with exact fractions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kindred.matching import parse_problem, score_matrix
from kindred.matching.explain import reasons, reasons_many
from kindred.matching.score import NOT_ALLOWED

from .conftest import random_problem, reference_values

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


def _engine_values(data):
    problem = parse_problem(data)
    matrix = score_matrix(problem).values
    return {
        (e.id, m.id): (None if matrix[i, j] == NOT_ALLOWED else int(matrix[i, j]))
        for i, e in enumerate(problem.mentees)
        for j, m in enumerate(problem.mentors)
    }


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(0, 7), m=st.integers(0, 6))
def test_scores_match_exact_reference(seed, n, m):
    data = random_problem(seed, n, m)
    assert _engine_values(data) == reference_values(data)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(1, 8))
def test_peer_scores_match_exact_reference_and_are_symmetric(seed, n):
    data = random_problem(seed, n, 0, mode="peer")
    values = _engine_values(data)
    assert values == reference_values(data)
    assert all(values[(a, b)] == values[(b, a)] for a, b in values)


def _one(criterion, mentee, mentor, **extra):
    data = {
        "criteria": [criterion],
        "mentees": [{"id": "e", "attributes": mentee}],
        "mentors": [{"id": "m", "attributes": mentor}],
        **extra,
    }
    return score_matrix(parse_problem(data)).score(0, 0)


@pytest.mark.parametrize(
    ("criterion", "mentee", "mentor", "expected"),
    [
        ({"kind": "overlap", "weight": 1}, {"x": ["a", "b", "c"]}, {"y": ["a", "c", "z"]}, 66.67),
        ({"kind": "overlap", "weight": 1}, {"x": []}, {"y": ["a"]}, 0.0),
        ({"kind": "overlap", "weight": "must"}, {"x": []}, {"y": ["a"]}, None),
        ({"kind": "equal", "weight": 2}, {"x": 1}, {"y": True}, 0.0),
        ({"kind": "equal", "weight": 2}, {"x": "Sales"}, {"y": "Sales"}, 100.0),
        ({"kind": "ordinal", "weight": 1, "min_gap": 2}, {"x": 1}, {"y": 3}, 100.0),
        ({"kind": "ordinal", "weight": 1, "min_gap": 2}, {"x": 1}, {"y": 2}, 0.0),
        ({"kind": "ordinal", "weight": "must", "direction": "mentor_below"}, {"x": 4}, {"y": 2}, 100.0),
        ({"kind": "ordinal", "weight": "must"}, {"x": 4}, {"y": 2}, None),
        ({"kind": "closeness", "weight": 1, "max": 6}, {"x": -8}, {"y": -5}, 50.0),
        ({"kind": "closeness", "weight": 1, "max": 6}, {"x": -8}, {"y": 1}, 0.0),
        ({"kind": "closeness", "weight": "must", "max": 6}, {"x": -8}, {}, None),
        ({"kind": "closeness", "weight": 0, "max": 6}, {"x": -8}, {"y": 9}, 100.0),
    ],
)
def test_each_kind_follows_the_rule(criterion, mentee, mentor, expected):
    criterion = {"name": "c", "mentee": "x", "mentor": "y", **criterion}
    assert _one(criterion, mentee, mentor) == expected


def test_score_is_the_weighted_mean_rounded_to_two_decimals():
    data = {
        "criteria": [
            {"name": "skills", "kind": "overlap", "mentee": "s", "mentor": "s", "weight": 5},
            {"name": "role", "kind": "equal", "mentee": "r", "mentor": "r", "weight": 3},
            {"name": "tz", "kind": "closeness", "mentee": "t", "mentor": "t", "weight": 1, "max": 6},
        ],
        "mentees": [{"id": "e", "attributes": {"s": ["a", "b", "c"], "r": "x", "t": 0}}],
        "mentors": [{"id": "m", "attributes": {"s": ["a"], "r": "x", "t": 4}}],
    }
    # (5 * 1/3 + 3 * 1 + 1 * 1/3) / 9 * 100 = 55.555...
    assert score_matrix(parse_problem(data)).score(0, 0) == 55.56


def test_min_score_exclude_and_same_person_are_not_allowed():
    data = {
        "min_score": 50,
        "criteria": [{"name": "role", "kind": "equal", "mentee": "r", "mentor": "r", "weight": 1}],
        "mentees": [{"id": "ann", "attributes": {"r": "x"}}, {"id": "bob", "attributes": {"r": "y"}}],
        "mentors": [{"id": "ann", "attributes": {"r": "x"}}, {"id": "cy", "attributes": {"r": "x"}}],
        "exclude": [["ann", "cy"]],
    }
    out = score_matrix(parse_problem(data)).to_json()
    assert out == {
        "mentees": ["ann", "bob"],
        "mentors": ["ann", "cy"],
        "scores": [[None, None], [None, None]],
    }


def test_blocks_do_not_change_scores(monkeypatch):
    data = random_problem(7, 40, 30)
    whole = score_matrix(parse_problem(data)).values
    monkeypatch.setattr("kindred.matching.score.BLOCK_CELLS", 7)
    assert np.array_equal(score_matrix(parse_problem(data)).values, whole)


def test_many_distinct_numbers_use_the_elementwise_path(monkeypatch):
    monkeypatch.setattr("kindred.matching.score.MAX_TABLE_VALUES", 1)
    for seed in range(5):
        data = random_problem(seed, 6, 6)
        assert _engine_values(data) == reference_values(data)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(1, 6), m=st.integers(1, 5), peer=st.booleans())
def test_vectorised_reasons_match_the_per_pair_ones(seed, n, m, peer):
    problem = parse_problem(random_problem(seed, n, m, mode="peer" if peer else "mentoring"))
    rows, cols = np.divmod(np.arange(len(problem.mentees) * len(problem.mentors)), len(problem.mentors))
    many = reasons_many(problem, rows, cols)
    for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        one = reasons(problem, i, j)
        for a, b in zip(many[k], one, strict=True):
            assert (a["criterion"], a["weight"]) == (b["criterion"], b["weight"])
            assert abs(a["similarity"] - b["similarity"]) <= 1e-4 and abs(a["points"] - b["points"]) <= 0.01
