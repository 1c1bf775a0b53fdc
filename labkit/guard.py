"""The guard that keeps every AWS request inside the sandbox.

Once a sandbox is running, any boto3/botocore request whose address is not on
this machine's loopback interface (127.0.0.0/8 or ::1) is refused *before* a
connection is opened, with :class:`RealAWSBlockedError` explaining why.

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
>>> is_loopback_url("https://iam.amazonaws.com/")
False
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

__all__ = ["RealAWSBlockedError", "is_loopback_url", "install", "awscli_initialize"]

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class RealAWSBlockedError(ConnectionRefusedError):
    """Raised when code tries to reach an AWS endpoint outside the sandbox.

    The course never talks to real AWS: this protects your real account (and
    your wallet) even if your machine has real credentials configured.
    """


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine's loopback interface."""
    host = (urlsplit(url).hostname or "").strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """Raise :class:`RealAWSBlockedError` unless ``url`` is a loopback address."""
    if not is_loopback_url(url):
        host = urlsplit(url).hostname
        raise RealAWSBlockedError(
            f"labkit refused a request to {host!r}: this course only talks to the "
            "in-memory AWS sandbox on 127.0.0.1, never to a real AWS account. "
            "Remove the explicit endpoint_url/--endpoint-url (or the profile that "
            "sets one) and the request will go to the sandbox."
        )


_installed = False


def install() -> None:
    """Guard every botocore request made in this Python process (idempotent)."""
    global _installed
    if _installed:
        return
    from botocore.httpsession import URLLib3Session

    original_send = URLLib3Session.send

    def guarded_send(self: URLLib3Session, request: Any) -> Any:
        check_url(request.url)
        return original_send(self, request)

    guarded_send.__wrapped__ = original_send  # type: ignore[attr-defined]
    URLLib3Session.send = guarded_send  # type: ignore[method-assign]
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
    import os

    if not os.environ.get("LABKIT_ENDPOINT"):  # a shell of `labkit lab` with no sandbox connected
        raise RealAWSBlockedError(NO_SANDBOX_MESSAGE)
    if os.environ.get("LABKIT_IN_PROCESS") and not _answered_in_this_process(request.url):
        raise RealAWSBlockedError(IN_PROCESS_MESSAGE)
    check_url(request.url)


def _answered_in_this_process(url: str) -> bool:
    """True for ``aws`` run inside the kernel that holds an in-process sandbox (labkit.bang_aws)."""
    import sys

    in_process = sys.modules.get("labkit.in_process")
    return in_process is not None and in_process.answers(url)


def awscli_initialize(cli: Any) -> None:
    """awscli plugin entry point: refuse any request that would leave the machine."""
    cli.register("before-send", _before_send)
