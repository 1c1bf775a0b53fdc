"""A sandbox served over HTTP on a Unix socket (the grader's road into each jail).

A jailed kernel has no network at all; the grader bind-mounts this socket into the jail and
the kernel's ``aws`` and boto3 reach the sandbox through it (see :mod:`labkit.grading.kernels`).
"""

from __future__ import annotations

import http.client
import os
import socket
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..sandbox_core import Sandbox

__all__ = ["UnixSocketTransport"]


class _UnixConnection(http.client.HTTPConnection):
    """An HTTP connection over the Unix socket at ``path``."""

    def __init__(self, path: str, timeout: float = 30) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class UnixSocketTransport:
    """``sandbox`` served on the Unix socket ``path`` (readable and writable by every user:
    a root grader's kernels run as nobody; the folder around the socket is private)."""

    in_process = False

    def __init__(self, sandbox: Sandbox, path: str) -> None:
        self.sandbox = sandbox
        self.path = path
        self.url = f"unix://{path}"
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> UnixSocketTransport:
        """Start serving in a daemon thread; returns at once, ready for requests."""
        from werkzeug.serving import make_server

        from ..realism.wire import request_handler  # keeps the portal's bearer-token header

        self._server = make_server(self.url, 0, self.sandbox, threaded=True,
                                   request_handler=request_handler())
        os.chmod(self.path, 0o666)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="labkit-sandbox-unix", daemon=True)
        self._thread.start()
        return self

    def request(self, method: str, path: str, body: bytes | None,
                headers: dict[str, str]) -> tuple[int, bytes]:
        """One HTTP request through the socket."""
        conn = _UnixConnection(self.path)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def stop(self) -> None:
        """Stop serving (the socket file stays until its folder is removed)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
