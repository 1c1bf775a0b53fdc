"""The instructor's side of a class: roster, student ids in LMS file names, late penalties, adjustments.

* **Roster** (``--roster FILE.csv``): one row per student. Column names are
  matched without regard to case; Canvas's gradebook export (``Student``, ``ID``,
  ``SIS User ID``, ``SIS Login ID``, ``Section``) and Moodle's (``First name``,
  ``Last name``, ``ID number``, ``Email address``) work as they are. A file's
  student id is looked up in the id-like columns; a submission from someone not
  on the roster is flagged, and students without a submission are listed.
* **Id patterns** (``--id-pattern``): a regular expression with a group named
  ``id`` (and optionally ``assignment``), matched against the file's path
  relative to the folder given, or a preset:

  - ``canvas``: "Download Submissions" names each file
    ``<sortable name>_[LATE_]<user id>_<attachment id>_<file name>`` — or, with
    anonymous grading, ``[LATE_]anon_<anonymous id>_...``, kept as the id
    ``anon_<anonymous id>``. Canvas's ``lib/content_zipper.rb`` (``get_filename``:
    ``[users_name, submission.late? ? "LATE" : nil, id].compact.join("_")``,
    then ``_<attachment id>_<display name>``; the name is lower-cased and loses
    every non-word character, so an upper-case ``LATE`` is only ever the marker);
  - ``moodle``: "Download all submissions" names each file (or folder)
    ``<full name>_<participant id>_assignsubmission_file_...``; the participant id
    is the one in the grading worksheet's ``Identifier`` (``Participant 1234``),
    not a user id (``mod/assign/locallib.php``, ``download_submissions``);
  - ``nbgrader``: ``submitted/<id>/<assignment>/<name>.ipynb``.
* **Late penalties** (``--due`` and ``--late-penalty PERCENT``): the maximum
  score times PERCENT is taken off per started day after the due time. Which
  time counts is decided in :mod:`labkit.grading.lateness` (never one a student
  can set).
* **Adjustments** (``adjustments.csv`` in the output folder, or ``--adjustments``):
  ``student,points,reason`` rows the instructor writes; the grader only reads it
  (it creates an empty one once), so it survives every rerun.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["ID_PATTERNS", "id_pattern", "Roster", "RosterEntry", "LatePolicy", "Adjustments",
           "parse_time"]

ID_PATTERNS = {
    "canvas": (r"(?:^|/)(?:[^/]*?_)??(?:(?P<late>LATE)_)?(?P<id>anon_[A-Za-z0-9]+|\d+)"
               r"_(?P<attachment>\d+)_[^/]*$"),
    "moodle": r"(?:^|/)[^/]*?_(?P<id>\d+)_assignsubmission_[a-z]+(?:_[^/]*|_?/(?:[^/]+/)*[^/]+)$",
    "nbgrader": r"(?:^|/)(?P<id>[^/]+)/(?P<assignment>[^/]+)/[^/]+$",
}
_ID_COLUMNS = ("id", "identifier", "student id", "student_id", "sis user id", "sis login id", "id number",
               "username", "login", "email", "email address")


def id_pattern(text: str | None) -> re.Pattern[str] | None:
    """A preset's or a user's pattern, compiled (``ValueError`` when it has no ``id`` group)."""
    if not text:
        return None
    try:
        pattern = re.compile(ID_PATTERNS.get(text, text))
    except re.error as err:
        raise ValueError(f"--id-pattern {text!r} is not a regular expression: {err}") from err
    if "id" not in pattern.groupindex:
        raise ValueError(f"--id-pattern {text!r} needs a group named id, e.g. (?P<id>\\d+)")
    return pattern


@dataclass
class RosterEntry:
    """One student as the LMS knows them (empty strings where the roster had no such column)."""

    id: str
    name: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    aliases: set[str] = field(default_factory=set)
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def is_test_student(self) -> bool:
        """Canvas's "Student View" user (``Student, Test``): on the export, never a real student."""
        return self.name in ("Student, Test", "Test Student")

    @property
    def display_name(self) -> str:
        """``Jane Doe`` for ``Doe, Jane`` (Canvas's sortable name) or first and last name."""
        if self.first_name or self.last_name:
            return f"{self.first_name} {self.last_name}".strip()
        last, comma, first = self.name.partition(",")
        return f"{first.strip()} {last.strip()}" if comma else (self.name or self.id)


PARTICIPANT = "participant "  # Moodle's string 'hiddenuser' ("Participant "), stripped by its importer
_PERSON_COLUMNS = {"Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Integration ID",
                   "Root Account", "Identifier", "Full name", "First name", "Last name", "ID number",
                   "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
                   "Last modified (submission)", "Last modified (grade)", "Feedback comments", "Email",
                   "Username"}


def delimiter(lines: list[str]) -> str:
    """``;`` or ``,``: the separator that splits the first lines into the same, larger number of
    fields (Excel in many locales saves CSV with ``;``). Canvas's importer decides the same way
    (``lib/gradebook_importer.rb``, ``identify_delimiter``)."""
    counts = {}
    for sep in (";", ","):
        sizes = {len(next(csv.reader([line], delimiter=sep), [])) for line in lines if line.strip()}
        counts[sep] = sizes.pop() if len(sizes) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def _column(row: dict[str, str], *names: str) -> str:
    for name in names:
        if row.get(name):
            return row[name].strip()
    return ""


class Roster:
    """The class list; empty (and matching everyone) without ``--roster``."""

    def __init__(self, entries: Iterable[RosterEntry] = (), headers: Iterable[str] = ()) -> None:
        self.entries = list(entries)
        self.headers = list(headers)
        self._by_alias = {alias: e for e in self.entries for alias in e.aliases}

    @classmethod
    def read(cls, path: Path) -> Roster:
        """Read a roster CSV (UTF-8, a BOM allowed); ``ValueError`` with one clear line if it is unusable."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            raise ValueError(f"cannot read the roster {path}: {err}") from err
        lines = text.splitlines()
        reader = csv.DictReader(lines, delimiter=delimiter(lines[:3]))
        rows = list(reader)
        if not rows:
            raise ValueError(f"the roster {path} has no rows")
        entries = []
        for raw in rows:
            row = {(k or "").strip().lower(): (v or "") for k, v in raw.items() if isinstance(v, str)}
            ids = {c: row[c].strip() for c in _ID_COLUMNS if row.get(c, "").strip()}
            if not ids or "points possible" in _column(row, "student").lower():
                continue  # Canvas's second row ("Points Possible", matched as Canvas does), or a blank line
            first, last = _column(row, "first name", "firstname"), _column(row, "last name", "lastname")
            aliases = {v.lower() for v in ids.values()}
            identifier = row.get("identifier", "").strip()
            if identifier.lower().startswith(PARTICIPANT):  # Moodle's worksheet: "Participant 1234"
                aliases.add(identifier[len(PARTICIPANT):].strip())
            entries.append(RosterEntry(
                id=next(iter(ids.values())),
                name=_column(row, "name", "student", "full name") or f"{first} {last}".strip(),
                first_name=first, last_name=last, email=_column(row, "email", "email address"),
                sis_user_id=_column(row, "sis user id"), sis_login_id=_column(row, "sis login id"),
                section=_column(row, "section"), aliases=aliases,
                raw={k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)},
            ))
        if not entries:
            raise ValueError(f"the roster {path} has no column of student ids "
                             f"(one of: {', '.join(_ID_COLUMNS)})")
        return cls(entries, [h for h in reader.fieldnames or [] if isinstance(h, str)])

    @property
    def is_moodle_worksheet(self) -> bool:
        """A Moodle grading worksheet (its importer needs these three columns:
        ``mod/assign/feedback/offline/importgradeslib.php``, ``init``)."""
        return {"Identifier", "Grade", "Last modified (grade)"} <= set(self.headers)

    def assignment_column(self, assignment: str) -> str | None:
        """The roster's own column for ``assignment`` (e.g. Canvas's ``IAM castle: users (4242)``), if
        exactly one column that is not about the student names the assignment."""
        found = [h for h in self.headers if h.strip() not in _PERSON_COLUMNS and
                 re.search(rf"(?<![\w-]){re.escape(assignment)}(?![\w-])", h, re.IGNORECASE)]
        return found[0] if len(found) == 1 else None

    def __bool__(self) -> bool:
        return bool(self.entries)

    def find(self, student: str) -> RosterEntry | None:
        return self._by_alias.get(student.lower())


def parse_time(text: str) -> float:
    """An ISO 8601 time (``2026-11-20T23:59``, ``...Z``, ``...+01:00``; UTC when no zone) as a timestamp."""
    value = text.strip().replace(" UTC", "+00:00")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise ValueError(f"{text!r} is not a date and time such as 2026-11-20T23:59:00Z") from err
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@dataclass(frozen=True)
class LatePolicy:
    """``percent`` of the maximum score off per started day after ``due`` (a timestamp); off when None.

    ``late_marker``: the LMS says the submission is late but not when it came
    (Canvas's ``LATE`` in a file name): one day late, the least it can be.
    """

    due: float | None = None
    percent: float = 0.0

    def days_late(self, submitted_at: float | None, late_marker: bool = False) -> int:
        if self.due is None:
            return 0
        if submitted_at is None:
            return 1 if late_marker else 0
        if submitted_at <= self.due:
            return 0
        return math.ceil((submitted_at - self.due) / 86400)

    def penalty(self, submitted_at: float | None, max_score: int, late_marker: bool = False) -> float:
        days = self.days_late(submitted_at, late_marker)
        return min(float(max_score), max_score * self.percent / 100 * days)


class Adjustments:
    """The instructor's manual changes: ``student,points,reason`` (points may be negative)."""

    HEADER = ("student", "points", "reason")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.points: dict[str, float] = {}
        self.reasons: dict[str, str] = {}

    def load(self) -> Adjustments:
        """Read the file (creating an empty one with a header the first time); one clear line on errors."""
        if not self.path.exists():
            self.path.write_text(",".join(self.HEADER) + "\n", encoding="utf-8")
            return self
        try:
            rows = list(csv.DictReader(self.path.read_text(encoding="utf-8-sig").splitlines()))
        except (OSError, UnicodeDecodeError) as err:
            raise ValueError(f"cannot read the adjustments file {self.path}: {err}") from err
        for number, row in enumerate(rows, start=2):
            student = (row.get("student") or "").strip()
            if not student:
                continue
            try:
                points = float((row.get("points") or "0").strip())
            except ValueError:
                raise ValueError(f"{self.path}, line {number}: points must be a number, not "
                                 f"{row.get('points')!r}") from None
            self.points[student] = self.points.get(student, 0.0) + points
            self.reasons[student] = "; ".join(r for r in (self.reasons.get(student), row.get("reason")) if r)
        return self

    def for_student(self, student: str) -> tuple[float, str]:
        return self.points.get(student, 0.0), self.reasons.get(student, "")


def final_score(entry: dict[str, Any], late: LatePolicy, adjustments: Adjustments | None) -> dict[str, Any]:
    """The columns after the autograded score: late days and penalty, adjustment, final (0..max)."""
    when, marker = entry.get("submitted_at"), bool(entry.get("late_marker"))
    penalty = 0.0 if entry["status"] == "invalid" else late.penalty(when, entry["max_score"], marker)
    points, reason = adjustments.for_student(entry["student"]) if adjustments else (0.0, "")
    final = max(0.0, min(float(entry["max_score"]), entry["score"] - penalty + points))
    return {"late_days": late.days_late(when, marker), "late_penalty": _number(penalty),
            "adjustment": _number(points), "adjustment_reason": reason, "final": _number(final)}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)
