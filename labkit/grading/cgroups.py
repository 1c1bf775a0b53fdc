"""One control group per graded submission: its memory and its task count, all processes together.

``setrlimit`` limits each process (or each user); a notebook that forks six
children of 1.5 GB each stays under every per-process limit. A control group
(cgroup) counts the submission as a whole: every process the kernel starts
joins the group it was started in, and the Linux kernel refuses a task beyond
``pids.max`` and, beyond the memory limit, reclaims and then kills (the OOM
killer) inside the group only. See the kernel's documentation:
https://docs.kernel.org/admin-guide/cgroup-v1/memory.html,
https://docs.kernel.org/admin-guide/cgroup-v1/pids.html and
https://docs.kernel.org/admin-guide/cgroup-v2.html.

Both layouts are supported: cgroup v1 (``/sys/fs/cgroup/memory`` and
``/sys/fs/cgroup/pids``) and cgroup v2 (one tree, at ``/sys/fs/cgroup`` or
``/sys/fs/cgroup/unified``, with the ``memory`` and ``pids`` controllers
enabled). Groups are made below the grader's own group, so whatever limit it
has itself still holds. Making them needs write access there (root, or a tree
delegated to the user); :func:`find` says why when there is none, and the
grader says so in its summary and keeps the per-process limits.

A process joins by writing its pid to ``cgroup.procs``: the jail's command is
started by a one-line shell that joins first and then ``exec``\\ s the jail, so
nothing of the submission ever runs outside its group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CgroupSetup", "SubmissionGroup", "find", "ROOT"]

ROOT = Path("/sys/fs/cgroup")


def _own_path(controller: str) -> str:
    """This process's group in ``controller``'s v1 hierarchy (``""`` for v2), from /proc/self/cgroup."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return "/"
    for line in lines:
        _, names, path = line.split(":", 2)
        if controller in names.split(",") or (controller == "" and names == ""):
            return path
    return "/"


@dataclass(frozen=True)
class CgroupSetup:
    """Where this grader makes its submissions' groups (``version`` 1 or 2; ``bases`` per controller)."""

    version: int
    bases: dict[str, Path]

    def group(self, name: str, memory_bytes: int, tasks: int) -> SubmissionGroup:
        """A new group ``name`` with these limits (``OSError`` when it cannot be made)."""
        folders = {c: base / name for c, base in self.bases.items()}
        for folder in dict.fromkeys(folders.values()):
            folder.mkdir(exist_ok=True)
        if self.version == 1:
            (folders["memory"] / "memory.limit_in_bytes").write_text(str(memory_bytes))
            with contextlib.suppress(OSError):  # only where swap is accounted: no way around the limit
                (folders["memory"] / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            (folders["pids"] / "pids.max").write_text(str(tasks))
        else:
            (folders["memory"] / "memory.max").write_text(str(memory_bytes))
            with contextlib.suppress(OSError):
                (folders["memory"] / "memory.swap.max").write_text("0")
            (folders["pids"] / "pids.max").write_text(str(tasks))
        return SubmissionGroup(self.version, tuple(dict.fromkeys(folders.values())), folders["memory"])


@dataclass(frozen=True)
class SubmissionGroup:
    """One submission's group (one folder per v1 hierarchy, one in v2)."""

    version: int
    folders: tuple[Path, ...]
    memory_folder: Path

    def join_command(self, argv: list[str]) -> list[str]:
        """``argv``, started by a shell that first moves itself into this group."""
        joins = " && ".join(f'echo $$ > "${i + 1}/cgroup.procs"' for i in range(len(self.folders)))
        return ["/bin/sh", "-c", f'{joins} && shift {len(self.folders)} && exec "$@"', "labkit-cgroup",
                *(str(f) for f in self.folders), *argv]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for folder in self.folders:
            with contextlib.suppress(OSError, ValueError):
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
        return found

    def ran_out_of_memory(self) -> bool:
        """True when the kernel's OOM killer killed a process of this group."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            text = (self.memory_folder / name).read_text()
        except OSError:
            return False
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value) > 0
        return False

    def remove(self) -> None:
        """Kill whatever is left in the group, then remove it."""
        for _ in range(50):
            left = self.pids()
            if not left:
                break
            for pid in left:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        for folder in self.folders:
            with contextlib.suppress(OSError):
                folder.rmdir()


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK)


def find(prefix: str) -> CgroupSetup | str:
    """The groups' home for this grader (a folder ``prefix`` made below its own group), or why none."""
    v1 = {c: ROOT / c / _own_path(c).lstrip("/") for c in ("memory", "pids")}
    if all((ROOT / c / "cgroup.procs").exists() for c in v1):
        if all(_writable(f) for f in v1.values()):
            try:
                bases = {c: f / prefix for c, f in v1.items()}
                for base in bases.values():
                    base.mkdir(exist_ok=True)
                return CgroupSetup(1, bases)
            except OSError as err:
                return f"cgroup v1 is there but a group cannot be made ({err.strerror})"
        reason = "cgroup v1 (memory, pids) is there but not writable by this user"
    else:
        reason = "no cgroup v1 memory and pids hierarchies"
    own = _own_path("").lstrip("/")
    for top in (ROOT, ROOT / "unified"):
        controllers = top / "cgroup.controllers"
        if not controllers.exists():
            continue
        if not {"memory", "pids"} <= set(controllers.read_text().split()):
            reason += f"; cgroup v2 at {top} has no memory and pids controllers"
            continue
        here = top / own
        if not _writable(here):
            reason += f"; cgroup v2 at {here} is not writable by this user"
            continue
        try:
            base = here / prefix
            base.mkdir(exist_ok=True)
            (base / "cgroup.subtree_control").write_text("+memory +pids")
        except OSError as err:
            reason += f"; cgroup v2 at {here}: {err.strerror}"
            continue
        return CgroupSetup(2, {"memory": base, "pids": base})
    return reason


def remove_base(setup: CgroupSetup) -> None:
    """Remove this grader's folders (once its groups are gone)."""
    for base in dict.fromkeys(setup.bases.values()):
        with contextlib.suppress(OSError):
            base.rmdir()
