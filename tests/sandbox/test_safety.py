"""No request ever leaves the machine, even in a hostile environment.

A fresh Python process gets real-looking credentials, a profile and config
files that name real AWS endpoints, then starts the sandbox. An audit hook
records every socket connection and name lookup, in that process and in every
`aws` subprocess it runs; the test fails if any goes beyond 127.0.0.0/8 or ::1.

Behind a proxy: every proxy variable (both cases, ``ALL_PROXY`` too, with
``NO_PROXY`` tricks), ``~/.aws/config`` and ``Config(proxies=...)`` point at a
listener on this machine's own network address; the listener must receive
nothing while every call (kernel, ``aws``, in-process, ``labkit lab`` and
``labkit serve``, graded kernels) succeeds. The guard's name decisions are
tested with a hosts file of the test's own, in a bubblewrap sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.grader import GRADE
from tests.support.network import audited_site
from tests.support.raw_http import send

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
    sitedir, log = audited_site(tmp_path)
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
    sitedir, log = audited_site(tmp_path)
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


@pytest.mark.slow
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


# -- behind a proxy: nothing goes to it, everything works ----------------------------------------------

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                   "Http_Proxy")  # any spelling: Python's urllib (so botocore) lower-cases the names


class ProxyTrap:
    """A listener on this machine's non-loopback address, standing where a campus proxy would.

    It records every connection (and its first bytes) and hangs up at once, so a
    request that reaches it fails fast instead of waiting for a timeout.
    """

    def __init__(self) -> None:
        import socket
        import threading

        self.address = _non_loopback_address()
        self.sock = socket.create_server((self.address, 0))
        self.sock.settimeout(0.2)
        self.url = f"http://{self.address}:{self.sock.getsockname()[1]}"
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                self.received.append(conn.recv(4096) or b"<connected, sent nothing>")
            except OSError:
                self.received.append(b"<connected>")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def _non_loopback_address() -> str:
    """This machine's own address on its network (not loopback), or skip the test."""
    import ipaddress
    import socket

    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # UDP: picks the outgoing interface, sends nothing
        address = probe.getsockname()[0]
    except OSError:
        address = ""
    finally:
        probe.close()
    if not address or ipaddress.ip_address(address).is_loopback:
        import pytest

        pytest.skip("this machine has no non-loopback IPv4 address to put a proxy listener on")
    return address


def _behind_proxy(tmp_path: Path, trap: ProxyTrap) -> tuple[dict[str, str], Path]:
    """The hostile machine, plus every proxy variable pointing at ``trap`` and NO_PROXY tricks."""
    env, log = _hostile_machine(tmp_path)
    env.update({name: trap.url for name in PROXY_VARIABLES})
    env["NO_PROXY"] = ""              # an empty NO_PROXY...
    env["no_proxy"] = "intranet.example"  # ...and a lower-case one that wins and omits loopback
    env["TEST_PROXY"] = trap.url
    # Proxy settings in ~/.aws/config too (botocore reads no proxy *address* from config files;
    # these are the proxy options it does read, and the keys people write hoping it would).
    with open(Path(env["HOME"]) / ".aws" / "config", "a") as fh:
        fh.write(f"proxy_use_forwarding_for_https = true\nhttps_proxy = {trap.url}\n"
                 f"http_proxy = {trap.url}\n")
    return env, log


BEHIND_PROXY = textwrap.dedent("""
    import json, os, subprocess, sys
    import boto3, labkit
    from botocore.config import Config
    proxy = os.environ["TEST_PROXY"]
    via_proxy = Config(proxies={"http": proxy, "https": proxy}, retries={"max_attempts": 1})
    result = {}
    lab = labkit.start(quiet=True)
    result["boto3"] = boto3.client("sts").get_caller_identity()["Arn"]
    result["lab.client"] = lab.client("iam").create_user(UserName="alice-developer")["User"]["UserName"]
    result["lab.client Config(proxies)"] = lab.client("sts", config=via_proxy).get_caller_identity()["Arn"]
    result["boto3 Config(proxies)"] = boto3.client("sts", config=via_proxy).get_caller_identity()["Arn"]
    by_name = lab.endpoint_url.replace("127.0.0.1", "localhost")
    result["localhost Config(proxies)"] = boto3.client(
        "sts", endpoint_url=by_name, config=via_proxy).get_caller_identity()["Arn"]
    s3 = lab.client("s3", config=via_proxy)
    s3.create_bucket(Bucket="campus-bucket")
    s3.put_object(Bucket="campus-bucket", Key="notes.txt", Body=b"hello")
    result["s3"] = s3.get_object(Bucket="campus-bucket", Key="notes.txt")["Body"].read().decode()
    result["console"] = repr(labkit.Console(lab).sign_in_root(lab.root_email, lab.root_password))
    for name in ("NO_PROXY", "no_proxy"):   # the guard alone, without the NO_PROXY labkit sets
        os.environ.pop(name, None)
    result["boto3 without NO_PROXY"] = boto3.client("sts").get_caller_identity()["Arn"]
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    def cli(*args, drop=()):
        env = {k: v for k, v in {**os.environ, **lab.env}.items() if k not in drop}
        done = subprocess.run([aws, *args], env=env, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout[-300:], done.stderr[-300:]
    result["aws sts"] = cli("sts", "get-caller-identity")
    result["aws iam"] = cli("iam", "list-users")
    result["aws s3"] = cli("s3", "ls", "s3://campus-bucket")
    result["aws without NO_PROXY"] = cli("sts", "get-caller-identity", drop=("NO_PROXY", "no_proxy"))
    result["aws localhost"] = cli("sts", "get-caller-identity", "--endpoint-url", by_name,
                                  drop=("NO_PROXY", "no_proxy"))
    print(json.dumps(result))
""")


def _check_trap(trap: ProxyTrap, log: Path) -> None:
    assert trap.received == [], f"the proxy received: {trap.received!r}"
    assert not log.exists(), "connections outside loopback:\n" + log.read_text()


def test_behind_a_proxy_nothing_goes_to_it_and_everything_works(tmp_path: Path) -> None:
    trap = ProxyTrap()
    try:
        env, log = _behind_proxy(tmp_path, trap)
        proc = subprocess.run([sys.executable, "-c", BEHIND_PROXY], env=env, capture_output=True, text=True,
                              timeout=400)
        assert proc.returncode == 0, proc.stderr[-3000:]
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        root = "arn:aws:iam::123456789012:root"
        for case in ("boto3", "lab.client Config(proxies)", "boto3 Config(proxies)",
                     "localhost Config(proxies)", "boto3 without NO_PROXY"):
            assert result[case] == root, case
        assert result["lab.client"] == "alice-developer"
        assert result["s3"] == "hello"
        assert "signed in" in result["console"]
        for case in ("aws sts", "aws iam", "aws s3", "aws without NO_PROXY", "aws localhost"):
            code, out, err = result[case]
            assert code == 0, (case, err)
        assert "alice-developer" in result["aws iam"][1]
        assert "notes.txt" in result["aws s3"][1]
        _check_trap(trap, log)
    finally:
        trap.close()


IN_PROCESS_BEHIND_PROXY = textwrap.dedent("""
    import os, boto3, labkit
    from botocore.config import Config
    proxy = os.environ["TEST_PROXY"]
    lab = labkit.start(quiet=True, in_process=True)
    via_proxy = Config(proxies={"http": proxy, "https": proxy})
    print(boto3.client("sts", config=via_proxy).get_caller_identity()["Arn"])
    print(lab.client("iam", config=via_proxy).list_users()["Users"])
""")


def test_in_process_sandbox_behind_a_proxy(tmp_path: Path) -> None:
    trap = ProxyTrap()
    try:
        env, log = _behind_proxy(tmp_path, trap)
        proc = subprocess.run([sys.executable, "-c", IN_PROCESS_BEHIND_PROXY], env=env, capture_output=True,
                              text=True, timeout=200)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stdout.split() == ["arn:aws:iam::123456789012:root", "[]"]
        _check_trap(trap, log)
    finally:
        trap.close()


COURSE_BEHIND_PROXY = textwrap.dedent("""
    import json, os, shlex, signal, subprocess, sys
    from labkit.cli import lab_command
    argv, env = lab_command(["--no-browser"])   # what JupyterLab of `labkit lab` gives kernels and terminals
    kernel = ("import boto3, labkit; lab = labkit.start(quiet=True); "
              "print(boto3.client('iam').list_users()['Users']); "
              "import subprocess; print(subprocess.run(['aws', 'sts', 'get-caller-identity'], "
              "capture_output=True, text=True, check=True).stdout)")
    done = subprocess.run([sys.executable, "-c", kernel], env=env, capture_output=True, text=True,
                          timeout=200)
    result = {"kernel": [done.returncode, done.stdout, done.stderr[-2000:]]}
    # A terminal: `labkit serve` in one (behind the proxy), its export lines pasted in another.
    serve = subprocess.Popen(["labkit", "serve"], env=env, stdout=subprocess.PIPE, text=True)
    exports = {}
    for line in serve.stdout:
        if line.startswith("export "):
            name, _, value = line[len("export "):].strip().partition("=")
            exports[name] = shlex.split(value)[0] if value else ""
        if line.startswith("# Then try"):
            break
    terminal = {**env, **exports}
    done = subprocess.run(["bash", "-c", "aws iam create-user --user-name bob && aws iam list-users"],
                          env=terminal, capture_output=True, text=True, timeout=200)
    result["terminal"] = [done.returncode, done.stdout, done.stderr[-2000:]]
    result["no_proxy"] = env.get("no_proxy"), exports.get("no_proxy")
    serve.send_signal(signal.SIGINT)
    result["serve"] = serve.wait(timeout=30)
    print(json.dumps(result))
""")


def test_course_kernels_and_terminals_behind_a_proxy(tmp_path: Path) -> None:
    """`labkit lab`'s environment and `labkit serve`'s export lines work behind a proxy, bypassing it."""
    trap = ProxyTrap()
    try:
        env, log = _behind_proxy(tmp_path, trap)
        proc = subprocess.run([sys.executable, "-c", COURSE_BEHIND_PROXY], env=env, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        code, out, err = result["kernel"]
        assert code == 0 and "arn:aws:iam::123456789012:root" in out, err
        code, out, err = result["terminal"]
        assert code == 0 and '"UserName": "bob"' in out, err
        for value in result["no_proxy"]:
            # theirs kept, loopback added
            assert value.startswith("intranet.example,") and "127.0.0.1" in value
        assert result["serve"] == 0
        _check_trap(trap, log)
    finally:
        trap.close()


@pytest.mark.grading_run
def test_graded_kernels_behind_a_proxy(tmp_path: Path) -> None:
    """A correct solution graded behind a proxy scores full marks (it used to score 0)."""
    import csv
    import shutil

    trap = ProxyTrap()
    try:
        env, log = _behind_proxy(tmp_path, trap)
        subs, out = tmp_path / "class", tmp_path / "grades"
        subs.mkdir()
        shutil.copy(Path(__file__).resolve().parents[2] / "solutions" / "root.ipynb", subs / "ada.ipynb")
        proc = subprocess.run([*GRADE, str(subs), "--out", str(out), "--jobs", "1"], env=env,
                              capture_output=True, text=True, timeout=600, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        with open(out / "grades.csv", newline="") as fh:
            [row] = list(csv.DictReader(fh))
        assert row["status"] == "graded" and row["score"] == row["max_score"] != "0", row
        assert trap.received == [], f"the proxy received: {trap.received!r}"
        assert sorted(p.name for p in tmp_path.glob("labkit-*")) == []  # no sandbox files left behind
    finally:
        trap.close()


def test_the_guard_refuses_a_proxy_that_would_still_carry_a_sandbox_request(lab) -> None:  # noqa: ANN001
    """Defence in depth: if anything put a proxy back in botocore's way, the request is refused."""
    import pytest
    from botocore.awsrequest import AWSRequest
    from botocore.httpsession import URLLib3Session

    import labkit

    session = URLLib3Session(proxies={"http": "http://192.0.2.77:3128"})
    session._proxy_config.proxy_url_for = lambda url: "http://192.0.2.77:3128"  # undo labkit's bypass
    request = AWSRequest("GET", lab.endpoint_url + "/labkit/health").prepare()
    with pytest.raises(labkit.RealAWSBlockedError, match="through the proxy at '192.0.2.77'"):
        session.send(request)


# -- the guard decides by address, not by the spelling of a name -----------------------------------

BY_ADDRESS = textwrap.dedent("""
    import json, socket, sys
    import boto3, labkit
    from labkit import guard
    looked_up = []
    def spy(event, args):
        if event == "socket.getaddrinfo":
            looked_up.append(str(args[0]))
    sys.addaudithook(spy)
    names = ["localhost", "sandbox-alias", "loop2-alias", "ip6-alias", "evil-alias", "mixed-alias",
             "localhost.localdomain", "ip6-localhost", "127.0.0.1", "::1", "::ffff:127.0.0.1",
             "::ffff:192.0.2.1", "127.1", "0.0.0.0", "iam.amazonaws.com"]
    verdict = {name: guard.is_loopback_host(name) for name in names}
    try:
        mixed = sorted({info[4][0] for info in socket.getaddrinfo("mixed-alias", None)})
    except OSError:
        mixed = []
    lab = labkit.start(quiet=True)
    port = lab.endpoint_url.rsplit(":", 1)[1]
    calls = {}
    for name in ("sandbox-alias", "evil-alias", "localhost.localdomain", "ip6-localhost"):
        try:
            calls[name] = boto3.client("sts", endpoint_url=f"http://{name}:{port}").get_caller_identity()["Arn"]
        except labkit.RealAWSBlockedError:
            calls[name] = "refused"
    print(json.dumps({"verdict": verdict, "mixed": mixed, "calls": calls, "looked_up": looked_up}))
""")


def test_the_guard_decides_by_address_not_by_name(tmp_path: Path) -> None:
    """With a hosts file of our own (bubblewrap, no network at all): names count by what they resolve to,
    and a name the hosts file does not list is refused without a DNS query."""
    import shutil

    import pytest

    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap (bwrap) is needed to give the test its own /etc/hosts")
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n127.0.0.1 sandbox-alias\n127.0.0.2 loop2-alias\n::1 ip6-alias\n"
                     "192.0.2.55 evil-alias\n127.0.0.1 mixed-alias\n192.0.2.56 mixed-alias\n")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    proc = subprocess.run(["bwrap", "--die-with-parent", "--bind", "/", "/",
                           "--ro-bind", str(hosts), "/etc/hosts", "--dev", "/dev", "--unshare-net",
                           sys.executable, "-c", BY_ADDRESS],
                          env=env, capture_output=True, text=True, timeout=200)
    if proc.returncode != 0 and "bwrap:" in proc.stderr:
        pytest.skip(f"bubblewrap cannot make a sandbox here: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    verdict = result["verdict"]
    for name in ("localhost", "sandbox-alias", "loop2-alias", "ip6-alias", "127.0.0.1", "::1",
                 "::ffff:127.0.0.1"):
        assert verdict[name] is True, name
    for name in ("evil-alias", "localhost.localdomain", "ip6-localhost", "::ffff:192.0.2.1", "127.1",
                 "0.0.0.0", "iam.amazonaws.com"):
        assert verdict[name] is False, name
    # A name listed with both kinds of address counts only if every address it resolves to is loopback.
    assert verdict["mixed-alias"] is all(a.startswith("127.") for a in result["mixed"])
    # Names the hosts file does not know were never looked up (no DNS query leaves the machine for them).
    for name in ("localhost.localdomain", "ip6-localhost", "iam.amazonaws.com", "127.1"):
        assert name not in result["looked_up"], name
    assert result["calls"] == {"sandbox-alias": "arn:aws:iam::123456789012:root", "evil-alias": "refused",
                               "localhost.localdomain": "refused", "ip6-localhost": "refused"}


ONE_VARIABLE = textwrap.dedent("""
    import json, os, subprocess, sys
    import boto3, labkit
    lab = labkit.start(quiet=True)
    for name in ("NO_PROXY", "no_proxy"):   # the guard alone: no help from NO_PROXY
        os.environ.pop(name, None)
    out = [boto3.client("sts").get_caller_identity()["Arn"]]
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    env = {k: v for k, v in {**os.environ, **lab.env}.items() if k not in ("NO_PROXY", "no_proxy")}
    done = subprocess.run([aws, "sts", "get-caller-identity"], env=env, capture_output=True, text=True,
                          timeout=120)
    out.append(json.loads(done.stdout)["Arn"] if done.returncode == 0 else done.stderr[-500:])
    print(json.dumps(out))
""")


@pytest.mark.parametrize("variable", PROXY_VARIABLES)
def test_each_proxy_variable_on_its_own(tmp_path: Path, variable: str) -> None:
    """One variable at a time, without the NO_PROXY labkit adds: the guard alone keeps calls direct.

    (Without the guard, botocore sends the sandbox's http:// requests to ``HTTP_PROXY`` or
    ``http_proxy``; it picks proxies by scheme and ignores ``ALL_PROXY``, and ``HTTPS_PROXY``
    serves https:// only -- those cases pin that this stays so.)
    """
    trap = ProxyTrap()
    try:
        env, log = _hostile_machine(tmp_path)
        env[variable] = trap.url
        proc = subprocess.run([sys.executable, "-c", ONE_VARIABLE], env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert json.loads(proc.stdout.strip().splitlines()[-1]) == ["arn:aws:iam::123456789012:root"] * 2
        _check_trap(trap, log)
    finally:
        trap.close()


@pytest.mark.server_only("the guard checks where a connection goes; in-process, none is opened")
def test_guard_reads_the_host_the_connection_goes_to(lab, aws_cli) -> None:  # noqa: ANN001
    """Attack: a URL two parsers read differently. ``http://X\\@127.0.0.1/`` has host 127.0.0.1 for
    Python's ``urlsplit`` but X for urllib3, which opens the connection: it must be refused, and the
    listener at X must receive nothing."""
    import boto3
    import pytest

    import labkit

    trap = ProxyTrap()
    try:
        port = trap.url.rsplit(":", 1)[1]
        for url in (f"http://{trap.address}:{port}\\@127.0.0.1:1/", f"http://{trap.address}:{port}\\@localhost/"):
            client = boto3.client("sts", endpoint_url=url, region_name="us-east-1",
                                  aws_access_key_id=lab.root.access_key_id,
                                  aws_secret_access_key=lab.root.secret_access_key)
            with pytest.raises((labkit.RealAWSBlockedError, ValueError)):
                client.get_caller_identity()
            out = aws_cli("sts", "get-caller-identity", "--endpoint-url", url, check=False)
            assert out.returncode != 0 and "labkit refused" in out.stderr, out.stderr
    finally:
        trap.close()
    assert trap.received == []


def test_forwarding_and_host_headers_open_no_door(lab) -> None:  # noqa: ANN001
    """Attack: claim to come from loopback or from the owner's own page (``X-Forwarded-For``,
    ``X-Real-IP``, ``Forwarded``, ``Host``, ``Origin``): without the owner token, nothing opens."""
    claims = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", "Forwarded": "for=127.0.0.1",
              "Host": "localhost", "Origin": "http://127.0.0.1:8888", "Content-Type": "application/json"}
    for path, body in (("/labkit/health", None), ("/labkit/console/sign-in-root", b'{"email": "x"}'),
                       ("/labkit/admin/reset", b"{}"), ("/", b"Action=ListUsers&Version=2010-05-08")):
        status, _ = send(lab, "POST" if body else "GET", lab.endpoint_url + path, body, claims)
        assert status == 403, path
