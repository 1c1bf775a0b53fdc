"""Grade files that an LMS imports as they are, written next to ``grades.csv``.

Every file carries the *final* score (after late penalties and adjustments) and
never a blank grade: both LMSs read a blank cell as "no grade" and clear a grade
the student already has (Canvas: ``no_change_to_value?`` in
``lib/gradebook_importer.rb`` compares the blank with the current score and
imports the change), so a student without a result has no row at all. A row
is also left out — and listed, never merged — for a submission from someone not
on the roster, for two submissions that map to one roster person (the
instructor decides which counts), and for an anonymous Canvas id (Canvas does
not import grades for unposted anonymous submissions: ``gradeable?``). With
several assignments there is one file per assignment (``canvas-users.csv``…),
so no row has a blank cell for an assignment it lacks.

``canvas.csv`` — Canvas "Grades > Import". The rules of
``lib/gradebook_importer.rb``: the header's first column contains ``Student`` and
the second ``ID``; ``SIS User ID`` then ``SIS Login ID`` are recognised after them and
the last student column must be ``Section`` (``header?``, ``update_column_count``);
an assignment column is matched by ``Title (id)`` or by its exact title
(``parse_assignments``), anything else becomes a new assignment, so the roster's
own column (Canvas's export: ``IAM castle: users (4242)``) or ``--lms-column`` is
used; a row whose first cell contains ``Points Possible`` sets a new column's
points (``process_pp``); a student is found by ``ID``, then SIS ids, then name
(``process_student``).

``moodle.csv`` — Moodle gradebook "Import > CSV file": the identifying column is
chosen under "Map from" and matched to ``useremail`` / ``useridnumber``
(``grade/import/csv``, ``grade_import_mapping_form``). Its importer
(``grade/import/csv/classes/load_data.php``, ``prepare_import_grade_data``) aborts
the whole import at the first row whose user is not found, reads ``''`` or ``-``
as "no grade" and a grade that is not a number as an error; so only students the
roster knows, with an e-mail address or ID number, are written, always with a
number. A feedback column is mapped to the grade item's feedback
(``feedback_<id>``).

``moodle-worksheet.csv`` — when the roster is Moodle's "Download grading
worksheet": the same columns and rows back, with ``Grade`` and ``Feedback
comments`` filled in, for "Upload grading worksheet". Its importer
(``mod/assign/feedback/offline/importgradeslib.php``) needs ``Identifier``
(``Participant <id>``), ``Grade`` and ``Last modified (grade)`` — kept as
downloaded, since Moodle skips a row whose grade changed in Moodle after that
time — and reads feedback from the column named like the feedback plugin's
field (``Feedback comments``).

Every text cell is kept from being read as a formula by a spreadsheet (a
leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a ``'``), as in
``grades.csv``; ``--bom`` starts each file with a byte-order mark so that
Excel reads UTF-8 names correctly (Canvas's header test still matches:
``"\\ufeffStudent".include?("Student")``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from .classlist import Roster, RosterEntry

__all__ = ["CANVAS_COLUMNS", "MOODLE_COLUMNS", "ExportOptions", "LmsFiles", "lms_files", "assignment_title",
           "spreadsheet_safe", "feedback_summary"]

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("First name", "Last name", "ID number", "Email address")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_INERT = re.compile(r"-|[-+]?\d+(?:\.\d+)?")
NO_GRADE_STATUSES = ("grader-error",)  # nobody's score: graded again by the next run, never exported


def assignment_title(assignment: str) -> str:
    """The gradebook column for an assignment when the roster has none, e.g. ``IAM castle: users``."""
    return f"IAM castle: {assignment}"


def spreadsheet_safe(value: Any) -> Any:
    """Keep spreadsheets from reading a text cell as a formula: a leading ``=``, ``+``, ``-``, ``@``, tab
    or carriage return gets a ``'`` (OWASP's "CSV Injection" advice). A number, or Moodle's lone ``-``
    for "never", cannot be a formula and is kept as it is (the LMS reads it back)."""
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS and not _INERT.fullmatch(value):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportOptions:
    """``--lms-column`` (the gradebook column's exact header) and ``--bom``."""

    column: str | None = None
    bom: bool = False


@dataclass
class LmsFiles:
    """The files to write (name → text) and the students left out of them, with why."""

    files: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)


def feedback_summary(row: dict[str, Any]) -> str:
    """One plain line for an LMS feedback column: final score and how it was reached."""
    checks = row.get("checks") or []
    parts = [f"{row['final']}/{row['max_score']} points (autograded {row['score']}"]
    if checks:
        parts.append(f"; {sum(bool(c.get('passed')) for c in checks)} of {len(checks)} checks passed")
    parts.append(")")
    if row.get("late_penalty"):
        parts.append(f"; late {row.get('late_days', 0)} day(s): -{row['late_penalty']}")
    if row.get("adjustment"):
        reason = f" ({row['adjustment_reason']})" if row.get("adjustment_reason") else ""
        parts.append(f"; adjustment {row['adjustment']:+g}{reason}")
    parts.append(". The feedback page lists every check.")
    return escape("".join(parts), quote=False)


def _person(row: dict[str, Any], roster: Roster) -> RosterEntry | None:
    if not roster:
        return RosterEntry(id=row["student"], name=row["student"])
    return roster.find(row["student"])


def _rows_for(assignment: str, rows: list[dict[str, Any]], roster: Roster, out: LmsFiles,
              anonymous_ok: bool) -> list[tuple[RosterEntry, dict[str, Any]]]:
    mine = [r for r in rows if r["assignment"] == assignment and r["status"] not in NO_GRADE_STATUSES]
    by_person: dict[int, list[tuple[RosterEntry, dict[str, Any]]]] = {}
    for r in mine:
        person = _person(r, roster)
        if person is None:
            out.left_out[r["student"]] = "not on the roster"
            continue
        if not anonymous_ok and r["student"].startswith("anon_"):
            out.left_out[r["student"]] = "an anonymous Canvas id: enter it in SpeedGrader"
            continue
        by_person.setdefault(id(person), []).append((person, r))
    kept = []
    for pairs in by_person.values():
        if len(pairs) > 1:
            ids = ", ".join(sorted(r["student"] for _, r in pairs))
            for _, r in pairs:
                out.left_out[r["student"]] = f"{len(pairs)} submissions for one roster person ({ids})"
            continue
        kept.append(pairs[0])
    return sorted(kept, key=lambda pr: (pr[0].name.lower(), pr[0].id))


def _write(header: Iterable[Any], body: Iterable[list[Any]], bom: bool) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    writer.writerows([spreadsheet_safe(c) for c in row] for row in body)
    return ("\ufeff" if bom else "") + buf.getvalue()


def _title(assignment: str, roster: Roster, options: ExportOptions, single: bool) -> str:
    if options.column and single:
        return options.column
    return roster.assignment_column(assignment) or assignment_title(assignment)


def _canvas(assignment: str, pairs: list[tuple[RosterEntry, dict[str, Any]]], title: str, bom: bool) -> str:
    max_score = max((r["max_score"] for _, r in pairs), default=0)
    body = [["Points Possible", "", "", "", "", max_score]]
    body += [[p.name or p.id, p.id, p.sis_user_id, p.sis_login_id, p.section, r["final"]] for p, r in pairs]
    return _write([*CANVAS_COLUMNS, title], body, bom)


def _names(p: RosterEntry) -> tuple[str, str]:
    if p.first_name or p.last_name:
        return p.first_name, p.last_name
    last, comma, first = p.name.partition(",")
    if comma:  # Canvas's sortable name "Doe, Jane"
        return first.strip(), last.strip()
    first, _, last = (p.name or p.id).partition(" ")
    return first, last


def _moodle(pairs: list[tuple[RosterEntry, dict[str, Any]]], title: str, bom: bool, roster: Roster,
            out: LmsFiles) -> str:
    body = []
    for p, r in pairs:
        id_number = p.sis_user_id or p.raw.get("ID number", "") or ("" if roster else p.id)
        if not (id_number or p.email):
            out.left_out.setdefault(r["student"], "no e-mail address or ID number for Moodle to match")
            continue
        first, last = _names(p)
        body.append([first, last, id_number, p.email, r["final"], feedback_summary(r)])
    return _write([*MOODLE_COLUMNS, title, f"{title} (feedback)"], body, bom)


def _worksheet(pairs: list[tuple[RosterEntry, dict[str, Any]]], roster: Roster, bom: bool) -> str:
    body = []
    for p, r in pairs:
        row = dict(p.raw)
        row["Grade"] = str(r["final"])
        if "Feedback comments" in row:
            row["Feedback comments"] = feedback_summary(r)
        body.append([row.get(h, "") for h in roster.headers])
    return _write(roster.headers, body, bom)


def lms_files(rows: list[dict[str, Any]], roster: Roster, options: ExportOptions | None = None) -> LmsFiles:
    """Every LMS file for ``rows`` (entries with their ``final`` scores), and who was left out."""
    options = options or ExportOptions()
    out = LmsFiles()
    assignments = sorted({r["assignment"] for r in rows if r["assignment"]})
    single = len(assignments) <= 1
    for assignment in assignments or [""]:
        suffix = "" if single else f"-{assignment}"
        pairs = _rows_for(assignment, rows, roster, out, anonymous_ok=False)
        title = _title(assignment, roster, options, single)
        out.files[f"canvas{suffix}.csv"] = _canvas(assignment, pairs, title, options.bom)
        with_anonymous = _rows_for(assignment, rows, roster, LmsFiles(), anonymous_ok=True)
        out.files[f"moodle{suffix}.csv"] = _moodle(with_anonymous, title, options.bom, roster, out)
        if roster.is_moodle_worksheet:
            out.files[f"moodle-worksheet{suffix}.csv"] = _worksheet(with_anonymous, roster, options.bom)
    return out
