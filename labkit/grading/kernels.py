"""Fresh Jupyter kernels for submissions: started ahead of time, used once, then killed.

A :class:`FreshKernel` is a brand-new ``ipykernel`` process started with this
Python (never a kernelspec a notebook names) inside its own jail
(:mod:`labkit.grading.jail`), in its own folder, with its own IPython and
Jupyter folders (so one submission cannot leave a start-up script or history
for the next), stdin/stdout/stderr going nowhere, and no sandbox admin token.
It talks to the grader over Unix sockets in its folder (``transport="ipc"``),
so the jail needs no network. While the previous submission runs, the next
kernel boots and imports ``labkit`` and ``boto3`` in a hidden execution; no
name is bound in the namespace the notebook will see.

:meth:`FreshKernel.run` executes a notebook's code cells one by one, as
``jupyter nbconvert --execute --allow-errors`` would: an exception is recorded
and the next cell still runs. It stops at the per-cell timeout, at the
notebook's deadline, or when the kernel dies. Outputs are counted, never kept:
only errors (truncated) are returned.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zmq
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

from . import processes
from .cgroups import SubmissionGroup
from .jail import Jail, own_for_kernel

__all__ = ["FreshKernel", "KernelPlace", "Execution", "CellError", "remove_tree"]

# Runs in each pre-started kernel before its notebook is known: binds no names,
# and makes the kernel's memory unreadable to other processes of this user.
WARMUP = (
    "__import__('labkit'); __import__('boto3'); __import__('botocore.exceptions')\n"
    "__import__('labkit.guard', fromlist=['x']).install()\n"
    "__import__('labkit.aws_in_kernel', fromlist=['x']).warm()\n"  # `!aws`: awscli loaded, no request
    "__import__('labkit.grading.processes', fromlist=['x']).not_dumpable()\n"
    "__import__('os').chdir(__import__('os').environ['HOME'])\n"
)
MAX_ERRORS = 20
MAX_MESSAGE_BYTES = 64 * 1024**2  # one message from the kernel (outputs are counted, never kept)
MAX_ERROR_TEXT = 2_000
POLL = 0.25
# Variables a graded kernel never inherits from the grader.
_DROPPED_PREFIXES = ("LABKIT_", "AWS_", "JPY_", "JUPYTER_", "IPYTHON", "PYTHONSTARTUP")


class _ThisPython(KernelSpecManager):
    """Every kernel is this interpreter's ipykernel (``argv``), whatever a notebook's metadata says."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__()
        self.argv = argv

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(argv=self.argv, display_name="Python 3 (ipykernel)", language="python",
                          resource_dir=tempfile.gettempdir())


@dataclass(frozen=True)
class KernelPlace:
    """Where a worker's kernels live: its private folder, its jail (None: no jail), its sandbox."""

    folder: str
    jail: Jail | None
    sandbox_socket: str | None
    port: int
    base_env: dict[str, str]


@dataclass
class CellError:
    """An exception raised by one code cell (as the notebook's author would see it)."""

    cell: int
    ename: str
    evalue: str

    def as_dict(self) -> dict[str, Any]:
        return {"cell": self.cell, "ename": self.ename, "evalue": self.evalue}


@dataclass
class Execution:
    """How running a notebook went: ``outcome`` is ``finished``, ``timeout`` or ``died``."""

    outcome: str = "finished"
    cells_run: int = 0
    cells_total: int = 0
    errors: list[CellError] = field(default_factory=list)
    output_bytes: int = 0
    detail: str = ""
    grader_side: bool = False  # it failed before the notebook's first cell: not the student's doing


def _field(msg: Any, name: str) -> Any:
    """``msg[name]`` of a message as the kernel sent it (None when ``msg`` is not an object)."""
    return msg.get(name) if isinstance(msg, dict) else None


def _jail_base_env(base: dict[str, str]) -> dict[str, str]:
    """The allow-list a jailed kernel starts from: nothing of the grader's own environment but these."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp",
           "USER": "student", "LOGNAME": "student", "SHELL": "/bin/sh", "TERM": "dumb"}
    if base.get("PYTHONPATH"):
        env["PYTHONPATH"] = base["PYTHONPATH"]  # bound read-only into the jail
    return env


def remove_tree(path: str) -> None:
    """Delete ``path`` even where a notebook took away its own permissions."""
    def make_writable(func: Any, name: str, exc: Any) -> None:
        try:
            os.chmod(os.path.dirname(name), 0o700)
            os.chmod(name, 0o700)
            func(name)
        except OSError:
            pass

    shutil.rmtree(path, onerror=make_writable)


def kernel_environment(base: dict[str, str], home: str, aws_folder: Path | None = None) -> dict[str, str]:
    """The environment of a graded kernel: ``base`` without grader or AWS settings, private dirs.

    ``HOME`` is the kernel's own folder and the AWS settings lead nowhere real
    (:mod:`labkit.offline_env`), so a notebook cannot pick up the grader's own AWS
    credentials from ``~/.aws`` before it attaches to its sandbox.
    """
    from ..offline_env import offline_environment

    kept = {k: v for k, v in base.items() if not k.startswith(_DROPPED_PREFIXES)}
    env = offline_environment(kept, aws_folder or Path(home) / "aws")
    env.update({
        "HOME": home,
        "IPYTHONDIR": os.path.join(home, "ipython"),
        "JUPYTER_CONFIG_DIR": os.path.join(home, "jupyter"),
        "JUPYTER_DATA_DIR": os.path.join(home, "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": os.path.join(home, "jupyter-runtime"),
        "MPLCONFIGDIR": os.path.join(home, "matplotlib"),
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    return env


class FreshKernel:
    """One kernel for one submission. Start it early; :meth:`run` it once; :meth:`kill` it.

    In a jail (:mod:`labkit.grading.jail`) the kernel talks to the grader over Unix
    sockets in its own folder (``transport="ipc"``), so it needs no network at all.
    """

    def __init__(self, place: KernelPlace) -> None:
        self.home = os.path.realpath(tempfile.mkdtemp(prefix="kernel-", dir=place.folder))
        user_home = os.path.join(self.home, "home")
        os.mkdir(user_home)
        launch = ["-m", "ipykernel_launcher", "-f", "{connection_file}",
                  "--HistoryManager.hist_file=:memory:"]
        self.uid = os.geteuid()
        self.group: SubmissionGroup | None = None
        self.memory_limit = 0
        if place.jail is not None:
            self.uid = place.jail.new_uid()
            self.memory_limit = place.jail.limits.group_memory_bytes
            env = kernel_environment(_jail_base_env(place.base_env), user_home,
                                     Path(self.home) / "aws")  # HOME is a tmpfs: the AWS files beside it
            argv = place.jail.command(launch, self.home, env, place.sandbox_socket, place.port,
                                      cwd=place.folder, uid=self.uid, home=user_home)
            self.group = place.jail.new_group(os.path.basename(self.home))
            if self.group is not None:
                argv = self.group.join_command(argv)
            outer_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            argv = [sys.executable, *launch]
            outer_env = kernel_environment(place.base_env, user_home)
        self.km = KernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython(argv), transport="ipc")
        self.km.connection_file = os.path.join(self.home, "kernel.json")
        # A Unix socket's path is at most 107 bytes, and TMPDIR may be long: when the worker works in
        # its folder (it does), the sockets are named relative to it, for the kernel (started there,
        # moving to its home in the warm-up) and the worker alike.
        if os.path.realpath(os.getcwd()) == place.folder:
            self.km.ip = os.path.join(os.path.basename(self.home), "kernel-ipc")
        self.km.write_connection_file()
        if place.jail is not None:
            own_for_kernel(Path(self.home), self.uid)
        self.km.start_kernel(cwd=place.folder, env=outer_env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pid: int = self.km.provisioner.process.pid  # type: ignore[union-attr]
        self.kc = self.km.blocking_client()
        # The worker (outside the jail) reads what the kernel sends: a message larger than this is
        # dropped by ZeroMQ before it is read, so one huge print cannot make the worker hold it.
        self.kc.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self.kc.start_channels()
        self.kc.execute(WARMUP, silent=True, store_history=False)
        self._used = False

    def ready(self, timeout: float) -> None:
        """Wait until the kernel answers (its warm-up done); then forget its connection file."""
        self.kc.wait_for_ready(timeout=timeout)
        self.km.cleanup_connection_file()
        if self.uid != os.geteuid() and os.geteuid() == 0:
            # Its sockets are bound: the kernel folder goes back to root, so nothing the notebook
            # writes can land there (on the host's disk); the kernel still reads what it needs.
            for folder in (self.home, os.path.join(self.home, "aws")):
                os.chown(folder, 0, 0)
                os.chmod(folder, 0o755)

    def run(self, cells: tuple[str, ...], attach: dict[str, str], cell_timeout: float,
            deadline: float) -> Execution:
        """Run ``cells`` attached to the sandbox described by ``attach``; never raises for the notebook.

        ``deadline`` is a :func:`time.monotonic` time for the whole notebook.
        """
        if self._used:
            raise RuntimeError("a FreshKernel runs one notebook only")
        self._used = True
        result = Execution(cells_total=len(cells))
        setup = f"__import__('os').environ['LABKIT_ATTACH'] = {json.dumps(json.dumps(attach))}\n"
        if self._execute(setup, -1, min(deadline, time.monotonic() + 60), result, silent=True) != "idle":
            result.outcome = result.outcome if result.outcome != "finished" else "died"
            result.detail = result.detail or "the kernel did not accept the sandbox's address"
            result.grader_side = True
            return result
        for index, source in enumerate(cells):
            if not source.strip():
                result.cells_run += 1
                continue
            end = min(deadline, time.monotonic() + cell_timeout)
            state = self._execute(source, index, end, result)
            if state == "idle":
                result.cells_run += 1
                continue
            if state == "timeout":
                result.outcome = "timeout"
                whole = end >= deadline
                result.detail = (f"the notebook's time limit was reached in code cell {index + 1}" if whole
                                 else f"code cell {index + 1} ran longer than {cell_timeout:g} s")
            elif state == "malformed":
                result.outcome = "died"
                result.detail = (f"the kernel sent the grader a malformed message in code cell {index + 1} "
                                 f"({result.detail}); the notebook was stopped there")
            else:
                result.outcome = "died"
                code = self.km.provisioner.process.poll() if self.km.provisioner else None  # type: ignore
                result.detail = f"the kernel died in code cell {index + 1} (exit code {code})"
            break
        if self.group is not None and self.group.ran_out_of_memory():
            gib = self.memory_limit / 1024**3
            note = (f"the submission reached its memory limit ({gib:g} GiB for all its processes together): "
                    "a process of it was killed")
            result.detail = f"{result.detail}; {note}" if result.detail else note
        return result

    def _execute(self, source: str, index: int, end: float, result: Execution,
                 silent: bool = False) -> str:
        """Execute one cell; ``idle`` when done, ``timeout``, ``died`` or ``malformed`` otherwise.

        Everything on the IOPub channel comes from the kernel, which the notebook controls: a
        message that cannot be read or does not have the shape the protocol gives it is
        ``malformed`` (with the reason in ``result.detail``), never an error of the grader's.
        """
        msg_id = self.kc.execute(source, silent=silent, store_history=not silent, allow_stdin=False,
                                 stop_on_error=False)
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                return "timeout"
            try:
                msg = self.kc.get_iopub_msg(timeout=min(remaining, POLL))
            except queue.Empty:
                if not self.km.is_alive():
                    return "died"
                continue
            except Exception as err:  # noqa: BLE001 - bad signature, not JSON, ...: the kernel's doing
                result.detail = f"unreadable: {type(err).__name__}"
                return "malformed"
            try:
                state = self._on_message(msg, msg_id, index, result)
            except (AttributeError, KeyError, TypeError, ValueError, RecursionError) as err:
                kind = str(_field(msg, "msg_type"))[:40]
                result.detail = f"{type(err).__name__} reading a {kind!r} message"
                return "malformed"
            if state:
                return state

    @staticmethod
    def _on_message(msg: Any, msg_id: str, index: int, result: Execution) -> str:
        """Count one IOPub message; ``idle`` when the cell is done, else ``""``."""
        parent = _field(msg, "parent_header")
        if not isinstance(parent, dict) or parent.get("msg_id") != msg_id:
            return ""
        kind, content = _field(msg, "msg_type"), _field(msg, "content")
        if not isinstance(content, dict):
            raise TypeError(f"its content is a {type(content).__name__}, not an object")
        if kind == "status" and content.get("execution_state") == "idle":
            return "idle"
        if kind == "error":
            if len(result.errors) < MAX_ERRORS:
                result.errors.append(CellError(index + 1, str(content.get("ename", ""))[:200],
                                               str(content.get("evalue", ""))[:MAX_ERROR_TEXT]))
        elif kind in ("stream", "display_data", "execute_result", "update_display_data"):
            result.output_bytes += len(json.dumps(content.get("data") or content.get("text") or ""))
        return ""

    def kill(self) -> None:
        """Kill the kernel and everything in its process group; free its folder."""
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001 - the channels may already be gone
            pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        processes.reap(self.pid)
        if self.group is not None:
            self.group.remove()
        try:
            self.km.cleanup_resources()
        except Exception:  # noqa: BLE001
            pass
        remove_tree(self.home)
