"""Predict, then run: you write what you expect AWS to answer, run the command, and compare.

A chapter's prediction cell looks like this::

    # 🔮 Predict: the knight asks for the list of users. What does AWS answer?
    # Options: "It works" | "AccessDenied" | "NoSuchEntity"
    prediction = ""
    !aws iam list-users --profile knight
    labkit.check_prediction("lp-knight-lists-users", prediction)

Write one of the options between the quotes *before* you run the cell. The last
line does not read what the command printed: it reads the account's activity log
(what AWS recorded for that call: success, or which error) and says whether you
were right, and why. A wrong prediction is not a failure — it is the moment you
learn the most — so the cell only stops when no prediction was written.

Each prediction is a :class:`Prediction` in :data:`PREDICTIONS`; ``outcome``
returns one of its ``options`` (helpers: :func:`last_call`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import knowledge_log
from ._account import activity
from .your_turn_tasks import NotYet

if TYPE_CHECKING:
    from ..sandbox import Lab

__all__ = ["Prediction", "PREDICTIONS", "SUCCESS", "last_call", "check_prediction", "typed_predictions",
           "PREDICTION_LINE"]

SUCCESS = "success"
"""The key :func:`last_call` uses for a call that AWS answered without an error."""

PREDICTION_LINE = 'prediction = ""'
"""The line of a prediction cell the learner fills in."""


@dataclass(frozen=True)
class Prediction:
    """One predict-then-run question: the options, how to read the outcome, and why each happens.

    ``outcome(lab)`` returns the option that happened (one of ``options``); ``why`` maps each
    option to the explanation shown when it is the outcome (every option needs one).
    """

    id: str
    chapter: str
    question: str
    options: tuple[str, ...]
    outcome: Callable[[Lab], str] = field(repr=False)
    why: dict[str, str] = field(repr=False)
    minutes: int = 2

    def __post_init__(self) -> None:
        if len(self.options) < 2:
            raise ValueError(f"{self.id}: a prediction needs at least two options")
        missing = [o for o in self.options if not self.why.get(o)]
        if missing:
            raise ValueError(f"{self.id}: every option needs a 'why'; missing for {missing}")


def last_call(event_name: str, outcomes: dict[str, str], *, user: str | None = None) -> Callable[[Lab], str]:
    """An ``outcome`` reader: the learner's newest ``event_name`` call in the activity log (by
    ``user``, if given), mapped through ``outcomes`` — ``{SUCCESS: option, "AccessDenied": option}``.

    Only management events are in the log (CloudTrail leaves S3 object reads out:
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html).
    """

    def read(lab: Lab) -> str:
        events = [e for e in activity(lab, username=user) if e.get("eventName") == event_name] if user \
            else activity(lab, event_name=event_name)
        if not events:
            raise NotYet(f"the activity log has no {event_name} call yet: run the command in this cell")
        key = str(events[0].get("errorCode") or SUCCESS)
        if key not in outcomes:
            raise RuntimeError(f"{event_name} ended with {key}, which this prediction did not foresee")
        return outcomes[key]

    return read


PREDICTIONS: dict[str, Prediction] = {p.id: p for p in (
    Prediction(
        "lp-knight-lists-users", "05",
        "The knight's only policy opens the armory. He asks IAM for the list of users. What does AWS answer?",
        ("It works", "AccessDenied"),
        last_call("ListUsers", {SUCCESS: "It works", "AccessDenied": "AccessDenied"}, user="knight"),
        {"It works": "This should not happen: the knight's policy names only s3 actions on the armory.",
         "AccessDenied": "IAM denies by default. The knight's policy allows s3 actions on the armory "
                         "and nothing else, so iam:ListUsers is not allowed — the knight doesn't need it."},
        minutes=2),
    Prediction(
        "realm-root-assume-root", "06",
        "The management account's root user — the master key, allowed everything — asks STS for a "
        "root session on castle-workloads. What does AWS answer?",
        ("It works: root may do everything", "AccessDenied: root may not open root sessions"),
        last_call("AssumeRoot", {SUCCESS: "It works: root may do everything",
                                 "AccessDenied": "AccessDenied: root may not open root sessions"}),
        {"It works: root may do everything":
             "This should not happen: AssumeRoot refuses root user credentials.",
         "AccessDenied: root may not open root sessions":
             "AssumeRoot must be called by an IAM principal of the management account (or of a delegated "
             "administrator account): \"You cannot use root user credentials to make this call\" "
             "(https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html). Even the master "
             "key does not open other castles' vaults by itself."},
        minutes=2),
)}


def _normalise(text: str) -> str:
    return " ".join(text.strip().strip("\"'").lower().split())


def _option(prediction: Prediction, written: str) -> str | None:
    """The option ``written`` names: the whole option, or its start up to ``:`` (e.g. "AccessDenied")."""
    wanted = _normalise(written)
    for option in prediction.options:
        if wanted in (_normalise(option), _normalise(option.split(":")[0])):
            return option
    return None


def check_prediction(prediction_id: str, prediction: str, lab: Any = None) -> None:
    """Compare ``prediction`` with what the sandbox recorded; print whether it was right and why.

    Raises :class:`NotYet` when no prediction (or not one of the options) was written.
    """
    from ..widgets.check import _running_lab

    try:
        item = PREDICTIONS[prediction_id]
    except KeyError:
        known = ", ".join(sorted(PREDICTIONS))
        raise ValueError(f"No prediction {prediction_id!r}; known: {known}") from None
    choices = " | ".join(f'"{o}"' for o in item.options)
    if not str(prediction).strip():
        raise NotYet(f'write your prediction first, between the quotes of prediction = "": one of {choices}')
    chosen = _option(item, str(prediction))
    if chosen is None:
        raise NotYet(f"{prediction!r} is not one of the options; write one of {choices}")
    lab = lab or _running_lab()
    if lab is None:
        raise NotYet("no sandbox is running in this kernel: run the notebook's first cell, then this one")
    try:
        lab.auditor()
    except PermissionError:  # attached to a grader's sandbox
        print(f"⏭️ You predicted: {chosen}. (The grader's sandbox does not show its activity log here.)")
        return
    happened = item.outcome(lab)
    right = happened == chosen
    knowledge_log.record(f"predict:{item.id}", [item.options.index(chosen)], right)
    if right:
        print(f"✅ You predicted “{chosen}”, and so it was. {item.why[happened]}")
    else:
        print(f"🤔 You predicted “{chosen}”; AWS answered “{happened}”. {item.why[happened]}")


def typed_predictions(nb: Any, choose: Callable[[Prediction], str] | None = None) -> Any:
    """``nb`` (an nbformat notebook) with every prediction filled in, as a learner would write it
    (``choose`` picks the option; the first one by default). Tests run chapters this way."""
    pick = choose or (lambda p: p.options[0])
    for cell in nb.cells:
        info = cell.metadata.get("labkit", {})
        if "predict" in cell.metadata.get("tags", []) and "predict" in info:
            option = pick(PREDICTIONS[info["predict"]]).replace('"', '\\"')
            cell.source = cell.source.replace(PREDICTION_LINE, f'prediction = "{option}"', 1)
    return nb
