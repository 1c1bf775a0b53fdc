"""Your reflection journal: every answer you wrote, across the course, in one file.

Reflection prompts are Markdown cells tagged ``reflection`` (see
``docs/conventions.md``); you answer below the ``---`` line. Because the answer
is part of the saved notebook, restarting the kernel loses nothing.

In a terminal::

    labkit journal                       # notebooks/ and exercises/ -> journal.md
    labkit journal my-notes/ --out reflections.md

or in a cell::

    from labkit.journal import collect
    journal = collect(["notebooks", "exercises"])
    journal                              # shows as Markdown
    journal.write("journal.md")

>>> answer_of("### Reflection\\n**Why?**\\n\\n---\\nBecause.")
'Because.'
>>> answer_of("**Why?**\\n\\n---\\n_(your answer here)_") is None
True
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

__all__ = ["Entry", "Journal", "answer_of", "collect", "render", "write_journal", "register_cli"]

BLANK = "_(your answer here)_"
_TEMPLATE_LINES = (
    "### ✍️ Reflection",
    "*Double-click this cell and write your answer below the line, then press Shift+Enter.*",
    BLANK,
)


@dataclass(frozen=True)
class Entry:
    """One reflection prompt and, if you answered it, your answer."""

    notebook: str
    chapter: str
    reflection_id: str
    prompt: str
    answer: str | None


def answer_of(source: str, prompt: str | None = None) -> str | None:
    """The learner's answer in a reflection cell (None when unanswered).

    The answer is everything after the first line that is exactly ``---``. If
    that line was deleted by accident, whatever is not part of the prompt's
    template counts as the answer, so nothing written is ever lost.
    """
    lines = source.split("\n")
    marker = next((i for i, line in enumerate(lines) if line.strip() == "---"), None)
    if marker is not None:
        answer = "\n".join(lines[marker + 1:]).strip()
    else:
        template = {*_TEMPLATE_LINES, *([f"**{prompt}**"] if prompt else [])}
        answer = "\n".join(line for line in lines if line.strip() not in template).strip()
    return None if not answer or answer == BLANK else answer


@dataclass(frozen=True)
class Journal(Sequence[Entry]):
    """Every reflection prompt found, in course order, with your answers.

    It behaves like a list of :class:`Entry`; :attr:`answered` and
    :attr:`open` split it, :meth:`to_markdown` renders it and :meth:`write`
    saves it.
    """

    entries: tuple[Entry, ...] = ()

    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Entry]: ...
    def __getitem__(self, index: int | slice) -> Entry | Sequence[Entry]:
        return self.entries[index]

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    @property
    def answered(self) -> list[Entry]:
        """The prompts you answered, in order."""
        return [e for e in self.entries if e.answer is not None]

    @property
    def open(self) -> list[Entry]:
        """The prompts still waiting for an answer, in order."""
        return [e for e in self.entries if e.answer is None]

    def to_markdown(self) -> str:
        """The journal as Markdown: answers by chapter, then the prompts still open."""
        return render(self.entries)

    def write(self, out: str | Path) -> None:
        """Save it to ``out``, atomically (see :func:`write_journal`)."""
        write_journal(self.entries, Path(out))

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def _chapter_title(nb: dict[str, Any], fallback: str) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).split("\n"):
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _notebooks(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
        elif path.suffix == ".ipynb":
            found.append(path)
    return sorted(set(found))


def collect(paths: Iterable[str | Path]) -> Journal:
    """Every reflection prompt in ``paths`` (notebooks or folders), in course order.

    Notebooks are sorted by path; within a notebook, prompts keep their order.
    Files that are not readable notebooks are skipped.
    """
    entries = []
    for path in _notebooks(Path(p) for p in paths):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not a notebook we can read: nothing to collect
        chapter = _chapter_title(nb, path.stem)
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {})
            if cell.get("cell_type") != "markdown" or "reflection" not in meta.get("tags", []):
                continue
            info = meta.get("labkit", {})
            prompt = str(info.get("prompt", ""))
            source = "".join(cell.get("source", ""))
            entries.append(Entry(str(path), chapter, str(info.get("reflection", "")), prompt,
                                 answer_of(source, prompt)))
    return Journal(tuple(entries))


def render(entries: Iterable[Entry]) -> str:
    """The journal as Markdown: answers by chapter, then the prompts still open."""
    entries = list(entries)
    out = ["# My IAM castle journal", ""]
    answered = [e for e in entries if e.answer is not None]
    open_ = [e for e in entries if e.answer is None]
    chapter = None
    for e in answered:
        if e.chapter != chapter:
            chapter = e.chapter
            out += [f"## {chapter}", ""]
        out += [f"**{e.prompt}**", "", e.answer or "", ""]
    if not answered:
        out += ["_No answers yet._", ""]
    out += ["## Still open", ""]
    out += [f"- {e.chapter}: {e.prompt}" for e in open_] or ["_Every prompt is answered._"]
    return "\n".join(out).rstrip() + "\n"


def write_journal(entries: Iterable[Entry], out: Path) -> None:
    """Write atomically: an existing journal is replaced only by a complete new one."""
    text = render(entries)  # fails before anything is touched
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".journal-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _run(args: argparse.Namespace) -> int:
    from .cli import project_root

    if args.paths:
        paths = [Path(p) for p in args.paths]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            print(f"labkit journal: not found: {', '.join(missing)} (nothing written)")
            return 2
    else:
        root = project_root()
        paths = [p for p in (root / "notebooks", root / "exercises") if p.is_dir()]
        if not paths:
            print("labkit journal: no notebooks/ or exercises/ here; run it in the course folder "
                  "or name the notebooks (nothing written)")
            return 2
    journal = collect(paths)
    out = Path(args.out)
    journal.write(out)
    print(f"{out}: {len(journal.answered)} answered, {len(journal.open)} open")
    return 0


def register_cli(sub: Any) -> None:
    """Add ``labkit journal [PATHS] [--out FILE]`` to the ``labkit`` command."""
    p = sub.add_parser("journal", help="collect your reflection answers into one Markdown file")
    p.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/ and exercises/)")
    p.add_argument("--out", default="journal.md", help="the journal file (default: journal.md)")
    p.set_defaults(func=_run)
