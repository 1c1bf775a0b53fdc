"""The sandbox's clock: real time by default, frozen or shifted in tests.

MFA codes depend on the time (a new code every 30 seconds), so tests need a
clock they control. Everything in labkit that asks "what time is it?" asks
:data:`clock`.

>>> c = Clock()
>>> c.freeze(1_700_000_000)
>>> c.now()
1700000000.0
>>> c.advance(30)
>>> c.now()
1700000030.0
>>> c.unfreeze()
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

__all__ = ["Clock", "clock"]


class Clock:
    """A wall clock that can be frozen at a moment and moved forward by hand."""

    def __init__(self) -> None:
        self._frozen: float | None = None
        self._offset = 0.0

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        if self._frozen is not None:
            return self._frozen
        return time.time() + self._offset

    def machine_now(self) -> float:
        """The machine's own time, never frozen or shifted: what request signers read.

        boto3 and ``aws`` stamp each request with the computer's clock, not the
        sandbox's, so the signature check (:mod:`labkit.realism.signature`) compares
        a request's time with this one. Moving the sandbox's clock forward to expire
        a session or an MFA code therefore never makes a fresh request look stale.
        """
        return time.time()

    def utcnow(self) -> datetime:
        """The current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def freeze(self, at: float | None = None) -> None:
        """Stop the clock at ``at`` (default: now)."""
        self._frozen = float(self.now() if at is None else at)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (frozen or not)."""
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._offset += seconds

    def unfreeze(self) -> None:
        """Return to real time."""
        self._frozen = None
        self._offset = 0.0


clock = Clock()
