"""A class's notebooks, each read once, for everything the report shows that is not a score.

At the end of a run the grader writes a read-only page of each notebook
(:mod:`.notebook_view`), and its class report shows every reflection answer (:mod:`.reflections`)
and the hints each student used (:mod:`.hints`). All three read the same saved files; they get
them from :func:`read_class`, one notebook at a time (a class's files are never all in memory).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .submissions import Source, find_submissions

__all__ = ["ClassNotebook", "read_class", "find_class"]


@dataclass(frozen=True)
class ClassNotebook:
    """One student's saved notebook: its bytes and what they parse to.

    ``notebook`` is the parsed JSON (any shape: a hand-edited file may hold anything), or None
    when the file could not be read or is not JSON; ``data`` is ``b""`` when it could not be read.
    """

    student: str
    data: bytes
    notebook: Any


def read_notebook(student: str, source: Source) -> ClassNotebook:
    """Read and parse ``source`` once (never raises: an unreadable file gives ``notebook=None``)."""
    try:
        data = source.read()
    except OSError:
        return ClassNotebook(student, b"", None)
    try:
        notebook = json.loads(data)
    except (ValueError, RecursionError):  # not JSON (UnicodeDecodeError is a ValueError), or too deep
        notebook = None
    return ClassNotebook(student, data, notebook)


def read_class(sources: Mapping[str, Source]) -> Iterator[ClassNotebook]:
    """``{student: source}`` read one notebook at a time, in the mapping's order."""
    for student, source in sources.items():
        yield read_notebook(student, source)


def find_class(paths: Iterable[str | Path],
               pattern: re.Pattern[str] | None = None) -> Iterator[ClassNotebook]:
    """Every submission in ``paths`` (folders, zips, notebooks), by student; missing paths skipped."""
    existing = [Path(p) for p in paths if Path(p).exists()]  # a folder moved away meanwhile: skipped
    return read_class({student: source for student, source, _ in find_submissions(existing, pattern)})
