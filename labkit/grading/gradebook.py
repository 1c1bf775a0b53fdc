"""The gradebook in the output folder: ``results.json`` (everything) and ``grades.csv`` (one row each).

Both files are rewritten after every submission, each atomically (a temporary
file in the same folder, then :func:`os.replace`), so an interrupted run always
leaves two valid files. ``results.json`` is the source of truth: one entry per
student, with the sha256 of the file that was graded, so a rerun skips every
submission whose file (and assignment) did not change and never adds a second
row for a student. Only the grading command writes here; nothing a notebook
writes is read back while it runs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["Gradebook", "CSV_COLUMNS", "STATUSES", "write_atomically"]

FORMAT = "labkit-grades/1"
STATUSES = ("graded", "timeout", "error", "invalid")
CSV_COLUMNS = ("student", "assignment", "score", "max_score", "status", "detail", "seconds", "sha256")
_REQUIRED = {"student": str, "assignment": str, "sha256": str, "status": str, "score": int, "max_score": int}


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _spreadsheet_safe(value: str) -> str:
    """Keep spreadsheets from reading a student's file name as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _valid(entry: Any) -> bool:
    return isinstance(entry, dict) and all(isinstance(entry.get(k), t) for k, t in _REQUIRED.items()) \
        and entry["status"] in STATUSES


class Gradebook:
    """The results of every submission graded into ``out`` (this run's and earlier runs')."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.results_path = out / "results.json"
        self.csv_path = out / "grades.csv"
        self.entries: dict[str, dict[str, Any]] = {}
        self.warning = ""
        self._load()

    def _load(self) -> None:
        if not self.results_path.exists():
            return
        try:
            data = json.loads(self.results_path.read_text(encoding="utf-8"))
            entries = data["submissions"] if data.get("format") == FORMAT else None
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            entries = None
        if not isinstance(entries, list):
            self.warning = f"{self.results_path} is unreadable; every submission will be graded again"
            return
        for entry in entries:
            if _valid(entry):
                self.entries[entry["student"]] = entry

    def up_to_date(self, student: str, sha256: str, assignment: str | None) -> bool:
        """True when ``student``'s file was already graded, unchanged, for the same assignment."""
        entry = self.entries.get(student)
        return (entry is not None and not entry.get("internal") and entry["sha256"] == sha256
                and entry["assignment"] == (assignment or ""))

    def record(self, entry: dict[str, Any]) -> None:
        """Add or replace ``entry['student']``'s result and save both files."""
        self.entries[entry["student"]] = entry
        self.save()

    def save(self) -> None:
        """Write ``results.json`` then ``grades.csv``, each atomically."""
        ordered = [self.entries[s] for s in sorted(self.entries)]
        write_atomically(self.results_path,
                         json.dumps({"format": FORMAT, "submissions": ordered}, indent=1) + "\n")
        write_atomically(self.csv_path, csv_text(ordered))


def csv_text(entries: Iterable[dict[str, Any]]) -> str:
    """``grades.csv``: a header and one row per submission."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow([_spreadsheet_safe(e["student"]), e["assignment"], e["score"], e["max_score"],
                         e["status"], e.get("detail", ""), e.get("seconds", ""), e["sha256"]])
    return buf.getvalue()
