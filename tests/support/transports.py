"""The sandbox's transports for the tests: the same layer behind a server or inside the process.

``server`` is labkit's HTTP server on 127.0.0.1 (what the course and ``aws`` use); ``in_process``
answers boto3's requests inside this process with no socket (``labkit.start(in_process=True)``, the
browser edition's mode). Both serve the same account in one test process: moto's state is shared,
and each test resets the sandbox it uses.
"""

from __future__ import annotations

from typing import Any

import labkit

__all__ = ["TRANSPORTS", "server_of", "start_lab"]

TRANSPORTS = ("server", "in_process")
_servers: dict[int, Any] = {}


def start_lab(transport: str) -> labkit.Lab:
    """A new, reset sandbox on ``transport`` (the caller stops it)."""
    server: Any
    if transport == "server":
        from labkit.server import SandboxServer

        server = SandboxServer().start()
    elif transport == "in_process":
        from labkit.in_process import InProcessServer

        server = InProcessServer().start()
    else:
        raise ValueError(f"unknown transport {transport!r}: one of {', '.join(TRANSPORTS)}")
    lab = labkit.Lab(server.url, server.layer.state.admin_token, server)
    _servers[id(lab)] = server
    return lab.reset()


def server_of(lab: labkit.Lab) -> Any:
    """The server object behind a lab this module started (its transport's own calls)."""
    return _servers[id(lab)]
