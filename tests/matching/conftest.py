"""Random problems and plain reference implementations written from the issue's rules."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from typing import Any

SKILLS = ["a", "b", "c", "d", "e"]
ROLES = ["sales", "design", "product"]


def random_problem(
    seed: int,
    n_mentees: int,
    n_mentors: int,
    objective: str = "max_participation",
    mode: str = "mentoring",
    extras: bool = True,
) -> dict[str, Any]:
    """A problem using every criterion kind, missing values, capacities, exclude and fixed."""
    rng = random.Random(seed)
    weights: list[Any] = [rng.choice([0, 1, 2, 3, 5, 10]) for _ in range(4)]
    if extras and rng.random() < 0.6:
        weights[rng.randrange(4)] = "must"
    criteria = [
        {"name": "skills", "kind": "overlap", "mentee": "grow", "mentor": "strong", "weight": weights[0]},
        {"name": "role", "kind": "equal", "mentee": "want_role", "mentor": "role", "weight": weights[1]},
        {
            "name": "seniority",
            "kind": "ordinal",
            "mentee": "level",
            "mentor": "level",
            "weight": weights[2],
            "min_gap": rng.choice([0, 1, 2]),
            "direction": rng.choice(["mentor_above", "mentor_below"]),
        },
        {"name": "tz", "kind": "closeness", "mentee": "tz", "mentor": "tz", "weight": weights[3], "max": 6},
    ]

    def attributes() -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "grow": rng.sample(SKILLS, rng.randint(0, 3)),
            "strong": rng.sample(SKILLS, rng.randint(0, 4)),
            "want_role": rng.choice(ROLES),
            "role": rng.choice(ROLES),
            "level": rng.randint(0, 4),
            "tz": rng.choice([-8, -5, 0, 1, 5.5]),
        }
        for key in list(attrs):
            if extras and rng.random() < 0.08:
                del attrs[key]
        return attrs

    data: dict[str, Any] = {"mode": mode, "objective": objective, "criteria": criteria}
    side = random.Random(seed * 7919 + 1)  # its own stream: the other draws stay as they were
    if extras and side.random() < 0.4:
        data["apart"] = ["team"]
    if extras and rng.random() < 0.3:
        data["min_score"] = rng.choice([10, 25.5, 40])
    if mode == "peer":
        people = [{"id": f"p{k}", "attributes": attributes()} for k in range(n_mentees)]
        data["participants"] = people
        _teams(data, people, side)
        if extras and n_mentees >= 4 and rng.random() < 0.5:
            data["exclude"] = [["p0", "p1"], ["p3", "p2"]]
        if extras and n_mentees >= 6 and rng.random() < 0.3:
            data["fixed"] = [["p4", "p5"]]
        return data
    data["mentees"] = [{"id": f"e{k}", "attributes": attributes()} for k in range(n_mentees)]
    data["mentors"] = [
        {
            "id": f"m{k}",
            "capacity": rng.choice([0, 1, 1, 2, 3]) if extras else rng.choice([1, 2]),
            "attributes": attributes(),
        }
        for k in range(n_mentors)
    ]
    _teams(data, data["mentees"] + data["mentors"], side)
    if extras and n_mentees and n_mentors:
        data["exclude"] = [[f"e{rng.randrange(n_mentees)}", f"m{rng.randrange(n_mentors)}"] for _ in range(2)]
        with_room = [m for m in data["mentors"] if m["capacity"] > 0]
        if with_room and rng.random() < 0.5:
            mentor = rng.choice(with_room)["id"]
            mentee = f"e{rng.randrange(n_mentees)}"
            if [mentee, mentor] not in data["exclude"]:
                data["fixed"] = [[mentee, mentor]]
    return data


def _teams(data: dict[str, Any], people: list[dict[str, Any]], rng: random.Random) -> None:
    """With `apart`, most people get a team (string or number, 1 and 1.0 being the same team)."""
    if "apart" in data:
        for person in people:
            if rng.random() < 0.85:
                person["attributes"]["team"] = rng.choice(["a", "b", 1, 1.0, "1"])


def reference_similarity(criterion: dict[str, Any], e: Any, m: Any) -> tuple[Fraction, bool]:
    """The issue's rules, exactly, with fractions."""
    if e is None or m is None:
        return Fraction(0), False
    kind = criterion["kind"]
    if kind == "overlap":
        common = len(set(e) & set(m))
        return (Fraction(common, len(set(e))) if e else Fraction(0)), common >= 1
    if kind == "equal":
        same = type(e) is type(m) and e == m
        return Fraction(int(same)), same
    if kind == "ordinal":
        d = (
            Fraction(m) - Fraction(e)
            if criterion.get("direction", "mentor_above") == "mentor_above"
            else Fraction(e) - Fraction(m)
        )
        holds = d >= Fraction(criterion.get("min_gap", 1))
        return Fraction(int(holds)), holds
    distance = abs(Fraction(e) - Fraction(m))
    holds = distance <= Fraction(criterion["max"])
    return max(Fraction(0), 1 - distance / Fraction(criterion["max"])), holds


def reference_direction(
    data: dict[str, Any], mentee: dict[str, Any], mentor: dict[str, Any]
) -> tuple[Fraction, bool]:
    """(exact score 0..100 before rounding, must-haves hold)."""
    total, weight_total, ok = Fraction(0), 0, True
    for c in data["criteria"]:
        s, holds = reference_similarity(
            c, mentee["attributes"].get(c["mentee"]), mentor["attributes"].get(c["mentor"])
        )
        if c["weight"] == "must":
            ok &= holds
        elif c["weight"]:
            total += c["weight"] * s
            weight_total += c["weight"]
    return (Fraction(100) if weight_total == 0 else 100 * total / weight_total), ok


def reference_values(data: dict[str, Any]) -> dict[tuple[str, str], int | None]:
    """Every pair's value in the engine's units, None when not allowed.

    Mentoring: the score in hundredths, round(100 * score) half to even on the exact value.
    Peer: the sum of both directions' hundredths (the reported score is half of it).
    """
    peer = data.get("mode") == "peer"
    mentees = data["participants"] if peer else data["mentees"]
    mentors = data["participants"] if peer else data["mentors"]
    excluded = {tuple(p) for p in data.get("exclude", [])}
    if peer:
        excluded |= {(b, a) for a, b in excluded}
    floor = Fraction(str(data.get("min_score", 0))) * 100
    out: dict[tuple[str, str], int | None] = {}
    for e in mentees:
        for m in mentors:
            score, ok = reference_direction(data, e, m)
            centi = [round(score * 100)]
            if peer:
                back, back_ok = reference_direction(data, m, e)
                ok &= back_ok
                centi.append(round(back * 100))
            ok &= all(c >= floor for c in centi)
            ok &= e["id"] != m["id"] and (e["id"], m["id"]) not in excluded
            for name in data.get("apart", []):
                mine, theirs = e["attributes"].get(name), m["attributes"].get(name)
                ok &= mine is None or theirs is None or _same_scalar(mine, theirs) is False
            out[(e["id"], m["id"])] = sum(centi) if ok else None
    return out


def _same_scalar(a: Any, b: Any) -> bool:
    """JSON equality: "1" is not 1, true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    return float(a) == float(b)


def brute_force_mentoring(data: dict[str, Any], values: dict[tuple[str, str], int | None]) -> tuple[int, int]:
    """Best (pairs, total centi) by the objective's order, over every feasible assignment."""
    mentees = [e["id"] for e in data["mentees"]]
    capacity = {m["id"]: m["capacity"] for m in data["mentors"]}
    fixed = {e: m for e, m in data.get("fixed", [])}
    base_pairs, base_total = 0, 0
    for e, m in fixed.items():
        capacity[m] -= 1
        base_pairs += 1
        base_total += values[(e, m)] or 0
    free = [e for e in mentees if e not in fixed]
    options = {e: [None] + [m for m in capacity if values[(e, m)] is not None] for e in free}
    best: tuple[int, int] | None = None
    for choice in itertools.product(*(options[e] for e in free)):
        load: dict[str, int] = {}
        pairs, total, ok = base_pairs, base_total, True
        for e, m in zip(free, choice, strict=True):
            if m is None:
                continue
            load[m] = load.get(m, 0) + 1
            if load[m] > capacity[m]:
                ok = False
                break
            pairs += 1
            total += values[(e, m)]  # type: ignore[operator]
        if not ok:
            continue
        key = (pairs, total) if data["objective"] == "max_participation" else (total, pairs)
        if best is None or key > best:
            best = key
    assert best is not None
    return best if data["objective"] == "max_participation" else (best[1], best[0])
