"""``labkit grade PATH... --out DIR [options]``: the instructor's command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .runner import RunSummary

__all__ = ["register_cli", "cmd_grade"]

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TAMPERED = 0, 2, 130, 3


def _names(students: list[str], limit: int = 8) -> str:
    """The first ``limit`` names as a terminal may show them: no control character of a student's."""
    from .bounds import printable

    shown = ", ".join(printable(s) for s in students[:limit])
    return shown + (f" and {len(students) - limit} more" if len(students) > limit else "")


# What the end of a run lists, one line each when not empty: {n} is how many, {names} the first names.
_SUMMARY_LINES = (
    ("rerun", "{n} could not be graded because the grader failed (not the students' doing): {names}. "
              "Run the same command again to grade them."),
    ("attacks", "{n} attacked the grader: {names} (see their feedback pages)."),
    ("flagged", "{n} flagged for you to look at (see report.html: wrong assignment, not on the roster, "
                "extra notebooks, one roster person twice): {names}."),
    ("left_out", "{n} left out of the LMS files (no blank grade is ever written): {names}."),
    ("missing", "{n} on the roster handed nothing in: {names}."),
)


def _lists(summary: RunSummary) -> list[tuple[list[str], str]]:
    """The summary's lists of students, each with the line that reports it (see ``_SUMMARY_LINES``)."""
    left_out = [f"{student} ({why})" for student, why in sorted(summary.left_out.items())]
    lists = {"rerun": summary.rerun, "attacks": summary.attacks, "flagged": summary.flagged,
             "left_out": left_out, "missing": summary.missing}
    return [(lists[name], text) for name, text in _SUMMARY_LINES]


def cmd_grade(args: argparse.Namespace) -> int:
    """Run the grader; 0 when every submission got its row (whatever its score or status)."""
    from .jail import JailUnavailable
    from .runner import GradingRun, Options, TamperingError
    from .submissions import DuplicateStudentError

    out = Path(args.out)
    options = Options(
        assignment=args.assignment, jobs=args.jobs, timeout=args.timeout, cell_timeout=args.cell_timeout,
        jail=not args.no_jail_i_accept_the_risk, regrade=args.regrade,
        roster=Path(args.roster) if args.roster else None, id_pattern=args.id_pattern, due=args.due,
        late_penalty=args.late_penalty, adjustments=Path(args.adjustments) if args.adjustments else None,
        submitted_at=Path(args.submitted_at) if args.submitted_at else None,
        late_from_file_times=args.late_from_file_times, lms_column=args.lms_column, bom=args.bom,
    )
    try:
        summary = GradingRun([Path(p) for p in args.paths], out, options).run()
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
    if args.due:
        used = "; ".join(f"{n}: {source}" for source, n in sorted(summary.time_sources.items()))
        print(f"Lateness from: {used or 'nothing to grade'}.", file=sys.stderr)
    print(f"{summary.graded_now} graded now ({counts or 'nothing new'}), {summary.skipped} unchanged, "
          f"in {summary.seconds:.1f} s. Gradebook: {out / 'grades.csv'} "
          "(LMS imports: canvas.csv, moodle.csv, and moodle-worksheet.csv for a Moodle grading "
          "worksheet roster; Canvas feedback: canvas-feedback.zip); "
          f"class report: {out / 'report.html'}", file=sys.stderr)
    for names, what in _lists(summary):
        if names:
            print(what.format(n=len(names), names=_names(names)), file=sys.stderr)
    if summary.interrupted:
        print("Interrupted: the files in the output folder are valid. Run the same command again to "
              "grade the rest.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grade`` to the ``labkit`` command."""
    p = subparsers.add_parser(
        "grade", help="grade submissions: each in its own jail, against its own sandbox",
        description="Grade exercise notebooks. Each runs in a fresh kernel inside its own bubblewrap jail, "
                    "against its own sandbox; the checks run outside the jail. Rerunning with the same --out "
                    "skips submissions whose result would not change.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="notebooks, zips, or folders of them (any depth)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="where grades.csv, canvas.csv, moodle.csv, results.json, feedback/ and report.html "
                        "go")
    p.add_argument("--assignment", metavar="ID", default=None,
                   help="grade every notebook as this assignment (wins over the notebook's metadata)")
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="notebooks graded at once (default 2)")
    p.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                   help="time limit per notebook (default 120)")
    p.add_argument("--cell-timeout", type=float, default=None, metavar="SECONDS",
                   help="time limit per code cell (default: the notebook's limit)")
    p.add_argument("--regrade", action="store_true", help="grade every submission again, changed or not")
    p.add_argument("--roster", metavar="CSV", help="the class list (e.g. the LMS's gradebook export)")
    p.add_argument("--id-pattern", metavar="REGEX|canvas|moodle|nbgrader",
                   help="take student ids from file names: a regular expression with a group (?P<id>...), "
                        "or canvas / nbgrader")
    p.add_argument("--due", metavar="TIME", help="due time, e.g. 2026-11-20T23:59:00Z (for late penalties)")
    p.add_argument("--late-penalty", type=float, default=0.0, metavar="PERCENT",
                   help="percent of the maximum score taken off per started day late (with --due)")
    p.add_argument("--submitted-at", metavar="CSV",
                   help="submission times exported by the LMS (a student id column and a time column, e.g. "
                        "Moodle's grading worksheet); the most trusted source of lateness")
    p.add_argument("--late-from-file-times", action="store_true",
                   help="take lateness from each file's time on this disk (a zip entry's date is never used: "
                        "its maker chooses it)")
    p.add_argument("--lms-column", metavar="TITLE",
                   help="the gradebook column's exact header for the LMS files, e.g. 'Castle: users (4242)' "
                        "(default: the roster's column that names the assignment)")
    p.add_argument("--bom", action="store_true",
                   help="start every CSV file (grades.csv too) with a byte-order mark, so Excel reads "
                        "accented names right")
    p.add_argument("--adjustments", metavar="CSV",
                   help="manual adjustments, student,points,reason (default: DIR/adjustments.csv)")
    p.add_argument("--no-jail-i-accept-the-risk", action="store_true",
                   help="grade even where bubblewrap cannot run (submissions then run unconfined, as you)")
    p.set_defaults(func=cmd_grade)
