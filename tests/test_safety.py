"""No request ever leaves the machine, even in a hostile environment.

A fresh Python process gets real-looking credentials, a profile and config
files that name real AWS endpoints, then starts the sandbox. An audit hook
records every socket connection and name lookup, in that process and in every
`aws` subprocess it runs; the test fails if any goes beyond 127.0.0.0/8 or ::1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

AUDIT = textwrap.dedent("""
    import ipaddress, os, sys
    _log = os.environ.get("LABKIT_TEST_NET_LOG")

    def _hook(event, args):
        if not _log or event not in ("socket.connect", "socket.getaddrinfo"):
            return
        if event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else str(address)
        else:
            host = str(args[0])
        try:
            ok = ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            ok = host in ("localhost",) or host.startswith("/")
        if not ok:
            with open(_log, "a") as fh:
                fh.write(f"{event} {host}\\n")

    sys.addaudithook(_hook)
""")

SCENARIO = textwrap.dedent("""
    import json, os, subprocess, sys
    import boto3, labkit
    result = {}
    lab = labkit.start(quiet=True)
    result["boto3"] = boto3.client("sts").get_caller_identity()["Arn"]
    result["boto3_iam"] = len(boto3.client("iam").list_users()["Users"])
    result["session"] = boto3.Session().client("sts").get_caller_identity()["Arn"]
    try:
        boto3.client("iam", endpoint_url="https://iam.amazonaws.com").list_users()
        result["explicit"] = "reached"
    except labkit.RealAWSBlockedError as err:
        result["explicit"] = str(err)
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    env = {**os.environ, **lab.env}
    cli = subprocess.run([aws, "sts", "get-caller-identity"], env=env, capture_output=True, text=True)
    result["cli"] = json.loads(cli.stdout)["Arn"] if cli.returncode == 0 else cli.stderr
    bad = subprocess.run([aws, "iam", "list-users", "--endpoint-url", "https://iam.amazonaws.com"],
                         env=env, capture_output=True, text=True)
    result["cli_explicit"] = bad.stderr
    prof = subprocess.run([aws, "iam", "list-users", "--profile", "prod"], env=env,
                          capture_output=True, text=True)
    result["cli_profile"] = prof.returncode, prof.stderr[-300:]
    print(json.dumps(result))
""")


def _hostile_machine(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A machine with real-looking AWS credentials, profiles and endpoints everywhere, and a
    network log: the environment for a child process, and the log's path."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        "[default]\nregion = eu-west-1\nendpoint_url = https://iam.amazonaws.com\n"
        "[profile prod]\nregion = us-east-1\nendpoint_url = https://sts.amazonaws.com\n"
        "credential_process = /bin/false\n"
    )
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAREALLOOKING00001\naws_secret_access_key = s3cr3t\n"
        "[prod]\naws_access_key_id = AKIAREALLOOKING00002\naws_secret_access_key = s3cr3t\n"
    )
    sitedir = tmp_path / "site"
    sitedir.mkdir()
    (sitedir / "sitecustomize.py").write_text(AUDIT)
    log = tmp_path / "net.log"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "TMPDIR": str(tmp_path),
        "PYTHONPATH": str(sitedir),
        "LABKIT_TEST_NET_LOG": str(log),
        "AWS_PROFILE": "prod",
        "AWS_ACCESS_KEY_ID": "AKIAREALLOOKING00003",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE",
        "AWS_ENDPOINT_URL_IAM": "https://iam.amazonaws.com",
        "AWS_ENDPOINT_URL_STS": "https://sts.amazonaws.com",
        "AWS_ENDPOINT_URL": "https://example.amazonaws.com",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }
    return env, log


def test_hostile_environment_cannot_reach_real_aws(tmp_path: Path) -> None:
    env, log = _hostile_machine(tmp_path)
    proc = subprocess.run([sys.executable, "-c", SCENARIO], env=env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    root = "arn:aws:iam::123456789012:root"
    assert result["boto3"] == root
    assert result["session"] == root
    assert result["cli"] == root
    assert result["boto3_iam"] == 0
    assert "labkit refused a request to 'iam.amazonaws.com'" in result["explicit"]
    assert "labkit refused a request to 'iam.amazonaws.com'" in result["cli_explicit"]
    assert result["cli_profile"][0] != 0  # the learner's real profiles are not visible any more
    assert not log.exists(), "connections outside loopback:\n" + log.read_text()


def test_the_audit_hook_would_notice_a_real_connection(tmp_path: Path) -> None:
    """The safety test above can fail: the same hook catches a plain outside connect."""
    sitedir = tmp_path / "site"
    sitedir.mkdir()
    (sitedir / "sitecustomize.py").write_text(AUDIT)
    log = tmp_path / "net.log"
    code = ("import socket\ns = socket.socket()\ns.settimeout(0.2)\n"
            "try:\n    s.connect(('192.0.2.1', 443))\nexcept OSError:\n    pass\n")
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(sitedir), "LABKIT_TEST_NET_LOG": str(log)}
    subprocess.run([sys.executable, "-c", code], env=env, timeout=30, check=True)
    assert "socket.connect 192.0.2.1" in log.read_text()


def test_guard_refuses_non_loopback_in_process(lab) -> None:  # noqa: ANN001
    import boto3
    import pytest

    import labkit

    for url in ("https://iam.amazonaws.com", "http://10.0.0.1:5000", "http://169.254.169.254"):
        with pytest.raises(labkit.RealAWSBlockedError, match="never to a real AWS account"):
            boto3.client("iam", endpoint_url=url, region_name="us-east-1").list_users()


TERMINAL = textwrap.dedent("""
    import json, os, subprocess, sys
    from labkit.cli import lab_command
    argv, env = lab_command(["--no-browser"])   # what a JupyterLab terminal of `labkit lab` inherits
    def sh(command, extra=None):
        done = subprocess.run(["bash", "-c", command], env={**env, **(extra or {})}, capture_output=True,
                              text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr
    result = {
        "aws": sh("aws iam create-user --user-name alice-developer"),
        "explicit": sh("aws sts get-caller-identity --endpoint-url https://sts.amazonaws.com"),
        "profile": sh("aws iam list-users --profile prod"),
        "boto3": sh('python -c "import boto3; boto3.client(\\'sts\\').get_caller_identity()"'),
        "leaked": sorted(k for k, v in env.items()
                         if "REALLOOKING" in v or "amazonaws" in v or k == "AWS_PROFILE"),
        "which": sh("command -v aws labkit")[1].split(),
        "terminals": [json.loads(a.split("=", 1)[1]) for a in argv if "terminado_settings" in a],
    }
    import labkit                      # then `labkit serve`'s export lines connect the terminal
    lab = labkit.start(quiet=True)
    result["connected"] = sh("aws sts get-caller-identity", lab.env)
    print(json.dumps(result))
""")


def test_a_course_terminal_cannot_reach_real_aws(tmp_path: Path) -> None:
    """JupyterLab terminals of `labkit lab` have no kernel: `aws` there is refused until connected."""
    env, log = _hostile_machine(tmp_path)
    proc = subprocess.run([sys.executable, "-c", TERMINAL], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for case in ("aws", "explicit"):
        code, _, err = result[case]
        assert code != 0 and "no sandbox is connected to this shell" in err and "labkit serve" in err, err
    assert result["profile"][0] != 0  # the learner's real profiles are not visible
    assert result["boto3"][0] != 0  # even plain boto3 (no guard) only finds a closed loopback port
    assert result["leaked"] == []
    bindir = os.path.dirname(sys.executable)
    assert result["which"] == [os.path.join(bindir, "aws"), os.path.join(bindir, "labkit")]
    [terminals] = result["terminals"]  # a non-login shell: /etc/profile would reset PATH
    assert len(terminals["shell_command"]) == 1 and "-l" not in terminals["shell_command"]
    code, out, err = result["connected"]
    assert code == 0 and json.loads(out)["Arn"] == "arn:aws:iam::123456789012:root", err
    assert not log.exists(), "connections outside loopback:\n" + log.read_text()
