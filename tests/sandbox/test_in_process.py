"""``labkit.start(in_process=True)``: the same realism layer with no server and no socket at all.

What a fresh process sees through the public entry (``labkit.start``), with an audit hook that
records every socket connection: there must be none. A separate ``aws`` program cannot reach such a
sandbox; ``aws`` run inside the process (what ``!aws`` does in a notebook) can.

The behaviours themselves (MFA and its QR codes, the console, policies, S3, signatures...) are the
tests of ``tests/realism/`` and ``tests/sandbox/``, which run on this transport too (the
``transport`` fixture, with the same no-socket check).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import io, json, os, socket, subprocess, sys
    connects = []
    sys.addaudithook(lambda event, args: connects.append(str(args[1])) if event == "socket.connect" else None)

    import boto3, labkit

    out = {}
    lab = labkit.start(in_process=True)
    out["root"] = lab.client("sts").get_caller_identity()["Arn"]
    out["plain_boto3"] = boto3.client("sts").get_caller_identity()["Arn"]
    lab.reset("inherited-account")
    from labkit.checks.scorecard import scorecard
    out["scorecard"] = [row.passed for row in scorecard(lab).rows]
    cli = subprocess.run(["aws", "sts", "get-caller-identity"], capture_output=True, text=True)
    out["cli"] = [cli.returncode, cli.stderr]
    from labkit import aws_in_kernel  # what `!aws` runs in a notebook: no program, so it gets there
    in_kernel = aws_in_kernel.run(["iam", "list-users", "--query", "Users[].UserName", "--output", "text"])
    out["in_kernel_cli"] = [in_kernel.status, in_kernel.output.decode()]
    lab.stop()
    out["connects"] = connects
    print(json.dumps(out))
""")


def test_in_process_sandbox_behaves_like_the_server_without_a_socket() -> None:
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["root"] == out["plain_boto3"] == "arn:aws:iam::123456789012:root"
    assert out["scorecard"] == [False] * 7  # the inherited account, exactly as with the server
    code, stderr = out["cli"]
    assert code != 0 and "runs inside its kernel" in stderr
    assert out["in_kernel_cli"] == [0, "bob-ops\tcarol-finance\n"]  # the inherited account's users
    assert out["connects"] == [], "the in-process sandbox opened sockets"
