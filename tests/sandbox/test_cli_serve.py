"""`labkit serve`: a sandbox in a terminal, and the export lines another terminal needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.network import labkit_serve

BIN = Path(sys.executable).parent


def test_serve_prints_working_export_lines() -> None:
    with labkit_serve() as exports:
        env = {**os.environ, **exports}
        assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        out = subprocess.run(["aws", "sts", "get-caller-identity"], env=env, capture_output=True,
                             text=True, timeout=60, check=True)
        assert json.loads(out.stdout)["Arn"] == "arn:aws:iam::123456789012:root"
        subprocess.run(["aws", "iam", "create-user", "--user-name", "alice-developer"], env=env,
                       capture_output=True, timeout=60, check=True)


def test_an_unknown_scenario_is_a_usage_error_not_a_traceback() -> None:
    done = subprocess.run([str(BIN / "labkit"), "serve", "--scenario", "brand-new"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "invalid choice: 'brand-new'" in done.stderr and "new-account" in done.stderr
    assert "Traceback" not in done.stderr
