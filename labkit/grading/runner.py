"""The grading run: read submissions, hand them to workers, record every result as it arrives.

The parent process never runs student code. It checks that a jail can be made
(:mod:`labkit.grading.jail`), locks the output folder, imports everything heavy
once (moto, labkit, the checks, jupyter_client), then forks ``jobs`` workers
that inherit those modules already loaded (see :mod:`labkit.grading.worker`).
It keeps the only copy of the gradebook: every result is appended to its
journal the moment it arrives, and the output folder is rewritten every few
seconds and at the end (see :mod:`labkit.grading.gradebook`). What a
submission controls is bounded before it is kept (:mod:`labkit.grading.bounds`).

Statuses are honest about whose doing a result is:

* ``graded`` / ``timeout`` / ``error`` — the notebook ran to the end / ran out of
  time / its kernel died (the student's doing; the work done before counts);
* ``invalid`` — the file could not be graded at all;
* ``grader-error`` — the grader failed (a kernel that would not start, a sandbox
  reset that failed, a worker lost for its own reasons) twice, each time with a
  fresh worker and kernel: nobody's score, and the next run grades it again;
* ``attack`` — without a jail only: the worker grading this notebook was killed
  or stopped twice, or labkit's own files changed while it ran.
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

from ..journal import course_prompts
from . import integrity, processes
from .bounds import bounded_entry, printable
from .canvas_feedback import write_feedback_zip
from .class_notebooks import read_class
from .classlist import Adjustments, LatePolicy, Roster, id_pattern, parse_time
from .exports import ExportOptions, lms_files
from .gradebook import RERUN_STATUSES, Gradebook, OutLock, feedback_name, write_atomically
from .hints import hints_of
from .jail import Jail, Limits
from .lateness import SubmissionTimes, When, decide
from .notebook_view import write_notebook_page
from .progress import Progress
from .reflections import ClassReflections, ClassReflectionsBuilder
from .reports import feedback_html, report_html
from .result import GradeResult, Status
from .submissions import Source, Submission, find_submissions, late_marker, read_submission
from .worker import Job, worker_main

__all__ = ["GradingRun", "RunSummary", "grade", "TamperingError", "Options"]

WORKER_START_TIMEOUT = 120.0
GRACE = 150.0  # beyond --timeout: kernel start, sandbox reset, checks, on a loaded machine
ATTEMPTS = 2   # a grader-side failure is retried once, with a fresh worker and kernel


class TamperingError(RuntimeError):
    """labkit's own files changed during the run; later results could not be trusted."""


@dataclass
class Options:
    """What ``labkit grade`` was asked to do besides the paths and ``--out``."""

    assignment: str | None = None
    jobs: int = 2
    timeout: float = 120.0
    cell_timeout: float | None = None
    jail: bool = True
    regrade: bool = False
    roster: Path | None = None
    id_pattern: str | None = None
    due: str | None = None
    late_penalty: float = 0.0
    adjustments: Path | None = None
    submitted_at: Path | None = None
    late_from_file_times: bool = False
    lms_column: str | None = None
    bom: bool = False


@dataclass
class RunSummary:
    """What a run did: how many submissions were graded now, skipped as unchanged, and by status."""

    total: int = 0
    skipped: int = 0
    graded_now: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False
    seconds: float = 0.0
    rerun: list[str] = field(default_factory=list)
    attacks: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)
    time_sources: dict[str, int] = field(default_factory=dict)


def _preload() -> None:
    """Import what workers need before forking them, so each does not import it again."""
    import jupyter_client  # noqa: F401
    import moto.moto_server.werkzeug_app  # noqa: F401
    import werkzeug.serving  # noqa: F401

    from .. import authenticator, checks, realism, sandbox, scenarios, server  # noqa: F401
    from ..realism import oidc

    oidc.issuer_jwks()  # the simulated CI issuer makes its RSA key (seconds) once; every worker inherits it


def result_inputs() -> dict[str, str]:
    """What every result depends on besides the submission and the options: checks, scenarios, labkit."""
    from ..version import __version__

    root = integrity.package_dir()
    return {"labkit": __version__, "checks": integrity.source_fingerprint(root / "checks"),
            "scenarios": integrity.source_fingerprint(root / "scenarios.py")}


def _stopped(pid: int) -> bool:
    """True when process ``pid`` is stopped (SIGSTOP) rather than running."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
        return stat[stat.rfind(b")") + 2:][:1] in (b"T", b"t")
    except OSError:
        return False


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: Job | None = None
    started: float = 0.0


def prepare_out(out: Path) -> None:
    """Create ``out`` or say in one line why it cannot be used (``ValueError``)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"cannot create the output folder {out}: {err.strerror}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write to the output folder {out}: permission denied")


class GradingRun:
    """One invocation of ``labkit grade``."""

    def __init__(self, paths: list[Path], out: Path, options: Options | None = None,
                 stream: TextIO | None = None) -> None:
        from ..checks import ASSIGNMENTS

        self.options = opts = options or Options()
        if opts.assignment is not None and opts.assignment not in ASSIGNMENTS:
            known = ", ".join(sorted(ASSIGNMENTS))
            raise ValueError(f"unknown assignment {opts.assignment!r}; choose one of: {known}")
        if opts.timeout <= 0 or (opts.cell_timeout is not None and opts.cell_timeout <= 0):
            raise ValueError("--timeout and --cell-timeout must be positive numbers of seconds")
        self.paths = paths
        self.out = out
        self.jobs = max(1, opts.jobs)
        self.timeout = opts.timeout
        self.cell_timeout = opts.cell_timeout or opts.timeout
        self.stream = stream or sys.stderr
        self.known = set(ASSIGNMENTS)
        self.pattern = id_pattern(opts.id_pattern)
        self.roster = Roster.read(opts.roster) if opts.roster else Roster()
        self.late = LatePolicy(parse_time(opts.due) if opts.due else None, opts.late_penalty)
        self.times = SubmissionTimes.read(opts.submitted_at) if opts.submitted_at else SubmissionTimes()
        self.export_options = ExportOptions(opts.lms_column, opts.bom)
        self.when: dict[str, When] = {}
        self.sources: dict[str, Source] = {}
        self.aliased: dict[str, str] = {}
        self.missing: list[str] = []
        self.workers: list[_Worker] = []
        self.base_env = dict(os.environ)
        self.ctx = multiprocessing.get_context("fork")
        self.fingerprint = ""
        self.jail: Jail | None = None
        self.attempts: dict[str, int] = {}
        self.pending: dict[str, Submission] = {}
        self.result_options = {"timeout": self.timeout, "cell_timeout": self.cell_timeout, "jail": opts.jail}
        self.inputs = result_inputs()
        self.gradebook: Gradebook | None = None
        self.todo: deque[Job] = deque()

    # -- workers ------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        """A new worker, ready (one more try if the first one is lost while it starts)."""
        try:
            return self._spawn_once()
        except (EOFError, OSError):
            return self._spawn_once()

    def _spawn_once(self) -> _Worker:
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
        if _stopped(worker.process.pid):
            worker.process.kill()
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
        # What a lost worker left (its kernels, without a jail) was adopted by us: kill it.
        processes.kill_children({w.process.pid for w in self.workers if w is not worker})
        self.workers[self.workers.index(worker)] = self._spawn()

    # -- recording ----------------------------------------------------------------
    def key(self, sub: Submission) -> str:
        import hashlib
        import json

        body = {"sha256": sub.sha256, "assignment": sub.assignment or "", "forced": self.options.assignment,
                "inputs": self.inputs, "options": self.result_options}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    def _feedback_path(self, student: str) -> Path:
        return self.out / "feedback" / feedback_name(student)

    def _record(self, result: GradeResult, progress: Progress, summary: RunSummary) -> None:
        assert self.gradebook is not None
        entry = result.as_entry()
        sub = self.pending.pop(entry["student"], None)
        if sub is not None:
            entry.update(key=self.key(sub), file=sub.path, flags=list(self._flags(sub)),
                         **self._when_fields(sub.student))
        entry.pop("trace", None)
        bounded_entry(entry)
        entry["graded_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.gradebook.record(entry)
        final = self.gradebook.with_final_of(entry)
        write_atomically(self._feedback_path(entry["student"]), feedback_html(final, self._name(final)))
        summary.graded_now += 1
        summary.statuses[entry["status"]] = summary.statuses.get(entry["status"], 0) + 1
        progress.advance(entry["status"], entry["student"])

    def _when_fields(self, student: str) -> dict[str, Any]:
        when = self.when.get(student) or When(None, "no submission time known: not late")
        return {"submitted_at": when.at, "time_source": when.source, "late_marker": when.late_marker}

    def _name(self, entry: dict[str, Any]) -> str:
        """The roster's name for a submission's student (the id when there is none)."""
        person = self.roster.find(entry["student"]) if self.roster else None
        return person.display_name if person else entry["student"]

    def _flags(self, sub: Submission) -> list[str]:
        flags = list(sub.flags)
        if self.roster and self.roster.find(sub.student) is None:
            flags.append("not on the roster")
        if sub.student in self.aliased:
            flags.append(self.aliased[sub.student])
        return flags

    def _find_aliases(self, students: list[str]) -> None:
        """Two submissions that the roster says are one person: both flagged (never merged)."""
        by_person: dict[str, list[str]] = {}
        for student in students:
            person = self.roster.find(student) if self.roster else None
            if person is not None:
                by_person.setdefault(person.id, []).append(student)
        for person_id, ids in by_person.items():
            if len(ids) > 1:
                for student in ids:
                    others = ", ".join(i for i in ids if i != student)
                    self.aliased[student] = (f"the roster says this is the same person as {others} "
                                             f"(roster id {person_id}): left out of the LMS files; keep one")

    def _invalid_entry(self, sub: Submission) -> GradeResult:
        from ..checks import get_assignment

        max_score = get_assignment(sub.assignment).max_score if sub.assignment in self.known else 0
        return GradeResult.invalid(sub.student, sub.assignment or "", sub.sha256, max_score,
                                   sub.invalid or "")

    def _unfinished_entry(self, job: Job, status: Status, detail: str) -> GradeResult:
        from ..checks import get_assignment

        return GradeResult.unfinished(job.student, job.assignment, job.sha256, status,
                                      get_assignment(job.assignment).max_score, detail, len(job.cells))

    def _check_integrity(self, job: Job, progress: Progress, summary: RunSummary) -> None:
        if integrity.fingerprint() == self.fingerprint:
            return
        self._record(self._unfinished_entry(job, "attack", "labkit's own files changed while this notebook "
                                            "ran"), progress, summary)
        summary.attacks.append(job.student)
        raise TamperingError(
            f"labkit's own files changed while {job.student!r} was graded (without a jail a notebook can "
            "rewrite them). Results recorded so far are kept; restore labkit (e.g. `git checkout labkit`) "
            "and rerun the same command to grade the rest."
        )

    def write_reports(self) -> None:
        """(Re)write every feedback page and ``report.html`` from the gradebook."""
        assert self.gradebook is not None
        entries = self.gradebook.with_final()
        for entry in entries:
            page, html = self._feedback_path(entry["student"]), feedback_html(entry, self._name(entry))
            try:
                if page.read_text(encoding="utf-8") == html:
                    continue  # written as the result arrived: not again
            except (OSError, UnicodeDecodeError):
                pass
            write_atomically(page, html)
        write_feedback_zip(self.out, entries, self.pattern)
        reflections, hints = self._read_class_once()
        missing = [(e.display_name, e.id) for e in self.roster.entries
                   if e.id in set(self.missing)] if self.roster else []
        names = {e["student"]: self._name(e) for e in entries}
        write_atomically(self.out / "report.html", report_html(entries, reflections, names=names,
                                                               missing=missing, hints=hints))

    def _read_class_once(self) -> tuple[ClassReflections | None, dict[str, dict[str, list[str]]]]:
        """One pass over the class's notebooks: each one's page, its reflections, its hints used."""
        builder: ClassReflectionsBuilder | None = None
        try:
            builder = ClassReflectionsBuilder(course_prompts())
        except Exception as err:  # noqa: BLE001 - the report is always written, with or without them
            print(f"warning: reflections left out of the report: {printable(err)[:300]}", file=self.stream)
        hints: dict[str, dict[str, list[str]]] = {}
        for nb in read_class(self.sources):
            write_notebook_page(self.out, nb)
            if builder is not None:
                builder.add(nb)
            used = hints_of(nb)
            if used:
                hints[nb.student] = used
        return (builder.result() if builder is not None else None), hints

    def _jail(self) -> Jail | None:
        if not self.options.jail:
            print("warning: grading WITHOUT a jail (--no-jail-i-accept-the-risk): submissions run as you, "
                  "with your files, network and processes in reach.", file=self.stream)
            return None
        jail = Jail(Limits(cpu_seconds=int(self.timeout) + 60))
        jail.probe()
        jail.prepare_groups()
        for note in jail.notes:
            print(f"limits: {note}", file=self.stream)
        return jail

    # -- the run ------------------------------------------------------------------
    def run(self) -> RunSummary:
        """Grade everything not already graded; returns a summary (``interrupted`` on Ctrl-C)."""
        prepare_out(self.out)
        with OutLock(self.out):
            return self._run_locked()

    def _read_all(self, summary: RunSummary) -> tuple[deque[Job], list[Submission]]:
        assert self.gradebook is not None
        found = find_submissions(self.paths, self.pattern, self.options.assignment)
        summary.total = len(found)
        self._find_aliases([student for student, _, _ in found])
        todo: deque[Job] = deque()
        invalid: list[Submission] = []
        seen = set()
        for student, source, from_path in found:
            sub = read_submission(student, source, self.known, self.options.assignment, from_path)
            seen.add(student)
            self.sources[student] = source
            self.when[student] = when = decide(
                student, roster=self.roster, times=self.times, lms_time=source.submitted_at,
                late_marker=late_marker(source, self.pattern), file_time=source.file_time,
                trust_file_times=self.options.late_from_file_times)
            summary.time_sources[when.source] = summary.time_sources.get(when.source, 0) + 1
            entry = self.gradebook.entries.get(student)
            if not self.options.regrade and self.gradebook.up_to_date(student, self.key(sub)):
                summary.skipped += 1
                assert entry is not None
                fresh = {**self._when_fields(student), "flags": self._flags(sub)}
                if any(entry.get(k) != v for k, v in fresh.items()):
                    entry.update(fresh)
                    self.gradebook.put(entry)
                continue
            self.pending[student] = sub
            if sub.invalid:
                invalid.append(sub)
            else:
                todo.append(Job(student, sub.sha256, sub.assignment or "", sub.cells, self.timeout,
                                self.cell_timeout))
        if self.roster:
            found_people = {id(self.roster.find(s)) for s in seen}
            summary.missing = sorted(e.id for e in self.roster.entries
                                     if not e.is_test_student and id(e) not in found_people)
        self.missing = summary.missing
        return todo, invalid

    def _run_locked(self) -> RunSummary:
        started = time.monotonic()
        adjustments = Adjustments(self.options.adjustments or self.out / "adjustments.csv").load()
        self.gradebook = Gradebook(self.out, late=self.late, adjustments=adjustments,
                                   exporters=lambda rows: lms_files(rows, self.roster,
                                                                    self.export_options).files,
                                   bom=self.options.bom)
        summary = RunSummary(warnings=list(self.gradebook.warnings))
        for warning in summary.warnings:
            print(f"warning: {printable(warning)}", file=self.stream)
        todo, invalid = self._read_all(summary)
        if todo:
            self.jail = self._jail()  # refuses (JailUnavailable) before anything is graded
        progress = Progress(len(todo) + len(invalid), self.stream)
        if summary.skipped:
            print(f"{summary.skipped} of {summary.total} submissions unchanged since they were graded: "
                  "skipped (--regrade grades them again)", file=self.stream)
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            progress.start()
            for sub in invalid:
                self._record(self._invalid_entry(sub), progress, summary)
            if todo:
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
            if self.jail is not None:
                self.jail.release_groups()
            self.gradebook.save()
            self.write_reports()
            entries, results = self.gradebook.ordered(), self.gradebook.results()
            # names as the terminal shows them: no escape sequence of a student's reaches it
            summary.rerun = [printable(r.student) for r in results if r.status in RERUN_STATUSES]
            summary.attacks = [printable(r.student) for r in results if r.status == "attack"]
            summary.flagged = [printable(e["student"]) for e in entries if e.get("flags")]
            summary.missing = [printable(m) for m in summary.missing]
            summary.left_out = lms_files(self.gradebook.with_final(), self.roster,
                                         self.export_options).left_out
            summary.seconds = time.monotonic() - started
        return summary

    def _retry_or_record(self, worker: _Worker, job: Job, message: dict[str, Any] | None,
                         progress: Progress, summary: RunSummary, lost: str = "") -> None:
        """A grader-side failure: grade ``job`` again with a fresh worker, or give it its own status."""
        self.attempts[job.student] = self.attempts.get(job.student, 0) + 1
        self._replace(worker)
        if self.attempts[job.student] < ATTEMPTS:
            self.todo.appendleft(job)
            return
        if lost and self.jail is None:
            entry = self._unfinished_entry(job, "attack", f"the grading worker was {lost} twice while this "
                                           "notebook ran (a notebook can do that only without a jail)")
        else:
            why = (f"the grading worker was {lost}" if lost
                   else (message or {}).get("detail", "the grader failed"))
            entry = self._unfinished_entry(job, "grader-error", f"{why}, twice; this is not the student's "
                                           "doing: run the same command again to grade it")
        self._record(entry, progress, summary)

    def _loop(self, todo: deque[Job], progress: Progress, summary: RunSummary) -> None:
        self.todo = todo
        processes.become_subreaper()
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
                        worker.process.join(timeout=2)  # the pipe can close before the exit is reaped
                        code = worker.process.exitcode
                        lost = f"killed (signal {-code})" if code and code < 0 else "lost"
                        self._retry_or_record(worker, job, None, progress, summary, lost)
                        continue
                    if message.get("internal"):
                        self._retry_or_record(worker, job, message, progress, summary)
                        continue
                    self._check_integrity(job, progress, summary)
                    self._record(GradeResult.from_entry(message), progress, summary)
                elif _stopped(worker.process.pid):
                    worker.job = None
                    self._retry_or_record(worker, job, None, progress, summary, "stopped (SIGSTOP)")
                elif time.monotonic() - worker.started > job.timeout + GRACE:
                    worker.job = None
                    self._retry_or_record(worker, job, None, progress, summary, "unresponsive")


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def grade(paths: list[Path], out: Path, options: Options | None = None,
          stream: TextIO | None = None) -> RunSummary:
    """Grade notebooks (files, folders or zips) into ``out``; see :class:`GradingRun`."""
    return GradingRun(paths, out, options, stream).run()

