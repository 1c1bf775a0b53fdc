"""A folder only you can read, gone when your sandbox stops -- even if the kernel is killed.

The sandbox writes the ``aws`` command's config and credentials files (they
hold the sandbox's keys). They live in a :class:`PrivateFolder`:

* created by :func:`tempfile.mkdtemp` (mode 0700: other users of the machine
  cannot list or read it), files written 0600;
* removed by :meth:`PrivateFolder.remove` (``lab.stop()``) and when Python exits;
* removed when the owning process dies in any way, ``kill -9`` included: a tiny
  watcher process waits on a pipe that only the owner holds open, and deletes
  the folder as soon as the pipe closes (the operating system closes it when
  the owner dies, however it dies);
* and if even the watcher was killed, the next sandbox started by the same OS
  user sweeps away folders whose owner process no longer exists.

>>> folder = PrivateFolder()
>>> oct(os.stat(folder.path).st_mode & 0o777)
'0o700'
>>> path = folder.write("note", "only mine")
>>> folder.remove(); os.path.exists(path)
False
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["PrivateFolder", "PREFIX", "sweep_orphans"]

PREFIX = "labkit-sandbox-"
_OWNER_FILE = ".owner"

# The watcher: wait until the owner's end of the pipe closes (stdin hits end of file), then delete.
_WATCHER = (
    "import shutil, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "sys.stdin.buffer.read()\n"
    "shutil.rmtree(sys.argv[1], ignore_errors=True)\n"
)


def _started(pid: int) -> str | None:
    """When process ``pid`` started (Linux: clock ticks since boot), None if unknown or gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = _started(pid)
    return now is None or not started or now == started  # pid reused by another process: dead


def sweep_orphans(where: str | None = None) -> int:
    """Remove this user's sandbox folders whose owner process is gone; how many were removed."""
    where = where or tempfile.gettempdir()
    removed = 0
    try:
        entries = list(os.scandir(where))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not entry.is_dir(follow_symlinks=False) or info.st_uid != os.getuid():
                continue
            pid_text, _, started = Path(entry.path, _OWNER_FILE).read_text().partition(" ")
            pid = int(pid_text)
        except (OSError, ValueError):
            continue  # being created right now, or not ours
        if not _alive(pid, started.strip()):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += 1
    return removed


_finished_watchers: list[subprocess.Popen[bytes]] = []  # told to go; reaped when they have gone


class PrivateFolder:
    """A 0700 folder under the temporary directory, tied to this process's life."""

    def __init__(self) -> None:
        sweep_orphans()
        self.path = tempfile.mkdtemp(prefix=PREFIX)
        self.write(_OWNER_FILE, f"{os.getpid()} {_started(os.getpid()) or ''}")
        self._pipe: int | None = None
        self._watcher: subprocess.Popen[bytes] | None = None
        self._watch()
        atexit.register(self.remove)

    def _watch(self) -> None:
        read_end, write_end = os.pipe()  # both ends non-inheritable: children never hold them
        try:
            self._watcher = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _WATCHER, self.path],
                stdin=read_end, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C in a terminal or a kill of the kernel's group spares it
                cwd="/",
            )
        except OSError:  # no way to start it: the sweep still removes the folder later
            os.close(write_end)
        else:
            self._pipe = write_end
        finally:
            os.close(read_end)

    def write(self, name: str, text: str) -> str:
        """Write ``text`` to file ``name`` in the folder (mode 0600); its path."""
        path = os.path.join(self.path, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        return path

    def remove(self) -> None:
        """Delete the folder now and let the watcher go (idempotent)."""
        shutil.rmtree(self.path, ignore_errors=True)
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self._watcher is not None:  # it ends by itself now: collected later, never waited for
            _finished_watchers.append(self._watcher)
            self._watcher = None
        _finished_watchers[:] = [w for w in _finished_watchers if w.poll() is None]
