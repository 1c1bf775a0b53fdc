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
from .not_yet import NotYet

if TYPE_CHECKING:
    from ..sandbox import Lab

__all__ = ["Prediction", "PREDICTIONS", "SUCCESS", "last_call", "identity_store_call", "member_call", "console_sign_in", "check_prediction", "typed_predictions",
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


# ruff: noqa: E501  (the predictions below hold whole sentences a learner reads)
def console_sign_in(outcomes: dict[str, str], *, user: str) -> Callable[[Lab], str]:
    """An ``outcome`` reader for the sign-in page: ``user``'s newest ``ConsoleLogin`` event, whose
    ``responseElements.ConsoleLogin`` is ``"Success"`` or ``"Failure"``, mapped through ``outcomes``
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html)."""

    def read(lab: Lab) -> str:
        events = [e for e in activity(lab, username=user) if e.get("eventName") == "ConsoleLogin"]
        if not events:
            raise NotYet("the activity log has no console sign-in yet: run the command in this cell")
        return outcomes[str((events[0].get("responseElements") or {}).get("ConsoleLogin", "Failure"))]

    return read


def identity_store_call(event_name: str, outcomes: dict[str, str]) -> Callable[[Lab], str]:
    """An ``outcome`` reader like :func:`last_call`, for the newest ``event_name`` call of the
    Identity Center identity store (``identitystore.amazonaws.com``): IAM has calls of the same
    names (``CreateUser``, ``CreateGroup``), which this leaves out."""

    def read(lab: Lab) -> str:
        events = [e for e in activity(lab, event_name=event_name)
                  if e.get("eventSource") == "identitystore.amazonaws.com"]
        if not events:
            raise NotYet(f"the activity log has no identity store {event_name} call yet: run the command in "
                         "this cell")
        key = str(events[0].get("errorCode") or SUCCESS)
        if key not in outcomes:
            raise RuntimeError(f"{event_name} ended with {key}, which this prediction did not foresee")
        return outcomes[key]

    return read


def member_call(account_name: str, event_name: str, outcomes: dict[str, str]) -> Callable[[Lab], str]:
    """An ``outcome`` reader for a call made *in a member account* (``account_name``): its newest
    ``event_name`` event in that account's event history (``lab.member_event_history``), mapped
    through ``outcomes`` as :func:`last_call` does. People signed in through IAM Identity Center
    act in member accounts, so their calls are recorded there."""
    import json

    def read(lab: Lab) -> str:
        accounts = lab.client("organizations", credentials=lab.auditor()).list_accounts()["Accounts"]
        account_id = next(a["Id"] for a in accounts if a["Name"] == account_name)
        events = [json.loads(e.get("CloudTrailEvent") or "{}") for e in lab.member_event_history(account_id)
                  if e.get("EventName") == event_name]
        if not events:
            raise NotYet(f"{account_name}'s event history has no {event_name} call yet: run the command in "
                         "this cell")
        key = str(events[0].get("errorCode") or SUCCESS)
        if key not in outcomes:
            raise RuntimeError(f"{event_name} ended with {key}, which this prediction did not foresee")
        return outcomes[key]

    return read


PREDICTIONS: dict[str, Prediction] = {p.id: p for p in (
    Prediction(
        "users-old-password", "02",
        "Alice has chosen her own password. Someone finds the sticky note with her temporary password "
        "and types it on the sign-in page. What happens?",
        ("Signed in", "Refused"),
        console_sign_in({"Success": "Signed in", "Failure": "Refused"}, user="alice-developer"),
        {"Signed in": "This should not happen: changing a password replaces the old one at once.",
         "Refused": "The temporary password was replaced when she chose her own: it opens nothing any more. "
                    "The page does not say which part was wrong, so a guesser learns nothing either."},
        minutes=1),
    Prediction(
        "policies-list-groups", "02b",
        "Alice's only statement allows iam:ListUsers on every resource. She asks for the list of groups "
        "(iam:ListGroups). What does AWS answer?",
        ("It works", "AccessDenied"),
        last_call("ListGroups", {SUCCESS: "It works", "AccessDenied": "AccessDenied"}, user="alice-developer"),
        {"It works": "This should not happen: an Action names one API action, and ListGroups is not ListUsers.",
         "AccessDenied": "An Action names exactly the API actions it allows. iam:ListUsers says nothing about "
                         "iam:ListGroups, and what no policy allows is denied."}),
    Prediction(
        "mfa-stolen-password", "03",
        "Mordred types Alice's real password and guesses the code 123456. What happens?",
        ("He is in", "Refused"),
        console_sign_in({"Success": "He is in", "Failure": "Refused"}, user="alice-developer"),
        {"He is in": "A one-in-a-million guess came true: the code changes every 30 seconds, so he would have "
                     "to be that lucky again next time. Alice should still change her password.",
         "Refused": "The password was right, the second key was not: without the phone that holds Alice's "
                    "seed, a code is a guess with a one-in-a-million chance, and it changes every 30 seconds."}),
    Prediction(
        "mfa-session-without-mfa", "03b",
        "Alice asks STS for a session without giving a code, and calls iam list-users with it. What does AWS answer?",
        ("It works", "AccessDenied", "InvalidClientTokenId"),
        last_call("ListUsers", {SUCCESS: "It works", "AccessDenied": "AccessDenied",
                                "InvalidClientTokenId": "InvalidClientTokenId"}, user="alice-developer"),
        {"It works": "This should not happen: credentials from get-session-token without MFA cannot call IAM.",
         "AccessDenied": "Close, but the house rule is never reached: AWS refuses such a session for every IAM "
                         "call and answers as if the token were invalid.",
         "InvalidClientTokenId": "Credentials from get-session-token cannot call IAM unless MFA came with the "
                                 "request for them, and AWS answers as if the token were invalid "
                                 "(https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html)."}),
    Prediction(
        "root-mfa-api", "04",
        "You ask IAM's API to enable an MFA device for the user root, with two made-up codes. What does AWS answer?",
        ("It works", "InvalidAuthenticationCode", "NoSuchEntity"),
        last_call("EnableMFADevice", {SUCCESS: "It works", "InvalidAuthenticationCode": "InvalidAuthenticationCode",
                                      "NoSuchEntity": "NoSuchEntity"}),
        {"It works": "This should not happen: root's MFA is assigned in the console only.",
         "InvalidAuthenticationCode": "The codes are made up, but AWS never gets that far: it looks for the "
                                      "user first.",
         "NoSuchEntity": "enable-mfa-device works on IAM users, and root is not one: there is no IAM user "
                         "called root. Root's MFA is assigned in the console only "
                         "(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html)."}),
    Prediction(
        "warden-key-alone", "04b",
        "The warden's group holds AdministratorAccess and the deny-unless-MFA rule. His plain access key "
        "(no MFA session) asks for the list of users. What does AWS answer?",
        ("It works: he is an administrator", "AccessDenied"),
        last_call("ListUsers", {SUCCESS: "It works: he is an administrator", "AccessDenied": "AccessDenied"},
                  user="warden"),
        {"It works: he is an administrator": "This should not happen: the group's explicit Deny applies to "
                                             "every request without MFA.",
         "AccessDenied": "AdministratorAccess allows everything, but an explicit Deny beats every Allow: "
                         "without MFA, the group's house rule denies all but the MFA set-up actions "
                         "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)."}),
    Prediction(
        "oidc-feature-branch", "05b",
        "A job of castle-co/app runs on the branch feature/new-gate and asks for the role castle-build. "
        "What does STS answer?",
        ("Credentials for the role", "AccessDenied"),
        last_call("AssumeRoleWithWebIdentity", {SUCCESS: "Credentials for the role", "AccessDenied": "AccessDenied"}),
        {"Credentials for the role": "This should not happen: the trust policy's sub names the main branch only.",
         "AccessDenied": "Same repository, other branch: the token's sub is "
                         "repo:castle-co/app:ref:refs/heads/feature/new-gate, and the trust policy accepts "
                         "only ...:ref:refs/heads/main. The sub condition picks branches as well as repositories."}),
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
    Prediction(
        "ic-second-alice", "07",
        "You create the user alice a second time in the same identity store. What does AWS answer?",
        ("It works: a second alice", "ConflictException: the user name is taken"),
        identity_store_call("CreateUser", {SUCCESS: "It works: a second alice",
                                           "ConflictException": "ConflictException: the user name is taken"}),
        {"It works: a second alice":
             "This should not happen: user names are unique in an identity store.",
         "ConflictException: the user name is taken":
             "A user name is unique in its identity store: the request \"would violate an existing uniqueness "
             "claim in the identity store\" "
             "(https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_CreateUser.html). "
             "The store is the one list of the organization's people: Alice exists once, for every account."},
        minutes=2),
    Prediction(
        "ic-alice-creates-user", "07b",
        "Signed in as Alice (permission set Developer: ReadOnlyAccess), you create an IAM user in "
        "castle-workloads. What does AWS answer?",
        ("It works: she is signed in with MFA", "AccessDenied: her permission set does not allow it"),
        member_call("castle-workloads", "CreateUser",
                    {SUCCESS: "It works: she is signed in with MFA",
                     "AccessDenied": "AccessDenied: her permission set does not allow it"}),
        {"It works: she is signed in with MFA":
             "This should not happen: ReadOnlyAccess allows no iam:CreateUser.",
         "AccessDenied: her permission set does not allow it":
             "Signing in (even with MFA) says who she is; what she may do is her permission set's policies, "
             "now the reserved role's. ReadOnlyAccess allows reading only: \"no identity-based policy "
             "allows the iam:CreateUser action\" "
             "(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)."},
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
    from ..sandbox import running_lab

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
    lab = lab or running_lab()
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
