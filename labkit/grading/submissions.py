"""Find submissions on disk (or in zips) and decide, before running anything, what each one is.

A submission is one notebook: a ``.ipynb`` file (any case: ``.IPYNB`` too), in
a folder given (any depth), given directly, or inside a ``.zip`` given or found
(read in place, never extracted). Its *student id* is its path relative to the
folder (or zip) that was given, without the suffix (``class/group-a/ana.ipynb``
given as ``class`` is ``group-a/ana``), or what ``--id-pattern`` takes from that
path (see :mod:`labkit.grading.classlist`).

File names are bytes on disk and in zips: they are read as UTF-8 when they are
UTF-8 and as Windows-1252 (Latin-1's superset) otherwise, so a name from any
system becomes readable text and never stops the run.

Reading a file never runs it: a file that cannot be read, is not JSON, not a
notebook, or has no (known) assignment is ``invalid`` here and never reaches a
kernel. A notebook whose metadata names another assignment than the one it is
graded as (``--assignment`` or nbgrader's folder) is flagged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .bounds import ZIP_ENTRIES, clip

__all__ = ["Source", "Submission", "find_sources", "find_submissions", "read_submission", "code_cells",
           "DuplicateStudentError", "decode_name"]

MAX_NOTEBOOK_BYTES = 50 * 1024**2


class DuplicateStudentError(ValueError):
    """Two files would be graded under the same student id."""


def decode_name(raw: bytes) -> str:
    """A file name's bytes as text: UTF-8 if they are UTF-8, else Windows-1252 (never fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:  # the zip says: UTF-8
        return info.filename
    try:
        raw = info.filename.encode("cp437")  # how zipfile decoded it
    except UnicodeEncodeError:
        return info.filename
    return decode_name(raw)


@dataclass(frozen=True)
class Source:
    """A notebook found: its name relative to what was given, where it is, how to read it, and two
    times: ``submitted_at`` recorded by the LMS (nbgrader's ``timestamp.txt``) and ``file_time``, the
    file's own time on this disk (for a zip entry, the zip's: an entry's date is the zip maker's
    choice, never used). ``also`` names the same student's other notebooks (not graded)."""

    name: str
    origin: str
    read: Callable[[], bytes] = field(compare=False, repr=False)
    submitted_at: float | None = None
    file_time: float | None = None
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Submission:
    """One notebook to grade, as read.

    ``assignment`` is ``None`` and ``invalid`` says why when the file cannot be
    graded; ``cells`` holds the code cells' sources for a valid one; ``flags``
    lists what the instructor should look at (wrong assignment, not on the roster).
    """

    student: str
    path: str
    sha256: str
    assignment: str | None
    invalid: str | None = None
    cells: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    submitted_at: float | None = None


def _is_notebook(name: str) -> bool:
    return name.lower().endswith(".ipynb")


def _nbgrader_time(path: Path) -> float | None:
    """nbgrader's ``timestamp.txt`` beside a submitted notebook (``2026-11-20 23:59:01.123456 UTC``)."""
    stamp = path.parent / "timestamp.txt"
    try:
        text = stamp.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    from .classlist import parse_time

    try:
        return parse_time(text)
    except ValueError:
        return None


def _file_source(name: str, path: Path) -> Source:
    def read() -> bytes:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO named *.ipynb must not block the class
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError("it is not a regular file")
            return fh.read(MAX_NOTEBOOK_BYTES + 1)

    try:
        mtime: float | None = path.stat().st_mtime
    except OSError:
        mtime = None
    return Source(name, decode_name(os.fsencode(path)), read, _nbgrader_time(path), mtime)


class _Zip:
    """One zip, opened once for all its entries (reopening it per entry reads its directory again)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive: zipfile.ZipFile | None = None

    def open(self) -> zipfile.ZipFile:
        if self.archive is None:
            self.archive = zipfile.ZipFile(self.path)
        return self.archive

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The entry's bytes (at most one byte past the limit); :class:`OSError` naming what is wrong."""
        if info.file_size > MAX_NOTEBOOK_BYTES:
            raise OSError(f"it is larger than {MAX_NOTEBOOK_BYTES // 1024**2} MB")
        if info.flag_bits & 0x1:
            raise OSError("the zip entry is encrypted (password-protected); zip it again without a password")
        try:
            with self.open().open(info) as fh:
                return fh.read(MAX_NOTEBOOK_BYTES + 1)
        except NotImplementedError as err:  # deflate64, ... (zipfile: "That compression method ...")
            raise OSError(f"the zip entry uses a compression method Python cannot read ({err})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, ValueError) as err:
            raise OSError(f"the zip entry is damaged ({str(err)[:200] or type(err).__name__})") from None


def _zip_sources(zip_path: Path, prefix: str) -> list[Source]:
    where = decode_name(os.fsencode(zip_path))
    whole = prefix[:-1] + ".zip" if prefix else Path(where).name
    opened = _Zip(zip_path)
    try:
        zip_time: float | None = zip_path.stat().st_mtime  # the zip's time on this disk, never an entry's
    except OSError:
        zip_time = None
    try:
        infos = opened.open().infolist()
        if len(infos) > ZIP_ENTRIES:
            raise OSError(f"it has {len(infos)} entries; labkit reads zips of at most {ZIP_ENTRIES}")
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, RuntimeError) as err:
        def broken(err: Exception = err) -> bytes:
            raise OSError(f"the zip file cannot be read ({str(err)[:200]})")
        return [Source(whole, where, broken)]
    found = []
    for info in infos:
        parts = [p for p in _zip_name(info).replace("\\", "/").split("/") if p not in ("", ".", "..")]
        name = "/".join(parts)  # never "../" nor absolute: a zip's names stay inside the zip
        hidden = any(p.startswith((".", "__MACOSX")) for p in parts[:-1])
        if info.is_dir() or not _is_notebook(name) or hidden:
            continue

        def read(info: zipfile.ZipInfo = info) -> bytes:
            return opened.read(info)

        found.append(Source(prefix + name, f"{where}:{name}", read, None, zip_time))
    return found


def _unreadable_folder(given: Path, err: OSError) -> Source:
    """A folder that cannot be listed becomes a row that says so (never a silent gap)."""
    folder = Path(err.filename or given)

    def fail() -> bytes:
        raise err

    return Source(decode_name(os.fsencode(folder.relative_to(given))) + "/", decode_name(os.fsencode(folder)),
                  fail)


def find_sources(paths: list[Path]) -> list[Source]:
    """Every notebook named or found (any depth, zips included) under ``paths``.

    Raises :class:`FileNotFoundError` for a path that does not exist.
    """
    found: list[Source] = []
    for given in paths:
        if given.is_dir():
            errors: list[OSError] = []
            for root, dirs, files in os.walk(given, onerror=errors.append):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .ipynb_checkpoints, .git
                for file in sorted(files):
                    path = Path(root) / file
                    rel = decode_name(os.fsencode(path.relative_to(given)))
                    if _is_notebook(file):
                        found.append(_file_source(rel, path))
                    elif file.lower().endswith(".zip"):
                        found += _zip_sources(path, rel[: -len(".zip")] + "/")
            found += [_unreadable_folder(given, err) for err in errors]
        elif given.is_file() and given.suffix.lower() == ".zip":
            found += _zip_sources(given, "")
        elif given.is_file() or (given.exists() and not given.is_dir()):
            found.append(_file_source(decode_name(os.fsencode(given.name)), given))
        else:
            raise FileNotFoundError(f"no such file or folder: {given}")
    return found


def student_of(source: Source, pattern: re.Pattern[str] | None) -> tuple[str, str | None]:
    """``(student id, assignment named by the path or None)`` for ``source``."""
    if pattern is not None:
        match = pattern.search(source.name)
        if match:
            groups = match.groupdict()
            return groups["id"], groups.get("assignment")
    stem = source.name[: -len(".ipynb")] if _is_notebook(source.name) else source.name
    return stem, None


def late_marker(source: Source, pattern: re.Pattern[str] | None) -> bool | None:
    """Canvas's ``LATE`` marker in the file name: True/False, or None when the pattern has no such group."""
    if pattern is None or "late" not in pattern.groupindex:
        return None
    match = pattern.search(source.name)
    return bool(match and match.group("late"))


def _main_first(sources: list[tuple[Source, str | None]], hint: str | None
                ) -> list[tuple[Source, str | None]]:
    """A student's notebooks, the one to grade first: the one whose file name names the assignment
    (``users.ipynb`` before ``scratch.ipynb``), then the shortest name, then by name."""
    def rank(item: tuple[Source, str | None]) -> tuple[bool, int, str]:
        source, from_path = item
        wanted = hint or from_path
        base = source.name.rsplit("/", 1)[-1].lower()
        return (not (wanted and wanted.lower() in base), len(base), source.name)
    return sorted(sources, key=rank)


def find_submissions(paths: list[Path], pattern: re.Pattern[str] | None = None, hint: str | None = None
                     ) -> list[tuple[str, Source, str | None]]:
    """``(student id, source, assignment from the path)``, sorted by student.

    A student with several notebooks (two attachments, or the same id in two
    folders) gets one row: the main one (see :func:`_main_first`; ``hint`` is the
    assignment being graded), whose ``also`` names the others, which are not graded.
    """
    seen: dict[str, list[tuple[Source, str | None]]] = {}
    for source in find_sources(paths):
        student, assignment = student_of(source, pattern)
        seen.setdefault(student, []).append((source, assignment))
    found = []
    for student, sources in seen.items():
        (main, assignment), *others = _main_first(sources, hint)
        if others:
            main = replace(main, also=tuple(o.name for o, _ in others))
        found.append((student, main, assignment))
    return sorted(found, key=lambda t: t[0])


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


def read_submission(student: str, source: Source, known: set[str], forced: str | None = None,
                    from_path: str | None = None) -> Submission:
    """Read ``source`` and classify it.

    The assignment is ``forced`` (``--assignment``), else the one its path names
    (``from_path``), else the notebook's metadata's; a notebook whose metadata
    names another one is flagged.
    """
    others: tuple[str, ...] = tuple(f"also handed in {other.rsplit('/', 1)[-1][:80]!r} (not graded)"
                                    for other in source.also)
    try:
        data = source.read()
    except Exception as err:  # noqa: BLE001 - any reader's failure is this file's row, never the class's
        reason = (err.strerror if isinstance(err, OSError) else None) or str(err) or type(err).__name__
        return Submission(student, source.origin, "", forced or from_path, flags=others,
                          invalid=f"{clip(source.name, 300)}: the file could not be read "
                                  f"({clip(reason, 300)})",
                          submitted_at=source.submitted_at)
    digest = hashlib.sha256(data).hexdigest()
    try:
        return _classify(student, source, data, digest, known, forced, from_path, others)
    except (RecursionError, MemoryError, TypeError, ValueError, AttributeError) as err:
        # a reader that met what it did not expect: this file's row, never the class's
        return Submission(student, source.origin, digest, forced or from_path, flags=others,
                          invalid=f"{clip(source.name, 300)}: not a notebook labkit can read "
                                  f"({type(err).__name__})", submitted_at=source.submitted_at)


def _classify(student: str, source: Source, data: bytes, digest: str, known: set[str], forced: str | None,
              from_path: str | None, others: tuple[str, ...]) -> Submission:

    def invalid(reason: str, assignment: str | None = forced or from_path) -> Submission:
        return Submission(student, source.origin, digest, assignment, flags=others,
                          invalid=f"{clip(source.name, 300)}: {reason}", submitted_at=source.submitted_at)

    if len(data) > MAX_NOTEBOOK_BYTES:
        return invalid(f"the file is larger than {MAX_NOTEBOOK_BYTES // 1024**2} MB")
    try:
        notebook = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return invalid("the file is not valid JSON, so it is not a notebook")
    except RecursionError:
        return invalid("the file's JSON is nested too deeply to be a notebook")
    if not isinstance(notebook, dict):
        return invalid("the file is JSON but not a Jupyter notebook")
    try:
        cells = code_cells(notebook)
    except ValueError as err:
        return invalid(f"the file is not a Jupyter notebook ({err})")
    metadata = notebook.get("metadata")
    labkit_meta = metadata.get("labkit") if isinstance(metadata, dict) else None
    declared = labkit_meta.get("assignment") if isinstance(labkit_meta, dict) else None
    assignment = forced or from_path or declared
    if not assignment:
        return invalid("the notebook does not say which assignment it is (no labkit metadata); "
                       "grade it with --assignment", None)
    if not isinstance(assignment, str) or assignment not in known:
        return invalid(f"unknown assignment {str(assignment)[:80]!r}", None)
    flags = others
    if isinstance(declared, str) and declared and declared != assignment:
        flags += (f"wrong assignment? the notebook is {declared[:80]!r}, graded as {assignment!r}",)
    return Submission(student, source.origin, digest, assignment, cells=cells, flags=flags,
                      submitted_at=source.submitted_at)
