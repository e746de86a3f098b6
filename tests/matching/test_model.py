"""Parsing: defaults, and errors that name the field."""

from __future__ import annotations

import pytest

from kindred.matching import ProblemError, parse_problem, score_matrix


def test_defaults():
    problem = parse_problem({"mentees": [{"id": "e"}], "mentors": [{"id": "m"}]})
    assert (problem.mode, problem.objective, problem.min_score) == ("mentoring", "max_participation", 0.0)
    assert problem.mentors[0].capacity == 1
    assert problem.criteria == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mode": "solo"}, "mode: expected 'mentoring' or 'peer'"),
        (
            {"criteria": [{"name": "x", "kind": "equal", "mentee": "a", "mentor": "a", "min_gap": 1}]},
            "criteria[0].min_gap: only allowed for kind 'ordinal'",
        ),
        (
            {"criteria": [{"name": "x", "kind": "ordinal", "mentee": "a", "mentor": "a", "direction": "up"}]},
            "criteria[0].direction:",
        ),
        (
            {"criteria": [{"name": "x", "kind": "equal", "mentee": "", "mentor": "a"}]},
            "criteria[0].mentee: expected an attribute name",
        ),
        (
            {"criteria": [{"name": "x", "kind": "equal", "mentee": "a", "mentor": "a"}] * 2},
            "criteria[1].name: duplicate name 'x'",
        ),
        (
            {
                "mentees": [{"id": "e", "attributes": {"a": [1]}}],
                "criteria": [{"name": "x", "kind": "overlap", "mentee": "a", "mentor": "b"}],
            },
            "mentees[0].attributes.a: expected a list of strings",
        ),
        ({"mentees": [{"id": "e", "capacity": 2}]}, "mentees[0].capacity: only mentors have a capacity"),
        ({"apart": "team"}, "apart: expected a list of attribute names"),
        ({"apart": ["team", ""]}, "apart[1]: expected a non-empty string"),
        ({"apart": ["team", "team"]}, "apart[1]: duplicate attribute 'team'"),
        (
            {"apart": ["team"], "mentors": [{"id": "m", "attributes": {"team": ["a"]}}]},
            "mentors[0].attributes.team: expected a string, number or boolean",
        ),
        ({"mode": "peer", "mentees": [{"id": "e"}]}, "mentees: not used in peer mode"),
        ({"mode": "peer", "objective": "stable"}, "objective: 'stable' needs two sides"),
        ({"mode": "peer", "group_size": 1}, "group_size: expected an integer >= 2"),
        ({"group_size": 3}, "group_size: only used in peer mode"),
        (
            {
                "mentees": [{"id": "e"}],
                "mentors": [{"id": "m", "capacity": 1}],
                "fixed": [["e", "m"], ["e", "m"]],
            },
            "fixed[1]: 'e' is already in fixed[0]",
        ),
        (
            {
                "mentees": [{"id": "a"}, {"id": "b"}],
                "mentors": [{"id": "m", "capacity": 1}],
                "fixed": [["a", "m"], ["b", "m"]],
            },
            "fixed[1][1]: fixed pairs exceed the capacity",
        ),
        (
            {"mode": "peer", "participants": [{"id": "p"}], "fixed": [["p", "p"]]},
            "fixed[0]: cannot pair 'p' with themselves",
        ),
    ],
)
def test_errors_name_the_field(data, message):
    with pytest.raises(ProblemError) as error:
        parse_problem(data)
    assert str(error.value).startswith(message)


def test_apart_forbids_pairs_sharing_a_value_and_a_missing_value_never_does():
    problem = parse_problem(
        {
            "apart": ["team"],
            "mentees": [{"id": "e1", "attributes": {"team": "sales"}}, {"id": "e2", "attributes": {}}],
            "mentors": [
                {"id": "m1", "attributes": {"team": "sales"}},
                {"id": "m2", "attributes": {"team": 1}},
            ],
        }
    )
    assert score_matrix(problem).to_json()["scores"] == [[None, 100.0], [100.0, 100.0]]
