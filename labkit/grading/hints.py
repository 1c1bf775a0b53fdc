"""Which your-turn hints each student used, read from the notebooks they hand in.

A your-turn cell that passes prints ``✅ ... (hints used: idea, shape)`` — the hints the
learner's progress log (:mod:`labkit.knowledge_log`) recorded, so a kernel restart does not
hide them — and a cell still failing shows the last hint it gave (``💡 The idea: ...``).
The class report shows both per student (:func:`labkit.grading.reports.hints_html`).
Nothing is run: the saved outputs are read, as :func:`labkit.journal.collect_class` reads
reflections.

>>> cell = {"cell_type": "code", "metadata": {"labkit": {"your_turn": "castle-alias"}},
...         "outputs": [{"output_type": "stream", "text": "✅ Named. (hints used: idea, shape)\\n"}]}
>>> hints_in_notebook({"cells": [cell]})
{'castle-alias': ['idea', 'shape']}
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..knowledge_log import HINT_LEVELS

__all__ = ["hints_in_notebook", "collect_hints"]

_USED = re.compile(r"\(hints used: ([a-z, ]+)\)")
_SHOWN = {"💡 The idea:": "idea", "💡 The command's shape:": "shape", "💡 The answer:": "answer"}


def _text(output: dict[str, Any]) -> str:
    if output.get("output_type") == "error":
        return f"{output.get('ename', '')}: {output.get('evalue', '')}"
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else str(text)


def hints_in_notebook(nb: dict[str, Any]) -> dict[str, list[str]]:
    """``{task id: [hint levels used]}`` for the your-turn cells of one saved notebook."""
    found: dict[str, list[str]] = {}
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        info = (cell.get("metadata") or {}).get("labkit") if isinstance(cell, dict) else None
        if not isinstance(info, dict) or not isinstance(info.get("your_turn"), str):
            continue
        levels: list[str] = []
        for output in cell.get("outputs") or []:
            text = _text(output) if isinstance(output, dict) else ""
            used = _USED.search(text)
            if used:
                levels += [w.strip() for w in used.group(1).split(",")]
            levels += [level for marker, level in _SHOWN.items() if marker in text]
        kept = [level for level in HINT_LEVELS if level in levels]
        if kept:
            found[info["your_turn"]] = kept
    return found


def collect_hints(paths: Iterable[str | Path], pattern: re.Pattern[str] | None = None
                  ) -> dict[str, dict[str, list[str]]]:
    """``{student: {task id: [hint levels]}}`` for every submission (unreadable ones skipped)."""
    from .submissions import find_submissions

    existing = [Path(p) for p in paths if Path(p).exists()]
    hints: dict[str, dict[str, list[str]]] = {}
    for student, source, _ in find_submissions(existing, pattern):
        try:
            used = hints_in_notebook(json.loads(source.read().decode("utf-8")))
        except (OSError, ValueError, RecursionError, TypeError, AttributeError):
            continue  # a file no reader can use is already its own invalid row in the gradebook
        if used:
            hints[student] = used
    return hints
