"""Two learners on one server, as two OS users: B cannot reach A's account through any door.

As on a JupyterHub with local users, both share ``/tmp``, loopback and
``/proc``. Learner A starts a sandbox; learner B knows its port (a scan of
loopback finds it), its process id and its folder (``ps`` and ``ls /tmp`` show
them), and tries every endpoint: AWS requests unsigned, forged and signed with
B's own sandbox keys, the console (the old fixed root password), the control
endpoints, moto's own API, A's files and A's process. Afterwards A's account is
untouched, and none of A's secrets is anywhere B could read.

Switching users needs root (the test is skipped otherwise, saying why). Where
this machine's Python lives inside a folder other users cannot enter (such as
``/root``), each learner runs in a bubblewrap mount namespace that shows only
that Python there; ``/tmp``, the network and ``/proc`` stay shared.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEARNER_B_UID = 61002

LEARNER_A = textwrap.dedent("""
    import json, os, sys
    import labkit
    lab = labkit.start(quiet=True)
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    beacon = {"endpoint": lab.endpoint_url, "pid": os.getpid(), "folder": lab._folder.path}
    with open(sys.argv[1], "w") as fh:
        json.dump(beacon, fh)
    os.chmod(sys.argv[1], 0o644)
    print("ready", flush=True)
    sys.stdin.readline()  # until B is done
    out = {
        "users": sorted(u["UserName"] for u in iam.list_users()["Users"]),
        "root_mfa": lab.admin("describe")["root"]["mfa"],
        "console": repr(labkit.Console(lab).sign_in_root(lab.root_email, lab.root_password)),
        "old_password": lab.root_password == "Root-Vault-Key-2024!",
        "folder_mode": oct(os.stat(lab._folder.path).st_mode & 0o777),
        "secrets": [lab.root.access_key_id, lab.root.secret_access_key, lab.sandbox.owner_token,
                    lab.sandbox.admin_token, lab.root_password, lab.root_email,
                    lab.auditor().secret_access_key],
    }
    print(json.dumps(out), flush=True)
""")

LEARNER_B = textwrap.dedent("""
    import glob, json, os, sys, urllib.error, urllib.request
    beacon = json.load(open(sys.argv[1]))
    endpoint = beacon["endpoint"]
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(method, path, body=None, headers=None):
        data = body.encode() if isinstance(body, str) else (json.dumps(body).encode() if body else None)
        req = urllib.request.Request(endpoint + path, data=data, method=method, headers=headers or {})
        try:
            with direct.open(req, timeout=30) as resp:
                return [resp.status, resp.read().decode()[:400]]
        except urllib.error.HTTPError as err:
            return [err.code, err.read().decode()[:400]]

    def attempt(fn):
        try:
            return ["read", str(fn())[:200]]
        except OSError as err:
            return [type(err).__name__, ""]

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    guessed = {"email": "owner@castle.example", "password": "Root-Vault-Key-2024!"}
    r = {}
    r["health"] = call("GET", "/labkit/health")
    r["health, guessed token"] = call("GET", "/labkit/health", headers={"X-Labkit-Token": "guess"})
    r["console sign-in-root, old fixed password"] = call("POST", "/labkit/console/sign-in-root", guessed)
    r["console root-mfa/create"] = call("POST", "/labkit/console/root-mfa/create", {"session": "x"})
    r["console sign-in"] = call("POST", "/labkit/console/sign-in",
                                {"account": "123456789012", "user": "alice-developer", "password": "x"})
    r["admin reset"] = call("POST", "/labkit/admin/reset", {}, {"X-Labkit-Admin": "guess"})
    r["admin auditor"] = call("POST", "/labkit/admin/auditor", {})
    r["admin root-password"] = call("POST", "/labkit/admin/root-password", {"password": "Mine-1234567!"})
    r["moto-api reset"] = call("POST", "/moto-api/reset")
    r["aws unsigned"] = call("POST", "/", "Action=CreateUser&UserName=mallory&Version=2010-05-08", form)

    import labkit  # B's own sandbox: its keys and tokens are worth nothing in A's
    mine = labkit.start(quiet=True)
    r["own token on A"] = call("POST", "/labkit/console/sign-in-root", guessed,
                               {"X-Labkit-Token": mine.sandbox.owner_token})
    r["own admin token on A"] = call("POST", "/labkit/admin/reset", {},
                                     {"X-Labkit-Admin": mine.sandbox.admin_token})
    import boto3
    from botocore.exceptions import ClientError
    for name, creds in (("own root keys on A", mine.root.as_boto3()),
                        ("made-up key on A", {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
                                              "aws_secret_access_key": "x" * 40})):
        try:
            boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", **creds).create_user(
                UserName="mallory")
            r[name] = "accepted"
        except ClientError as err:
            r[name] = err.response["Error"]["Code"]

    folder = beacon["folder"]
    r["list A's folder"] = attempt(lambda: os.listdir(folder))
    r["read A's credentials"] = attempt(lambda: open(os.path.join(folder, "credentials")).read())
    r["read A's environment"] = attempt(lambda: open(f"/proc/{beacon['pid']}/environ").read())
    r["read A's memory"] = attempt(lambda: open(f"/proc/{beacon['pid']}/mem", "rb").read(1))

    seen = [json.dumps(r)]  # everything B could read: every process's command line and environment,
    for path in glob.glob("/proc/[0-9]*/cmdline") + glob.glob("/proc/[0-9]*/environ"):
        try:                # and every file under the shared temporary folder
            seen.append(open(path, "rb").read(65536).decode("utf-8", "replace"))
        except OSError:
            pass
    for top, _, files in os.walk(os.environ["TMPDIR"]):
        for name in files:
            try:
                seen.append(open(os.path.join(top, name), "rb").read(65536).decode("utf-8", "replace"))
            except OSError:
                pass
    with open(sys.argv[2], "w") as fh:
        fh.write("\\n".join(seen))
    mine.stop()
    print(json.dumps(r), flush=True)
""")


def _blocked_ancestor(path: str) -> str | None:
    """The first folder above ``path`` that other users may not enter, if any."""
    parts = Path(path).resolve().parents
    for parent in reversed(parts):
        if parent != Path("/") and not os.stat(parent).st_mode & 0o001:
            return str(parent)
    return None


def _as_user(uid: int, argv: list[str], env: dict[str, str], **kw) -> subprocess.Popen[str]:  # noqa: ANN003
    """Run ``argv`` as OS user ``uid`` (no supplementary groups), able to reach this Python."""
    command = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *argv]
    needed = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), str(ROOT)}
    blocked = {b for b in (_blocked_ancestor(p + "/x") for p in needed) if b}
    if blocked:
        wrap = ["bwrap", "--die-with-parent", "--bind", "/", "/", "--dev", "/dev"]
        for folder in sorted(blocked):
            wrap += ["--tmpfs", folder]
            for path in sorted(p for p in needed if p.startswith(folder + "/")):
                wrap += ["--ro-bind", path, path]
        command = [*wrap, *command]
    return subprocess.Popen(command, env=env, text=True, **kw)


def _learner_env(base: Path, uid: int, shared_tmp: Path) -> dict[str, str]:
    home = base / f"home-{uid}"
    home.mkdir(mode=0o700)
    os.chown(home, uid, uid)
    return {"PATH": os.environ["PATH"], "HOME": str(home), "TMPDIR": str(shared_tmp), "LANG": "C.UTF-8"}


@pytest.fixture
def server(tmp_path: Path):  # noqa: ANN201
    """A shared temporary folder (like /tmp: world-writable, sticky) that both learners can reach."""
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("two learners as two OS users needs Linux and root (to switch users): "
                    "run the suite as root")
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is needed to run a learner as another OS user")
    base = Path(tempfile.mkdtemp(prefix="neighbours-test-"))
    os.chmod(base, 0o755)
    shared_tmp = base / "tmp"
    shared_tmp.mkdir()
    os.chmod(shared_tmp, 0o1777)
    yield base, shared_tmp
    shutil.rmtree(base, ignore_errors=True)


def test_learner_b_cannot_reach_learner_a(server) -> None:  # noqa: ANN001
    base, shared_tmp = server
    try:
        import pwd

        uid_a = pwd.getpwnam("cloudsdk").pw_uid
    except (KeyError, ImportError):
        uid_a = 61001
    uid_b = LEARNER_B_UID
    beacon, seen = shared_tmp / "beacon.json", base / f"home-{uid_b}" / "seen.txt"
    a = _as_user(uid_a, [sys.executable, "-c", LEARNER_A, str(beacon)], _learner_env(base, uid_a, shared_tmp),
                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert a.stdout is not None and a.stdin is not None
        assert a.stdout.readline().strip() == "ready", a.stderr.read() if a.stderr else ""
        b = _as_user(uid_b, [sys.executable, "-c", LEARNER_B, str(beacon), str(seen)],
                     _learner_env(base, uid_b, shared_tmp), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out_b, err_b = b.communicate(timeout=300)
        assert b.returncode == 0, err_b[-3000:]
        r = json.loads(out_b.strip().splitlines()[-1])
        a.stdin.write("done\n")
        a.stdin.flush()
        out_a = json.loads(a.stdout.readline())
    finally:
        a.kill()
        a.wait(timeout=30)

    for door in ("health", "health, guessed token", "console sign-in-root, old fixed password",
                 "console root-mfa/create", "console sign-in", "admin reset", "admin auditor",
                 "admin root-password", "moto-api reset", "own token on A", "own admin token on A"):
        assert r[door][0] == 403, (door, r[door])
    assert r["aws unsigned"][0] == 403 and "MissingAuthenticationToken" in r["aws unsigned"][1]
    assert r["own root keys on A"] == "InvalidClientTokenId"
    assert r["made-up key on A"] == "InvalidClientTokenId"
    for door in ("list A's folder", "read A's credentials", "read A's environment", "read A's memory"):
        assert r[door][0] == "PermissionError", (door, r[door])

    assert out_a["users"] == ["alice-developer"]  # no mallory
    assert out_a["root_mfa"] is False  # B registered no MFA device on A's root
    assert "signed in" in out_a["console"] and out_a["old_password"] is False
    assert out_a["folder_mode"] == "0o700"
    everything_b_read = seen.read_text()
    for secret in out_a["secrets"]:
        assert secret and secret not in everything_b_read
