"""The sandbox without a server: AWS requests answered inside this Python process.

``labkit.start(in_process=True)`` runs the very same realism layer and moto as
the normal sandbox, but instead of a server on 127.0.0.1 a botocore hook hands
each boto3 request straight to the layer and returns its answer -- no socket,
no thread. This is the mode for kernels that cannot open sockets or start
programs (an in-browser, zero-install edition of the course); the course
itself uses the server, because the ``aws`` command runs as a separate program
and can only reach a server.

In this mode:

* ``lab.client(...)`` and plain ``boto3.client(...)`` work as usual;
* ``!aws ...`` lines answered inside the kernel (:mod:`labkit.bang_aws`, the
  default) reach the sandbox too; a separate ``aws`` program cannot, and says so;
* only one sandbox per process (moto keeps its state in the process).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ..sandbox_core import Sandbox

__all__ = ["ENDPOINT", "InProcessTransport", "answers"]

# Requests to this address are answered by the hook before anything is sent;
# nothing listens there, so a client without the hook cannot reach anything either.
ENDPOINT = "http://127.0.0.1:1"


_running: InProcessTransport | None = None


def answers(url: str) -> bool:
    """True when a sandbox in this process answers requests to ``url``."""
    return _running is not None and _running.sandbox is not None and url.startswith(ENDPOINT + "/")


class _RawBody(io.BytesIO):
    """What botocore reads a response body from."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


def _environ(method: str, url: str, body: Any, headers: Any) -> dict[str, Any]:
    """A WSGI environ for one request (``body`` may be bytes, text or a file)."""
    parts = urlsplit(url)
    body = body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": parts.path or "/",
        "QUERY_STRING": parts.query,
        "RAW_URI": parts.path + (f"?{parts.query}" if parts.query else ""),  # what the signature covers
        "SERVER_NAME": parts.hostname or "127.0.0.1",
        "SERVER_PORT": str(parts.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": parts.netloc,
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers.items():
        value = value.decode() if isinstance(value, bytes) else str(value)
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    return environ


class InProcessTransport:
    """``sandbox`` answering boto3's requests to :data:`ENDPOINT` in this process, without a socket."""

    url = ENDPOINT
    in_process = True

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox: Sandbox | None = sandbox

    def start(self) -> InProcessTransport:
        """Hook into botocore: from now on, requests to :data:`ENDPOINT` are answered here."""
        from botocore.handlers import BUILTIN_HANDLERS

        if ("before-send", self._answer) not in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.append(("before-send", self._answer))
        global _running
        _running = self
        return self

    def _answer(self, request: Any, **_: Any) -> Any:
        """botocore ``before-send`` hook: the sandbox's answer for requests to :data:`ENDPOINT`."""
        if self.sandbox is None or not request.url.startswith(ENDPOINT + "/"):
            return None  # not ours: botocore (and labkit's guard) carry on as usual
        from botocore.awsrequest import AWSResponse

        resp = self.sandbox.answer(_environ(request.method, request.url, request.body, request.headers))
        return AWSResponse(request.url, resp.status, dict(resp.headers), _RawBody(resp.body))

    def request(self, method: str, path: str, data: bytes | None,
                headers: dict[str, str]) -> tuple[int, bytes]:
        """A plain HTTP-style call to the sandbox (its control and console endpoints)."""
        if self.sandbox is None:
            raise ConnectionRefusedError("the in-process sandbox was stopped")
        resp = self.sandbox.answer(_environ(method, ENDPOINT + path, data, headers))
        return resp.status, resp.body

    def stop(self) -> None:
        """Forget the hook (clients made earlier then fail to connect: nothing listens there)."""
        from botocore.handlers import BUILTIN_HANDLERS

        if ("before-send", self._answer) in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.remove(("before-send", self._answer))
        self.sandbox = None
        global _running
        if _running is self:
            _running = None
