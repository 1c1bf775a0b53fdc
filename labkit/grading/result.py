"""One submission's grading result, as the grader builds it: :class:`GradeResult`.

A result is built in one of three places -- the worker that ran the notebook
(:mod:`.worker`), or the run itself for a file that is not a gradable notebook
(:meth:`GradeResult.invalid`) and for a notebook the grader could not finish
(:meth:`GradeResult.unfinished`) -- and becomes one row of the gradebook
(:meth:`GradeResult.as_entry`; the gradebook adds the key, the file, the submission time
and its signature). Reading a row back: :meth:`GradeResult.from_entry`.

>>> r = GradeResult("ana", "users", "0" * 64, "graded", score=3, max_score=5)
>>> r.as_entry()["status"], r.passed_checks
('graded', [])
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, cast, get_args

__all__ = ["GradeResult", "Status", "STATUSES", "RERUN_STATUSES"]

Status = Literal["graded", "timeout", "error", "invalid", "grader-error", "attack"]
"""What happened to a submission: ``graded`` (every cell ran), ``timeout`` (the notebook ran out of
time), ``error`` (its kernel died), ``invalid`` (not a gradable notebook), ``grader-error`` (the
grader's fault, graded again by the next run), ``attack`` (it broke the grading worker)."""

STATUSES: tuple[str, ...] = get_args(Status)
RERUN_STATUSES: tuple[str, ...] = ("grader-error",)  # the grader's fault: graded again by the next run


@dataclass
class GradeResult:
    """What grading one submission found (the gradebook's row, before the run's own fields)."""

    student: str
    assignment: str
    sha256: str
    status: Status
    score: int = 0
    max_score: int = 0
    detail: str = ""
    seconds: float = 0.0
    cells_run: int = 0
    cells_total: int = 0
    cell_errors: list[dict[str, Any]] = field(default_factory=list)
    output_bytes: int | None = None  # only when a kernel ran: what its cells printed
    checks: list[dict[str, Any]] = field(default_factory=list)
    internal: bool = False  # the grader failed, not the notebook: graded again by a fresh worker
    trace: str = ""  # with ``internal``: where the grader failed

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown grading status {self.status!r}; known: {', '.join(STATUSES)}")

    @property
    def passed_checks(self) -> list[str]:
        """The ids of the checks that passed."""
        return [str(c.get("id")) for c in self.checks if c.get("passed")]

    @classmethod
    def invalid(cls, student: str, assignment: str, sha256: str, max_score: int, why: str) -> GradeResult:
        """A file that is not a gradable notebook: no points, and why."""
        return cls(student, assignment, sha256, "invalid", max_score=max_score, detail=why)

    @classmethod
    def unfinished(cls, student: str, assignment: str, sha256: str, status: Status, max_score: int,
                   detail: str, cells_total: int) -> GradeResult:
        """A notebook the grader could not finish (``grader-error`` or ``attack``): no points."""
        return cls(student, assignment, sha256, status, max_score=max_score, detail=detail,
                   cells_total=cells_total)

    def as_entry(self) -> dict[str, Any]:
        """The gradebook's row: every field, without the ones that do not apply."""
        entry = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.output_bytes is None:
            del entry["output_bytes"]
        if not self.internal:
            del entry["internal"], entry["trace"]
        return entry

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> GradeResult:
        """The result in a gradebook row (the row's other fields are left out)."""
        names = {f.name for f in fields(cls)}
        known = {k: v for k, v in entry.items() if k in names}
        known["status"] = cast(Status, known.get("status"))
        return cls(**known)
