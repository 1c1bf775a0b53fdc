"""Shared fixtures: one sandbox per transport per test process (moto's state is process-global).

``lab`` is a brand-new account for each test. Under ``tests/realism/`` and ``tests/sandbox/`` it
comes on both transports in turn (the ``transport`` fixture's parameters, as moto's
``TEST_SERVER_MODE`` runs its suite again against its server): ``server`` (labkit's HTTP server on
127.0.0.1, what the course uses) and ``in_process`` (no socket: the browser edition's mode).
Elsewhere it is the server only. A test that can only run on the server says why with
``@pytest.mark.server_only("reason")``; its in-process run is deselected.

Tiers (markers, see ``tests/README.md``): ``make test-fast`` leaves out ``browser``, ``notebooks``
and ``grading_run``; ``make test`` runs everything.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import labkit
from labkit.clock import clock
from tests.support.transports import TRANSPORTS, start_lab

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CI = os.environ.get("LABKIT_CI") == "1"


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C as a terminal delivers it, for the programs the tests start and then interrupt.

    A suite started in the background by a non-interactive shell (``make test &`` in a script, a
    CI runner's ``cmd &``) inherits SIGINT *ignored*, and an ignored signal stays ignored in every
    program started from it: ``labkit serve`` and ``labkit grade`` would never see the Ctrl-C
    their tests send. Python's own handler here makes every child start with the default.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    _premade_issuer_key()


def _premade_issuer_key() -> None:
    """The CI issuer signs with a key made beforehand (``support/issuer_key.json``), not a new one."""
    import json

    from labkit.realism import oidc, rs256

    fields = json.loads((ROOT / "tests" / "support" / "issuer_key.json").read_text())
    oidc.use_issuer_key(rs256.RSAKey(*(int(fields[k]) for k in ("n", "e", "d", "p", "q"))))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the in-process run of tests marked ``server_only``."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_in_process = callspec is not None and callspec.params.get("transport") == "in_process"
        (drop if on_in_process and item.get_closest_marker("server_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """In CI (``LABKIT_CI=1``), a skipped test marked ``must_run_in_ci`` fails instead.

    Such tests skip on a developer's machine that lacks what they need (bubblewrap, root, the
    ordinary user); CI provides all of it, so a skip there would hide a test that never ran.
    """
    report = yield
    if CI and report.skipped and item.get_closest_marker("must_run_in_ci"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where it must run (LABKIT_CI=1): {reason}"
    return report


@pytest.fixture(scope="session")
def session_lab() -> Iterator[labkit.Lab]:
    """The server's sandbox for the whole run (``labkit.start()``; tests reset it)."""
    lab = labkit.start(quiet=True)
    yield lab


@pytest.fixture(scope="session")
def _labs(session_lab: labkit.Lab) -> Iterator[dict[str, labkit.Lab]]:
    """One sandbox per transport, started on first use and kept for the session."""
    labs: dict[str, labkit.Lab] = {"server": session_lab}
    yield labs
    for name, lab in labs.items():
        if name != "server":
            lab.stop()


@pytest.fixture
def transport() -> str:
    """The transport of ``lab``: the server here; both under realism/ and sandbox/ (their conftest)."""
    return "server"


_connects: list[str] | None = None  # while an in-process test runs: every socket it connects


def _record_connects(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _connects is not None:
        _connects.append(str(args[1]))


@pytest.fixture
def lab(_labs: dict[str, labkit.Lab], transport: str,
        request: pytest.FixtureRequest) -> Iterator[labkit.Lab]:
    """A brand-new sandbox account for this test (root is the caller), on ``transport``.

    In-process, the test must open no socket at all (an audit hook counts them), as in a browser
    tab; a test that opens its own on purpose says so with ``@pytest.mark.opens_sockets``.
    """
    global _connects
    assert transport in TRANSPORTS, transport
    if transport not in _labs:
        if transport == "in_process":
            sys.addaudithook(_record_connects)
        _labs[transport] = start_lab(transport)
    current = _labs[transport]
    current.reset()
    watch = transport == "in_process" and not request.node.get_closest_marker("opens_sockets")
    _connects = [] if watch else None
    try:
        yield current
    finally:
        seen, _connects = _connects, None
        clock.unfreeze()
        current.use(None)
        if transport != "server":  # the process's environment (AWS_ENDPOINT_URL...) back on the server
            _labs["server"].use(None)
    assert not seen, f"the in-process sandbox opened sockets: {seen}"


@pytest.fixture
def iam(lab: labkit.Lab):  # noqa: ANN201 - a boto3 client
    return lab.client("iam")


@pytest.fixture
def aws_cli(lab: labkit.Lab):  # noqa: ANN201
    """Run ``aws`` against the sandbox: ``aws_cli("iam", "list-users")``.

    On the server, the real ``aws`` program in a process of its own; in-process (where no other
    program can reach the sandbox), the same awscli run inside this process, as ``!aws`` runs in a
    notebook (:mod:`labkit.aws_in_kernel`).
    """
    exe = shutil.which("aws", path=str(BIN)) or "aws"

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        if lab.in_process:
            from labkit import aws_in_kernel

            done = aws_in_kernel.run(list(args), tty=False, separate=True, env=lab.env)
            proc = subprocess.CompletedProcess([exe, *args], done.status, done.stdout.decode(),
                                               done.stderr.decode())
        else:
            env = {**os.environ, **lab.env}
            proc = subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {proc.stderr}")
        return proc

    return run
