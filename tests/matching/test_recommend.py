"""Mentee choice: allowed mentors with room, best band first, popular mentors rotated."""

from __future__ import annotations

import pytest

from kindred.matching import ProblemError, parse_problem, recommend


def _problem(fixed=(), extra_mentors=()):
    return parse_problem(
        {
            "criteria": [
                {"name": "skills", "kind": "overlap", "mentee": "grow", "mentor": "strong", "weight": 1},
                {"name": "level", "kind": "ordinal", "mentee": "level", "mentor": "level", "weight": "must"},
            ],
            "mentees": [
                {"id": f"e{k}", "attributes": {"grow": ["a", "b", "c", "d"], "level": 0}} for k in range(6)
            ],
            "mentors": [
                {
                    "id": "star",
                    "capacity": 3,
                    "attributes": {"grow": [], "strong": ["a", "b", "c", "d"], "level": 2},
                },
                {"id": "twin", "capacity": 3, "attributes": {"strong": ["a", "b", "c", "d"], "level": 2}},
                {"id": "good", "capacity": 1, "attributes": {"strong": ["a", "b", "c"], "level": 2}},
                {"id": "junior", "capacity": 5, "attributes": {"strong": ["a", "b", "c", "d"], "level": 0}},
                *extra_mentors,
            ],
            "fixed": list(fixed),
        }
    )


def test_best_band_first_and_never_a_disallowed_or_full_mentor():
    problem = _problem(fixed=[["e5", "good"]])
    names = [r.mentor for r in recommend(problem, "e0", 5)]
    assert sorted(names) == ["star", "twin"]  # junior fails the must-have, good is full
    first = recommend(problem, "e0", 1)[0]
    assert first.score == 100.0 and first.reasons[0]["criterion"] == "skills"


def test_less_loaded_mentor_comes_first_within_a_band():
    problem = _problem(fixed=[["e1", "star"]])
    assert [r.mentor for r in recommend(problem, "e0", 2)] == ["twin", "star"]
    problem = _problem(fixed=[["e1", "twin"], ["e2", "twin"]])
    assert [r.mentor for r in recommend(problem, "e0", 2)] == ["star", "twin"]


def test_equal_mentors_are_rotated_across_mentees():
    problem = _problem()
    firsts = {recommend(problem, f"e{k}", 1)[0].mentor for k in range(6)}
    assert firsts == {"star", "twin"}
    assert all(recommend(problem, "e3", 2) == recommend(problem, "e3", 2) for _ in range(2))


def test_unknown_mentee_is_an_error():
    with pytest.raises(ProblemError, match="mentee: unknown mentee 'zz'"):
        recommend(_problem(), "zz")
