"""Your knowledge-check answers, kept so that your journal can show your progress.

Every time you press *Check* on a knowledge check, one line is added to a small
file: which question, what you chose, and whether it was right. Nothing else
is recorded, and nothing leaves your machine. The file is
``~/.labkit/knowledge-checks.jsonl`` unless the environment variable
``LABKIT_PROGRESS`` names another one. ``labkit journal`` reads it.

>>> import tempfile, pathlib
>>> log = pathlib.Path(tempfile.mkdtemp()) / "answers.jsonl"
>>> record("users-ci-identity", [0], False, path=log)
>>> record("users-ci-identity", [1], True, path=log)
>>> progress(path=log)["users-ci-identity"]
Progress(attempts=2, right=True)
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Progress", "log_path", "record", "progress"]


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
    target = path or log_path()
    line = json.dumps({"question": question_id, "chosen": list(chosen), "right": bool(right),
                       "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    except OSError:
        pass


def progress(path: Path | None = None) -> dict[str, Progress]:
    """``{question id: Progress}`` from the log; damaged lines are skipped, a missing log is empty."""
    target = path or log_path()
    try:
        lines = target.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    seen: dict[str, Progress] = {}
    for line in lines:
        try:
            entry = json.loads(line)
            qid, right = str(entry["question"]), bool(entry["right"])
        except (ValueError, KeyError, TypeError):
            continue
        before = seen.get(qid, Progress(0, False))
        seen[qid] = Progress(before.attempts + 1, before.right or right)
    return seen
