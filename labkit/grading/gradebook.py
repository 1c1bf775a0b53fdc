"""The gradebook in the output folder: ``results.json`` (everything), ``grades.csv``, and the LMS exports.

Each result is appended, signed, to ``results.journal`` (one JSON line, flushed
to disk) the moment it arrives; ``results.json``, ``grades.csv`` and the exports
are rewritten from all results at most every :data:`SAVE_EVERY` seconds and at
the end of a run, each atomically (a temporary file in the same folder, then
:func:`os.replace`), and then the journal is emptied. An interrupted run always
leaves valid files, and the next run reads the journal's results too, so none is
lost; a class of 2,000 rows costs 2,000 appended lines, not 2,000 rewrites of
every file. ``results.json`` is the source of truth: one entry per student, each
with

* ``key``: a hash of everything the result depends on (the file's sha256, the
  assignment, the checks' and scenarios' sources, labkit's version, and the
  options that change results such as ``--timeout``), so a rerun skips a
  submission only when none of these changed (``--regrade`` grades all again);
* ``signature``: an HMAC-SHA256 of the entry with a key kept *outside* the
  output folder (``~/.config/labkit/grader.key``, 0600, created once per
  account). An entry that was edited or forged, by hand or by anything that could
  write to the folder, no longer matches its signature: it is distrusted, named in
  a warning, and graded again. ``grades.csv`` and the exports are always written
  from the signed entries, never read back.

Only the grading command writes here, holding a lock on the folder
(:class:`OutLock`) so two runs cannot interleave. The instructor's own file,
``adjustments.csv``, is read and never written (see
:mod:`labkit.grading.classlist`).
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .classlist import Adjustments, LatePolicy, final_score
from .result import RERUN_STATUSES, STATUSES, GradeResult

__all__ = ["Gradebook", "CSV_COLUMNS", "STATUSES", "RERUN_STATUSES", "write_atomically", "OutLock",
           "feedback_name", "grader_key", "sign", "csv_text"]

FORMAT = "labkit-grades/2"
SAVE_EVERY = 5.0  # seconds between full rewrites of results.json and the CSVs during a run
CSV_COLUMNS = ("student", "assignment", "score", "max_score", "status", "late_days", "late_penalty",
               "adjustment", "final", "detail", "flags", "seconds", "sha256", "file")
_REQUIRED = {"student": str, "assignment": str, "sha256": str, "status": str, "score": int, "max_score": int,
             "key": str}
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,99}")


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
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


def feedback_name(student: str) -> str:
    """The feedback page's file name for ``student``: the id when it is a plain short name, else a
    readable part, ``~`` and a hash (ids may hold slashes, any script, or 240 characters). A plain
    name never holds ``~``, so no student's id can be another's hashed name."""
    if _SAFE_NAME.fullmatch(student) and not student.endswith((".", " ")):
        return f"{student}.html"
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", student).strip("-.")[:60] or "student"
    digest = hashlib.sha256(student.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"{readable}~{digest}.html"


def grader_key() -> bytes:
    """This account's key for signing results (created once, 0600, outside any output folder)."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = base / "labkit" / "grader.key"
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
    return key


def sign(entry: dict[str, Any], key: bytes) -> str:
    body = json.dumps({k: v for k, v in entry.items() if k != "signature"}, sort_keys=True,
                      ensure_ascii=True, default=str)
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _spreadsheet_safe(value: str) -> str:
    """Keep spreadsheets from reading a student's file name as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _valid(entry: Any) -> bool:
    return isinstance(entry, dict) and all(isinstance(entry.get(k), t) for k, t in _REQUIRED.items()) \
        and entry["status"] in STATUSES


class OutLock:
    """An exclusive lock on the output folder for one run (``ValueError`` when another run holds it)."""

    def __init__(self, out: Path) -> None:
        self.path = out / ".labkit-grade.lock"
        self.fd = -1

    def __enter__(self) -> OutLock:
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise ValueError(f"another `labkit grade` is writing to {self.path.parent}; wait for it to "
                             "finish (or use another --out)") from None
        except OSError as err:
            raise ValueError(f"cannot lock the output folder {self.path.parent}: {err.strerror}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)


class Gradebook:
    """The results of every submission graded into ``out`` (this run's and earlier runs')."""

    def __init__(self, out: Path, key: bytes | None = None, late: LatePolicy | None = None,
                 adjustments: Adjustments | None = None,
                 exporters: Callable[[list[dict[str, Any]]], dict[str, str]] | None = None,
                 bom: bool = False) -> None:
        self.out = out
        self.results_path = out / "results.json"
        self.journal_path = out / "results.journal"
        self.saved_at = 0.0
        self.csv_path = out / "grades.csv"
        self.key = key if key is not None else grader_key()
        self.entries: dict[str, dict[str, Any]] = {}
        self.warnings: list[str] = []
        self.late = late or LatePolicy()
        self.adjustments = adjustments
        self.exporters = exporters
        self.bom = bom  # grades.csv starts with a byte-order mark (--bom: Excel then reads UTF-8 names right)
        self._load()

    @property
    def warning(self) -> str:
        return "; ".join(self.warnings)

    def _load(self) -> None:
        if not self.results_path.exists():
            self._replay()
            return
        try:
            data = json.loads(self.results_path.read_text(encoding="utf-8"))
            entries = data["submissions"] if data.get("format") == FORMAT else None
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            entries = None
        if not isinstance(entries, list):
            self.warnings.append(f"{self.results_path} is unreadable or from another version; every "
                                 "submission will be graded again")
            self._replay()
            return
        distrusted = []
        for entry in entries:
            if _valid(entry) and hmac.compare_digest(str(entry.get("signature", "")), sign(entry, self.key)):
                self.entries[entry["student"]] = entry
            else:
                name = entry.get("student") if isinstance(entry, dict) else None
                distrusted.append(str(name)[:80] if name else "(unnamed)")
        if distrusted:
            self.warnings.append(
                f"{len(distrusted)} result(s) in {self.results_path} were not written by `labkit grade` "
                f"with this account's key (edited or forged?): {', '.join(distrusted[:10])}; they are "
                "ignored and graded again. Use adjustments.csv for manual changes.")
        self._replay()
        written = data.get("grades_csv_sha256")
        if self.csv_path.exists() and isinstance(written, dict) and not distrusted:
            try:
                now = hashlib.sha256(self.csv_path.read_bytes()).hexdigest()
            except OSError:
                now = ""
            edited = not hmac.compare_digest(str(written.get("signature", "")), sign(written, self.key)) \
                or written.get("sha256") != now
            if edited:
                self.warnings.append(f"{self.csv_path} was changed outside `labkit grade`; it is rewritten "
                                     "from results.json (use adjustments.csv for manual changes)")

    def _replay(self) -> None:
        """Add the results a run appended to the journal and did not save before it stopped."""
        try:
            lines = self.journal_path.read_bytes().splitlines()
        except OSError:
            return
        distrusted = 0
        for line in lines:
            try:
                entry = json.loads(line)
            except (ValueError, RecursionError):
                continue  # the last line of a run stopped mid-write
            if _valid(entry) and hmac.compare_digest(str(entry.get("signature", "")), sign(entry, self.key)):
                self.entries[entry["student"]] = entry
            else:
                distrusted += 1
        if distrusted:
            self.warnings.append(f"{distrusted} line(s) of {self.journal_path} were not written by `labkit "
                                 "grade` with this account's key (edited or forged?); they are ignored")

    def up_to_date(self, student: str, key: str) -> bool:
        """True when ``student``'s result was computed from exactly the same inputs (``key``)."""
        entry = self.entries.get(student)
        return entry is not None and entry["status"] not in RERUN_STATUSES and entry["key"] == key

    def record(self, entry: dict[str, Any]) -> None:
        """Add or replace ``entry['student']``'s result (signed): appended to the journal at once,
        every file saved when the last save is :data:`SAVE_EVERY` seconds old."""
        self.put(entry)
        line = json.dumps(entry, ensure_ascii=True, default=str).encode() + b"\n"
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if time.monotonic() - self.saved_at >= SAVE_EVERY:
            self.save()

    def put(self, entry: dict[str, Any]) -> None:
        entry.pop("signature", None)
        entry["signature"] = sign(entry, self.key)
        self.entries[entry["student"]] = entry

    def results(self) -> list[GradeResult]:
        """Every student's result, typed, by student id."""
        return [GradeResult.from_entry(e) for e in self.ordered()]

    def ordered(self) -> list[dict[str, Any]]:
        return [self.entries[s] for s in sorted(self.entries)]

    def with_final(self) -> list[dict[str, Any]]:
        """Every entry with its late penalty, adjustment and final score (computed, never stored)."""
        return [{**e, **final_score(e, self.late, self.adjustments)} for e in self.ordered()]

    def with_final_of(self, entry: dict[str, Any]) -> dict[str, Any]:
        """One entry with its late penalty, adjustment and final score."""
        return {**entry, **final_score(entry, self.late, self.adjustments)}

    def csv(self) -> str:
        return ("\ufeff" if self.bom else "") + csv_text(self.with_final())

    def save(self) -> None:
        """Write ``grades.csv`` and the exports, then ``results.json`` (with the csv's signed hash)."""
        text = self.csv()
        written = {"sha256": hashlib.sha256(text.encode()).hexdigest()}
        written["signature"] = sign(written, self.key)
        write_atomically(self.csv_path, text)
        write_atomically(self.results_path, json.dumps({"format": FORMAT, "submissions": self.ordered(),
                                                        "grades_csv_sha256": written}, indent=1) + "\n")
        if self.exporters is not None:
            for name, text in self.exporters(self.with_final()).items():
                write_atomically(self.out / name, text)
        try:
            self.journal_path.unlink()  # every result in it is in results.json now
        except FileNotFoundError:
            pass
        self.saved_at = time.monotonic()


def csv_text(entries: Iterable[dict[str, Any]]) -> str:
    """``grades.csv``: a header and one row per submission."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow([_spreadsheet_safe(e["student"]), e["assignment"], e["score"], e["max_score"],
                         e["status"], e.get("late_days", 0), e.get("late_penalty", 0), e.get("adjustment", 0),
                         e.get("final", e["score"]), _spreadsheet_safe(e.get("detail", "")),
                         _spreadsheet_safe("; ".join(e.get("flags") or [])), e.get("seconds", ""),
                         e["sha256"],
                         _spreadsheet_safe(e.get("file", ""))])
    return buf.getvalue()
