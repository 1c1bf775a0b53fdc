"""The answer of a check that runs while you work: not yet (the message is the hint)."""

from __future__ import annotations

__all__ = ["NotYet"]


class NotYet(Exception):
    """A your-turn check found the account not yet as the task asks; the message is the hint."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a long traceback
        return [f"❌ Not yet: {self}"]
