"""The course's glossary, from a cell: what a word means and which chapter teaches it.

The same entries make ``notebooks/glossary.ipynb`` (chapters link there at a
word's first use); :func:`define` looks one up by its name or another name for it,
in any case::

    labkit.define("trust policy")

>>> print(define("arn").splitlines()[0])
ARN (Amazon Resource Name)

A word it does not know gets a sentence, never a traceback, with the closest terms::

>>> define("provison")
'provison' is not in the course's glossary. Did you mean: provisioning?
Every term: labkit.glossary.terms()
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["Definition", "define", "terms", "entry", "close_terms"]


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


def close_terms(word: str, n: int = 3) -> list[str]:
    """The glossary's terms whose name (or another name) is closest to ``word``.

    >>> close_terms("permision set")[0]
    'permission set'
    """
    names = {n.lower(): e["term"] for e in _entries() for n in [e["term"], *e.get("aliases", [])]}
    wanted = word.strip().lower()
    found = [names[m] for m in difflib.get_close_matches(wanted, names, n=2 * n, cutoff=0.6)]
    found += [term for name, term in names.items() if wanted and (wanted in name or name in wanted)]
    return list(dict.fromkeys(found))[:n]


def define(word: str) -> Definition:
    """What ``word`` means in this course, and the chapter that teaches it.

    A word the glossary does not hold gets a short answer naming the closest terms, not an error.
    """
    try:
        e = entry(word)
    except KeyError:
        close = close_terms(word)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        return Definition(f"{word!r} is not in the course's glossary.{hint}\n"
                          "Every term: labkit.glossary.terms()")
    also = f" ({', '.join(e['aliases'])})" if e.get("aliases") else ""
    return Definition(f"{e['term']}{also}\n{e['definition']}\nTaught in chapter {e['chapter']}.")
