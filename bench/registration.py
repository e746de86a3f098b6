"""Benchmark of the registrant import and of loading answers for matching (issue 4).

Run: python bench/registration.py [--rows 10000] [--skip-time-zone]

Uses a throwaway SQLite file unless DATABASE_URL is set, migrates it, builds a program with the
pool questionnaire, writes a CSV of `--rows` registrants, and times each step: upload, the check
of every row, the background import (the task function called directly), importing the same file
again (updates), and loading every answer the way pairing does."""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindred.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-padded-past-the-50-character-production-rule")
os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"  # the bench runs the task itself
_tmp = tempfile.TemporaryDirectory(prefix="kindred-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from kindred.accounts.models import User  # noqa: E402
from kindred.orgs.models import Membership, Organization, Role  # noqa: E402
from kindred.programs.models import Program  # noqa: E402
from kindred.registration import imports  # noqa: E402
from kindred.registration.imports import apply  # noqa: E402
from kindred.registration.models import ImportJob, Registration  # noqa: E402
from kindred.registration.pool import DEFAULT_GOALS, DEFAULT_SKILLS, DISCIPLINES, LOCATIONS, ROLES, SENIORITY  # noqa: E402
from kindred.registration.questionnaire import pool_add  # noqa: E402
from kindred.registration.selectors import answers_for_program  # noqa: E402

POOL_KEYS = [
    "seniority",
    "current_role",
    "other_roles",
    "locations",
    "time_zone",
    "years_career",
    "years_role",
    "discipline",
    "disciplines_interested",
    "skills_to_grow",
    "goals",
]
TIME_ZONES = ["America/Los_Angeles", "America/Vancouver", "America/Toronto", "Europe/Copenhagen"]
HEADER = [
    "Email",
    "Name",
    "Job title",
    "Department",
    "Role",
    "Capacity",
    "Seniority",
    "Current role",
    "Other roles",
    "Preferred mentor role",
    "Locations",
    "Time zone",
    "Years in career",
    "Years in current role",
    "Discipline",
    "Disciplines interested",
    "Disciplines experienced",
    "Skills to grow",
    "Strengths",
    "Goals",
    "Goals achieved",
]


def build_program(with_time_zone: bool) -> Program:
    org = Organization.objects.create(name="Bench Corp", slug=f"bench-{int(time.time() * 1000)}")
    admin = User.objects.create_user(f"admin@{org.slug}.test", name="Bench Admin")
    Membership.objects.create(organization=org, user=admin, role=Role.ADMIN)
    program = Program.objects.create(
        organization=org,
        name="Bench Mentorship",
        slug="bench",
        created_by=admin,
        purpose="career",
        structure="traditional",
    )
    for key in POOL_KEYS:
        if key != "time_zone" or with_time_zone:
            pool_add(program=program, key=key)
    return program


def generate_csv(rows: int, seed: int = 4) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(rows):
        role = rng.choices(["mentee", "mentor", "both"], weights=[6, 3, 1])[0]
        mentor, mentee = role in ("mentor", "both"), role in ("mentee", "both")
        level = rng.randrange(len(SENIORITY))
        years = min(60, level * 5 + rng.randint(0, 6))
        writer.writerow(
            [
                f"person{n}@bench.test",
                f"Person {n}",
                rng.choice(["Engineer", "Designer", "Analyst", "Manager"]),
                rng.choice(["Product", "Sales", "Finance", "People"]),
                role,
                rng.randint(1, 3) if mentor else "",
                SENIORITY[level],
                rng.choice(ROLES),
                "; ".join(rng.sample(ROLES, 2)) if mentor else "",
                "; ".join(rng.sample(ROLES, 2)) if mentee else "",
                " | ".join(rng.sample(LOCATIONS, rng.randint(1, 2))),
                rng.choice(TIME_ZONES),
                years,
                rng.randint(0, years),
                rng.choice(DISCIPLINES),
                "; ".join(rng.sample(DISCIPLINES, 2)) if mentee else "",
                "; ".join(rng.sample(DISCIPLINES, 2)) if mentor else "",
                "; ".join(rng.sample(DEFAULT_SKILLS, 3)) if mentee else "",
                "; ".join(rng.sample(DEFAULT_SKILLS, 3)) if mentor else "",
                "; ".join(rng.sample(DEFAULT_GOALS, 2)) if mentee else "",
                "; ".join(rng.sample(DEFAULT_GOALS, 2)) if mentor else "",
            ]
        )
    return out.getvalue().encode()


def measure(results: list[tuple[str, int, float, int]], step: str, rows: int, fn: Callable[[], Any]) -> Any:
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - start
    results.append((step, rows, seconds, len(ctx.captured_queries)))
    return value


TRANSACTIONS: list[tuple[int, float]] = []  # (rows, seconds) of each chunk the import wrote


def _timed_chunk(real: Callable[..., int]) -> Callable[..., int]:
    def save(*args: Any) -> int:
        start = time.perf_counter()
        written = real(*args)
        TRANSACTIONS.append((written, time.perf_counter() - start))
        return written

    return save


apply._save_chunk = _timed_chunk(apply._save_chunk)  # type: ignore[method-assign]


def import_file(
    results: list[tuple[str, int, float, int]], program: Program, content: bytes, label: str
) -> ImportJob:
    admin = program.created_by
    assert admin is not None
    job = measure(
        results,
        f"{label}: upload",
        0,
        lambda: imports.import_upload(program=program, user=admin, file_name="people.csv", content=content),
    )
    measure(results, f"{label}: read the file (task)", 0, lambda: imports.import_read.call(job.pk))
    job.refresh_from_db()
    job = measure(
        results,
        f"{label}: check every row",
        job.total_rows,
        lambda: imports.import_validate(job=job, mapping=job.mapping),
    )
    if job.bad_rows:
        raise SystemExit(f"unexpected bad rows: {job.bad_rows[:3]}")
    imports.import_start(job=job)
    outcome = measure(
        results, f"{label}: import (task)", job.good_rows, lambda: imports.import_run.call(job.pk)
    )
    job.refresh_from_db()
    if outcome != "done":
        raise SystemExit(f"import {outcome}: {job.error}")
    return job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--skip-time-zone", action="store_true", help="leave the time zone question out")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    program = build_program(with_time_zone=not args.skip_time_zone)
    content = generate_csv(args.rows)
    results: list[tuple[str, int, float, int]] = []
    first = import_file(results, program, content, "first import")
    again = import_file(results, program, content, "same file again")
    table = measure(results, "load all answers for matching", args.rows, lambda: answers_for_program(program))
    answers = sum(len(v) for by_q in table.options.values() for v in by_q.values())
    answers += sum(len(by_q) for by_q in table.numbers.values()) + sum(
        len(by_q) for by_q in table.texts.values()
    )

    print(
        f"\n{connection.vendor}, {args.rows:,} rows, {program.questions.count()} questions "
        f"({'no time zone question' if args.skip_time_zone else 'time zone question included'})"
    )
    print(f"{'step':<34} {'rows':>7} {'seconds':>9} {'SQL queries':>12}")
    for step, rows, seconds, queries in results:
        print(f"{step:<34} {rows:>7,} {seconds:>9.2f} {queries:>12,}")
    registrations = Registration.objects.filter(program=program).count()
    print(
        f"\ncreated {first.created_count + first.joining_count:,}, then updated {again.updated_count:,}; "
        f"{registrations:,} registrations, {answers:,} answers loaded"
    )
    longest = max(TRANSACTIONS, key=lambda t: t[1])
    most = max(n for n, _ in TRANSACTIONS)
    print(
        f"imports wrote in {len(TRANSACTIONS)} transactions of at most {most:,} rows (chunk {apply.CHUNK}); "
        f"the longest held the database {longest[1]:.2f} s ({longest[0]:,} rows)"
    )


if __name__ == "__main__":
    main()
