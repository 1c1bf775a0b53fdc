"""Grade files that an LMS imports as they are, written next to ``grades.csv``.

``canvas.csv`` — Canvas Gradebook import (Grades > Import). Canvas reads the
columns of its own gradebook export: ``Student``, ``ID``, ``SIS User ID``,
``SIS Login ID``, ``Section``, then one column per assignment; it matches a row
by student name, Canvas user ID or SIS User ID, and a column whose header is not
an existing assignment becomes a new assignment. Sources: "Import a CSV file to
Carmen Grades" (Ohio State's CarmenCanvas guide:
https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades)
and VCU's "Gradebook Action Menu" (export columns, read-only columns:
https://ts.vcu.edu/askit/teaching-and-learning/canvas/faculty/grading-faculty/gradebook-action-menu-faculty/).
The ``ID`` is the Canvas user id: the roster's ``ID`` column, or the id the
``canvas`` file-name pattern took from the bulk download.

``moodle.csv`` — Moodle gradebook "Import > CSV file". Moodle's import format
is its export format; the identifying column is chosen at import: "Map from"
``Email address`` to ``useremail`` or ``ID number`` to ``useridnumber``, and the
grade column is mapped to the assignment's grade item. Source: MoodleDocs
"Grade import" (https://docs.moodle.org/311/en/Grade_import). Columns:
``First name``, ``Last name``, ``ID number``, ``Email address``, then the
assignment (as in Moodle's own export).

Both carry the *final* score (after late penalties and adjustments), one column
per assignment, one row per student (roster students without a submission get
an empty cell, which both LMSs leave unchanged).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from .classlist import Roster, RosterEntry

__all__ = ["CANVAS_COLUMNS", "MOODLE_COLUMNS", "canvas_csv", "moodle_csv", "exporters", "assignment_title"]

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("First name", "Last name", "ID number", "Email address")


def assignment_title(assignment: str) -> str:
    """The gradebook column for an assignment, e.g. ``IAM castle: users``."""
    return f"IAM castle: {assignment}"


def _table(rows: list[dict[str, Any]], roster: Roster
           ) -> tuple[list[str], list[tuple[RosterEntry, dict[str, Any]]]]:
    assignments = sorted({r["assignment"] for r in rows if r["assignment"]})
    by_student: dict[str, dict[str, Any]] = {}
    people: dict[str, RosterEntry] = {}
    for r in rows:
        if not r["assignment"]:
            continue
        person = roster.find(r["student"]) or RosterEntry(id=r["student"], name=r["student"])
        people.setdefault(person.id, person)
        by_student.setdefault(person.id, {})[r["assignment"]] = r["final"]
    for person in roster.entries:
        people.setdefault(person.id, person)
    return assignments, [(people[k], by_student.get(k, {})) for k in sorted(people)]


def _write(header: list[str], body: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    return buf.getvalue()


def canvas_csv(rows: list[dict[str, Any]], roster: Roster) -> str:
    """The Canvas Gradebook import file."""
    assignments, table = _table(rows, roster)
    body = [[p.name or (f"{p.last_name}, {p.first_name}" if p.last_name else p.id), p.id, p.sis_user_id,
             p.sis_login_id, p.section, *[scores.get(a, "") for a in assignments]] for p, scores in table]
    return _write([*CANVAS_COLUMNS, *map(assignment_title, assignments)], body)


def moodle_csv(rows: list[dict[str, Any]], roster: Roster) -> str:
    """The Moodle "Import grades > CSV file" file (identify users by email address or ID number)."""
    assignments, table = _table(rows, roster)
    body = []
    for p, scores in table:
        first, last = p.first_name, p.last_name
        if not (first or last):
            first, _, last = (p.name or p.id).partition(" ")
        body.append([first, last, p.sis_user_id or p.id, p.email, *[scores.get(a, "") for a in assignments]])
    return _write([*MOODLE_COLUMNS, *map(assignment_title, assignments)], body)


def exporters(roster: Roster) -> list[tuple[str, Callable[[list[dict[str, Any]]], str]]]:
    """``(file name, writer)`` for every LMS export."""
    return [("canvas.csv", lambda rows: canvas_csv(rows, roster)),
            ("moodle.csv", lambda rows: moodle_csv(rows, roster))]
