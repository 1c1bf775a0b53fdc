"""Shared fixtures: one sandbox per test process (moto's state is process-global)."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import labkit
from labkit.clock import clock

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C as a terminal delivers it, for the programs the tests start and then interrupt.

    A suite started in the background by a non-interactive shell (``make test &`` in a script, a
    CI runner's ``cmd &``) inherits SIGINT *ignored*, and an ignored signal stays ignored in every
    program started from it: ``labkit serve`` and ``labkit grade`` would never see the Ctrl-C
    their tests send. Python's own handler here makes every child start with the default.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def session_lab() -> Iterator[labkit.Lab]:
    lab = labkit.start(quiet=True)
    yield lab


@pytest.fixture
def lab(session_lab: labkit.Lab) -> Iterator[labkit.Lab]:
    """A brand-new sandbox account for this test (root is the caller)."""
    session_lab.reset()
    yield session_lab
    clock.unfreeze()
    session_lab.use(None)


@pytest.fixture
def iam(lab: labkit.Lab):  # noqa: ANN201 - a boto3 client
    return lab.client("iam")


@pytest.fixture
def aws_cli(lab: labkit.Lab):  # noqa: ANN201
    """Run the real ``aws`` command against the sandbox: ``aws_cli("iam", "list-users")``."""
    import subprocess

    exe = shutil.which("aws", path=str(BIN)) or "aws"

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **lab.env}
        proc = subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {proc.stderr}")
        return proc

    return run
