"""The jail every graded kernel runs in: bubblewrap (``bwrap``), namespaces and resource limits.

A submission's kernel is started as ``bwrap ... python -m labkit.grading.jail_kernel``
with, inside the jail:

* its own PID, IPC, UTS, cgroup, mount and **network** namespaces (``--unshare-*``):
  it sees only its own processes (never the grader's, never another kernel's), and
  its only network is its own loopback interface;
* the file system: the system folders (``/usr``), the Python environment and
  ``labkit`` **read-only**; a private ``/tmp`` and ``/dev/shm`` (tmpfs, size-capped);
  its own kernel folder (connection file, the kernel's Unix sockets, ``HOME``)
  read-write; nothing else: no ``/root``, no ``/home``, no course repository, no
  other kernel's folder, no output folder;
* the environment: emptied (``--clearenv``) and rebuilt from an allow-list;
* the sandbox: one Unix socket, bind-mounted at :data:`SANDBOX_SOCKET`, which a
  small forwarder inside the jail offers on ``127.0.0.1:<port>``;
* limits (``setrlimit``, set inside before the kernel starts, so the notebook
  cannot raise them): address space, processes, file size, CPU time, open files,
  no core dumps;
* ``--die-with-parent`` and ``--new-session``: when the grader kills the jail's
  first process, the PID namespace's init dies and the kernel kills every process
  left in it, however it was daemonised.

Run by an ordinary user, ``bwrap`` also unshares the user namespace (unprivileged
user namespaces). Run by root, it does not: bwrap sets the jail up as root and the
kernel then drops to a uid of its own (:meth:`Jail.new_uid`: one no account uses,
different for every jail alive at once) with no capabilities and ``no_new_privs``
(``setpriv``), so the kernel is an unprivileged process even outside the jail and
the process limit holds (the kernel does not enforce ``RLIMIT_NPROC`` on root). The
limit counts a uid's tasks machine-wide, so with one shared uid (``nobody``) a jail
that held every task it could get left none for the others; with a uid each, it
cannot.

Beyond the per-process limits, each submission gets a control group
(:mod:`labkit.grading.cgroups`) where the machine allows it: memory and tasks of
all its processes together. Its ``HOME`` is a size-capped tmpfs like ``/tmp``
(nothing it writes there reaches the host's disk); as root, its kernel folder
(connection file, sockets) is handed back to root once the kernel is up, so the
notebook cannot write there either. :attr:`Jail.notes` says which of these hold.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import cgroups
from .cgroups import CgroupSetup, SubmissionGroup

__all__ = ["JailUnavailable", "Limits", "Jail", "SANDBOX_SOCKET", "NOBODY", "UID_BASE"]

SANDBOX_SOCKET = "/run/labkit/sandbox.sock"
NOBODY = 65534
UID_BASE = 1_000_000_000  # root's jails run as UID_BASE + 8 * worker pid + 0..7: uids no account has
_SYSTEM_RO = ("/usr", "/etc/localtime", "/etc/hosts", "/etc/ssl", "/etc/ca-certificates")
_MERGED_USR = (("usr/lib", "/lib"), ("usr/lib64", "/lib64"), ("usr/bin", "/bin"), ("usr/sbin", "/sbin"))


class JailUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one graded kernel (``setrlimit`` inside the jail)."""

    memory_bytes: int = 3 * 1024**3     # address space of each process
    processes: int = 256                # tasks (threads count too) of the kernel's user
    file_bytes: int = 64 * 1024**2      # largest file it may write
    cpu_seconds: int = 600              # CPU time of each process
    open_files: int = 1024
    tmpfs_bytes: int = 256 * 1024**2    # size of its private /tmp, /dev/shm and HOME (each)
    group_memory_bytes: int = 2 * 1024**3  # memory of all its processes together (a cgroup), tmpfs too
    group_tasks: int = 256              # tasks (processes and threads) of all its processes together

    def as_json(self) -> str:
        return json.dumps(self.__dict__)


def _python_paths() -> list[str]:
    """Folders the kernel's Python needs (read-only): prefixes, site-packages, labkit, PYTHONPATH."""
    from .integrity import package_dir

    cwd = os.getcwd()
    found = [sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable)),
             str(package_dir()), *site.getsitepackages()]
    found += [p for p in sys.path if p and p != cwd and os.path.isdir(p)]
    found += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and os.path.isdir(p)]
    kept: list[str] = []
    for path in sorted({os.path.realpath(p) for p in found} | {os.path.abspath(p) for p in found}, key=len):
        if path.startswith("/usr/") or path == "/usr":
            continue
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


def _parents(path: str, made: set[str]) -> list[str]:
    """``--dir`` arguments that create ``path``'s missing parents, each readable by the kernel (0755)."""
    args: list[str] = []
    for parent in reversed(Path(path).parents):
        name = str(parent)
        if name not in made and not any(name.startswith(m + "/") for m in ("/usr", "/proc", "/dev")):
            made.add(name)
            args += ["--perms", "0755", "--dir", name]
    return args


class Jail:
    """How to start a process in a fresh jail; :meth:`probe` first."""

    def __init__(self, limits: Limits | None = None, bwrap: str | None = None) -> None:
        self.limits = limits or Limits()
        # LABKIT_BWRAP: another bubblewrap binary (or a missing one, to see the refusal)
        self.bwrap = bwrap or os.environ.get("LABKIT_BWRAP") or shutil.which("bwrap") or "/usr/bin/bwrap"
        self.as_root = os.geteuid() == 0
        self.setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
        self.python_paths = _python_paths()
        self.cgroups: CgroupSetup | None = None
        self.notes: list[str] = []
        self._uids = 0

    def new_uid(self) -> int:
        """A uid for the next jail: as root one of this process's eight (never ``nobody``, never an
        account's), so jails alive at once never share a uid; else our own."""
        if not self.as_root:
            return os.geteuid()
        self._uids += 1
        return UID_BASE + 8 * os.getpid() + self._uids % 8

    def new_group(self, name: str) -> SubmissionGroup | None:
        """A control group for one submission (None where there are none)."""
        if self.cgroups is None:
            return None
        return self.cgroups.group(name, self.limits.group_memory_bytes, self.limits.group_tasks)

    def prepare_groups(self) -> None:
        """Find where submissions' control groups can be made; :attr:`notes` says what holds."""
        found = cgroups.find(f"labkit-grade-{os.getpid()}")
        gib = self.limits.group_memory_bytes / 1024**3
        if not isinstance(found, str):
            try:  # one group made and removed now, so that no submission's kernel fails to start later
                found.group("probe", self.limits.group_memory_bytes, self.limits.group_tasks).remove()
            except OSError as err:
                cgroups.remove_base(found)
                found = f"a control group cannot be set up ({err.strerror or err})"
        if isinstance(found, str):
            self.notes.append(f"no per-submission control groups here ({found}): each process of a "
                              f"submission is limited on its own ({self.limits.memory_bytes / 1024**3:g} GiB "
                              f"of address space, {self.limits.processes} tasks), not the submission as a "
                              "whole")
        else:
            self.cgroups = found
            self.notes.append(f"each submission runs in its own control group (cgroup v{found.version}): "
                              f"{gib:g} GiB of memory and {self.limits.group_tasks} tasks for all its "
                              "processes together")
        if not self.as_root:
            self.notes.append("grading as an ordinary user: a submission can still write files of up to "
                              f"{self.limits.file_bytes // 1024**2} MB into its kernel folder on this disk "
                              "(as root that folder is closed to it)")

    def release_groups(self) -> None:
        """Remove this grader's control-group folders (after its jails are gone)."""
        if self.cgroups is not None:
            cgroups.remove_base(self.cgroups)

    @property
    def kernel_uid(self) -> int:
        """The uid the kernel's files must belong to (outside the jail)."""
        return NOBODY if self.as_root else os.geteuid()

    def _namespaces(self) -> list[str]:
        common = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup"]
        if self.as_root:  # set up as root; the kernel itself drops to nobody (see the module doc)
            return [*common, "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
        return ["--unshare-user", *common]

    def _filesystem(self, rw_folder: str, sandbox_socket: str | None, home: str | None = None) -> list[str]:
        args = ["--ro-bind", "/usr", "/usr"]
        for target, link in _MERGED_USR:
            if os.path.islink(link):
                args += ["--symlink", target, link]
            elif os.path.isdir(link):
                args += ["--ro-bind", link, link]
        for path in _SYSTEM_RO[1:]:
            args += ["--ro-bind-try", path, path]
        size = str(self.limits.tmpfs_bytes)
        args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", size, "--tmpfs", "/tmp",
                 "--perms", "1777", "--size", size, "--tmpfs", "/dev/shm"]
        made: set[str] = {"/", "/usr", "/tmp"}
        # A Python folder inside /tmp (a course checked out there) would get parents made in the
        # kernel's writable /tmp: give each such top folder a tmpfs of its own, read-only at the end.
        sealed = sorted({"/".join(Path(p).parts[:3]).replace("//", "/") for p in self.python_paths
                         if Path(p).parts[1:2] == ("tmp",) and len(Path(p).parts) > 3})
        for top in sealed:
            made.add(top)
            args += ["--perms", "0755", "--tmpfs", top]
        for path in self.python_paths:
            args += [*_parents(path, made), "--ro-bind", path, path]
        args += [*_parents(rw_folder, made), "--bind", rw_folder, rw_folder]
        if home:  # HOME: memory with a size, like /tmp (never the host's disk)
            args += ["--perms", "1777", "--size", size, "--tmpfs", home]
        if sandbox_socket:
            args += [*_parents(SANDBOX_SOCKET, made), "--ro-bind", sandbox_socket, SANDBOX_SOCKET]
        for top in sealed:
            args += ["--remount-ro", top]
        return [*args, "--remount-ro", "/"]  # the folders made above, too: only /tmp, /dev/shm, its own

    def command(self, argv: list[str], rw_folder: str, env: dict[str, str],
                sandbox_socket: str | None = None, port: int = 0, cwd: str | None = None,
                uid: int | None = None, home: str | None = None) -> list[str]:
        """``bwrap ... argv``: run ``argv`` (a Python program's arguments) jailed, with ``env`` only.

        ``uid`` (root only): the uid the program drops to (default ``nobody``); ``home``: a folder
        below ``rw_folder`` that becomes a size-capped tmpfs.
        """
        args = [self.bwrap, *self._namespaces(), "--die-with-parent", "--new-session",
                *self._filesystem(rw_folder, sandbox_socket, home), "--chdir", cwd or rw_folder, "--clearenv"]
        for name, value in sorted(env.items()):
            args += ["--setenv", name, value]
        inner = [sys.executable, "-m", "labkit.grading.jail_kernel", "--limits", self.limits.as_json()]
        if sandbox_socket and port:
            inner += ["--forward", str(port)]
        if self.as_root:
            user = NOBODY if uid is None else uid
            inner = [self.setpriv, f"--reuid={user}", f"--regid={user}", "--clear-groups",
                     "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", *inner]
        return [*args, "--", *inner, "--", *argv]

    def probe(self) -> None:
        """Start ``python -c pass`` in a jail; :class:`JailUnavailable` (with the reason) if that fails."""
        if not sys.platform.startswith("linux"):
            raise JailUnavailable("bubblewrap needs Linux")
        if not os.path.exists(self.bwrap):
            raise JailUnavailable("bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install "
                                  "bubblewrap)")
        if self.as_root and not os.path.exists(self.setpriv):
            raise JailUnavailable("setpriv (util-linux) is not installed")
        import tempfile

        folder = tempfile.mkdtemp(prefix="labkit-jail-probe-")
        try:
            own_for_kernel(Path(folder), self.kernel_uid)
            cmd = self.command(["-c", "pass"], folder, {"PATH": "/usr/bin:/bin"})
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as err:
            raise JailUnavailable(f"bubblewrap could not run: {err}") from err
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if proc.returncode != 0:
            reason = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            raise JailUnavailable(f"bubblewrap cannot create a jail here: {reason}")


def own_for_kernel(path: Path, uid: int) -> None:
    """Give ``path`` (and what is in it) to the kernel's uid, when that is not ours (root's jails)."""
    if uid == os.geteuid():
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, uid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)
