"""A one-line progress bar on stderr: ``grading [#####-----] 20/40  graded 18  timeout 1  error 1``.

On a terminal the line redraws itself; elsewhere (a log, CI) one line is
printed per finished submission.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import TextIO

from .gradebook import STATUSES

__all__ = ["Progress"]


class Progress:
    """Counts finished submissions by status and shows them."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 24) -> None:
        self.total = total
        self.done = 0
        self.counts: Counter[str] = Counter()
        self.stream = stream or sys.stderr
        self.width = width
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())

    def line(self) -> str:
        filled = self.width * self.done // self.total if self.total else self.width
        counts = "  ".join(f"{s} {self.counts[s]}" for s in STATUSES
                           if self.counts[s])
        return f"grading [{'#' * filled}{'-' * (self.width - filled)}] {self.done}/{self.total}  {counts}"

    def start(self) -> None:
        if self.live:
            self.stream.write(self.line())
            self.stream.flush()

    def advance(self, status: str, student: str = "") -> None:
        """One more submission finished with ``status``."""
        self.done += 1
        self.counts[status] += 1
        if self.live:
            self.stream.write("\r\033[K" + self.line())
        else:
            name = "".join(ch if ch.isprintable() else "?" for ch in student)
            self.stream.write(f"{self.line()}  ({name}: {status})\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()
