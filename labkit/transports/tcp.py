"""A sandbox served over HTTP on 127.0.0.1 (what ``labkit.start()`` runs in your kernel).

The server always binds to 127.0.0.1 on a port the operating system picks, so many kernels on
one machine never collide and nothing outside the machine can reach it. It serves in a daemon
thread (:meth:`TcpTransport.start`) or in the calling thread (:meth:`TcpTransport.serve_forever`,
``labkit serve``).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from .remote import http_request

if TYPE_CHECKING:
    from ..sandbox_core import Sandbox

__all__ = ["TcpTransport"]


class TcpTransport:
    """``sandbox`` served on ``http://127.0.0.1:<port>`` (``port=0``: one the system picks)."""

    in_process = False

    def __init__(self, sandbox: Sandbox, port: int = 0) -> None:
        self.sandbox = sandbox
        self._port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.url = ""  # http://127.0.0.1:<port>, once serving (kept after stop: nothing answers there)

    def _make(self) -> None:
        from werkzeug.serving import make_server

        from ..realism.wire import request_handler  # keeps the portal's bearer-token header

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = make_server("127.0.0.1", self._port, self.sandbox, threaded=True,
                                   request_handler=request_handler())
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> TcpTransport:
        """Start serving in a daemon thread; returns at once, ready for requests."""
        self._make()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="labkit-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        if self._server is None:
            self._make()
        self._server.serve_forever(poll_interval=0.05)

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self._server.server_address[1])

    def request(self, method: str, path: str, body: bytes | None,
                headers: dict[str, str]) -> tuple[int, bytes]:
        """One HTTP request to this server."""
        return http_request(self.url + path, method, body, headers)

    def stop(self) -> None:
        """Stop serving and free the port (about 20 ms)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
