"""Knowledge checks: questions from the course's question bank, with instant feedback.

A chapter names the questions by id; the right answers and the feedback live in
:mod:`labkit.question_bank`, not in the notebook. Each question shows its
options (radio buttons when one answer is right, check boxes when several are),
a *Check* button and the feedback for what you chose. Try as often as you like:
nothing is graded, and every answer is recorded for your journal
(:mod:`labkit.knowledge_log`).

>>> import os, tempfile
>>> os.environ["LABKIT_PROGRESS"] = os.path.join(tempfile.mkdtemp(), "log.jsonl")
>>> box = quiz("users-ci-identity")
>>> card = box.cards[0]
>>> card.choose(0); card.check()
False
>>> card.choose(card.question.correct[0]); card.check()
True
>>> card.feedback.startswith("Right!")
True
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import ipywidgets as w

from .. import knowledge_log
from ..question_bank import Question, question
from .focus_style import FOCUS_STYLE

__all__ = ["QuestionCard", "Quiz", "quiz"]


# Long options wrap onto several lines: let every option grow with its text (ipywidgets gives a
# radio or check-box line a fixed height, so a wrapped label would lie over the next option).
_STYLE = """<style>
.labkit-quiz .widget-radio-box label{height:auto!important;line-height:1.35!important;
  white-space:normal!important;margin:2px 0 6px 0!important;align-items:flex-start}
.labkit-quiz .widget-checkbox{height:auto!important}
.labkit-quiz .widget-checkbox label{white-space:normal!important;line-height:1.35!important}
.labkit-quiz .widget-checkbox input{flex-shrink:0}
</style>"""


def _inline_code(text: str) -> str:
    """Escape ``text`` for HTML and show `backticked` words as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


class QuestionCard(w.VBox):
    """One question: its options, a *Check* button and the feedback."""

    def __init__(self, q: Question, number: int | None = None) -> None:
        self.question = q
        self.feedback = ""
        prefix = f"{number}. " if number else ""
        how = " <i>(tick every right answer)</i>" if q.kind == "multiple" else ""
        self.title = w.HTML(f"<b>{prefix}{_inline_code(q.question)}</b>{how}")
        texts = [o.text for o in q.options]
        if q.kind == "single":
            self.choices: w.Widget = w.RadioButtons(options=texts, value=None, layout=w.Layout(width="auto"))
            self.boxes: list[w.Checkbox] = []
        else:
            self.boxes = [w.Checkbox(value=False, description=t, indent=False, layout=w.Layout(width="auto"))
                          for t in texts]
            self.choices = w.VBox(self.boxes)
        self.button = w.Button(description="Check", button_style="primary", icon="check")
        self.result = w.HTML("")
        self.result.add_class("labkit-quiz-feedback")
        self.button.on_click(lambda _button: self.check())
        super().__init__([self.title, self.choices, self.button, self.result])
        self.add_class("labkit-quiz-question")

    @property
    def chosen(self) -> list[int]:
        """Positions of the options selected now."""
        if self.boxes:
            return [i for i, box in enumerate(self.boxes) if box.value]
        value = self.choices.value
        return [] if value is None else [self.choices.options.index(value)]

    def choose(self, *positions: int) -> None:
        """Select options by position, as clicks would (check boxes: exactly these)."""
        if self.boxes:
            for i, box in enumerate(self.boxes):
                box.value = i in positions
        else:
            (position,) = positions
            self.choices.value = self.question.options[position].text

    def check(self) -> bool:
        """Show the feedback for the current choice, record it, and return whether it is right."""
        chosen = self.chosen
        verdict = self.question.grade(chosen)
        self.feedback = verdict.feedback
        if chosen:
            knowledge_log.record(self.question.id, chosen, verdict.right)
        # A status message: a screen reader says the feedback without moving the focus (WCAG 4.1.3). The
        # text keeps the theme's own colour (contrast in light and dark themes); its words say right or not.
        self.result.value = f'<div role="status">{_inline_code(verdict.feedback)}</div>'
        return verdict.right


class Quiz(w.VBox):
    """A knowledge check: one or more questions from the bank, each with its own *Check* button."""

    def __init__(self, questions: Sequence[Question]) -> None:
        numbered = len(questions) > 1
        self.cards = [QuestionCard(q, i + 1 if numbered else None) for i, q in enumerate(questions)]
        header = w.HTML(_STYLE + FOCUS_STYLE + "<b>&#x1F914; Knowledge check</b> "
                        "<small>(not graded: try as often as you like)</small>")
        super().__init__([header, *self.cards], layout=w.Layout(border="1px solid #ddd", padding="6px"))
        self.add_class("labkit-quiz")

    def __repr__(self) -> str:
        return f"<Knowledge check: {', '.join(c.question.id for c in self.cards)}>"


def quiz(*question_ids: str) -> Quiz:
    """Show the knowledge-check questions named by ``question_ids``.

    >>> quiz("castle-root-arn")   # doctest: +ELLIPSIS
    <Knowledge check: castle-root-arn>

    An unknown id raises ``ValueError`` listing the known ones.
    """
    if not question_ids:
        raise ValueError("Name at least one question, e.g. quiz('castle-root-arn')")
    return Quiz([question(qid) for qid in question_ids])
