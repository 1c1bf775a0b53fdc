"""The ``labkit journal`` command: your reflections in one file, or a class's side by side.

``labkit journal [PATHS] [--out FILE]`` collects one learner's answers (:mod:`labkit.journal`);
with ``--class`` (or when several notebooks answer the same prompts) it writes each prompt once
with every student's answer (:mod:`labkit.grading.reflections`).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .journal import Journal

__all__ = ["register_cli"]


def _write_text(text: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".journal-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _looks_like_a_class(journal: Journal) -> bool:
    """The same prompt in several notebooks: a class's submissions, not one learner's course."""
    ids = [e.reflection_id for e in journal]
    return len(ids) != len(set(ids))


def _run(args: argparse.Namespace) -> int:
    from .course_root import project_root
    from .journal import collect

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
    if args.as_class or _looks_like_a_class(journal):
        from .grading.reflections import collect_class, render_class

        reflections = collect_class(paths)
        _write_text(render_class(reflections), out)
        print(f"{out}: reflections of {len(reflections.students)} submission(s), one section per prompt"
              + ("" if args.as_class else " (several notebooks answer the same prompts: a class)"))
        return 0
    journal.write(out)
    print(f"{out}: {len(journal.answered)} answered, {len(journal.open)} open")
    return 0


def register_cli(sub: Any) -> None:
    """Add ``labkit journal [PATHS] [--out FILE]`` to the ``labkit`` command."""
    p = sub.add_parser("journal", help="collect your reflection answers into one Markdown file")
    p.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/ and exercises/)")
    p.add_argument("--out", default="journal.md", help="the journal file (default: journal.md)")
    p.add_argument("--class", dest="as_class", action="store_true",
                   help="the notebooks are a class's submissions: each prompt once, every student's answer")
    p.set_defaults(func=_run)
