"""Which time decides whether a submission is late: only a time the student cannot set.

A zip entry's date is written by whoever made the zip — for a zip a student
uploads, the student (``zipfile.ZipInfo(date_time=...)``) — and Canvas stamps
every entry of its "Download Submissions" zip with the time the zip was built
(rubyzip's ``get_output_stream`` in ``lib/content_zipper.rb``), so an entry's
date is never used. In order, the time used is:

1. ``--submitted-at FILE``: the submission times the LMS exported (a CSV with a
   student id column and a time column; Moodle's grading worksheet works as it
   is: ``Identifier`` and ``Last modified (submission)``);
2. nbgrader's ``timestamp.txt`` beside a collected notebook (what nbgrader's own
   late penalties use);
3. Canvas's ``LATE`` marker in the file name (``--id-pattern canvas``): late, by
   an unknown time, so counted as one day late; no marker means on time;
4. the file's own time on the instructor's disk (for a zip entry: the zip's),
   only with ``--late-from-file-times`` (the instructor vouches that the files
   were saved when they were handed in).

Otherwise a submission is not late. The source used is recorded per student
and shown on the feedback page and in the report.

Time zones: Moodle writes the worksheet's times in the teacher's own time zone
without naming it (``Friday, 20 November 2026, 11:59 PM``); a time without a zone
is read as UTC, and so is ``--due`` without one, so give ``--due`` as the LMS
shows it (``2026-11-20T23:59``) and the two agree.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .classlist import PARTICIPANT, Roster, delimiter, parse_time

__all__ = ["When", "SubmissionTimes", "decide", "parse_lms_time"]

_TIME_COLUMNS = ("submitted_at", "submitted at", "submitted", "submission time", "last modified (submission)")
_ID_COLUMNS = ("student", "id", "identifier", "student id", "sis user id", "sis login id", "id number",
               "username", "email", "email address")
_MOODLE_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M")  # userdate's strftimedatetime


@dataclass(frozen=True)
class When:
    """The submission time used (``None``: unknown), where it came from, and whether the LMS marked
    the submission late without saying when."""

    at: float | None
    source: str
    late_marker: bool = False


def parse_lms_time(text: str) -> float | None:
    """An ISO 8601 time or Moodle's ``Friday, 20 November 2026, 11:59 PM`` (UTC when no zone is given);
    ``None`` for Moodle's "-" (nothing submitted) or an empty cell; ``ValueError`` otherwise."""
    value = text.strip()
    if value in ("", "-"):
        return None
    for fmt in _MOODLE_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC).timestamp()
        except ValueError:
            pass
    return parse_time(value)


class SubmissionTimes:
    """``--submitted-at FILE``: submission times exported by the LMS, by student id."""

    def __init__(self, times: dict[str, float] | None = None, path: Path | None = None) -> None:
        self.times = times or {}
        self.path = path

    @classmethod
    def read(cls, path: Path) -> SubmissionTimes:
        """Read the file; ``ValueError`` with one clear line when it is unusable."""
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise ValueError(f"cannot read the submission times {path}: {err}") from err
        reader = csv.DictReader(lines, delimiter=delimiter(lines[:3]))
        headers = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
        id_col = next((headers[c] for c in _ID_COLUMNS if c in headers), None)
        time_col = next((headers[c] for c in _TIME_COLUMNS if c in headers), None)
        if id_col is None or time_col is None:
            raise ValueError(f"{path} needs a student id column and a time column (one of: "
                             f"{', '.join(_TIME_COLUMNS)})")
        times: dict[str, float] = {}
        for number, row in enumerate(reader, start=2):
            student = (row.get(id_col) or "").strip()
            if not student:
                continue
            try:
                at = parse_lms_time(row.get(time_col) or "")
            except ValueError:
                raise ValueError(f"{path}, line {number}: {row.get(time_col)!r} is not a time") from None
            if at is not None:
                key = student.lower()
                times[key[len(PARTICIPANT):].strip() if key.startswith(PARTICIPANT) else key] = at
        return cls(times, path)

    def find(self, student: str, roster: Roster) -> float | None:
        """The time for ``student`` (by its id, or by any id the roster knows the same person by)."""
        if student.lower() in self.times:
            return self.times[student.lower()]
        person = roster.find(student)
        for alias in sorted(person.aliases) if person else ():
            if alias in self.times:
                return self.times[alias]
        return None


def decide(student: str, *, roster: Roster, times: SubmissionTimes, lms_time: float | None,
           late_marker: bool | None, file_time: float | None, trust_file_times: bool) -> When:
    """The time that decides lateness for one submission (see the module's docstring for the order).

    ``late_marker`` is None when the file name cannot carry one (no Canvas pattern).
    """
    at = times.find(student, roster)
    if at is not None:
        return When(at, f"the LMS's submission times ({times.path.name if times.path else 'file'})")
    if lms_time is not None:
        return When(lms_time, "nbgrader's timestamp.txt")
    if late_marker:
        return When(None, "Canvas marked it LATE (how late is not known: counted as 1 day)", True)
    if trust_file_times and file_time is not None:
        return When(file_time, "the file's time on the instructor's disk (--late-from-file-times)")
    if late_marker is False:
        return When(None, "on time (Canvas: no LATE marker)")
    return When(None, "no submission time known: not late")
