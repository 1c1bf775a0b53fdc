"""The grading run: read submissions, hand them to workers, record every result as it arrives.

The parent process never runs student code. It imports everything heavy once
(moto, labkit, the checks, jupyter_client), then forks ``jobs`` workers that
inherit those modules already loaded (see :mod:`labkit.grading.worker`). It
keeps the only copy of the gradebook, writes ``DIR`` after every submission,
restarts a worker that dies or stops answering, and on Ctrl-C stops the
workers (and their kernels) and leaves ``DIR`` valid.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, TextIO

from . import integrity
from .gradebook import Gradebook, write_atomically
from .jail import Jail, Limits
from .progress import Progress
from .reports import feedback_html, report_html
from .submissions import Submission, find_submissions, read_submission
from .worker import Job, worker_main

__all__ = ["GradingRun", "RunSummary", "grade", "TamperingError"]

WORKER_START_TIMEOUT = 120.0
GRACE = 90.0  # beyond --timeout: kernel start, sandbox reset, checks


class TamperingError(RuntimeError):
    """labkit's own files changed during the run; later results could not be trusted."""


@dataclass
class RunSummary:
    """What a run did: how many submissions were graded now, skipped as unchanged, and by status."""

    total: int = 0
    skipped: int = 0
    graded_now: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False
    seconds: float = 0.0


def _preload() -> None:
    """Import what workers need before forking them, so each does not import it again."""
    import jupyter_client  # noqa: F401
    import moto.moto_server.werkzeug_app  # noqa: F401
    import werkzeug.serving  # noqa: F401

    from .. import authenticator, checks, realism, sandbox, scenarios, server  # noqa: F401


def _clean_environment() -> dict[str, str]:
    return dict(os.environ)


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: Job | None = None
    started: float = 0.0


class GradingRun:
    """One invocation of ``labkit grade``."""

    def __init__(self, paths: list[Path], out: Path, assignment: str | None = None, jobs: int = 2,
                 timeout: float = 120.0, cell_timeout: float | None = None,
                 stream: TextIO | None = None, jail: bool = True) -> None:
        from ..checks import ASSIGNMENTS

        if assignment is not None and assignment not in ASSIGNMENTS:
            known = ", ".join(sorted(ASSIGNMENTS))
            raise ValueError(f"unknown assignment {assignment!r}; choose one of: {known}")
        self.paths = paths
        self.out = out
        self.assignment = assignment
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.cell_timeout = cell_timeout or timeout
        self.stream = stream or sys.stderr
        self.known = set(ASSIGNMENTS)
        self.gradebook = Gradebook(out)
        self.workers: list[_Worker] = []
        self.base_env = _clean_environment()
        self.ctx = multiprocessing.get_context("fork")
        self.fingerprint = ""
        self.use_jail = jail
        self.jail: Jail | None = None

    # -- workers ------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        parent_end, child_end = self.ctx.Pipe()
        inherited = [w.conn for w in self.workers]
        process = self.ctx.Process(target=worker_main, name="labkit-grader", daemon=True,
                                   args=(child_end, self.base_env, self.jail, [*inherited, parent_end]))
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        if not parent_end.poll(WORKER_START_TIMEOUT):
            self._stop(worker)
            raise RuntimeError("a grading worker did not start")
        hello = parent_end.recv()
        if "ready" not in hello:
            self._stop(worker)
            raise RuntimeError(f"a grading worker could not start:\n{hello.get('fatal', hello)}")
        return worker

    def _stop(self, worker: _Worker) -> None:
        try:
            worker.conn.send(None)
        except (OSError, ValueError):
            pass
        worker.process.join(timeout=3)
        if worker.process.is_alive():
            worker.process.terminate()
            worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=5)
        worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        self._stop(worker)
        self.workers[self.workers.index(worker)] = self._spawn()

    # -- recording ----------------------------------------------------------------
    def _feedback_path(self, student: str) -> Path:
        path = (self.out / "feedback" / f"{student}.html").resolve()
        if not path.is_relative_to((self.out / "feedback").resolve()):
            raise ValueError(f"student id {student!r} would write outside the feedback folder")
        return path

    def _record(self, entry: dict[str, Any], progress: Progress, summary: RunSummary) -> None:
        entry["graded_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.gradebook.record(entry)
        write_atomically(self._feedback_path(entry["student"]), feedback_html(entry))
        summary.graded_now += 1
        summary.statuses[entry["status"]] = summary.statuses.get(entry["status"], 0) + 1
        progress.advance(entry["status"], entry["student"])

    def _invalid_entry(self, sub: Submission) -> dict[str, Any]:
        from ..checks import get_assignment

        max_score = get_assignment(sub.assignment).max_score if sub.assignment else 0
        return {"student": sub.student, "assignment": sub.assignment or "", "sha256": sub.sha256,
                "status": "invalid", "score": 0, "max_score": max_score, "detail": sub.invalid or "",
                "seconds": 0.0, "cells_run": 0, "cells_total": 0, "cell_errors": [], "checks": []}

    def _internal_entry(self, job: Job, detail: str) -> dict[str, Any]:
        from ..checks import get_assignment

        return {"student": job.student, "assignment": job.assignment, "sha256": job.sha256, "status": "error",
                "score": 0, "max_score": get_assignment(job.assignment).max_score, "detail": detail,
                "seconds": 0.0, "cells_run": 0, "cells_total": len(job.cells), "cell_errors": [],
                "checks": [], "internal": True}

    def _check_integrity(self) -> None:
        if integrity.fingerprint() != self.fingerprint:
            raise TamperingError(
                "labkit's own files changed while grading (a submission may have rewritten them). "
                "Results recorded so far are kept; restore labkit (e.g. `git checkout labkit`) and rerun "
                "the same command to grade the rest."
            )

    def _jail(self) -> Jail | None:
        if not self.use_jail:
            print("warning: grading WITHOUT a jail (--no-jail-i-accept-the-risk): submissions run as you, "
                  "with your files, network and processes in reach.", file=self.stream)
            return None
        jail = Jail(Limits(cpu_seconds=int(self.timeout) + 60))
        jail.probe()
        return jail

    def write_reports(self) -> None:
        """(Re)write every feedback page and ``report.html`` from the gradebook."""
        entries = [self.gradebook.entries[s] for s in sorted(self.gradebook.entries)]
        for entry in entries:
            write_atomically(self._feedback_path(entry["student"]), feedback_html(entry))
        write_atomically(self.out / "report.html", report_html(entries))

    # -- the run ------------------------------------------------------------------
    def run(self) -> RunSummary:
        """Grade everything not already graded; returns a summary (``interrupted`` on Ctrl-C)."""
        started = time.monotonic()
        self.out.mkdir(parents=True, exist_ok=True)
        if self.gradebook.warning:
            print(f"warning: {self.gradebook.warning}", file=self.stream)
        pairs = find_submissions(self.paths)
        summary = RunSummary(total=len(pairs))
        todo: deque[Job] = deque()
        invalid: list[Submission] = []
        for student, path in pairs:
            sub = read_submission(student, path, self.known, self.assignment)
            if self.gradebook.up_to_date(student, sub.sha256, sub.assignment):
                summary.skipped += 1
            elif sub.invalid:
                invalid.append(sub)
            else:
                todo.append(Job(student, sub.sha256, sub.assignment or "", sub.cells, self.timeout,
                                self.cell_timeout))
        progress = Progress(len(todo) + len(invalid), self.stream)
        if summary.skipped:
            print(f"{summary.skipped} of {summary.total} submissions unchanged since they were graded: "
                  "skipped", file=self.stream)
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            progress.start()
            for sub in invalid:
                self._record(self._invalid_entry(sub), progress, summary)
            if todo:
                self.jail = self._jail()
                integrity.prepare()
                self.fingerprint = integrity.fingerprint()
                _preload()
                self._loop(todo, progress, summary)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            signal.signal(signal.SIGTERM, previous)
            progress.finish()
            for worker in self.workers:
                self._stop(worker)
            self.workers = []
            self.gradebook.save()
            self.write_reports()
            summary.seconds = time.monotonic() - started
        return summary

    def _loop(self, todo: deque[Job], progress: Progress, summary: RunSummary) -> None:
        for _ in range(min(self.jobs, len(todo))):
            self.workers.append(self._spawn())
        while todo or any(w.job for w in self.workers):
            for worker in self.workers:
                if worker.job is None and todo:
                    worker.job, worker.started = todo.popleft(), time.monotonic()
                    worker.conn.send(worker.job)
            busy = [w for w in self.workers if w.job is not None]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=0.5)
            for worker in busy:
                job = worker.job
                assert job is not None
                if worker.conn in ready or worker.process.sentinel in ready:
                    try:
                        message = worker.conn.recv()
                    except (EOFError, OSError):
                        message = None
                    worker.job = None
                    if message is None or "student" not in message:
                        self._record(self._internal_entry(job, "the grading worker stopped unexpectedly"),
                                     progress, summary)
                        self._replace(worker)
                        continue
                    self._check_integrity()
                    self._record(message, progress, summary)
                elif time.monotonic() - worker.started > job.timeout + GRACE:
                    worker.job = None
                    self._record(self._internal_entry(job, "the grading worker stopped answering"),
                                 progress, summary)
                    self._replace(worker)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def grade(paths: list[Path], out: Path, assignment: str | None = None, jobs: int = 2,
          timeout: float = 120.0, cell_timeout: float | None = None,
          stream: TextIO | None = None) -> RunSummary:
    """Grade notebooks (files or folders) into ``out``; see :class:`GradingRun`."""
    return GradingRun(paths, out, assignment, jobs, timeout, cell_timeout, stream).run()
