"""The sandbox without a server (old import path; see :mod:`labkit.transports.in_process`)."""

from __future__ import annotations

from .transports.in_process import ENDPOINT, InProcessTransport, answers

__all__ = ["ENDPOINT", "InProcessTransport", "answers"]
