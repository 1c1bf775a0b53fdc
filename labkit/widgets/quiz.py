"""A short knowledge check with instant feedback (never graded).

>>> q = quiz("Who holds the castle's master key?",
...          ["alice-developer", "the root user", "any IAM user"],
...          answer="the root user",
...          explanation="Root is the account owner: it can do everything.")
>>> q.choose("alice-developer"); q.check()
False
>>> q.choose("the root user"); q.check()
True
>>> q.feedback
'Right! Root is the account owner: it can do everything.'
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import ipywidgets as w

__all__ = ["Quiz", "quiz"]

_NOT_QUITE = "Not quite. Read the question again and try another answer."


class Quiz(w.VBox):
    """A question, its options as radio buttons, a "Check" button and feedback.

    Build one with :func:`quiz`. ``check()`` does what the button does and
    returns whether the chosen option is right.
    """

    def __init__(self, question: str, options: Sequence[str] | Mapping[str, str], answer: str | int,
                 explanation: str, hint: str | None = None) -> None:
        self.options = list(options)
        self.why = dict(options) if isinstance(options, Mapping) else {}
        self.answer = self.options[answer] if isinstance(answer, int) else answer
        if self.answer not in self.options:
            raise ValueError(f"The answer {self.answer!r} is not one of the options {self.options!r}")
        self.explanation = explanation
        self.hint = hint
        self.feedback = ""
        self.question_text = question
        self.question = w.HTML(f"<b>&#x1F914; {html.escape(question)}</b>")
        self.choices = w.RadioButtons(options=self.options, value=None, layout=w.Layout(width="auto"))
        self.button = w.Button(description="Check", button_style="primary", icon="check")
        self.result = w.HTML("")
        self.button.on_click(lambda _button: self.check())
        super().__init__([self.question, self.choices, self.button, self.result])
        self.add_class("labkit-quiz")

    def choose(self, option: str | int) -> None:
        """Select an option (by its text or its position), as a click would."""
        self.choices.value = self.options[option] if isinstance(option, int) else option

    def check(self) -> bool:
        """Show feedback for the selected option; ``True`` when it is right."""
        chosen = self.choices.value
        if chosen is None:
            self.feedback, color, right = "Choose an answer first.", "#555", False
        elif chosen == self.answer:
            self.feedback = f"Right! {self.explanation}"
            color, right = "#1a7f37", True
        else:
            reason = self.why.get(chosen) or self.hint or ""
            self.feedback = f"{_NOT_QUITE} {reason}".strip()
            color, right = "#b35900", False
        self.result.value = f'<div style="color:{color}">{html.escape(self.feedback)}</div>'
        return right

    def __repr__(self) -> str:
        return f"<Quiz: {self.question_text} ({len(self.options)} options)>"


def quiz(question: str, options: Sequence[str] | Mapping[str, str], answer: str | int,
         explanation: str, hint: str | None = None) -> Quiz:
    """A multiple-choice question with instant feedback.

    Args:
        question: the question.
        options: the possible answers; or a dict ``{answer: why}`` whose
            "why" is shown when a learner picks that (wrong) answer.
        answer: the right option (its text or its position).
        explanation: shown with "Right!" — why the answer is right.
        hint: shown after a wrong answer that has no "why" of its own.
    """
    return Quiz(question, options, answer, explanation, hint)
