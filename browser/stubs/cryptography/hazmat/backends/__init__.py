"""``default_backend``: accepted and ignored, as in cryptography >= 3.1."""

from __future__ import annotations

__all__ = ["default_backend"]


def default_backend() -> None:
    return None
