"""A grading worker: one sandbox, a stream of submissions, one fresh kernel each.

The grading command forks a few workers (``--jobs``). Each owns ONE sandbox
server in its own process (moto's state is process-wide) and, per submission:

1. kills whatever the previous submission left behind;
2. resets the sandbox to the assignment's scenario (milliseconds) with brand-new
   root keys and a new root password, so nothing from before still works;
3. takes the kernel it started during the previous submission (booted, with
   ``labkit`` and ``boto3`` already imported) and starts the next one;
4. tells the kernel where the sandbox is (endpoint and root credentials only,
   never the admin token) and runs the notebook's code cells;
5. kills the kernel and its descendants, then runs the assignment's checks
   here, in the worker, through the AWS API with the auditor's credentials.

The kernel never sees the checks, the gradebook or the output folder, and
nothing it prints counts: the score is what the account looks like afterwards.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import signal
import sys
import tempfile
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from ..private_folder import sweep_orphans
from ..transports.unix_socket import UnixSocketTransport
from . import processes
from .jail import Jail
from .kernels import Execution, FreshKernel, KernelPlace, remove_tree
from .result import GradeResult, Status

__all__ = ["Job", "Grader", "worker_main"]

KERNEL_START_TIMEOUT = 120.0
STATUS_BY_OUTCOME: dict[str, Status] = {"finished": "graded", "timeout": "timeout", "died": "error"}


@dataclasses.dataclass(frozen=True)
class Job:
    """What a worker needs to grade one submission (sent through a pipe)."""

    student: str
    sha256: str
    assignment: str
    cells: tuple[str, ...]
    timeout: float
    cell_timeout: float


def _new_root_password() -> str:
    return "Root-" + secrets.token_urlsafe(12) + "-9a!"


class Grader:
    """A worker's sandbox and its supply of fresh kernels."""

    socket_server: UnixSocketTransport | None = None

    def __init__(self, base_env: dict[str, str], jail: Jail | None) -> None:
        from ..sandbox import Lab
        from ..sandbox_core import Sandbox
        from ..sandbox_link import OwnedLink
        from ..transports.tcp import TcpTransport

        self.folder = os.path.realpath(tempfile.mkdtemp(prefix="labkit-grader-"))  # 0700, ours only
        os.chdir(self.folder)  # the kernels' sockets are named relative to it (see FreshKernel)
        self.sandbox = Sandbox()
        tcp = TcpTransport(self.sandbox).start()
        self.lab = Lab(tcp.url, link=OwnedLink(self.sandbox, tcp))
        self.lab.reset()
        socket_path = None
        if jail is not None:  # the jailed kernels' only road: a Unix socket to this sandbox
            socket_path = os.path.join(self.folder, "sandbox.sock")
            self.socket_server = UnixSocketTransport(self.sandbox, socket_path).start()
        self.place = KernelPlace(self.folder, jail, socket_path, tcp.port, base_env)
        self.next_kernel: FreshKernel | None = FreshKernel(self.place)
        self._warm_up()

    def _warm_up(self) -> None:
        """Run every assignment's checks once on the empty account while the first kernel boots, so
        that moto's and boto3's lazy imports do not count against the first submission's time."""
        from ..checks import ASSIGNMENTS, run_checks

        for assignment in ASSIGNMENTS:
            try:
                run_checks(assignment, self.lab)
            except Exception:  # noqa: BLE001, S112 - a warm-up only; grading reports real failures
                continue

    def _fresh_account(self, scenario: str) -> dict[str, str]:
        """Reset to ``scenario`` under new root keys and password; what the kernel is told."""
        from ..realism.state import new_key_id, new_secret
        from ..sandbox import Credentials

        self.lab.root = Credentials(new_key_id(), new_secret())
        self.lab.reset(scenario)
        password = _new_root_password()
        self.sandbox.set_root_password(password)
        self.lab.root_password = password
        return {
            "endpoint": self.lab.endpoint_url,
            "access_key_id": self.lab.root.access_key_id,
            "secret_access_key": self.lab.root.secret_access_key,
            "root_email": self.lab.root_email,
            "root_password": password,
            "scenario": scenario,
            "owner_token": self.sandbox.owner_token,  # the console; not the admin token
        }

    def _take_kernel(self) -> FreshKernel:
        kernel = self.next_kernel or FreshKernel(self.place)
        self.next_kernel = None
        kernel.ready(KERNEL_START_TIMEOUT)
        self.next_kernel = FreshKernel(self.place)  # boots while this submission runs
        return kernel

    def _clean_up(self, kernel: FreshKernel | None) -> None:
        if kernel is not None:
            kernel.kill()
        keep = {self.next_kernel.pid} if self.next_kernel is not None else set()
        processes.kill_children(keep)
        sweep_orphans()  # the killed kernel's sandbox files (its folder watcher was killed too)

    def grade(self, job: Job) -> GradeResult:
        """Grade one submission; always returns a result (``internal`` marks grader failures)."""
        from ..checks import get_assignment, run_checks

        started = time.monotonic()
        kernel: FreshKernel | None = None
        try:
            assignment = get_assignment(job.assignment)
            self._clean_up(None)
            attach = self._fresh_account(assignment.scenario)
            kernel = self._take_kernel()
            deadline = time.monotonic() + job.timeout
            execution = kernel.run(job.cells, attach, min(job.cell_timeout, job.timeout), deadline)
            self._clean_up(kernel)
            kernel = None
            checks = [dataclasses.asdict(c) for c in run_checks(assignment.id, self.lab)]
        except Exception as exc:  # noqa: BLE001 - every submission must end with a row
            self._clean_up(kernel)
            return _result(job, "error", [], Execution(), time.monotonic() - started,
                           f"the grader failed: {exc!r}", internal=True,
                           trace=traceback.format_exc(limit=5))
        if execution.grader_side:
            return _result(job, "error", [], execution, time.monotonic() - started,
                           f"the grader failed: {execution.detail}", internal=True)
        status = STATUS_BY_OUTCOME[execution.outcome]
        return _result(job, status, checks, execution, time.monotonic() - started,
                       execution.detail or _errors_note(execution))

    def close(self) -> None:
        """Kill every kernel and stray process; stop the sandbox."""
        if self.next_kernel is not None:
            self.next_kernel.kill()
            self.next_kernel = None
        processes.kill_children(set())
        if self.socket_server is not None:
            self.socket_server.stop()
        self.lab.stop()
        sweep_orphans()
        remove_tree(self.folder)


def _errors_note(execution: Execution) -> str:
    """A short note for the gradebook when cells raised, e.g. an exercise left unanswered."""
    if not execution.errors:
        return ""
    first = execution.errors[0]
    count = len(execution.errors)
    cells = "1 code cell" if count == 1 else f"{count} code cells"
    return f"{cells} raised an exception (first: {first.ename} in code cell {first.cell})"


def _result(job: Job, status: Status, checks: list[dict[str, Any]], execution: Execution, seconds: float,
            detail: str, internal: bool = False, trace: str = "") -> GradeResult:
    return GradeResult(
        job.student, job.assignment, job.sha256, status,
        score=sum(c["points"] for c in checks), max_score=sum(c["max_points"] for c in checks),
        detail=detail, seconds=round(seconds, 3), cells_run=execution.cells_run,
        cells_total=execution.cells_total, cell_errors=[e.as_dict() for e in execution.errors],
        output_bytes=execution.output_bytes, checks=checks, internal=internal, trace=trace,
    )


def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def worker_main(conn: Connection, base_env: dict[str, str], jail: Jail | None,
                inherited: list[Connection]) -> None:
    """Entry point of a forked worker: grade jobs from ``conn`` until ``None`` or EOF."""
    for other in inherited:  # the parent's ends of other workers' pipes, copied by fork
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _on_sigterm)
    processes.die_with_parent()
    processes.not_dumpable()
    processes.become_subreaper()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nothing a child writes can reach the grader's terminal
    grader: Grader | None = None
    try:
        grader = Grader(base_env, jail)
        conn.send({"ready": os.getpid()})
        while True:
            try:
                job = conn.recv()
            except EOFError:
                break
            if job is None:
                break
            conn.send(grader.grade(job).as_entry())  # a plain dict through the pipe
    except Exception:  # noqa: BLE001
        try:
            conn.send({"fatal": traceback.format_exc(limit=8)})
        except OSError:
            pass
    finally:
        if grader is not None:
            grader.close()
        sys.stdout.flush()
