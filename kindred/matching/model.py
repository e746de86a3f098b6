"""The matching problem: criteria, participants, and the JSON parser that validates them.

Everything the engine accepts goes through :func:`parse_problem`, which either returns a
:class:`Problem` or raises :class:`ProblemError` whose message starts with the path of the bad
field (``criteria[2].kind: unknown kind 'similar'``), so callers can show it next to the input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["mentoring", "peer"]
Objective = Literal["max_participation", "max_score", "stable"]
Kind = Literal["overlap", "equal", "ordinal", "closeness"]

MODES = ("mentoring", "peer")
OBJECTIVES = ("max_participation", "max_score", "stable")
KINDS = ("overlap", "equal", "ordinal", "closeness")
DIRECTIONS = ("mentor_above", "mentor_below")
MUST = "must"


class ProblemError(ValueError):
    """Invalid problem input; the message is one line starting with the bad field's path."""


@dataclass(frozen=True)
class Criterion:
    """One scoring rule comparing a mentee attribute with a mentor attribute.

    ``weight`` is an integer 0..10 (0 ignores the criterion) or ``"must"`` (a must-have that
    filters pairs and does not add points).
    """

    name: str
    kind: Kind
    mentee: str
    mentor: str
    weight: int | Literal["must"]
    min_gap: float = 1.0
    direction: Literal["mentor_above", "mentor_below"] = "mentor_above"
    max: float = 1.0

    @property
    def is_must(self) -> bool:
        return self.weight == MUST

    @property
    def points_weight(self) -> int:
        """The weight this criterion contributes to the score (0 for must-haves)."""
        return 0 if isinstance(self.weight, str) else self.weight


@dataclass(frozen=True)
class Person:
    """A mentee, a mentor or (peer mode) a participant."""

    id: str
    attributes: dict[str, Any]
    capacity: int = 1


@dataclass(frozen=True)
class Problem:
    """A validated matching problem (see the package docstring for the JSON format).

    In peer mode ``mentees`` and ``mentors`` are both the participant pool, so the scoring
    code can read every criterion the same way in both modes.
    """

    mode: Mode
    objective: Objective
    min_score: float
    criteria: tuple[Criterion, ...]
    mentees: tuple[Person, ...]
    mentors: tuple[Person, ...]
    exclude: tuple[tuple[int, int], ...] = ()
    fixed: tuple[tuple[int, int], ...] = ()
    group_size: int = 2
    apart: tuple[str, ...] = ()  # attributes whose shared value forbids a pair (e.g. department)
    mentee_index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    mentor_index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_peer(self) -> bool:
        return self.mode == "peer"

    @property
    def weight_total(self) -> int:
        return sum(c.points_weight for c in self.criteria)


_TOP_KEYS = {
    "mode",
    "objective",
    "min_score",
    "criteria",
    "mentees",
    "mentors",
    "participants",
    "exclude",
    "fixed",
    "group_size",
    "apart",
}
_CRITERION_KEYS = {"name", "kind", "mentee", "mentor", "weight", "min_gap", "direction", "max"}
_PERSON_KEYS = {"id", "attributes", "capacity"}


def scalar_key(value: Any) -> tuple[str, Any]:
    """How ``equal`` compares values: JSON tells true from 1 and "1" from 1, Python's == does not."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, str):
        return ("str", value)
    return ("num", float(value))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)) and math.isfinite(value)


def _check_keys(data: dict[str, Any], allowed: set[str], path: str) -> None:
    for key in data:
        if key not in allowed:
            prefix = f"{path}." if path else ""
            raise ProblemError(f"{prefix}{key}: unknown field")


def _parse_criterion(raw: Any, path: str) -> Criterion:
    if not isinstance(raw, dict):
        raise ProblemError(f"{path}: expected an object")
    _check_keys(raw, _CRITERION_KEYS, path)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise ProblemError(f"{path}.name: expected a non-empty string")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ProblemError(f"{path}.kind: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    for side in ("mentee", "mentor"):
        if not isinstance(raw.get(side), str) or not raw[side]:
            raise ProblemError(f"{path}.{side}: expected an attribute name")
    weight = raw.get("weight", 1)
    if weight != MUST and not (_is_int(weight) and 0 <= weight <= 10):
        raise ProblemError(f"{path}.weight: expected an integer 0..10 or 'must', got {weight!r}")
    extra: dict[str, Any] = {}
    if kind == "ordinal":
        min_gap = raw.get("min_gap", 1)
        if not _is_number(min_gap):
            raise ProblemError(f"{path}.min_gap: expected a number")
        direction = raw.get("direction", "mentor_above")
        if direction not in DIRECTIONS:
            raise ProblemError(f"{path}.direction: expected 'mentor_above' or 'mentor_below'")
        extra = {"min_gap": float(min_gap), "direction": direction}
    else:
        for key in ("min_gap", "direction"):
            if key in raw:
                raise ProblemError(f"{path}.{key}: only allowed for kind 'ordinal'")
    if kind == "closeness":
        maximum: Any = raw.get("max")
        if not _is_number(maximum) or maximum <= 0:
            raise ProblemError(f"{path}.max: expected a positive number")
        extra["max"] = float(maximum)
    elif "max" in raw:
        raise ProblemError(f"{path}.max: only allowed for kind 'closeness'")
    return Criterion(name=name, kind=kind, mentee=raw["mentee"], mentor=raw["mentor"], weight=weight, **extra)


def _check_attribute(value: Any, kind: str, path: str) -> None:
    """Type-check one attribute value against the criterion kind reading it (None = missing)."""
    if value is None:
        return
    if kind == "overlap":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProblemError(f"{path}: expected a list of strings")
    elif kind == "equal":
        if not (isinstance(value, str | bool) or _is_number(value)):
            raise ProblemError(f"{path}: expected a string, number or boolean")
    elif not _is_number(value):
        raise ProblemError(f"{path}: expected a number")


def _parse_people(
    raw: Any,
    path: str,
    criteria: tuple[Criterion, ...],
    sides: tuple[str, ...],
    with_capacity: bool,
    apart: tuple[str, ...] = (),
) -> tuple[Person, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ProblemError(f"{path}: expected a list")
    people: list[Person] = []
    seen: set[str] = set()
    checks = list(dict.fromkeys((getattr(c, side), c.kind) for c in criteria for side in sides))
    checks += [(name, "equal") for name in apart]  # compared like `equal` values
    for n, item in enumerate(raw):
        where = f"{path}[{n}]"
        if not isinstance(item, dict):
            raise ProblemError(f"{where}: expected an object")
        _check_keys(item, _PERSON_KEYS, where)
        pid = item.get("id")
        if _is_int(pid):
            pid = str(pid)
        if not isinstance(pid, str) or not pid:
            raise ProblemError(f"{where}.id: expected a non-empty string")
        if pid in seen:
            raise ProblemError(f"{where}.id: duplicate id {pid!r}")
        seen.add(pid)
        attributes = item.get("attributes", {})
        if not isinstance(attributes, dict):
            raise ProblemError(f"{where}.attributes: expected an object")
        for attr, kind in checks:
            if attr in attributes:
                _check_attribute(attributes[attr], kind, f"{where}.attributes.{attr}")
        capacity = 1
        if "capacity" in item:
            if not with_capacity:
                raise ProblemError(f"{where}.capacity: only mentors have a capacity")
            capacity = item["capacity"]
            if not _is_int(capacity) or capacity < 0:
                raise ProblemError(f"{where}.capacity: expected an integer >= 0")
        people.append(Person(id=pid, attributes=attributes, capacity=capacity))
    return tuple(people)


def _parse_id_pairs(
    raw: Any, path: str, first: dict[str, int], second: dict[str, int], roles: tuple[str, str]
) -> list[tuple[int, int]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ProblemError(f"{path}: expected a list of [id, id] pairs")
    pairs = []
    for n, item in enumerate(raw):
        where = f"{path}[{n}]"
        if not isinstance(item, list) or len(item) != 2:
            raise ProblemError(f"{where}: expected a pair [id, id]")
        a, b = (str(x) if _is_int(x) else x for x in item)
        if a not in first:
            raise ProblemError(f"{where}[0]: unknown {roles[0]} {a!r}")
        if b not in second:
            raise ProblemError(f"{where}[1]: unknown {roles[1]} {b!r}")
        pairs.append((first[a], second[b]))
    return pairs


def _parse_apart(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ProblemError("apart: expected a list of attribute names")
    for n, name in enumerate(raw):
        if not isinstance(name, str) or not name:
            raise ProblemError(f"apart[{n}]: expected a non-empty string")
        if name in raw[:n]:
            raise ProblemError(f"apart[{n}]: duplicate attribute {name!r}")
    return tuple(raw)


def parse_problem(data: Any) -> Problem:
    """Validate a JSON-shaped problem and return a :class:`Problem`.

    Raises :class:`ProblemError` with a one-line message naming the bad field.
    """
    if not isinstance(data, dict):
        raise ProblemError("problem: expected a JSON object")
    _check_keys(data, _TOP_KEYS, "")
    mode = data.get("mode", "mentoring")
    if mode not in MODES:
        raise ProblemError(f"mode: expected 'mentoring' or 'peer', got {mode!r}")
    objective = data.get("objective", "max_participation")
    if objective not in OBJECTIVES:
        raise ProblemError(f"objective: expected one of {', '.join(OBJECTIVES)}, got {objective!r}")
    min_score = data.get("min_score", 0)
    if not _is_number(min_score) or not 0 <= min_score <= 100:
        raise ProblemError("min_score: expected a number 0..100")

    raw_criteria = data.get("criteria", [])
    if not isinstance(raw_criteria, list):
        raise ProblemError("criteria: expected a list")
    criteria = tuple(_parse_criterion(c, f"criteria[{n}]") for n, c in enumerate(raw_criteria))
    names: set[str] = set()
    for n, criterion in enumerate(criteria):
        if criterion.name in names:
            raise ProblemError(f"criteria[{n}].name: duplicate name {criterion.name!r}")
        names.add(criterion.name)

    apart = _parse_apart(data.get("apart", []))
    group_size = data.get("group_size", 2)
    if mode == "peer":
        for key in ("mentees", "mentors"):
            if data.get(key):
                raise ProblemError(f"{key}: not used in peer mode (use participants)")
        if objective == "stable":
            raise ProblemError("objective: 'stable' needs two sides; use it in mentoring mode")
        if not _is_int(group_size) or group_size < 2:
            raise ProblemError("group_size: expected an integer >= 2")
        pool = _parse_people(
            data.get("participants"), "participants", criteria, ("mentee", "mentor"), False, apart
        )
        mentees = mentors = pool
        roles = ("participant", "participant")
    else:
        if data.get("participants"):
            raise ProblemError("participants: only used in peer mode (use mentees and mentors)")
        if "group_size" in data:
            raise ProblemError("group_size: only used in peer mode")
        mentees = _parse_people(data.get("mentees"), "mentees", criteria, ("mentee",), False, apart)
        mentors = _parse_people(data.get("mentors"), "mentors", criteria, ("mentor",), True, apart)
        roles = ("mentee", "mentor")
    mentee_index = {p.id: i for i, p in enumerate(mentees)}
    mentor_index = {p.id: j for j, p in enumerate(mentors)}

    exclude = _parse_id_pairs(data.get("exclude"), "exclude", mentee_index, mentor_index, roles)
    fixed = _parse_id_pairs(data.get("fixed"), "fixed", mentee_index, mentor_index, roles)
    excluded = set(exclude)
    if mode == "peer":
        excluded |= {(b, a) for a, b in exclude}
    used: dict[int, int] = {}
    load: dict[int, int] = {}
    for n, (i, j) in enumerate(fixed):
        where = f"fixed[{n}]"
        if mentees[i].id == mentors[j].id:
            raise ProblemError(f"{where}: cannot pair {mentees[i].id!r} with themselves")
        if (i, j) in excluded:
            raise ProblemError(f"{where}: the pair is also in exclude")
        people = (i, j) if mode == "peer" else (i,)
        for person in people:
            if person in used:
                raise ProblemError(f"{where}: {mentees[person].id!r} is already in fixed[{used[person]}]")
            used[person] = n
        if mode == "mentoring":
            load[j] = load.get(j, 0) + 1
            if load[j] > mentors[j].capacity:
                raise ProblemError(f"{where}[1]: fixed pairs exceed the capacity of mentor {mentors[j].id!r}")
    if mode == "peer" and group_size > 2 and fixed:
        raise ProblemError("fixed: not supported together with group_size > 2")

    return Problem(
        mode=mode,
        objective=objective,
        min_score=float(min_score),
        criteria=criteria,
        mentees=mentees,
        mentors=mentors,
        exclude=tuple(exclude),
        fixed=tuple(fixed),
        group_size=group_size,
        apart=apart,
        mentee_index=mentee_index,
        mentor_index=mentor_index,
    )
