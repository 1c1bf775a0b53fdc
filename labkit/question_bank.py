"""The course's knowledge checks: every question, its options, the right answers and why.

A chapter shows a question by its id (``labkit.widgets.quiz("users-ci-identity")``),
so the answers are not written in the notebook. The questions live in
``labkit/assets/questions.json``; each has

* ``id`` and ``chapter`` (``"02"``);
* ``kind``: ``"single"`` (one right option, radio buttons) or ``"multiple"``
  (every right option must be ticked, check boxes);
* ``question``, and ``options``: each a ``text``, whether it is ``correct`` and
  the ``feedback`` a learner sees after choosing it;
* ``skill``: what the question trains — ``"recall"`` (the default: remember what the
  chapter said), ``"read-error"`` (read a real AWS error: which policy, condition or device
  caused it?) or ``"predict"`` (what will AWS answer?);
* ``explanation``: shown with "Right!";
* ``source``: where the facts come from (AWS's documentation).

>>> q = question("users-ci-identity")
>>> q.kind, q.chapter, q.skill
('single', '05b', 'recall')
>>> q.grade([q.correct[0]]).right
True
>>> len(chapter_questions("03")) >= 3
True
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Option", "Question", "Verdict", "question", "chapter_questions", "all_questions", "KINDS",
           "SKILLS"]

KINDS = ("single", "multiple")
SKILLS = ("recall", "read-error", "predict")


@dataclass(frozen=True)
class Option:
    """One possible answer, whether it is right, and what a learner who picks it reads."""

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Verdict:
    """The outcome of one answer: right or not, and the feedback to show."""

    right: bool
    feedback: str


@dataclass(frozen=True)
class Question:
    """A knowledge check from the question bank (see the module's help)."""

    id: str
    chapter: str
    kind: str
    question: str
    options: tuple[Option, ...]
    explanation: str
    source: str
    skill: str = "recall"

    @property
    def correct(self) -> list[int]:
        """Positions of the right options."""
        return [i for i, o in enumerate(self.options) if o.correct]

    def grade(self, chosen: Sequence[int]) -> Verdict:
        """Grade the options chosen (their positions) and say why.

        For a ``multiple`` question the answer is right only when exactly the
        right options are ticked; the feedback names each wrong tick and each
        right option left out.
        """
        picked = sorted(set(chosen))
        if not picked:
            return Verdict(False, "Choose an answer first.")
        if any(not 0 <= i < len(self.options) for i in picked):
            raise ValueError(f"{self.id}: no option at {picked} (there are {len(self.options)})")
        if self.kind == "single" and len(picked) > 1:
            raise ValueError(f"{self.id}: choose one option, not {len(picked)}")
        if picked == self.correct:
            return Verdict(True, f"Right! {self.explanation}")
        notes = [self.options[i].feedback for i in picked if not self.options[i].correct]
        if self.kind == "multiple":
            missed = [i for i in self.correct if i not in picked]
            notes += [f"You left out: “{self.options[i].text}”. {self.options[i].feedback}" for i in missed]
        return Verdict(False, " ".join(["Not quite.", *[n for n in notes if n]]))


def _parse(raw: dict) -> Question:
    options = tuple(Option(str(o["text"]), bool(o["correct"]), str(o.get("feedback", "")))
                    for o in raw["options"])
    q = Question(str(raw["id"]), str(raw["chapter"]), str(raw.get("kind", "single")), str(raw["question"]),
                 options, str(raw["explanation"]), str(raw.get("source", "")),
                 str(raw.get("skill", "recall")))
    if q.kind not in KINDS:
        raise ValueError(f"{q.id}: kind must be one of {KINDS}, not {q.kind!r}")
    if q.skill not in SKILLS:
        raise ValueError(f"{q.id}: skill must be one of {SKILLS}, not {q.skill!r}")
    if len(options) < 3:
        raise ValueError(f"{q.id}: a knowledge check needs at least three options")
    if q.kind == "single" and len(q.correct) != 1:
        raise ValueError(f"{q.id}: a single-answer question needs exactly one right option")
    if q.kind == "multiple" and not q.correct:
        raise ValueError(f"{q.id}: a multiple-answer question needs at least one right option")
    if any(not o.correct and not o.feedback for o in options):
        raise ValueError(f"{q.id}: every wrong option needs feedback saying why it is wrong")
    return q


@cache
def _bank() -> dict[str, Question]:
    text = resources.files("labkit").joinpath("assets/questions.json").read_text(encoding="utf-8")
    questions = [_parse(raw) for raw in json.loads(text)["questions"]]
    bank = {q.id: q for q in questions}
    if len(bank) != len(questions):
        raise ValueError("two questions in the bank share an id")
    return bank


def question(question_id: str) -> Question:
    """The question called ``question_id`` (a ValueError lists the known ids)."""
    try:
        return _bank()[question_id]
    except KeyError:
        known = ", ".join(sorted(_bank()))
        raise ValueError(f"No question {question_id!r} in the question bank; known: {known}") from None


def chapter_questions(chapter: str) -> list[Question]:
    """Every question of a chapter (``"03"``), in bank order."""
    return [q for q in _bank().values() if q.chapter == chapter]


def all_questions() -> list[Question]:
    """Every question in the bank, in bank order."""
    return list(_bank().values())
