"""How long a chapter takes a beginner: one stated estimate, computed from the notebook.

The estimate adds three things:

* reading: the words of the Markdown cells at :data:`WORDS_PER_MINUTE` (180) a minute;
* running: one minute for every code cell (read it, run it, look at the answer);
* practice: each your-turn task's and each prediction's own ``minutes``.

The course keeps every chapter to at most :data:`LIMIT` (30) minutes, a sitting.

>>> nb = {"cells": [
...     {"cell_type": "markdown", "metadata": {}, "source": "word " * 360},
...     {"cell_type": "code", "metadata": {}, "source": "print(1)"},
...     {"cell_type": "code", "metadata": {"labkit": {"your_turn": "castle-alias"}}, "source": ""}]}
>>> e = estimate(nb)
>>> e.words, e.code_cells, e.practice_minutes, e.minutes
(360, 2, 2, 6)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["WORDS_PER_MINUTE", "LIMIT", "Estimate", "estimate", "words"]

WORDS_PER_MINUTE = 180
"""Reading speed assumed for technical text a beginner studies (not skims)."""
LIMIT = 30
"""The most minutes a chapter may take."""

_WORD = re.compile(r"[A-Za-z0-9][\w'’.-]*")


@dataclass(frozen=True)
class Estimate:
    """A chapter's time: its parts and the total, rounded up to whole minutes."""

    words: int
    code_cells: int
    practice_minutes: int

    @property
    def minutes(self) -> int:
        """Words at 180 a minute, plus a minute a code cell, plus the tasks' minutes (rounded up)."""
        return math.ceil(self.words / WORDS_PER_MINUTE + self.code_cells + self.practice_minutes)


def words(text: str) -> int:
    """How many words ``text`` has (Markdown links and URLs count as their words only).

    >>> words("Give [Alice](glossary.ipynb#user) a **password**: https://docs.aws.amazon.com/x")
    4
    """
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"https?://\S+", " ", text)
    return len(_WORD.findall(text))


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _practice(meta: Mapping[str, Any]) -> int:
    info = meta.get("labkit") or {}
    if not isinstance(info, Mapping):
        return 0
    if "your_turn" in info:
        from .checks.your_turn_tasks import TASKS

        task = TASKS.get(str(info["your_turn"]))
        return task.minutes if task else 0
    if "predict" in info:
        from .checks.predictions import PREDICTIONS

        item = PREDICTIONS.get(str(info["predict"]))
        return item.minutes if item else 0
    return 0


def estimate(nb: Mapping[str, Any]) -> Estimate:
    """The time estimate of a notebook (a parsed ``.ipynb`` or an nbformat node)."""
    count = code_cells = practice = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            count += words(_source(cell))
        elif cell.get("cell_type") == "code":
            code_cells += 1
            practice += _practice(cell.get("metadata") or {})
    return Estimate(count, code_cells, practice)
