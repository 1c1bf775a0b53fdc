# ruff: noqa: E501  (the tasks hold whole commands, as learners type them)
"""\"Your turn\" cells: you type the command, one line checks it against your sandbox at once.

A chapter's your-turn cell starts with a line ``# ⌨️ Your turn: ...``. Replace
that line with the command the text above asks for and run the cell; its last
line, ``labkit.your_turn("<task>")``, then looks at your account (never
at your typing) and answers in one line::

    ✅ alice-developer exists.

If the account is not there yet it raises :class:`NotYet` with a hint, which
also stops *Run all* at the cell that is waiting for you. Hints come in steps,
as a teacher would give them:

1. the first time a check fails: **the idea** (what AWS needs to hear);
2. the second time: **the shape** of the command, with blanks for you to fill;
3. the third time — or at once, with ``labkit.your_turn("<task>", show_answer=True)`` —
   **the answer**.

Which hints you saw is written to your progress log (:mod:`labkit.knowledge_log`),
so it survives a kernel restart; the ✅ line says how many you used.

Each task has a model answer (the book's command where there is one); the
course's tests type it into the cell, as you would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .. import knowledge_log
from ._account import activity, iam, login_profile, mfa_devices, user

if TYPE_CHECKING:
    from ..sandbox import Lab

__all__ = ["Task", "TASKS", "NotYet", "your_turn", "hint_level", "MARKER", "typed_your_turns"]

MARKER = "# ⌨️ Your turn:"


class NotYet(Exception):
    """A your-turn check found the account not yet as the task asks; the message is the hint."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a long traceback
        return [f"❌ Not yet: {self}"]


@dataclass(frozen=True)
class Task:
    """One your-turn task: what it asks, a model answer, two hints, the check, and its minutes.

    ``idea`` is shown at the first failed check (what to tell AWS, in words), ``shape`` at the
    second (the command with blanks, ``<...>``), ``answer`` at the third or on request.
    ``minutes`` is the time a beginner needs (it counts in the chapter's time, see
    :mod:`labkit.pace`).
    """

    id: str
    chapter: str
    ask: str
    answer: str
    idea: str
    shape: str
    test: Callable[[Lab], tuple[bool, str]]
    minutes: int = 2


def _visitor_exists(lab: Lab) -> tuple[bool, str]:
    found = user(lab, "visitor")
    return found is not None, (f"AWS created {found['Arn']}." if found else "there is no user visitor yet")


def _alice_exists(lab: Lab) -> tuple[bool, str]:
    found = user(lab, "alice-developer")
    return found is not None, "alice-developer exists." if found else "there is no user alice-developer yet"


def _alice_temporary_password(lab: Lab) -> tuple[bool, str]:
    profile = login_profile(lab, "alice-developer")
    if profile is None:
        return False, "alice-developer has no console password (login profile) yet"
    if not profile.get("PasswordResetRequired"):
        # A second create-login-profile can only fail with EntityAlreadyExists: the profile is
        # changed with update-login-profile, which takes --password-reset-required too
        # (https://docs.aws.amazon.com/cli/latest/reference/iam/update-login-profile.html).
        return False, ("her password does not have to be changed at her first sign-in. She already has a "
                       "login profile, so creating one again fails (EntityAlreadyExists): change it with "
                       "!aws iam update-login-profile --user-name alice-developer --password-reset-required")
    return True, "Alice has a temporary password she must change at her first sign-in."


def _alice_mfa(lab: Lab) -> tuple[bool, str]:
    devices = mfa_devices(lab, "alice-developer")
    if not devices:
        tries = activity(lab, event_name="EnableMFADevice")
        if tries and tries[0].get("errorCode") == "InvalidAuthenticationCode":
            return False, ("AWS refused the two codes (InvalidAuthenticationCode): codes last about 30 "
                           "seconds, so yours had probably expired. Run the cell above that prints "
                           "'code 1: ... code 2: ...' again for fresh codes, then run this cell at once")
        return False, "no MFA device is enabled for alice-developer yet"
    return True, f"Alice's device {devices[0]['SerialNumber']} is enabled: her codes were real."


def _account_alias(lab: Lab) -> tuple[bool, str]:
    aliases = iam(lab).list_account_aliases()["AccountAliases"]
    return bool(aliases), (f"The castle is called {aliases[0]!r}." if aliases else "the account has no alias yet")


def _password_policy(lab: Lab) -> tuple[bool, str]:
    try:
        policy = iam(lab).get_account_password_policy()["PasswordPolicy"]
    except ClientError:
        return False, "the account has no password policy yet"
    length, reuse = policy.get("MinimumPasswordLength", 0), policy.get("PasswordReusePrevention", 0)
    if length < 14 or reuse < 24:
        return False, f"the policy asks for {length} characters and remembers {reuse} passwords"
    return True, f"Passwords need {length}+ characters and the last {reuse} cannot be reused."


def _admins_group(lab: Lab) -> tuple[bool, str]:
    try:
        attached = iam(lab).list_attached_group_policies(GroupName="castle-admins")["AttachedPolicies"]
    except ClientError:
        return False, "there is no group castle-admins yet"
    if not any(p["PolicyName"] == "AdministratorAccess" for p in attached):
        return False, "the group castle-admins does not hold AdministratorAccess yet"
    return True, "castle-admins holds AdministratorAccess: whoever joins the group administers the castle."


def _knight_policy(lab: Lab) -> tuple[bool, str]:
    try:
        names = iam(lab).list_user_policies(UserName="knight")["PolicyNames"]
    except ClientError:
        return False, "there is no user knight yet"
    return bool(names), (f"The knight has the inline policy {names[0]!r}." if names
                         else "the knight has no inline policy yet")


def _iam_trusted_by_organization(lab: Lab) -> tuple[bool, str]:
    orgs = lab.client("organizations", credentials=lab.auditor())
    try:
        enabled = orgs.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    except ClientError:
        return False, "this account is not the management account of an organization"
    if not any(p["ServicePrincipal"] == "iam.amazonaws.com" for p in enabled):
        return False, "IAM has no trusted access to the organization yet"
    return True, "IAM now has trusted access to the organization."


def _archive_root_passwordless(lab: Lab) -> tuple[bool, str]:
    orgs = lab.client("organizations", credentials=lab.auditor())
    try:
        accounts = orgs.list_accounts()["Accounts"]
    except ClientError:
        return False, "this account is not the management account of an organization"
    archive = next((a["Id"] for a in accounts if a["Name"] == "castle-archive"), None)
    if archive is None:
        return False, "the organization has no account castle-archive"
    server = getattr(lab, "_server", None)
    if server is not None:  # this kernel's own sandbox: read the member's root directly
        root = server.layer.state.members.get(archive)
        if root is not None and root.password is None:
            return True, "castle-archive's root has no password left: nobody can sign in as it."
        return False, "castle-archive's root still has a password"
    sessions = [e for e in activity(lab, event_name="AssumeRoot") if not e.get("errorCode")
                and archive in json.dumps(e.get("requestParameters") or {})
                and "IAMDeleteRootUserCredentials" in json.dumps(e.get("requestParameters") or {})]
    if not sessions:
        return False, "no IAMDeleteRootUserCredentials session on castle-archive was opened yet"
    return True, "A session to delete castle-archive's root credentials was opened."


TASKS: dict[str, Task] = {t.id: t for t in (
    Task("start-visitor", "00", "Create the user visitor",
         "!aws iam create-user --user-name visitor",
         "every IAM command starts with !aws iam, then what to do (create a user) and its name",
         "!aws iam create-user --user-name <the user's name>", _visitor_exists, minutes=1),
    Task("castle-alias", "01", "Give the account an alias",
         "!aws iam create-account-alias --account-alias my-castle",
         "an account alias is a friendly name for the account's sign-in page; IAM creates it",
         "!aws iam create-account-alias --account-alias <a name, lower case, digits and hyphens>",
         _account_alias),
    Task("users-create-alice", "02", "Create alice-developer (the book's first command)",
         "!aws iam create-user --user-name alice-developer",
         "Alice is a new IAM user; her user name is alice-developer",
         "!aws iam create-user --user-name <her user name>", _alice_exists),
    Task("users-temp-password", "02", "Give Alice a temporary password (the book's second command)",
         "!aws iam create-login-profile --user-name alice-developer --password TempPassword123! "
         "--password-reset-required",
         "a console password lives in the user's login profile; the flag --password-reset-required "
         "makes her choose her own at the first sign-in",
         "!aws iam create-login-profile --user-name <user> --password <temporary password> "
         "--password-reset-required", _alice_temporary_password),
    Task("mfa-enable", "03", "Enable Alice's device with two real codes (the book's third command)",
         "!aws iam enable-mfa-device --user-name alice-developer --serial-number "
         "arn:aws:iam::123456789012:mfa/alice --authentication-code1 {code1} --authentication-code2 {code2}",
         "AWS enables a virtual device only when you send two codes in a row from it, as Python "
         "variables {code1} and {code2} in the book's command",
         "!aws iam enable-mfa-device --user-name <user> --serial-number <the device's ARN> "
         "--authentication-code1 {code1} --authentication-code2 {code2}",
         _alice_mfa),
    Task("root-password-policy", "04", "Set a CIS-strength password policy",
         "!aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24 "
         "--require-uppercase-characters --require-lowercase-characters --require-numbers --require-symbols "
         "--allow-users-to-change-password",
         "the account's password policy: at least 14 characters and the last 24 passwords never reused",
         "!aws iam update-account-password-policy --minimum-password-length <n> --password-reuse-prevention <n> ...",
         _password_policy),
    Task("warden-admin-group", "04b", "Give the group castle-admins AWS's AdministratorAccess",
         "!aws iam attach-group-policy --group-name castle-admins --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
         "AWS's managed policy AdministratorAccess is attached to the group, not to each user",
         "!aws iam attach-group-policy --group-name <group> --policy-arn arn:aws:iam::aws:policy/<policy name>",
         _admins_group),
    Task("lp-knight-policy", "05", "Give the knight his inline policy",
         "!aws iam put-user-policy --user-name knight --policy-name armory-keys --policy-document '{armory_json}'",
         "an inline policy is put on one user, with a name and the policy document (the JSON in armory_json)",
         "!aws iam put-user-policy --user-name <user> --policy-name <a name> --policy-document '{armory_json}'",
         _knight_policy),
    Task("realm-trusted-access", "06", "Give IAM trusted access to the organization",
         "!aws organizations enable-aws-service-access --service-principal iam.amazonaws.com",
         "AWS Organizations lets a service (here IAM, whose principal is iam.amazonaws.com) work across "
         "the organization once you enable its access",
         "!aws organizations enable-aws-service-access --service-principal <the service's principal>",
         _iam_trusted_by_organization),
    Task("realm-archive-root", "06", "Take castle-archive's root password away",
         "lab.use(steward)\n"
         "answer = !aws sts assume-root --target-principal {archive} --task-policy-arn "
         "arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials\n"
         "lab.use(labkit.Credentials.from_response(json.loads(answer.n)[\"Credentials\"]))\n"
         "!aws iam delete-login-profile\n"
         "lab.use(steward)",
         "the same two steps as for castle-workloads: as the steward, a root session on the archive "
         "account with the task policy that deletes root credentials; in that session, delete the "
         "login profile (the password); then back to the steward",
         "lab.use(steward)\nanswer = !aws sts assume-root --target-principal <account id> --task-policy-arn "
         "arn=arn:aws:iam::aws:policy/root-task/<task>\n"
         "lab.use(labkit.Credentials.from_response(json.loads(answer.n)[\"Credentials\"]))\n"
         "!aws iam <delete the password>\nlab.use(steward)",
         _archive_root_passwordless, minutes=3),
)}

_failed: dict[str, int] = {}  # failed checks per task in this kernel (the log may be unwritable)


def hint_level(failures: int) -> str:
    """The hint a task shows after ``failures`` failed checks (1: idea, 2: shape, 3 and more: answer).

    >>> [hint_level(n) for n in (1, 2, 3, 7)]
    ['idea', 'shape', 'answer', 'answer']
    """
    return knowledge_log.HINT_LEVELS[min(max(failures, 1), 3) - 1]


def _hint(task: Task, level: str) -> str:
    if level == "idea":
        return f"💡 The idea: {task.idea}."
    if level == "shape":
        return f"💡 The command's shape: {task.shape}"
    return f"💡 The answer: {task.answer}"


def your_turn(task_id: str, lab: Any = None, *, show_answer: bool = False) -> None:
    """Check a your-turn task against the sandbox now: prints ✅ and what it found, or raises
    :class:`NotYet` with a hint — the idea first, then the command's shape, then the answer.

    ``show_answer=True`` prints the answer without checking (and notes it in your progress).
    """
    from ..widgets.check import _running_lab

    try:
        task = TASKS[task_id]
    except KeyError:
        raise ValueError(f"No your-turn task {task_id!r}; known: {', '.join(sorted(TASKS))}") from None
    if show_answer:
        knowledge_log.record_hint(task.id, "answer")
        print(f"{_hint(task, 'answer')}\nReplace the '{MARKER} ...' line with it and run the cell.")
        return
    lab = lab or _running_lab()
    if lab is None:
        raise NotYet("no sandbox is running in this kernel: run the notebook's first cell, then this one")
    try:
        lab.auditor()
    except PermissionError:  # attached to a grader's sandbox: the grader checks, not this cell
        print(f"⏭️ {task.ask}: checked by the grader.")
        return
    passed, detail = task.test(lab)
    if not passed:
        logged = len(knowledge_log.hints_used().get(task.id, []))
        _failed[task.id] = max(_failed.get(task.id, 0), logged) + 1
        level = hint_level(_failed[task.id])
        knowledge_log.record_hint(task.id, level)
        raise NotYet(f"{detail}.\n{_hint(task, level)}\nReplace the '{MARKER} ...' line and run the cell "
                     "again." + ("" if level == "answer" else
                                 f" (Stuck? labkit.your_turn({task.id!r}, show_answer=True) shows the answer.)"))
    used = knowledge_log.hints_used().get(task.id, [])
    print(f"✅ {detail}" + (f" (hints used: {', '.join(used)})" if used else ""))


def typed_your_turns(nb: Any) -> Any:
    """``nb`` (an nbformat notebook) with every "Your turn" marker line replaced by the task's
    model answer, and every prediction written (:func:`labkit.checks.predictions.typed_predictions`),
    as a learner would type them. Tests and benchmarks run chapters this way."""
    from .predictions import typed_predictions

    typed_predictions(nb)
    for cell in nb.cells:
        if "your-turn" in cell.metadata.get("tags", []):
            answer = TASKS[cell.metadata["labkit"]["your_turn"]].answer
            lines = cell.source.split("\n")
            cell.source = "\n".join(answer if line.startswith(MARKER) else line for line in lines)
    return nb
