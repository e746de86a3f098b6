"""Command line: ``python -m kindred.matching score|solve|recommend PROBLEM.json`` (``-`` = stdin).

Prints JSON on standard output. Invalid input exits with status 2 and one line on standard
error naming the bad field, e.g. ``criteria[2].kind: unknown kind 'similar'``. A solve that runs
past ``--time-limit`` seconds (default 600; 0 = none) exits with status 3 and one line saying so.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .model import ProblemError, parse_problem
from .recommend import recommend
from .score import score_matrix
from .solution import TIME_LIMIT, SolveTimeout
from .solve import solve


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        # One line and status 2, like every other input error.
        self.exit(2, f"usage: {message}\n")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"--time-limit: expected seconds >= 0, got {text!r}")
    return value


def _read(path: str) -> Any:
    try:
        if path == "-":
            return json.load(sys.stdin)
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise ProblemError(f"{path}: cannot read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProblemError(f"problem: not valid JSON ({exc})") from None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = _Parser(prog="python -m kindred.matching", description="Kindred's matching engine.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("score", "print every pair's score"), ("solve", "print the optimal pairs")):
        command = commands.add_parser(name, help=text)
        command.add_argument("problem", help="problem JSON file, or - for standard input")
    command.add_argument(
        "--time-limit",
        type=_seconds,
        default=TIME_LIMIT,
        metavar="SECONDS",
        help=f"stop with status 3 after this long (default {TIME_LIMIT:g}; 0: no limit)",
    )
    command = commands.add_parser("recommend", help="print the best mentors for one mentee")
    command.add_argument("problem", help="problem JSON file, or - for standard input")
    command.add_argument("mentee", help="the mentee's id")
    command.add_argument("-n", type=int, default=5, help="how many mentors (default 5)")
    args = parser.parse_args(argv)
    try:
        problem = parse_problem(_read(args.problem))
        if args.command == "score":
            output: Any = score_matrix(problem).to_json()
        elif args.command == "solve":
            output = solve(problem, time_limit=args.time_limit or None).to_json()
        else:
            output = [r.to_json() for r in recommend(problem, args.mentee, args.n)]
    except ProblemError as exc:
        print(str(exc).splitlines()[0] if str(exc) else "problem: invalid", file=sys.stderr)
        return 2
    except SolveTimeout as exc:
        print(str(exc), file=sys.stderr)
        return 3
    # json.dumps uses the C encoder; json.dump to a stream would not.
    sys.stdout.write(json.dumps(output, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
