"""Process hygiene for the grader (Linux features; harmless no-ops elsewhere).

* :func:`not_dumpable` — other processes of the same user can no longer read
  this process's memory or attach a debugger to it (``PR_SET_DUMPABLE`` 0).
  Workers do this so a submission cannot read the sandbox's admin token out of
  them; graded kernels do it (in their hidden warm-up) so that a submission
  cannot reach into a kernel waiting for the next submission.
* :func:`become_subreaper` — processes a kernel leaves behind (even daemons
  that double-fork) become children of the worker instead of ``init``, so
  :func:`kill_children` can find and kill them after every submission.
* :func:`die_with_parent` — a worker gets SIGTERM when the grading command dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time

__all__ = ["not_dumpable", "become_subreaper", "die_with_parent", "kill_children", "reap", "children"]

_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def not_dumpable() -> bool:
    """Hide this process's memory from other processes of the same user."""
    return _prctl(_PR_SET_DUMPABLE, 0)


def become_subreaper() -> bool:
    """Adopt this process's orphaned descendants (instead of ``init``)."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent() -> bool:
    """Receive SIGTERM when the parent process exits."""
    return _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def children(pid: int | None = None) -> set[int]:
    """Pids of the direct children of ``pid`` (default: this process), read from ``/proc``."""
    pid = os.getpid() if pid is None else pid
    found: set[int] = set()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()  # after "pid (command name) "
        if len(fields) > 1 and int(fields[1]) == pid:
            found.add(int(entry))
    return found


def reap(pid: int, wait: float = 2.0) -> None:
    """Collect the exit status of child ``pid`` (waiting up to ``wait`` seconds)."""
    end = time.monotonic() + wait
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done or time.monotonic() > end:
            return
        time.sleep(0.005)


def kill_children(keep: set[int], rounds: int = 50) -> int:
    """SIGKILL every child of this process not in ``keep``, again as orphans get adopted.

    Returns how many processes were killed.
    """
    killed = 0
    for _ in range(rounds):
        strays = children() - keep
        if not strays:
            break
        for pid in strays:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            killed += 1
        for pid in strays:
            reap(pid, wait=0.5)
        time.sleep(0.005)  # grandchildren are re-parented to us asynchronously
    return killed
