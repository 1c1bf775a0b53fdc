"""The guard that keeps every AWS request inside the sandbox.

Once a sandbox is running, any boto3/botocore request whose address is not on
this machine's loopback interface (127.0.0.0/8 or ::1) is refused *before* a
connection is opened, with :class:`RealAWSBlockedError` explaining why.

It decides by address, not by spelling: an IP address is checked as it is; a
name counts only if this machine's own hosts file lists it and every address it
resolves to is loopback (a name the hosts file does not know is refused without
asking DNS, so not even its lookup leaves the machine).

Requests to the sandbox never go through a proxy: whatever ``HTTP_PROXY``,
``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY`` (any spelling) or
``Config(proxies=...)`` say, botocore connects to loopback directly -- and if
anything still tried to hand a sandbox request to a proxy, the request is refused.

Two doors are guarded:

* inside the Python process (your notebook kernel): :func:`install` patches
  botocore's HTTP sender, so even ``boto3.client("iam",
  endpoint_url="https://iam.amazonaws.com")`` is refused;
* the ``aws`` command line: the AWS config file written by the sandbox loads
  this module as an awscli plugin (``awscli_initialize``), so
  ``aws --endpoint-url https://... iam list-users`` is refused the same way.
  In a terminal of ``labkit lab`` that no sandbox is connected to (see
  ``labkit.offline_env``), every ``aws`` request is refused, with a message
  saying how to connect one.

>>> is_loopback_url("http://127.0.0.1:5000/")
True
>>> is_loopback_url("http://[::1]:5000/")
True
>>> is_loopback_url("https://iam.amazonaws.com/")
False
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Any
from urllib.parse import urlsplit

__all__ = ["RealAWSBlockedError", "is_loopback_url", "is_loopback_host", "install", "awscli_initialize"]

HOSTS_FILE = (os.path.join(os.environ.get("SystemRoot", r"C:\Windows"), "System32", "drivers", "etc", "hosts")
              if sys.platform == "win32" else "/etc/hosts")


class RealAWSBlockedError(ConnectionRefusedError):
    """Raised when code tries to reach an AWS endpoint outside the sandbox.

    The course never talks to real AWS: this protects your real account (and
    your wallet) even if your machine has real credentials configured.
    """


def _is_loopback_address(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return (mapped or address).is_loopback


def _in_hosts_file(name: str) -> bool:
    """Whether this machine's hosts file lists ``name`` (then no DNS server is asked about it)."""
    try:
        with open(HOSTS_FILE, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                fields = line.split("#", 1)[0].split()
                if len(fields) > 1 and name in (f.lower() for f in fields[1:]):
                    return True
    except OSError:
        pass
    return False


def is_loopback_host(host: str) -> bool:
    """True when every address ``host`` stands for is on this machine's loopback interface."""
    host = host.strip("[]").lower().rstrip(".")
    if not host:
        return False
    try:
        return _is_loopback_address(host)
    except ValueError:
        pass
    if not _in_hosts_file(host):
        return False
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    return bool(found) and all(_is_loopback_address(str(info[4][0])) for info in found)


def _hosts(url: str) -> list[str]:
    """The host of ``url`` as Python's ``urlsplit`` reads it and as urllib3 (which opens
    botocore's connections) reads it; empty when either cannot read it.

    Both, because they disagree on odd URLs: ``http://evil.example\\@127.0.0.1/`` is
    127.0.0.1 to ``urlsplit`` but evil.example to urllib3.
    """
    try:
        hosts = [urlsplit(url).hostname or ""]
    except ValueError:
        return []
    try:
        from urllib3.util import parse_url
    except ImportError:  # no urllib3, so no botocore connection either
        return hosts
    try:
        hosts.append(parse_url(url).host or "")
    except ValueError:  # urllib3's LocationParseError is a ValueError
        return []
    return hosts


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine's loopback interface (see :func:`is_loopback_host`),
    however it is parsed."""
    hosts = _hosts(url)
    return bool(hosts) and all(is_loopback_host(host) for host in hosts)


def check_url(url: str) -> None:
    """Raise :class:`RealAWSBlockedError` unless ``url`` is a loopback address."""
    if not is_loopback_url(url):
        host = next((h for h in _hosts(url) if not is_loopback_host(h)), url)
        raise RealAWSBlockedError(
            f"labkit refused a request to {host!r}: this course only talks to the "
            "in-memory AWS sandbox on 127.0.0.1, never to a real AWS account. "
            "Remove the explicit endpoint_url/--endpoint-url (or the profile that "
            "sets one) and the request will go to the sandbox."
        )


_installed = False


def check_no_proxy(url: str, proxy_url: str | None) -> None:
    """Raise :class:`RealAWSBlockedError` if a request to ``url`` would go through ``proxy_url``."""
    if proxy_url:
        try:
            where = urlsplit(proxy_url).hostname or proxy_url
        except ValueError:
            where = "?"
        raise RealAWSBlockedError(
            f"labkit refused to send a sandbox request through the proxy at {where!r}: requests to "
            f"the sandbox ({urlsplit(url).netloc}) stay on this machine and never go through a proxy."
        )


def install() -> None:
    """Guard every botocore request made in this Python process (idempotent).

    Requests may go to loopback only, and there botocore connects directly: no
    proxy from the environment or from ``Config(proxies=...)`` is used.
    """
    global _installed
    if _installed:
        return
    from botocore.httpsession import ProxyConfiguration, URLLib3Session

    original_send = URLLib3Session.send
    original_proxy_url_for = ProxyConfiguration.proxy_url_for

    def direct_to_loopback(self: ProxyConfiguration, url: str) -> Any:
        if is_loopback_url(url):
            return None
        return original_proxy_url_for(self, url)

    def guarded_send(self: URLLib3Session, request: Any) -> Any:
        check_url(request.url)
        check_no_proxy(request.url, self._proxy_config.proxy_url_for(request.url))
        return original_send(self, request)

    direct_to_loopback.__wrapped__ = original_proxy_url_for  # type: ignore[attr-defined]
    guarded_send.__wrapped__ = original_send  # type: ignore[attr-defined]
    ProxyConfiguration.proxy_url_for = direct_to_loopback
    URLLib3Session.send = guarded_send
    _installed = True


NO_SANDBOX_MESSAGE = (
    "labkit stopped this request: no sandbox is connected to this shell, and this course never "
    "talks to a real AWS account. To use `aws` in a terminal, run `labkit serve` in another "
    "terminal and paste the `export` lines it prints here (in a notebook, run "
    "`lab = labkit.start()` instead)."
)


IN_PROCESS_MESSAGE = (
    "labkit stopped this request: this notebook's sandbox runs inside its kernel "
    "(labkit.start(in_process=True)), where a separate `aws` program cannot reach it. "
    "Use `!aws ...` in the notebook (answered inside the kernel) or boto3 (`lab.client(...)`), "
    "or start the sandbox without in_process."
)


def _before_send(request: Any, **_: Any) -> None:
    if not os.environ.get("LABKIT_ENDPOINT"):  # a shell of `labkit lab` with no sandbox connected
        raise RealAWSBlockedError(NO_SANDBOX_MESSAGE)
    if os.environ.get("LABKIT_IN_PROCESS") and not _answered_in_this_process(request.url):
        raise RealAWSBlockedError(IN_PROCESS_MESSAGE)
    check_url(request.url)


def _answered_in_this_process(url: str) -> bool:
    """True for ``aws`` run inside the kernel that holds an in-process sandbox (labkit.bang_aws)."""
    import sys

    in_process = sys.modules.get("labkit.transports.in_process")
    return in_process is not None and in_process.answers(url)


def awscli_initialize(cli: Any) -> None:
    """awscli plugin entry point: refuse any request that would leave the machine, and send
    the sandbox's requests directly (never through a proxy); IAM Identity Center tokens in the
    lab's private folder (:func:`labkit.aws_environment.use_sso_cache`)."""
    from .aws_environment import use_sso_cache

    install()
    use_sso_cache()
    cli.register("before-send", _before_send)
