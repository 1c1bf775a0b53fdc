"""Find submissions on disk and decide, before running anything, what each one is.

A submission is one ``.ipynb`` file. Its *student id* is its path relative to
the folder that was given, without ``.ipynb`` (``class/group-a/ana.ipynb``
given as ``class`` is ``group-a/ana``); a file given directly is its stem.

Reading a file never runs it: a file that is not JSON, not a notebook, or has
no (known) assignment is ``invalid`` here and never reaches a kernel.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Submission", "find_submissions", "read_submission", "code_cells", "DuplicateStudentError"]


class DuplicateStudentError(ValueError):
    """Two files would be graded under the same student id."""


@dataclass(frozen=True)
class Submission:
    """One notebook to grade, as read from disk.

    ``assignment`` is ``None`` and ``invalid`` says why when the file cannot be
    graded; ``cells`` holds the code cells' sources for a valid one.
    """

    student: str
    path: Path
    sha256: str
    assignment: str | None
    invalid: str | None = None
    cells: tuple[str, ...] = ()


def _notebooks_under(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*.ipynb"):
        parts = path.relative_to(folder).parts
        if any(p.startswith(".") for p in parts[:-1]):  # .ipynb_checkpoints, .git, ...
            continue
        if path.is_file():
            found.append(path)
    return sorted(found)


def find_submissions(paths: list[Path]) -> list[tuple[str, Path]]:
    """``(student id, file)`` for every notebook named or found (any depth) under ``paths``.

    Raises :class:`DuplicateStudentError` when two files share a student id and
    :class:`FileNotFoundError` for a path that does not exist.
    """
    pairs: list[tuple[str, Path]] = []
    for given in paths:
        if given.is_dir():
            pairs += [(p.relative_to(given).with_suffix("").as_posix(), p) for p in _notebooks_under(given)]
        elif given.is_file():
            pairs.append((given.stem, given))
        else:
            raise FileNotFoundError(f"no such file or folder: {given}")
    seen: dict[str, Path] = {}
    for student, path in pairs:
        if student in seen and seen[student].resolve() != path.resolve():
            raise DuplicateStudentError(f"{seen[student]} and {path} are both student {student!r}")
        seen[student] = path
    return sorted(((s, p) for s, p in seen.items()), key=lambda pair: pair[0])


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise ValueError("a cell's source is neither text nor a list of lines")


def code_cells(notebook: dict[str, Any]) -> tuple[str, ...]:
    """The sources of a notebook's code cells, in order (``ValueError`` if malformed)."""
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) and "cell_type" in c for c in cells):
        raise ValueError("no list of cells")
    return tuple(_source(c) for c in cells if c.get("cell_type") == "code")


def read_submission(student: str, path: Path, known: set[str], forced: str | None = None) -> Submission:
    """Read ``path`` and classify it; the assignment is ``forced`` or the notebook's metadata's."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()

    def invalid(reason: str, assignment: str | None = forced) -> Submission:
        return Submission(student, path, digest, assignment, invalid=reason)

    try:
        notebook = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return invalid("the file is not valid JSON, so it is not a notebook")
    if not isinstance(notebook, dict):
        return invalid("the file is JSON but not a Jupyter notebook")
    try:
        cells = code_cells(notebook)
    except ValueError as err:
        return invalid(f"the file is not a Jupyter notebook ({err})")
    metadata = notebook.get("metadata")
    labkit_meta = metadata.get("labkit") if isinstance(metadata, dict) else None
    declared = labkit_meta.get("assignment") if isinstance(labkit_meta, dict) else None
    assignment = forced or declared
    if not assignment:
        return invalid("the notebook does not say which assignment it is (no labkit metadata); "
                       "grade it with --assignment", None)
    if not isinstance(assignment, str) or assignment not in known:
        return invalid(f"unknown assignment {assignment!r}", None)
    return Submission(student, path, digest, assignment, cells=cells)
