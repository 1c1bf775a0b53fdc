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


def start_lab(transport: str) -> labkit.Lab:
    """A new, reset sandbox on ``transport`` (the caller stops it)."""
    if transport not in TRANSPORTS:
        raise ValueError(f"unknown transport {transport!r}: one of {', '.join(TRANSPORTS)}")
    from labkit.sandbox import own_lab

    return own_lab(in_process=transport == "in_process").reset()


def server_of(lab: labkit.Lab) -> Any:
    """The transport behind ``lab`` (its ``request`` sends one raw request)."""
    return lab.transport
