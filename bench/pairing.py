"""Benchmark of pairing in the app (issue 6): build the engine's problem from N registrations
and run auto-match end to end (the worker's task: build, solve, write proposals).
Everyone has a manager (a tree five wide) and one of 8 departments, and both exclusions are on.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/kindred python bench/pairing.py [--sizes 2000,10000]

Without DATABASE_URL it uses a throwaway SQLite file. On PostgreSQL it creates (and drops) a test
database next to the configured one, never touching the real data. Prints seconds and SQL
queries per step and size: the queries must not grow with the number of registrants."""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindred.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-padded-past-the-50-character-production-rule")
os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"  # the bench calls the task itself
_tmp = tempfile.TemporaryDirectory(prefix="kindred-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from kindred.accounts.models import User  # noqa: E402
from kindred.orgs.models import Membership, Organization  # noqa: E402
from kindred.pairing.criteria import criteria_reset_to_defaults, settings_for, settings_save  # noqa: E402
from kindred.pairing.models import MatchRun, Proposal  # noqa: E402
from kindred.pairing.problem import build_problem  # noqa: E402
from kindred.pairing.services import run_matching  # noqa: E402
from kindred.programs.models import Program  # noqa: E402
from kindred.registration.models import Answer, Registration  # noqa: E402
from kindred.registration.questionnaire import pool_add  # noqa: E402
from kindred.registration.services import questions_of  # noqa: E402

POOL = [
    "seniority",
    "current_role",
    "other_roles",
    "locations",
    "time_zone",
    "years_career",
    "skills_to_grow",
    "goals",
]
DEPARTMENTS = ["Engineering", "Product", "Design", "Sales", "Marketing", "Finance", "People", "Operations"]
ZONES = ["America/New_York", "Europe/London", "Europe/Berlin", "Asia/Singapore", "America/Los_Angeles"]


def make_program(n: int, rng: random.Random) -> Program:
    """A traditional program with the pool questionnaire and n registrants (a third mentors)."""
    org = Organization.objects.create(name=f"Bench {n}", slug=f"bench-{n}")
    program = Program.objects.create(organization=org, name=f"Bench {n}", slug="bench", status="pairing")
    for key in POOL:
        pool_add(program=program, key=key)
    criteria_reset_to_defaults(program=program)
    settings = settings_for(program)
    settings.exclude_reporting_line = True  # a reporting line of depth ~log5(n) for everyone
    settings.exclude_same_department = True  # 8 departments: ~n²/16 pairs kept apart
    settings_save(settings=settings)
    questions = list(questions_of(program))
    password = make_password("bench")
    User.objects.bulk_create(
        User(
            email=f"p{i}@bench{n}.test",
            name=f"Person {i}",
            password=password,
            manager_email=f"p{(i - 1) // 5}@bench{n}.test" if i else "",
            department=DEPARTMENTS[i % len(DEPARTMENTS)],
        )
        for i in range(n)
    )
    Membership.objects.bulk_create(
        Membership(organization=org, user=u) for u in User.objects.filter(email__endswith=f"@bench{n}.test")
    )
    users = list(User.objects.filter(email__endswith=f"@bench{n}.test").order_by("pk"))
    mentors = n // 3
    Registration.objects.bulk_create(
        Registration(
            program=program,
            user=u,
            role="mentor" if i < mentors else "mentee",
            capacity=rng.choice([1, 2, 3]) if i < mentors else 1,
            status="submitted",
        )
        for i, u in enumerate(users)
    )
    regs = list(Registration.objects.filter(program=program).order_by("pk"))
    answers = []
    for reg in regs:
        mentor = reg.role == "mentor"
        for q in questions:
            if q.builtin or not q.asked_of(reg.role):
                continue
            options = list(q.options.all())
            if q.pool_key == "seniority":
                answers.append(
                    Answer(
                        registration=reg,
                        question=q,
                        option=options[rng.randint(2, 5) if mentor else rng.randint(0, 3)],
                    )
                )
            elif q.kind == "single":
                answers.append(Answer(registration=reg, question=q, option=rng.choice(options)))
            elif q.kind == "multiple":
                for o in rng.sample(options, rng.randint(1, min(3, len(options)))):
                    answers.append(Answer(registration=reg, question=q, option=o))
            elif q.kind == "timezone":
                answers.append(Answer(registration=reg, question=q, text=rng.choice(ZONES)))
            elif q.kind == "number":
                answers.append(
                    Answer(
                        registration=reg,
                        question=q,
                        number=rng.randint(6, 25) if mentor else rng.randint(0, 8),
                    )
                )
    Answer.objects.bulk_create(answers, batch_size=5000)
    return program


def measure(step: str, fn):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    return step, seconds, len(queries.captured_queries), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2000,10000", help="registrants per program, comma-separated")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        rng = random.Random(4)
        print(f"database: {connection.vendor} ({test_db})")
        print(f"{'registrants':>11} {'step':<34} {'seconds':>8} {'queries':>8}  result")
        for n in sizes:
            program = make_program(n, rng)
            step, s, q, built = measure("build the problem", lambda p=program: build_problem(p))
            people = f"{len(built.data['mentees'])} mentees, {len(built.data['mentors'])} mentors"
            print(f"{n:>11} {step:<34} {s:>8.2f} {q:>8}  {people}")
            run = MatchRun.objects.create(program=program, objective="max_participation")
            step, s, q, stats = measure(
                "auto-match end to end (the task)", lambda r=run: run_matching.call(r.pk)
            )
            proposals = Proposal.objects.filter(program=program).count()
            optimal = (stats.get("certificate") or {}).get("optimal")
            print(f"{n:>11} {step:<34} {s:>8.2f} {q:>8}  {proposals} proposals, optimal={optimal}")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
