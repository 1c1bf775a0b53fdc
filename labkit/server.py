"""A sandbox and its TCP server in one object (the name older code and tests use).

You rarely use this module directly: :func:`labkit.start` serves a
:class:`labkit.sandbox_core.Sandbox` with a :class:`labkit.transports.tcp.TcpTransport` in a
background thread of your kernel, ``labkit serve`` runs one in the foreground of a terminal,
and the grader runs one per worker.
"""

from __future__ import annotations

from typing import Any

from .sandbox_core import Sandbox
from .transports.tcp import TcpTransport

__all__ = ["SandboxServer"]


class SandboxServer(TcpTransport):
    """A new :class:`Sandbox` served on 127.0.0.1 (``port=0``: one the system picks)."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(Sandbox(), port)

    @property
    def layer(self) -> Any:
        """The sandbox's realism layer."""
        return self.sandbox.layer
