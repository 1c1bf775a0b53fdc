"""Your knowledge-check answers, kept so that your journal can show your progress.

Every time you press *Check* on a knowledge check, one line is added to a small
file: which question, what you chose, and whether it was right. A your-turn cell
that shows you a hint adds a line too (which task, which hint: the idea, the
shape of the command, or the answer), so hints you used are still known after a
kernel restart. Nothing else is recorded, and nothing leaves your machine. The file is
``~/.labkit/knowledge-checks.jsonl`` unless the environment variable
``LABKIT_PROGRESS`` names another one. ``labkit journal`` reads it.

>>> import tempfile, pathlib
>>> log = pathlib.Path(tempfile.mkdtemp()) / "answers.jsonl"
>>> record("users-ci-identity", [0], False, path=log)
>>> record("users-ci-identity", [3], True, path=log)
>>> progress(path=log)["users-ci-identity"]
Progress(attempts=2, right=True)
>>> record_hint("castle-alias", "idea", path=log)
>>> record_hint("castle-alias", "shape", path=log)
>>> hints_used(path=log)
{'castle-alias': ['idea', 'shape']}
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Progress", "HINT_LEVELS", "log_path", "record", "progress", "record_hint", "hints_used"]

HINT_LEVELS = ("idea", "shape", "answer")
"""The hints a your-turn cell gives, in order: the idea, the command's shape, then the answer."""


@dataclass(frozen=True)
class Progress:
    """How often a question was answered, and whether it was answered right at least once."""

    attempts: int
    right: bool


def log_path() -> Path:
    """Where answers are recorded (``LABKIT_PROGRESS`` or ``~/.labkit/knowledge-checks.jsonl``)."""
    named = os.environ.get("LABKIT_PROGRESS")
    return Path(named) if named else Path.home() / ".labkit" / "knowledge-checks.jsonl"


def record(question_id: str, chosen: Sequence[int], right: bool, path: Path | None = None) -> None:
    """Add one answer to the log. A log that cannot be written is skipped silently:
    a read-only home must never break a knowledge check."""
    _append({"question": question_id, "chosen": list(chosen), "right": bool(right)}, path)


def record_hint(task_id: str, level: str, path: Path | None = None) -> None:
    """Note that the your-turn task ``task_id`` showed the hint ``level`` (one of :data:`HINT_LEVELS`)."""
    if level not in HINT_LEVELS:
        raise ValueError(f"a hint level is one of {HINT_LEVELS}, not {level!r}")
    _append({"hint": task_id, "level": level}, path)


def hints_used(path: Path | None = None) -> dict[str, list[str]]:
    """``{task id: [hint levels shown, in order, each once]}`` from the log (missing log: empty)."""
    used: dict[str, list[str]] = {}
    for entry in _entries(path):
        task, level = entry.get("hint"), entry.get("level")
        if isinstance(task, str) and level in HINT_LEVELS:
            levels = used.setdefault(task, [])
            if level not in levels:
                levels.append(str(level))
    return used


def _entries(path: Path | None) -> list[dict[str, object]]:
    target = path or log_path()
    try:
        lines = target.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    entries = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def _append(entry: dict[str, object], path: Path | None) -> None:
    target = path or log_path()
    line = json.dumps({**entry, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    except OSError:
        pass


def progress(path: Path | None = None) -> dict[str, Progress]:
    """``{question id: Progress}`` from the log; damaged lines are skipped, a missing log is empty."""
    seen: dict[str, Progress] = {}
    for entry in _entries(path):
        try:
            qid, right = str(entry["question"]), bool(entry["right"])
        except KeyError:
            continue
        before = seen.get(qid, Progress(0, False))
        seen[qid] = Progress(before.attempts + 1, before.right or right)
    return seen
