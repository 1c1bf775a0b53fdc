"""``labkit grade PATH... --out DIR [--assignment ID] [--jobs N] [--timeout SECONDS]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register_cli", "cmd_grade"]

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TAMPERED = 0, 2, 130, 3


def cmd_grade(args: argparse.Namespace) -> int:
    """Run the grader; 0 when every submission got its row (whatever its score or status)."""
    from .jail import JailUnavailable
    from .runner import GradingRun, TamperingError
    from .submissions import DuplicateStudentError

    try:
        run = GradingRun([Path(p) for p in args.paths], Path(args.out), args.assignment, args.jobs,
                         args.timeout, args.cell_timeout, jail=not args.no_jail_i_accept_the_risk)
        summary = run.run()
    except (ValueError, FileNotFoundError, DuplicateStudentError) as err:
        print(f"labkit grade: {err}", file=sys.stderr)
        return EXIT_USAGE
    except JailUnavailable as err:
        print(f"labkit grade: refusing to grade: {err}. Without a jail a submission can read your files "
              "and change other students' grades; install bubblewrap, or pass "
              "--no-jail-i-accept-the-risk to grade anyway.", file=sys.stderr)
        return EXIT_USAGE
    except TamperingError as err:
        print(f"labkit grade: stopped: {err}", file=sys.stderr)
        return EXIT_TAMPERED
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items()))
    print(f"{summary.graded_now} graded now ({counts or 'nothing new'}), {summary.skipped} unchanged, "
          f"in {summary.seconds:.1f} s. Gradebook: {Path(args.out) / 'grades.csv'}; class report: "
          f"{Path(args.out) / 'report.html'}", file=sys.stderr)
    if summary.interrupted:
        print("Interrupted: the files in the output folder are valid. Run the same command again to "
              "grade the rest.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``grade`` to the ``labkit`` command."""
    p = subparsers.add_parser(
        "grade", help="grade submissions: each in a fresh kernel against its own sandbox",
        description="Grade exercise notebooks. Each runs in a fresh kernel against its own sandbox; the "
                    "checks run outside the kernel. Rerunning with the same --out skips unchanged files.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of them (any depth)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="where grades.csv, results.json, feedback/ and report.html go")
    p.add_argument("--assignment", metavar="ID", default=None,
                   help="grade every notebook as this assignment (wins over the notebook's metadata)")
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="notebooks graded at once (default 2)")
    p.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                   help="time limit per notebook (default 120)")
    p.add_argument("--cell-timeout", type=float, default=None, metavar="SECONDS",
                   help="time limit per code cell (default: the notebook's limit)")
    p.add_argument("--no-jail-i-accept-the-risk", action="store_true",
                   help="grade even where bubblewrap cannot run (submissions then run unconfined, as you)")
    p.set_defaults(func=cmd_grade)
