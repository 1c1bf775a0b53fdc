"""`labkit serve`: a sandbox in a terminal, and the export lines another terminal needs."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_serve_prints_working_export_lines() -> None:
    proc = subprocess.Popen([str(BIN / "labkit"), "serve"], stdout=subprocess.PIPE, text=True)
    try:
        env = dict(os.environ)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("export "):
                name, _, value = line[len("export "):].strip().partition("=")
                env[name] = shlex.split(value)[0] if value else ""
            if line.startswith("# Then try"):
                break
        assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        out = subprocess.run(["aws", "sts", "get-caller-identity"], env=env, capture_output=True,
                             text=True, timeout=60, check=True)
        assert json.loads(out.stdout)["Arn"] == "arn:aws:iam::123456789012:root"
        subprocess.run(["aws", "iam", "create-user", "--user-name", "alice-developer"], env=env,
                       capture_output=True, timeout=60, check=True)
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0


def test_an_unknown_scenario_is_a_usage_error_not_a_traceback() -> None:
    done = subprocess.run([str(BIN / "labkit"), "serve", "--scenario", "brand-new"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "invalid choice: 'brand-new'" in done.stderr and "new-account" in done.stderr
    assert "Traceback" not in done.stderr
