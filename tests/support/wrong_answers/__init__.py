"""Plausible wrong answers to each exercise, as data: what a learner did, and what the checks must say.

Each module ``<exercise>.py`` (``least_privilege`` for ``least-privilege``) holds ``WRONG``: a list
of :class:`WrongAnswer`. ``tests/checks/test_wrong_answers.py`` resets a sandbox to the exercise's
scenario, applies each answer in-process (boto3 as the learner, the simulated console), runs the
checks, and requires the score to fall below full and each named check to fail with feedback
that contains the named words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import labkit

__all__ = ["WrongAnswer"]


@dataclass(frozen=True)
class WrongAnswer:
    """A mistake: ``apply(lab)`` makes it; ``says`` maps a check id to words its feedback must contain."""

    id: str
    mistake: str
    apply: Callable[[labkit.Lab], object]
    says: dict[str, str] = field(default_factory=dict)
