"""The course's glossary, from a cell: what a word means and which chapter teaches it.

The same entries make ``notebooks/glossary.ipynb`` (chapters link there at a
word's first use); :func:`define` looks one up by its name or another name for it,
in any case::

    labkit.define("trust policy")

>>> print(define("arn").splitlines()[0])
ARN (Amazon Resource Name)
>>> define("no such word")
Traceback (most recent call last):
...
KeyError: "'no such word' is not in the course's glossary; try labkit.glossary.terms()"
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["Definition", "define", "terms", "entry"]


@cache
def _entries() -> tuple[dict[str, Any], ...]:
    text = resources.files("labkit").joinpath("assets/glossary.json").read_text(encoding="utf-8")
    return tuple(json.loads(text)["terms"])


def terms() -> list[str]:
    """Every term of the glossary, in alphabetical order."""
    return sorted((e["term"] for e in _entries()), key=str.lower)


def entry(word: str) -> dict[str, Any]:
    """The glossary's entry for ``word`` (its term, anchor or another name; any case)."""
    wanted = word.strip().lower()
    for e in _entries():
        names = [e["term"], e["anchor"], *e.get("aliases", [])]
        if wanted in (n.lower() for n in names):
            return e
    raise KeyError(f"{word!r} is not in the course's glossary; try labkit.glossary.terms()")


class Definition(str):
    """A definition: text that a cell shows as it reads (no quotes, real line breaks)."""

    def __repr__(self) -> str:
        return str(self)


def define(word: str) -> Definition:
    """What ``word`` means in this course, and the chapter that teaches it."""
    e = entry(word)
    also = f" ({', '.join(e['aliases'])})" if e.get("aliases") else ""
    return Definition(f"{e['term']}{also}\n{e['definition']}\nTaught in chapter {e['chapter']}.")
