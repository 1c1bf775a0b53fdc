"""The sandbox server: moto's AWS, behind the realism layer, on 127.0.0.1.

You rarely use this module directly: :func:`labkit.start` runs a
:class:`SandboxServer` in a background thread of your kernel, ``labkit serve``
runs one in the foreground of a terminal, and the grader runs one per worker.

The server always binds to 127.0.0.1 on a port the operating system picks, so
many kernels on one machine never collide and nothing outside the machine can
reach it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

__all__ = ["SandboxServer"]


class SandboxServer:
    """moto's server app wrapped by :class:`labkit.realism.RealismLayer`."""

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.layer: Any = None

    def _make(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from .realism import RealismLayer
        from .realism.wire import request_handler

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto_app = DomainDispatcherApplication(create_backend_app)
        self.layer = RealismLayer(moto_app)
        self._server = make_server(
            "127.0.0.1", self._port, self.layer, threaded=True, request_handler=request_handler()
        )

    def start(self) -> SandboxServer:
        """Start serving in a daemon thread; returns at once, ready for requests."""
        self._make()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="labkit-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (``labkit serve``)."""
        if self._server is None:
            self._make()
        self._server.serve_forever(poll_interval=0.05)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving and free the port (about 20 ms)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

