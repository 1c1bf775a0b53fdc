# ruff: noqa: E501  (the tasks hold whole commands, as learners type them)
"""\"Your turn\" cells: you type the command, one line checks it against your sandbox at once.

A chapter's your-turn cell starts with a line ``# ⌨️ Your turn: ...``. Replace
that line with the command the text above asks for and run the cell; its last
line, ``labkit.your_turn("<task>")``, then looks at your account (never
at your typing) and answers in one line::

    ✅ alice-developer exists.

If the account is not there yet it raises :class:`NotYet` with a hint, which
also stops *Run all* at the cell that is waiting for you.

Each task has a model answer (the book's command where there is one); the
course's tests type it into the cell, as you would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ._account import iam, login_profile, mfa_devices, user

if TYPE_CHECKING:
    from ..sandbox import Lab

__all__ = ["Task", "TASKS", "NotYet", "your_turn", "MARKER", "typed_your_turns"]

MARKER = "# ⌨️ Your turn:"


class NotYet(Exception):
    """A your-turn check found the account not yet as the task asks; the message is the hint."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a long traceback
        return [f"❌ Not yet: {self}"]


@dataclass(frozen=True)
class Task:
    """One your-turn task: what it asks, a model answer, and the check."""

    id: str
    chapter: str
    ask: str
    answer: str
    hint: str
    test: Callable[[Lab], tuple[bool, str]]


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
        return False, "her password does not have to be changed at her first sign-in"
    return True, "Alice has a temporary password she must change at her first sign-in."


def _alice_mfa(lab: Lab) -> tuple[bool, str]:
    devices = mfa_devices(lab, "alice-developer")
    if not devices:
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


TASKS: dict[str, Task] = {t.id: t for t in (
    Task("start-visitor", "00", "Create the user visitor",
         "!aws iam create-user --user-name visitor",
         "!aws iam create-user --user-name visitor", _visitor_exists),
    Task("castle-alias", "01", "Give the account an alias",
         "!aws iam create-account-alias --account-alias my-castle",
         "!aws iam create-account-alias --account-alias <a name, lower case, digits and hyphens>",
         _account_alias),
    Task("users-create-alice", "02", "Create alice-developer (the book's first command)",
         "!aws iam create-user --user-name alice-developer",
         "!aws iam create-user --user-name alice-developer", _alice_exists),
    Task("users-temp-password", "02", "Give Alice a temporary password (the book's second command)",
         "!aws iam create-login-profile --user-name alice-developer --password TempPassword123! "
         "--password-reset-required",
         "!aws iam create-login-profile --user-name alice-developer --password TempPassword123! "
         "--password-reset-required", _alice_temporary_password),
    Task("mfa-enable", "03", "Enable Alice's device with two real codes (the book's third command)",
         "!aws iam enable-mfa-device --user-name alice-developer --serial-number "
         "arn:aws:iam::123456789012:mfa/alice --authentication-code1 {code1} --authentication-code2 {code2}",
         "the book's enable-mfa-device command, with {code1} and {code2} where the book has 123456 and 789012",
         _alice_mfa),
    Task("root-password-policy", "04", "Set a CIS-strength password policy",
         "!aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24 "
         "--require-uppercase-characters --require-lowercase-characters --require-numbers --require-symbols "
         "--allow-users-to-change-password",
         "!aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24 ...",
         _password_policy),
    Task("warden-admin-group", "04b", "Give the group castle-admins AWS's AdministratorAccess",
         "!aws iam attach-group-policy --group-name castle-admins --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
         "!aws iam attach-group-policy --group-name castle-admins --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
         _admins_group),
    Task("lp-knight-policy", "05", "Give the knight his inline policy",
         "!aws iam put-user-policy --user-name knight --policy-name armory-keys --policy-document '{armory_json}'",
         "!aws iam put-user-policy --user-name knight --policy-name armory-keys --policy-document '{armory_json}'",
         _knight_policy),
    Task("realm-trusted-access", "06", "Give IAM trusted access to the organization",
         "!aws organizations enable-aws-service-access --service-principal iam.amazonaws.com",
         "!aws organizations enable-aws-service-access --service-principal iam.amazonaws.com",
         _iam_trusted_by_organization),
)}


def your_turn(task_id: str, lab: Any = None) -> None:
    """Check a your-turn task against the sandbox now: prints ✅ and what it found, or raises
    :class:`NotYet` with a hint (``labkit.explain`` is not needed: the message says what to type)."""
    from ..widgets.check import _running_lab

    try:
        task = TASKS[task_id]
    except KeyError:
        raise ValueError(f"No your-turn task {task_id!r}; known: {', '.join(sorted(TASKS))}") from None
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
        raise NotYet(f"{detail}. Replace the '{MARKER} ...' line with {task.hint} and run the cell again.")
    print(f"✅ {detail}")


def typed_your_turns(nb: Any) -> Any:
    """``nb`` (an nbformat notebook) with every "Your turn" marker line replaced by the task's
    model answer, as a learner would type it. Tests and benchmarks run chapters this way."""
    for cell in nb.cells:
        if "your-turn" in cell.metadata.get("tags", []):
            answer = TASKS[cell.metadata["labkit"]["your_turn"]].answer
            lines = cell.source.split("\n")
            cell.source = "\n".join(answer if line.startswith(MARKER) else line for line in lines)
    return nb
