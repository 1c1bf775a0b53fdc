"""Interactive views for the notebooks (ipywidgets).

* :func:`authenticator` — the virtual phone: QR code, current code, countdown;
* :func:`quiz` — knowledge checks from the question bank, with instant feedback (not graded);
* :func:`check_my_work` — runs an assignment's checks and shows the results.

Each lives in its own module; they are imported on first use so that
``import labkit`` stays fast. A module is never named like the function it
holds: importing ``labkit.widgets.quiz`` as a module would bind the module over
the function, and the second ``labkit.widgets.quiz(...)`` would fail.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["authenticator", "quiz", "check_my_work"]

_HOME = {
    "authenticator": "labkit.widgets.authenticator_view",
    "quiz": "labkit.widgets.quiz_view",
    "check_my_work": "labkit.widgets.check",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module 'labkit.widgets' has no attribute {name!r}")
