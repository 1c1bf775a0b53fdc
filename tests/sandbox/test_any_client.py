"""Any client in a terminal with the export lines of `labkit serve`: it reaches the sandbox or is
refused, and nothing for an AWS host ever leaves the machine.

One `labkit serve` for the module, started with an audit hook (tests/support/network.py) that
logs every name lookup and connection beyond loopback made by its process -- which runs the
course's proxy (labkit.aws_host_proxy). Then, in a "terminal" that has the export lines alone:
Debian's AWS CLI v2 (2.9.x: too old to read the endpoint from them; audited too), the AWS SDK for
JavaScript v3, plain boto3 (no labkit guard), the course's awscli v1 and curl. Clients that cannot
be installed (see scripts/install-aws-clients.sh) are skipped with the reason.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from labkit import aws_host_proxy
from labkit.aws_host_proxy import REFUSAL, URL_PATH, AwsHostProxy, is_aws_host
from labkit.client_check import advice
from tests.support.network import audited_site, labkit_serve

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CLI_V2 = Path("/usr/bin/aws")
JS_SDK = ROOT / "build" / "js-sdk"
ROOT_ARN = "arn:aws:iam::123456789012:root"


class Terminal:
    """A terminal with the export lines of one `labkit serve`, and that serve's network log."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log

    def run(self, *argv: str, audited: bool = False, **extra: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "AWS_MAX_ATTEMPTS": "1", **extra}  # a refused request is not retried 4 times
        if not audited:  # the audit hook is for Python clients whose sockets are under test
            env.pop("PYTHONPATH", None)
        return subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def terminal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Terminal]:
    tmp = tmp_path_factory.mktemp("any-client")
    sitedir, log = audited_site(tmp)
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp), "TMPDIR": str(tmp), "LANG": "C.UTF-8",
            "PYTHONPATH": str(sitedir), "LABKIT_TEST_NET_LOG": str(log)}
    with labkit_serve(base) as exports:
        yield Terminal({**base, **exports}, log)


def _no_outside_connections(terminal: Terminal) -> None:
    assert not terminal.log.exists(), "lookups/connections beyond loopback:\n" + terminal.log.read_text()


def test_the_export_lines_name_the_proxy_and_keep_the_sandbox_direct(terminal: Terminal) -> None:
    env = terminal.env
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        assert env[name].startswith("http://127.0.0.1:") and env[name].endswith(URL_PATH)
    for name in ("NO_PROXY", "no_proxy"):
        assert "127.0.0.1" in env[name].split(",")
    config = Path(env["AWS_CONFIG_FILE"]).read_text()
    assert f"endpoint_url = {env['AWS_ENDPOINT_URL']}\n" in config  # for CLI >= 2.13 and the SDKs


# -- Debian's AWS CLI v2 ---------------------------------------------------------------------------

@functools.cache
def _cli_v2_version() -> str:
    if not CLI_V2.exists():
        return ""
    done = subprocess.run([str(CLI_V2), "--version"], capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


def _cli_v2() -> str:
    """Debian's AWS CLI v2, as these tests expect it: before 2.13 (so it ignores the endpoint)."""
    version = _cli_v2_version()
    if not version:
        pytest.skip("Debian's awscli (AWS CLI v2) is not installed: scripts/install-aws-clients.sh could not")
    if not version.startswith("aws-cli/2."):
        pytest.skip(f"{CLI_V2} is not an AWS CLI v2 ({version!r})")
    return str(CLI_V2)


def test_cli_v2_with_the_export_lines_alone_reaches_the_sandbox_or_is_refused(terminal: Terminal) -> None:
    """Before 2.13 (Debian bookworm's 2.9) the CLI ignores AWS_ENDPOINT_URL and aims at
    sts.us-east-1.amazonaws.com: the proxy refuses it; from 2.13 it reaches the sandbox. Either way
    (audited) neither the CLI nor the proxy looks an AWS name up or connects anywhere off the machine."""
    aws = _cli_v2()
    done = terminal.run(aws, "sts", "get-caller-identity", audited=True)
    if advice(_cli_v2_version()).endswith("Nothing to add."):  # 2.13 or later
        assert done.returncode == 0 and json.loads(done.stdout)["Arn"] == ROOT_ARN, done.stderr
    else:
        assert done.returncode != 0
        assert f'Failed to connect to proxy URL: "{terminal.env["HTTPS_PROXY"]}"' in done.stderr, done.stderr
        assert "aws-hosts-refused.use-endpoint-url" in done.stderr
    _no_outside_connections(terminal)


def test_cli_v2_with_endpoint_url_runs_the_book_steps(terminal: Terminal) -> None:
    aws = _cli_v2()
    at = ("--endpoint-url", terminal.env["AWS_ENDPOINT_URL"])
    done = terminal.run(aws, *at, "iam", "create-user", "--user-name", "cli-v2-user", audited=True)
    assert done.returncode == 0 and json.loads(done.stdout)["User"]["UserName"] == "cli-v2-user", done.stderr
    done = terminal.run(aws, *at, "iam", "list-users", "--output", "table")
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if "UserName" in line and "cli-v2-user" in line]
    assert done.stdout.splitlines()[1].split() == ["|", "ListUsers", "|"] and len(rows) == 1, done.stdout
    done = terminal.run(aws, *at, "iam", "get-user", "--user-name", "nobody-here")
    assert done.returncode == 254 and "(NoSuchEntity)" in done.stderr, done.stderr
    done = terminal.run(aws, *at, "sts", "get-caller-identity", AWS_SECRET_ACCESS_KEY="not-the-secret")
    assert done.returncode == 254 and "(SignatureDoesNotMatch)" in done.stderr, done.stderr
    _no_outside_connections(terminal)


def test_check_client_tells_an_old_cli_to_add_endpoint_url(terminal: Terminal) -> None:
    aws = _cli_v2()
    done = terminal.run(str(BIN / "labkit"), "serve", "--check-client", aws)
    if advice(_cli_v2_version()).endswith("Nothing to add."):
        assert done.returncode == 0 and "Nothing to add" in done.stdout, done.stdout
    else:
        assert done.returncode == 1 and "older than 2.13.0" in done.stdout and "--endpoint-url" in done.stdout
    done = terminal.run(str(BIN / "labkit"), "serve", "--check-client")  # the course's aws (v1) on PATH
    assert done.returncode == 0 and "Nothing to add" in done.stdout, done.stdout


# -- the AWS SDK for JavaScript v3 -------------------------------------------------------------------

JS_BOOK_STEPS = textwrap.dedent("""
    const { IAMClient, CreateUserCommand, ListUsersCommand, GetUserCommand } = require("@aws-sdk/client-iam");
    const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
    (async () => {
      const out = {};
      out.arn = (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn;
      const iam = new IAMClient({});
      out.created = (await iam.send(new CreateUserCommand({ UserName: "js-sdk-user" }))).User.Arn;
      out.listed = (await iam.send(new ListUsersCommand({}))).Users.map((u) => u.UserName);
      try { await iam.send(new GetUserCommand({ UserName: "nobody-here" })); out.error = "none"; }
      catch (err) {
        out.error = err.name; out.code = err.Error && err.Error.Code;
        out.status = err.$metadata.httpStatusCode; out.message = err.message;
      }
      console.log(JSON.stringify(out));
    })().catch((err) => { console.error(err); process.exit(1); });
""")


def test_js_sdk_v3_runs_the_book_steps_with_the_export_lines_alone(terminal: Terminal) -> None:
    node = shutil.which("node")
    if not node or not (JS_SDK / "node_modules" / "@aws-sdk" / "client-iam").is_dir():
        pytest.skip("node or the AWS SDK for JavaScript v3 is not installed: "
                    "scripts/install-aws-clients.sh could not")
    script = JS_SDK / "book-steps.js"
    script.write_text(JS_BOOK_STEPS)
    done = terminal.run(node, str(script))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["arn"] == ROOT_ARN
    assert out["created"] == "arn:aws:iam::123456789012:user/js-sdk-user"
    assert "js-sdk-user" in out["listed"]
    # The SDK maps AWS's error code NoSuchEntity to its class NoSuchEntityException (the model's name).
    assert (out["error"], out["code"], out["status"]) == ("NoSuchEntityException", "NoSuchEntity", 404), out
    assert out["message"] == "The user with name nobody-here cannot be found."


# -- boto3 without the guard, the course's awscli v1, curl -----------------------------------------

BOTO3_PLAIN = textwrap.dedent("""
    import json, boto3, botocore.config, botocore.exceptions
    out = {"arn": boto3.client("sts").get_caller_identity()["Arn"]}
    try:
        boto3.client("sts", endpoint_url="https://sts.amazonaws.com",
                     config=botocore.config.Config(retries={"max_attempts": 1})).get_caller_identity()
        out["aws"] = "reached"
    except botocore.exceptions.ProxyConnectionError as err:
        out["aws"] = str(err)
    import sys
    out["guard loaded"] = "labkit.guard" in sys.modules
    print(json.dumps(out))
""")


def test_boto3_without_the_guard_reaches_the_sandbox_and_never_aws(terminal: Terminal) -> None:
    done = terminal.run(sys.executable, "-c", BOTO3_PLAIN, audited=True)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out == {"arn": ROOT_ARN, "aws": f'Failed to connect to proxy URL: "{terminal.env["HTTPS_PROXY"]}"',
                   "guard loaded": False}
    _no_outside_connections(terminal)


def test_the_course_cli_v1_works_and_its_guard_still_refuses(terminal: Terminal) -> None:
    aws = str(BIN / "aws")
    done = terminal.run(aws, "sts", "get-caller-identity")
    assert done.returncode == 0 and json.loads(done.stdout)["Arn"] == ROOT_ARN, done.stderr
    done = terminal.run(aws, "iam", "list-users", "--endpoint-url", "https://iam.amazonaws.com", audited=True)
    assert done.returncode != 0, done.stderr
    assert "labkit refused a request to 'iam.amazonaws.com'" in done.stderr, done.stderr
    _no_outside_connections(terminal)


@pytest.fixture(scope="module")
def local_site() -> Iterator[str]:
    """A web server on loopback standing in for PyPI: what the proxy must pass through."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_curl_is_refused_for_aws_and_passed_through_elsewhere(terminal: Terminal, local_site: str) -> None:
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    done = terminal.run("curl", "-sS", "https://sts.us-east-1.amazonaws.com/")
    assert done.returncode == 56 and "CONNECT tunnel failed, response 403" in done.stderr, done.stderr
    done = terminal.run("curl", "-sS", "-w", "%{http_code}", "http://iam.amazonaws.com/")
    assert done.stdout.startswith(REFUSAL) and done.stdout.endswith("403"), done.stdout
    done = terminal.run("curl", "-sS", "-w", "%{http_code}", "-X", "POST", terminal.env["AWS_ENDPOINT_URL"])
    assert "MissingAuthenticationToken" in done.stdout  # the sandbox, directly (NO_PROXY)
    # Everything else goes through (--noproxy '': through the proxy even to loopback), plain and tunnelled.
    for tunnel in ((), ("--proxytunnel",)):
        done = terminal.run("curl", "-sS", "--noproxy", "", *tunnel, "-w", "%{http_code}", local_site)
        assert done.returncode == 0 and done.stdout.endswith("200"), done.stderr
    _no_outside_connections(terminal)


# -- the proxy itself: its list of hosts and its bounds ----------------------------------------------

def test_every_aws_partition_is_refused() -> None:
    """Each partition botocore knows (its DNS suffix and dual-stack suffix) is covered."""
    import botocore

    partitions = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    for partition in partitions["partitions"]:
        for key in ("dnsSuffix", "dualStackDnsSuffix"):
            suffix = partition["outputs"][key]
            assert is_aws_host(f"iam.{partition['outputs']['name']}.{suffix}"), (partition["id"], suffix)
            assert is_aws_host(f"sts.{suffix}."), (partition["id"], suffix)
    for host in ("signin.aws.amazon.com", "us-east-1.signin.aws.amazon.com", "d-1234567890.awsapps.com",
                 "signin.aws", "IAM.AMAZONAWS.COM"):
        assert is_aws_host(host), host
    for host in ("pypi.org", "files.pythonhosted.org", "github.com", "amazon.com", "docs.aws.amazon.com",
                 "amazonaws.com.evil.example", "notamazonaws.com", "127.0.0.1"):
        assert not is_aws_host(host), host


def _ask(proxy: AwsHostProxy, data: bytes) -> bytes:
    port = int(proxy.url.split(":")[2].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        if data:
            conn.sendall(data)
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    return reply


def test_every_spelling_of_an_aws_host_is_refused_or_unreadable() -> None:
    """Case, a trailing dot, user names, percent-escapes, the Host header: refused (403) or not read
    at all (400) -- never passed on."""
    proxy = AwsHostProxy({}).start()
    try:
        for request in (b"CONNECT IAM.AmazonAWS.com.:443 HTTP/1.1\r\n\r\n",
                        b"CONNECT [sts.amazonaws.com]:443 HTTP/1.1\r\n\r\n",
                        b"CONNECT sts.us-gov-west-1.api.aws HTTP/1.1\r\n\r\n",
                        b"GET http://ada@iam.amazonaws.com:80/ HTTP/1.1\r\n\r\n",
                        b"GET http://sts.cn-north-1.amazonaws.com.cn./ HTTP/1.0\r\n\r\n"):
            assert _ask(proxy, request).startswith(b"HTTP/1.1 403 Refused by the IAM castle course"), request
        for request in (b"CONNECT ada@iam.amazonaws.com:443 HTTP/1.1\r\n\r\n",
                        b"GET http://iam%2eamazonaws%2ecom/ HTTP/1.1\r\n\r\n",
                        b"CONNECT iam.amazonaws.com:99999 HTTP/1.1\r\n\r\n",
                        b"GET http://example.org/ HTTP/1.1\r\nHost: iam.amazonaws.com:x\r\n\r\n"):
            assert _ask(proxy, request).startswith(b"HTTP/1.1 400 "), request
    finally:
        proxy.stop()


def test_check_client_without_that_command_says_so() -> None:
    from labkit.client_check import check_client

    assert check_client("no-such-aws-here") == (2, "No `no-such-aws-here` command found in this terminal.")


def test_the_proxy_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws_host_proxy, "MAX_CONNECTIONS", 2)
    # Long enough that, on a loaded machine, both silent clients still hold their slots when the
    # third arrives; short enough to see them hung up on.
    monkeypatch.setattr(aws_host_proxy, "HANDSHAKE_TIMEOUT", 2.0)
    proxy = AwsHostProxy({}).start()
    try:
        huge = b"GET http://example.org/ HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n"
        assert _ask(proxy, huge).startswith(b"HTTP/1.1 431 ")
        many = b"GET http://example.org/ HTTP/1.1\r\n" + b"X: a\r\n" * 101 + b"\r\n"
        assert _ask(proxy, many).startswith(b"HTTP/1.1 431 ")
        assert _ask(proxy, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 400 ")
        assert _ask(proxy, b"CONNECT bad host!:443 HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 400 ")
        refused = _ask(proxy, b"GET http://example.org/ HTTP/1.1\r\nHost: iam.amazonaws.com\r\n\r\n")
        assert refused.startswith(b"HTTP/1.1 403 Refused by the IAM castle course")  # the Host header counts
        port = int(proxy.url.split(":")[2].split("/")[0])
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]  # both slots taken
        time.sleep(0.2)
        assert _ask(proxy, b"").startswith(b"HTTP/1.1 503 ")  # a third is turned away at once
        started = time.monotonic()
        for conn in silent:  # a client that sends nothing is hung up on after the handshake timeout
            conn.settimeout(5)
            assert conn.recv(100) == b""
            conn.close()
        assert time.monotonic() - started < 6
    finally:
        proxy.stop()


class Recorder:
    """A listener on loopback that records what each connection sends and answers ``reply``."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.received: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(0.5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    data += conn.recv(4096) or b"\r\n\r\n"
                conn.sendall(self.reply)
                time.sleep(0.2)  # anything the client sends after its first request still arrives here
                data += conn.recv(4096)
            except OSError:
                pass
            self.received.append(data)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def test_other_hosts_go_through_the_proxy_the_terminal_had() -> None:
    """A campus proxy (here with a user name) stays in use for everything else -- and never hears
    of an AWS host, not even from a client that asks again on a connection the campus refused."""
    campus = Recorder(b"HTTP/1.1 200 Connection established\r\n\r\n")
    proxy = AwsHostProxy({"HTTPS_PROXY": campus.url.replace("//", "//ada:s%40cret@"),
                          "no_proxy": "intranet.example"}).start()
    try:
        assert _ask(proxy, b"CONNECT sts.amazonaws.com:443 HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 403 ")
        assert _ask(proxy, b"CONNECT pypi.org:443 HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 200 ")
        campus.reply = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
        again = b"CONNECT github.com:443 HTTP/1.1\r\n\r\nCONNECT iam.amazonaws.com:443 HTTP/1.1\r\n\r\n"
        assert _ask(proxy, again).startswith(b"HTTP/1.1 407 ")
        time.sleep(0.3)
        auth = b"Proxy-Authorization: Basic YWRhOnNAY3JldA=="  # ada:s@cret
        assert [r.split(b"\r\n")[:3] for r in campus.received] == [
            [b"CONNECT pypi.org:443 HTTP/1.1", b"Host: pypi.org:443", auth],
            [b"CONNECT github.com:443 HTTP/1.1", b"Host: github.com:443", auth],
        ]
        assert b"amazonaws" not in b"".join(campus.received)
    finally:
        proxy.stop()
        campus.close()


def test_a_plain_http_connection_carries_one_request_only() -> None:
    """A second request sent on the same connection (to an AWS host, past the check) goes nowhere."""
    site = Recorder(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    proxy = AwsHostProxy({}).start()
    try:
        first = (f"POST {site.url}/upload HTTP/1.1\r\nHost: {site.url[7:]}\r\nContent-Length: 5\r\n"
                 "Proxy-Connection: keep-alive\r\n\r\nhel")
        second = b"GET http://iam.amazonaws.com/?Action=ListUsers HTTP/1.1\r\nHost: iam.amazonaws.com\r\n\r\n"
        port = int(proxy.url.split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(first.encode())
            time.sleep(0.05)
            conn.sendall(b"lo" + second)  # the rest of the body, then a request past the check
            reply = b""
            while chunk := conn.recv(65536):
                reply += chunk
        assert reply.endswith(b"\r\n\r\nok")
        time.sleep(0.3)
        [got] = site.received
        assert got.startswith(b"POST /upload HTTP/1.1\r\n") and got.endswith(b"\r\n\r\nhello"), got
        assert b"Connection: close" in got and b"Proxy-Connection" not in got
        assert _ask(proxy, b"POST http://example.org/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    ).startswith(b"HTTP/1.1 411 ")
    finally:
        proxy.stop()
        site.close()


def test_labkit_lab_terminals_get_a_proxy_that_lives_as_long_as_jupyterlab() -> None:
    """`labkit lab` starts the proxy, then becomes JupyterLab: the proxy ends when that process does."""
    code = ("from labkit.cli import lab_command, start_lab_proxy\n"
            "url = start_lab_proxy()\nargv, env = lab_command(['--no-browser'], url)\n"
            "import json; print(json.dumps({k: env[k] for k in ('HTTPS_PROXY', 'http_proxy', 'NO_PROXY', "
            "'AWS_CONFIG_FILE')}))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    env = json.loads(done.stdout)
    assert env["HTTPS_PROXY"] == env["http_proxy"] and env["HTTPS_PROXY"].endswith(URL_PATH)
    assert "127.0.0.1" in env["NO_PROXY"]
    assert "endpoint_url = http://127.0.0.1:9\n" in Path(env["AWS_CONFIG_FILE"]).read_text()
    port = int(env["HTTPS_PROXY"].split(":")[2].split("/")[0])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # its parent has exited: the proxy follows within a second or two
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the proxy of `labkit lab` outlived its JupyterLab")
