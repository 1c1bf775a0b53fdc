"""JupyterLab for the browser tests, started exactly as a learner starts it: ``labkit lab``.

The server runs on a free 127.0.0.1 port with a random token, on a *copy* of the course, and
with a throw-away home (settings, workspaces, runtime files), so neither the repository's
notebooks nor the learner's own JupyterLab settings are ever touched.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LabServer", "copy_course", "free_port", "start_lab"]

COURSE_FOLDERS = ("notebooks", "exercises")
# Variables that would point JupyterLab at the learner's own (or the grader's) state.
_SCRUBBED = ("JUPYTER_CONFIG_PATH", "JUPYTER_PATH", "JUPYTERLAB_DIR", "LABKIT_ATTACH")


@dataclass
class LabServer:
    """A running ``labkit lab``: where it listens and where its course copy lives."""

    process: subprocess.Popen[bytes]
    port: int
    token: str
    course: Path
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        """``path`` on the server, with the token the way a learner's link carries it."""
        joiner = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{joiner}token={self.token}"

    def api(self, path: str, method: str = "GET") -> bytes:
        request = urllib.request.Request(self.base_url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Shut the server down gracefully (kernels too), by force if it does not listen."""
        if self.process.poll() is None:
            try:
                self.api("/api/shutdown", method="POST")
            except OSError:
                pass
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_course(repo: Path, dest: Path) -> Path:
    """Copy what a learner opens (the chapters and the exercises) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FOLDERS:
        shutil.copytree(repo / name, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


def _labkit_command() -> list[str]:
    """The ``labkit`` that ``make lab`` runs (the venv's script), else the module."""
    script = Path(sys.executable).with_name("labkit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "labkit.cli"]


def _isolated_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    dirs = {
        "HOME": home,
        "JUPYTER_CONFIG_DIR": home / ".jupyter",
        "JUPYTER_DATA_DIR": home / ".local" / "share" / "jupyter",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / ".jupyter" / "lab" / "user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / ".jupyter" / "lab" / "workspaces",
        "IPYTHONDIR": home / ".ipython",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_lab(course: Path, home: Path, log: Path, timeout: float = 90.0) -> LabServer:
    """Run ``labkit lab --no-browser`` in ``course`` and wait until it answers."""
    port, token = free_port(), secrets.token_hex(16)
    argv = [*_labkit_command(), "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, cwd=course, env=_isolated_env(home), stdout=sink,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    server = LabServer(process, port, token, course, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"labkit lab exited with {process.returncode}:\n{server.log_tail()}")
        try:
            server.api("/api/status")
            return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"labkit lab did not answer within {timeout:.0f} s:\n{server.log_tail()}")
