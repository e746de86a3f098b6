"""The command line: output shapes, standard input, and one-line errors with status 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from kindred.matching.__main__ import main

from .conftest import random_problem

EXAMPLE = {
    "mode": "mentoring",
    "objective": "max_participation",
    "min_score": 0,
    "criteria": [
        {"name": "seniority", "kind": "ordinal", "mentee": "level", "mentor": "level", "weight": "must"},
        {"name": "skills", "kind": "overlap", "mentee": "skills_to_grow", "mentor": "strengths", "weight": 5},
        {
            "name": "role",
            "kind": "equal",
            "mentee": "preferred_mentor_role",
            "mentor": "current_role",
            "weight": 3,
        },
        {
            "name": "timezone",
            "kind": "closeness",
            "mentee": "utc_offset",
            "mentor": "utc_offset",
            "weight": 1,
            "max": 6,
        },
    ],
    "mentees": [
        {"id": "e1", "attributes": {"level": 1, "skills_to_grow": ["negotiation"], "utc_offset": -8}},
        {
            "id": "e2",
            "attributes": {"level": 0, "skills_to_grow": ["a", "b"], "preferred_mentor_role": "Sales"},
        },
    ],
    "mentors": [
        {
            "id": "m1",
            "capacity": 2,
            "attributes": {"level": 3, "strengths": ["negotiation"], "utc_offset": -5},
        },
        {"id": "m7", "capacity": 1, "attributes": {"level": 3, "strengths": ["a"], "current_role": "Sales"}},
    ],
    "exclude": [["e1", "m7"]],
    "fixed": [["e2", "m1"]],
}


def run(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "kindred.matching", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def example(tmp_path):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(EXAMPLE))
    return path


def test_score_prints_the_matrix(example):
    result = run("score", str(example))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "mentees": ["e1", "e2"],
        "mentors": ["m1", "m7"],
        "scores": [[61.11, None], [0.0, 61.11]],
    }


def test_solve_prints_pairs_with_reasons(example):
    result = run("solve", str(example))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert [(p["mentee"], p["mentor"], p["score"]) for p in out["pairs"]] == [
        ("e1", "m1", 61.11),
        ("e2", "m1", 0.0),
    ]
    assert out["pairs"][0]["reasons"] == [
        {"criterion": "seniority", "weight": "must", "similarity": 1.0, "points": 0.0},
        {"criterion": "skills", "weight": 5, "similarity": 1.0, "points": 55.56},
        {"criterion": "role", "weight": 3, "similarity": 0.0, "points": 0.0},
        {"criterion": "timezone", "weight": 1, "similarity": 0.5, "points": 5.56},
    ]
    assert (out["unmatched"], out["matched"], out["total_score"]) == ([], 2, 61.11)
    assert out["certificate"]["optimal"] is True


def test_dash_reads_standard_input_and_peer_mode_uses_a_and_b():
    data = random_problem(5, 6, 0, mode="peer", extras=False)
    result = run("solve", "-", stdin=json.dumps(data))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert all(set(p) == {"a", "b", "score", "reasons"} for p in out["pairs"])
    scores = json.loads(run("score", "-", stdin=json.dumps(data)).stdout)
    assert set(scores) == {"participants", "scores"}
    matrix = scores["scores"]
    assert all(matrix[x][y] == matrix[y][x] for x in range(6) for y in range(6))


def _with(**changes):
    data = json.loads(json.dumps(EXAMPLE))
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        target[keys[-1]] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (_with(criteria__2__kind="similar"), "criteria[2].kind: unknown kind 'similar'"),
        (_with(criteria__1__weight=11), "criteria[1].weight: expected an integer 0..10 or 'must'"),
        (_with(criteria__3__max=0), "criteria[3].max: expected a positive number"),
        (_with(mentors__0__capacity=-1), "mentors[0].capacity: expected an integer >= 0"),
        (_with(mentees__1__id="e1"), "mentees[1].id: duplicate id 'e1'"),
        (_with(mentees__0__attributes={"level": "senior"}), "mentees[0].attributes.level: expected a number"),
        (_with(objective="fastest"), "objective: expected one of"),
        (_with(exclude=[["e1", "nobody"]]), "exclude[0][1]: unknown mentor 'nobody'"),
        (_with(fixed=[["e1", "m7"]]), "fixed[0]: the pair is also in exclude"),
        (_with(min_score=120), "min_score: expected a number 0..100"),
        (_with(colour="blue"), "colour: unknown field"),
        ("{not json", "problem: not valid JSON"),
        ("[]", "problem: expected a JSON object"),
    ],
)
@pytest.mark.parametrize("command", ["score", "solve"])
def test_invalid_input_is_one_line_naming_the_field_and_status_2(
    stdin, message, command, monkeypatch, capsys
):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert main([command, "-"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_the_real_process_exits_2_without_a_traceback():
    result = run("solve", "-", stdin=_with(criteria__2__kind="similar"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert (
        result.stderr
        == "criteria[2].kind: unknown kind 'similar' (expected one of overlap, equal, ordinal, closeness)\n"
    )


def test_missing_file_and_bad_arguments_exit_2(tmp_path, capsys):
    assert main(["score", str(tmp_path / "nope.json")]) == 2
    assert "nope.json" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["rank", "x.json"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
