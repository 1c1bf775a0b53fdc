"""``labkit grade`` as an instructor runs it, for the grading tests: one command, one environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

__all__ = ["GRADE", "grader_env", "labkit_grade"]

GRADE = [sys.executable, "-m", "labkit.cli", "grade"]


def grader_env(tmp: Path, **extra: str) -> dict[str, str]:
    """This environment without ``LABKIT_*`` (the grader must not attach to the tests' own sandbox),
    with temporary files (kernels' folders) in ``tmp``, plus ``extra``."""
    tmp.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABKIT_")}
    env["TMPDIR"] = str(tmp)
    env.update(extra)
    return env


def labkit_grade(*args: str, tmp: Path, cwd: Path | None = None, env: dict[str, str] | None = None,
                 timeout: float = 600, wait: bool = True, stderr: IO[str] | int | None = None) -> Any:
    """Run ``labkit grade *args`` in a subprocess (in ``cwd``, default ``tmp``; see :func:`grader_env`).

    ``wait=False`` returns the running :class:`subprocess.Popen` (stdout discarded, stderr to
    ``stderr``, a pipe by default) for the tests that interrupt or kill it.
    """
    full = grader_env(tmp, **(env or {}))
    cmd = [*GRADE, *args]
    if wait:
        return subprocess.run(cmd, capture_output=True, text=True, env=full, timeout=timeout, cwd=cwd or tmp)
    err = subprocess.PIPE if stderr is None else stderr
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True, env=full, cwd=cwd or tmp)
