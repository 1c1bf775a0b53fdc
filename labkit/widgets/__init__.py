"""Interactive views for the notebooks (ipywidgets).

* :func:`authenticator` — the virtual phone: QR code, current code, countdown;
* :func:`quiz` — a short knowledge check with instant feedback (not graded);
* :func:`check_my_work` — runs an assignment's checks and shows the results.

Each lives in its own module; they are imported on first use so that
``import labkit`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["authenticator", "quiz", "check_my_work"]

_HOME = {
    "authenticator": "labkit.widgets.authenticator_view",
    "quiz": "labkit.widgets.quiz",
    "check_my_work": "labkit.widgets.check",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module 'labkit.widgets' has no attribute {name!r}")
