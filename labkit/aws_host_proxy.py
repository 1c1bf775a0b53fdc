"""A small forward proxy on loopback that refuses every AWS host: the guard for *any* client.

The course's ``aws`` (CLI v1) and boto3 load :mod:`labkit.guard`, which refuses any
address off this machine. Other clients do not: the AWS CLI v2, the SDK for
JavaScript, Terraform, ``curl``. Most of them read the endpoint from the ``export``
lines of ``labkit serve`` (``AWS_ENDPOINT_URL`` and ``endpoint_url`` in the config
file) -- but one that is too old to (AWS CLI v2 before 2.13) would send the
sandbox's keys to ``https://sts.us-east-1.amazonaws.com/``.

So ``labkit serve`` and the terminals of ``labkit lab`` also set ``HTTPS_PROXY`` and
``HTTP_PROXY`` to this proxy (and keep loopback in ``NO_PROXY``, so the sandbox is
reached directly). It answers a request for an AWS host (see :data:`AWS_DOMAINS`)
with ``403`` and a message saying what to do, *before* any name lookup or
connection: nothing for an AWS host ever leaves the machine. Every other host is
passed through (directly, or through the proxy the terminal had before, if any),
so ``pip install`` and ``git clone`` keep working.

It is bounded so it cannot be used to starve the machine: a request line and each
header line at most :data:`MAX_LINE` bytes, at most :data:`MAX_HEADERS` headers,
:data:`MAX_CONNECTIONS` connections at once (more get ``503``), the whole request
head within :data:`HANDSHAKE_TIMEOUT` seconds, and a tunnel silent both ways for
:data:`IDLE_TIMEOUT` seconds is closed.

>>> is_aws_host("iam.amazonaws.com"), is_aws_host("STS.us-east-1.AmazonAWS.com."), is_aws_host("pypi.org")
(True, True, False)
>>> is_aws_host("iam.cn-north-1.amazonaws.com.cn"), is_aws_host("sts.us-gov-west-1.api.aws")
(True, True)
>>> is_aws_host("notamazonaws.com")
False
"""

from __future__ import annotations

import ipaddress
import os
import select
import socket
import sys
import threading
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

__all__ = ["AWS_DOMAINS", "is_aws_host", "AwsHostProxy", "REFUSAL", "proxy_environment"]

# Every DNS name under which AWS serves its APIs, sign-in and portals. Sources: the partitions
# botocore ships (botocore/data/partitions.json: each partition's "dnsSuffix" and
# "dualStackDnsSuffix" -- tests/sandbox/test_any_client.py checks that each is covered), AWS General
# Reference "AWS service endpoints" (https://docs.aws.amazon.com/general/latest/gr/rande.html),
# "AWS Sign-In endpoints" (https://docs.aws.amazon.com/general/latest/gr/signin-service.html) and
# "AWS IAM Identity Center endpoints" (https://docs.aws.amazon.com/general/latest/gr/sso.html).
AWS_DOMAINS: tuple[str, ...] = (
    "amazonaws.com",            # partitions aws and aws-us-gov (GovCloud): iam.amazonaws.com, ...
    "aws",                      # the .aws top-level domain: *.api.aws (dual-stack), signin.aws, ...
    "amazonaws.com.cn",         # aws-cn (China)
    "amazonwebservices.com.cn",  # aws-cn dual-stack
    "amazonaws.eu",             # aws-eusc (European Sovereign Cloud)
    "amazonwebservices.eu",     # aws-eusc dual-stack
    "c2s.ic.gov",               # aws-iso
    "api.aws.ic.gov",           # aws-iso dual-stack
    "sc2s.sgov.gov",            # aws-iso-b
    "api.aws.scloud",           # aws-iso-b dual-stack
    "cloud.adc-e.uk",           # aws-iso-e
    "api.cloud-aws.adc-e.uk",   # aws-iso-e dual-stack
    "csp.hci.ic.gov",           # aws-iso-f
    "api.aws.hci.ic.gov",       # aws-iso-f dual-stack
    "signin.aws.amazon.com",    # sign-in (the console, `aws login`), global and <region>.signin...
    "awsapps.com",              # IAM Identity Center access portals (<id>.awsapps.com)
)

REFUSAL = ("Refused by the IAM castle course: requests from this terminal may go to the course "
           "sandbox only, never to an AWS host. Use the export lines of labkit serve (AWS CLI 2.13 or "
           "later and current SDKs read the endpoint from them), or add --endpoint-url "
           "$AWS_ENDPOINT_URL to each command of an older CLI")

URL_PATH = "/aws-hosts-refused.use-endpoint-url-or-aws-cli-2.13"

MAX_LINE = 8 * 1024          # bytes in the request line or in one header line
MAX_HEADERS = 100            # header lines in one request
MAX_CONNECTIONS = 64         # client connections served at once
HANDSHAKE_TIMEOUT = 10.0     # seconds to send the request head, or to connect onwards
IDLE_TIMEOUT = 300.0         # seconds a tunnel may stay silent in both directions
_CHUNK = 64 * 1024

_HOP_HEADERS = (b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive", b"te",
                b"trailer", b"upgrade")
_HOST_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")


class _BadRequest(Exception):
    """A request this proxy will not read further (answered with ``status``)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").lower().rstrip(".")


def is_aws_host(host: str) -> bool:
    """True when ``host`` is a name in one of AWS's domains (:data:`AWS_DOMAINS`).

    Decided by spelling alone -- no DNS lookup, so asking costs nothing and reveals
    nothing. Case and a trailing dot do not matter.
    """
    name = _normal_host(host)
    return any(name == domain or name.endswith("." + domain) for domain in AWS_DOMAINS)


def _split_host_port(authority: str, default_port: int) -> tuple[str, int]:
    """``host`` and ``port`` of ``authority`` (``host:port`` or ``[v6]:port``), or _BadRequest."""
    host, port = authority, str(default_port)
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise _BadRequest(400, "Bad Request: unreadable host")
        host, rest = authority[1:end], authority[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise _BadRequest(400, "Bad Request: unreadable host")
            port = rest[1:]
    elif ":" in authority:
        host, port = authority.rsplit(":", 1)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise _BadRequest(400, "Bad Request: unreadable port")
    host = _normal_host(host)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not host or not set(host) <= _HOST_CHARACTERS:
            raise _BadRequest(400, "Bad Request: unreadable host") from None
    return host, int(port)


def _read_head(conn: socket.socket, timeout: float | None = None) -> tuple[bytes, list[bytes], bytes]:
    """The first line, the header lines and whatever came after the blank line.

    The whole head must arrive within ``timeout`` (default :data:`HANDSHAKE_TIMEOUT`), however
    slowly it trickles in.
    """
    deadline = time.monotonic() + (HANDSHAKE_TIMEOUT if timeout is None else timeout)
    data = b""
    while b"\r\n\r\n" not in data and b"\n\n" not in data:
        if len(data) > MAX_LINE * (MAX_HEADERS + 1):
            raise _BadRequest(431, "Request Header Fields Too Large")
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request head did not arrive in time")
        conn.settimeout(left)
        chunk = conn.recv(_CHUNK)
        if not chunk:
            raise _BadRequest(400, "Bad Request: the request ended early")
        data += chunk
    sep = b"\r\n\r\n" if b"\r\n\r\n" in data else b"\n\n"
    head, _, rest = data.partition(sep)
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    if any(len(line) > MAX_LINE for line in lines):
        raise _BadRequest(431, "Request Header Fields Too Large")
    if len(lines) - 1 > MAX_HEADERS:
        raise _BadRequest(431, "Request Header Fields Too Large")
    return lines[0], lines[1:], rest


def _header(headers: list[bytes], name: bytes) -> str:
    for line in headers:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip().decode("latin-1")
    return ""


def _send_status(conn: socket.socket, status: int, reason: str, body: str = "") -> None:
    text = (body or reason) + "\n"
    try:
        conn.sendall(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(text.encode())}\r\nConnection: close\r\n\r\n{text}".encode()
        )
    except OSError:
        pass


def _relay(a: socket.socket, b: socket.socket, both_ways: bool) -> None:
    """Copy bytes from ``a`` to ``b`` (and from ``b`` to ``a`` if ``both_ways``) until the sending
    side closes, or until nothing has moved for :data:`IDLE_TIMEOUT` seconds."""
    a.settimeout(None)
    b.settimeout(None)
    peers = {a: b, b: a}
    open_ends = {a, b} if both_ways else {a}
    while open_ends:
        ready, _, _ = select.select(list(open_ends), [], [], IDLE_TIMEOUT)
        if not ready:
            return
        for src in ready:
            try:
                chunk = src.recv(_CHUNK)
            except OSError:
                return
            if not chunk:
                open_ends.discard(src)
                try:
                    peers[src].shutdown(socket.SHUT_WR)
                except OSError:
                    return
                continue
            try:
                peers[src].sendall(chunk)
            except OSError:
                return


def _copy_exactly(src: socket.socket, dst: socket.socket, count: int) -> None:
    """Copy the next ``count`` bytes of ``src`` to ``dst`` (a request body), with timeouts."""
    src.settimeout(IDLE_TIMEOUT)
    while count > 0:
        chunk = src.recv(min(count, _CHUNK))
        if not chunk:
            raise _BadRequest(400, "Bad Request: the body ended early")
        dst.sendall(chunk)
        count -= len(chunk)


def _refuse_aws(host: str) -> None:
    if is_aws_host(host):
        raise _BadRequest(403, REFUSAL + f" (asked for {host})")


class AwsHostProxy:
    """The proxy: ``AwsHostProxy().start()`` listens on 127.0.0.1 (a free port: see :attr:`url`).

    ``upstream`` is the environment whose ``https_proxy``/``http_proxy``/``no_proxy``
    (any case) say how to reach other hosts: a campus proxy stays in use for them.
    """

    def __init__(self, upstream: Mapping[str, str] | None = None, port: int = 0) -> None:
        self._upstream = _upstream_proxies(os.environ if upstream is None else upstream)
        self._sock = socket.create_server(("127.0.0.1", port), backlog=16)
        self._sock.settimeout(0.25)
        # The path is ignored by every client, but the AWS CLI v2 shows the proxy's URL when it is
        # refused ('Failed to connect to proxy URL: "..."'): so the URL itself says what to do.
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}{URL_PATH}"
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="labkit-aws-host-proxy", daemon=True)

    def start(self) -> AwsHostProxy:
        """Start serving in a background thread; returns the proxy."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting connections (tunnels already open end with their clients)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:  # e.g. out of file descriptors: wait a little rather than spin
                if self._stop.is_set():
                    return
                time.sleep(0.1)
                continue
            if not self._slots.acquire(blocking=False):
                conn.settimeout(1)
                _send_status(conn, 503, "Service Unavailable: too many connections")
                conn.close()
                continue
            threading.Thread(target=self._serve_one, args=(conn,), daemon=True).start()

    def _serve_one(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(HANDSHAKE_TIMEOUT)
            self._handle(conn)
        except _BadRequest as err:
            _send_status(conn, err.status, err.reason)
        except OSError:
            pass
        finally:
            conn.close()
            self._slots.release()

    def _handle(self, conn: socket.socket) -> None:
        request_line, headers, rest = _read_head(conn)
        parts = request_line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise _BadRequest(400, "Bad Request")
        method, target, version = parts
        if method.upper() == "CONNECT":
            self._tunnel(conn, target, version, rest)
        else:
            self._forward(conn, method, target, version, headers, rest)

    def _tunnel(self, conn: socket.socket, target: str, version: str, rest: bytes) -> None:
        """``CONNECT host:port``: a byte tunnel to that host (never an AWS one), both ways."""
        host, port = _split_host_port(target, 443)
        _refuse_aws(host)
        upstream = self._choose_upstream("https", host)
        onward = self._connect(upstream[0] if upstream else (host, port))
        try:
            if upstream:  # ask the terminal's own proxy for the same tunnel, and read its answer here
                onward.sendall(f"CONNECT {target} {version}\r\nHost: {target}\r\n{upstream[1]}\r\n".encode())
                status_line, lines, early = _read_head(onward)
                conn.sendall(b"\r\n".join([status_line, *lines]) + b"\r\n\r\n" + early)
                if status_line.split(b" ")[1:2] != [b"200"]:
                    return  # refused there: this connection ends, it cannot ask for another host
            else:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                onward.sendall(rest)
            _relay(conn, onward, both_ways=True)
        finally:
            onward.close()

    def _forward(self, conn: socket.socket, method: str, target: str, version: str,
                 headers: list[bytes], rest: bytes) -> None:
        """A plain ``http://`` request: sent on (with its body), then only the answer comes back.

        The client cannot send a second request on this connection (to another host, past
        the check): after the first request's body nothing more of it is read.
        """
        url = urlsplit(target)
        if url.scheme.lower() != "http" or not url.netloc:
            raise _BadRequest(400, "Bad Request: this is a proxy; send http://host/path "
                                   "(https goes through CONNECT)")
        host, port = _split_host_port(url.netloc.rpartition("@")[2], 80)
        _refuse_aws(host)
        host_header = _header(headers, b"host")
        if host_header:
            _refuse_aws(_split_host_port(host_header, port)[0])
        if _header(headers, b"transfer-encoding"):
            raise _BadRequest(411, "Length Required: send the body with a Content-Length")
        length_text = _header(headers, b"content-length") or "0"
        if not length_text.isdigit():
            raise _BadRequest(400, "Bad Request: unreadable Content-Length")
        length = int(length_text)
        upstream = self._choose_upstream("http", host)
        onward = self._connect(upstream[0] if upstream else (host, port))
        try:
            path = target if upstream else (url.path or "/") + (f"?{url.query}" if url.query else "")
            kept = [h for h in headers if h.split(b":", 1)[0].strip().lower() not in _HOP_HEADERS]
            extra = [upstream[1].strip().encode("latin-1")] if upstream and upstream[1] else []
            head = b"\r\n".join([f"{method} {path} {version}".encode("latin-1"), *kept, *extra,
                                  b"Connection: close"]) + b"\r\n\r\n"
            onward.sendall(head + rest[:length])
            _copy_exactly(conn, onward, length - len(rest[:length]))
            _relay(onward, conn, both_ways=False)
        finally:
            onward.close()

    def _choose_upstream(self, scheme: str, host: str) -> tuple[tuple[str, int], str] | None:
        """The terminal's own proxy for ``host`` (its address, and a ``Proxy-Authorization``
        header line if its URL carried a user name), or None: connect directly."""
        proxy = self._upstream.get(scheme)
        if not proxy or _bypassed(host, self._upstream.get("no", "")):
            return None
        return proxy

    def _connect(self, address: tuple[str, int]) -> socket.socket:
        try:
            return socket.create_connection(address, timeout=HANDSHAKE_TIMEOUT)
        except OSError as err:
            raise _BadRequest(502, f"Bad Gateway: cannot connect to {address[0]}:{address[1]}") from err


def _upstream_proxies(environ: Mapping[str, str]) -> dict:
    """``{"https": ((host, port), auth), "http": ..., "no": "..."}`` from ``environ``'s proxy
    variables (lower case wins, as in curl and Python); only ``http://`` proxies are used.
    ``auth`` is a ``Proxy-Authorization`` header line (with its CRLF) when the URL names a user."""
    import base64
    from urllib.parse import unquote

    found: dict = {}
    lowered: dict[str, str] = {}
    for name, value in environ.items():
        key = name.lower()
        if key in ("https_proxy", "http_proxy", "no_proxy") and (name == key or key not in lowered):
            lowered[key] = value
    for scheme in ("https", "http"):
        value = lowered.get(f"{scheme}_proxy", "")
        url = urlsplit(value if "://" in value else f"http://{value}") if value else None
        if url is None or url.scheme != "http" or not url.hostname:
            continue
        auth = ""
        if url.username:
            pair = f"{unquote(url.username)}:{unquote(url.password or '')}".encode()
            auth = f"Proxy-Authorization: Basic {base64.b64encode(pair).decode()}\r\n"
        found[scheme] = ((url.hostname, url.port or 80), auth)
    found["no"] = lowered.get("no_proxy", "")
    return found


def _bypassed(host: str, no_proxy: str) -> bool:
    """Whether ``no_proxy`` (``*``, or names: ``example.org`` and ``.example.org`` both match the
    name and everything under it, as in curl) says to reach ``host`` without the upstream proxy.

    >>> _bypassed("git.intranet.example", "localhost,.intranet.example:8080")
    True
    >>> _bypassed("pypi.org", "intranet.example")
    False
    """
    for entry in no_proxy.split(","):
        entry = entry.strip().lower()
        if entry == "*":
            return True
        if entry.startswith("[") and "]" in entry:
            entry = entry[1:entry.index("]")]
        elif entry.count(":") == 1:
            entry = entry.split(":")[0]
        entry = entry.strip(".")
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def proxy_environment(url: str) -> dict[str, str]:
    """The variables that send a terminal's HTTP(S) through the proxy at ``url``, both cases."""
    return {name: url for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")}


def _serve_while_parent_lives() -> None:
    """``python -m labkit.aws_host_proxy``: print the URL, serve until the parent process ends.

    ``labkit lab`` starts it this way, then becomes JupyterLab (same process), so the
    proxy lives exactly as long as JupyterLab.
    """
    import time

    parent = os.getppid()
    proxy = AwsHostProxy().start()
    print(proxy.url, flush=True)
    try:
        while os.getppid() == parent:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    proxy.stop()


if __name__ == "__main__":  # pragma: no cover - run by labkit lab
    _serve_while_parent_lives()
    sys.exit(0)
