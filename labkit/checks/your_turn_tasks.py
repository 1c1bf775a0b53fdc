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

A cell run untouched (its ``# ⌨️`` line still there, nothing typed) only reminds you to type:
it is not an attempt and uses no hint.

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
from urllib.parse import unquote

from botocore.exceptions import ClientError

from .. import knowledge_log
from ._account import (
    TemporaryKey,
    access_keys,
    activity,
    allowed,
    iam,
    login_profile,
    mfa_devices,
    user,
)
from .not_yet import NotYet

if TYPE_CHECKING:
    from ..sandbox import Lab

__all__ = ["Task", "TASKS", "NotYet", "your_turn", "hint_level", "MARKER", "typed_your_turns"]

MARKER = "# ⌨️ Your turn:"


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


def _alice_in_developers(lab: Lab) -> tuple[bool, str]:
    """Alice (user name ``alice``) is a member of the identity store group ``castle-developers``."""
    sso = lab.client("sso-admin", credentials=lab.auditor())
    store = lab.client("identitystore", credentials=lab.auditor())
    store_id = sso.list_instances()["Instances"][0]["IdentityStoreId"]
    users = {u["UserId"]: u["UserName"] for u in store.list_users(IdentityStoreId=store_id)["Users"]}
    alice = next((i for i, name in users.items() if name == "alice"), None)
    if alice is None:
        return False, "there is no user alice in the identity store (run the cell that creates her)"
    groups = {g["GroupId"]: g["DisplayName"] for g in store.list_groups(IdentityStoreId=store_id)["Groups"]}
    memberships = store.list_group_memberships_for_member(
        IdentityStoreId=store_id, MemberId={"UserId": alice})["GroupMemberships"]
    if "castle-developers" not in {groups.get(m["GroupId"]) for m in memberships}:
        return False, "alice is not a member of castle-developers yet"
    return True, "alice is a member of castle-developers: what the group may do, she may do."


def _alice_profile(lab: Lab) -> tuple[bool, str]:
    """The AWS config file has ``[profile alice-dev]`` that signs in through Identity Center to
    castle-workloads as the permission set Developer."""
    import configparser
    import os

    parser = configparser.RawConfigParser()
    parser.read(os.environ.get("AWS_CONFIG_FILE", ""))
    section = "profile alice-dev"
    if not parser.has_section(section):
        return False, "the AWS config file has no profile alice-dev yet"
    accounts = lab.client("organizations", credentials=lab.auditor()).list_accounts()["Accounts"]
    workloads = next((a["Id"] for a in accounts if a["Name"] == "castle-workloads"), "")
    wanted = {"sso_session": "alice-dev", "sso_account_id": workloads, "sso_role_name": "Developer"}
    wrong = [f"{key} is {parser.get(section, key, fallback='missing')!r}, not {value!r}"
             for key, value in wanted.items() if parser.get(section, key, fallback=None) != value]
    if wrong:
        return False, "in profile alice-dev, " + "; ".join(wrong)
    return True, "profile alice-dev signs in through IAM Identity Center to castle-workloads as Developer."


def _alice_retired(lab: Lab) -> tuple[bool, str]:
    """The IAM user alice is gone (and, with her, her key, password and MFA device)."""
    if user(lab, "alice") is None:
        devices = [d["SerialNumber"] for d in iam(lab).list_virtual_mfa_devices()["VirtualMFADevices"]
                   if d["SerialNumber"].endswith(":mfa/alice")]
        if devices:
            return False, f"the user is gone, but her virtual MFA device {devices[0]} is left: delete it"
        return True, "the IAM user alice is gone: Alice signs in through Identity Center only."
    left = []
    if access_keys(lab, "alice"):
        left.append("an access key")
    if login_profile(lab, "alice"):
        left.append("a login profile (password)")
    if mfa_devices(lab, "alice"):
        left.append("an MFA device")
    return False, "the IAM user alice still exists" + (f", with {', '.join(left)}" if left else "")


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
    missing = [word for word, key in (("uppercase letters", "RequireUppercaseCharacters"),
                                      ("lowercase letters", "RequireLowercaseCharacters"),
                                      ("numbers", "RequireNumbers"), ("symbols", "RequireSymbols"))
               if not policy.get(key)]
    if missing:
        return False, f"the policy does not require {', '.join(missing)}"
    if not policy.get("AllowUsersToChangePassword"):
        return False, "users may not change their own passwords under this policy"
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


def _alice_reset(lab: Lab) -> tuple[bool, str]:
    profile = login_profile(lab, "alice-developer")
    if profile is None:
        return False, "alice-developer has no login profile: run the cells above first"
    updates = [e for e in activity(lab, event_name="UpdateLoginProfile") if not e.get("errorCode")]
    if not updates:
        return False, "the activity log shows no successful UpdateLoginProfile for Alice yet"
    if not profile.get("PasswordResetRequired"):
        return False, "her new password does not have to be changed at her next sign-in"
    return True, "Alice has a new temporary password, and must choose her own at her next sign-in."


def _alice_lists_groups(lab: Lab) -> tuple[bool, str]:
    if user(lab, "alice-developer") is None:
        return False, "there is no user alice-developer: run the cells above first"
    with TemporaryKey(lab, "alice-developer") as keys:
        if not allowed(lab, keys, "iam", "list_groups"):
            return False, "Alice still gets AccessDenied for iam:ListGroups"
        if allowed(lab, keys, "iam", "list_roles"):
            return False, ("Alice may now list the roles too: her policy allows more than iam:ListGroups "
                           "(a wildcard such as iam:List* or iam:*?)")
    return True, "Alice may list the groups, and nothing more than you meant."


def _alice_listed_her_devices(lab: Lab) -> tuple[bool, str]:
    calls = [e for e in activity(lab, username="alice-developer") if e.get("eventName") == "ListMFADevices"]
    if not calls:
        return False, "the activity log shows no ListMFADevices call signed as Alice yet"
    if calls[0].get("errorCode"):
        return False, f"Alice's last ListMFADevices call was refused ({calls[0]['errorCode']})"
    return True, "Alice asked AWS for her own MFA devices, and her house rule let her."


def _alice_hour_session(lab: Lab) -> tuple[bool, str]:
    calls = [e for e in activity(lab, username="alice-developer") if e.get("eventName") == "GetSessionToken"]
    good = [e for e in calls if not e.get("errorCode")
            and str((e.get("requestParameters") or {}).get("durationSeconds")) == "3600"
            and (e.get("requestParameters") or {}).get("serialNumber")]
    if good:
        return True, "Alice holds an MFA session that ends in one hour."
    if not calls:
        return False, "the activity log shows no GetSessionToken call signed as Alice yet"
    return False, "no GetSessionToken call of Alice's asked for 3600 seconds with her MFA device and a current code"


def _build_role_reads_artifacts(lab: Lab) -> tuple[bool, str]:
    client = iam(lab)
    try:
        names = client.list_role_policies(RoleName="castle-build")["PolicyNames"]
    except ClientError:
        return False, "there is no role castle-build: run the cells above first"
    statements: list[dict[str, Any]] = []
    for name in names:
        document = client.get_role_policy(RoleName="castle-build", PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(unquote(document))
        found = document.get("Statement", [])
        statements += found if isinstance(found, list) else [found]
    allows = [s for s in statements if s.get("Effect") == "Allow"]
    if not allows:
        return False, "the role castle-build has no inline policy that allows anything yet"
    for s in allows:
        actions = s.get("Action", [])
        resources = s.get("Resource", [])
        for value in [*([actions] if isinstance(actions, str) else actions),
                      *([resources] if isinstance(resources, str) else resources)]:
            if value in ("*", "s3:*", "arn:aws:s3:::*"):
                return False, f"the role's policy allows {value!r}: far more than reading one bucket's files"
    wanted = any("s3:GetObject" in ([s["Action"]] if isinstance(s.get("Action"), str) else s.get("Action", []))
                 and "arn:aws:s3:::castle-artifacts/*" in ([s["Resource"]] if isinstance(s.get("Resource"), str)
                                                            else s.get("Resource", []))
                 for s in allows)
    if not wanted:
        return False, "no statement allows s3:GetObject on arn:aws:s3:::castle-artifacts/*"
    return True, "The build role may read the artifacts bucket's files, and nothing else."
def _archive_root_passwordless(lab: Lab) -> tuple[bool, str]:
    orgs = lab.client("organizations", credentials=lab.auditor())
    try:
        accounts = orgs.list_accounts()["Accounts"]
    except ClientError:
        return False, "this account is not the management account of an organization"
    archive = next((a["Id"] for a in accounts if a["Name"] == "castle-archive"), None)
    if archive is None:
        return False, "the organization has no account castle-archive"
    if lab.sandbox is not None:  # this kernel's own sandbox: read the member's root directly
        if lab.sandbox.member_root_has_password(archive) is False:
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
    Task("users-create-alice", "02", "Create alice-developer",
         "!aws iam create-user --user-name alice-developer",
         "Alice is a new IAM user; her user name is alice-developer",
         "!aws iam create-user --user-name <her user name>", _alice_exists, minutes=1),
    Task("users-temp-password", "02", "Give Alice a temporary password she must change",
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
         "one update-account-password-policy line with an option for each requirement: a minimum length of 14, "
         "reuse prevention of 24, the four kinds of character, and users allowed to change their password",
         "!aws iam update-account-password-policy --minimum-password-length <n> --password-reuse-prevention <n> "
         "--require-<kind>-characters (uppercase, lowercase) --require-numbers --require-symbols --allow-users-to-<...>",
         _password_policy, minutes=3),
    Task("warden-admin-group", "04b", "Give the group castle-admins AWS's AdministratorAccess",
         "!aws iam attach-group-policy --group-name castle-admins --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
         "AWS's managed policy AdministratorAccess is attached to the group, not to each user",
         "!aws iam attach-group-policy --group-name <group> --policy-arn arn:aws:iam::aws:policy/<policy name>",
         _admins_group),
    Task("users-reset-alice", "02", "Give Alice a new temporary password she must change",
         "!aws iam update-login-profile --user-name alice-developer --password Lantern-Reset-2026! --password-reset-required",
         "her login profile exists, so it is changed, not created: the update command takes the same "
         "options as create-login-profile",
         "!aws iam update-login-profile --user-name <user> --password <a password AWS's rules accept> "
         "--password-reset-required",
         _alice_reset, minutes=3),
    Task("policies-list-groups", "02b", "Let Alice list the groups, and nothing more",
         'iam.put_user_policy(UserName="alice-developer", PolicyName="read-groups", PolicyDocument=json.dumps('
         '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListGroups", "Resource": "*"}]}))',
         "a new policy with one statement: Allow, the action iam:ListGroups, on every resource (\"*\"), put "
         "on alice-developer by root's client iam",
         'iam.put_user_policy(UserName=<...>, PolicyName=<a new name>, PolicyDocument=json.dumps({"Version": '
         '"2012-10-17", "Statement": [{"Effect": "<...>", "Action": "<service:Action>", "Resource": "<...>"}]}))',
         _alice_lists_groups, minutes=4),
    Task("mfa-list-devices", "03", "As Alice, list her MFA devices from the command line",
         "!aws iam list-mfa-devices --user-name alice-developer",
         "the house rule's second statement allows iam:ListMFADevices on her own user; on the command line an "
         "action's name is written in lower case, its words joined by hyphens",
         "!aws iam <the action, hyphenated> --user-name <her user name>",
         _alice_listed_her_devices, minutes=2),
    Task("mfa-session-hour", "03b", "Get Alice an MFA session that lasts one hour",
         "!aws sts get-session-token --serial-number arn:aws:iam::123456789012:mfa/alice --token-code {phone.code()} "
         "--duration-seconds 3600",
         "the same get-session-token call as above, with her device and a current code, plus the option that "
         "sets the session's length in seconds (an hour is 3600)",
         "!aws sts get-session-token --serial-number <her device's ARN> --token-code {phone.code()} "
         "--duration-seconds <seconds>",
         _alice_hour_session, minutes=3),
    Task("oidc-build-permissions", "05b", "Let the build role read the artifacts bucket's files, and nothing more",
         'iam.put_role_policy(RoleName="castle-build", PolicyName="read-artifacts", PolicyDocument=json.dumps('
         '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
         '"Resource": "arn:aws:s3:::castle-artifacts/*"}]}))',
         "a permissions policy on the role, written as in chapter 02b: one Allow statement for the action "
         "s3:GetObject on the files of the bucket castle-artifacts (arn:aws:s3:::castle-artifacts/*)",
         'iam.put_role_policy(RoleName=<...>, PolicyName=<...>, PolicyDocument=json.dumps({"Version": '
         '"2012-10-17", "Statement": [{"Effect": "Allow", "Action": "<service:Action>", "Resource": '
         '"<the files\' ARN>"}]}))',
         _build_role_reads_artifacts, minutes=4),
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
    Task("ic-alice-joins", "07", "Put Alice in the group castle-developers",
         "!aws identitystore create-group-membership --identity-store-id {store_id} --group-id {developers_id} "
         "--member-id UserId={alice_id}",
         "people and groups are the identitystore service's, and its action create-group-membership joins "
         "a group and a member in one store: the group's id is what create-group answered, Alice's id is "
         "in the list-users output, and the member is written in shorthand as UserId= and her id",
         "!aws identitystore <the action> --identity-store-id {store_id} --group-id <the group's id> "
         "--member-id UserId=<her id>",
         _alice_in_developers),
    Task("ic-alice-profile", "07b", "Write Alice's CLI profile alice-dev (IAM Identity Center)",
         "!aws configure set sso_session alice-dev --profile alice-dev\n"
         "!aws configure set sso_account_id {workloads} --profile alice-dev\n"
         "!aws configure set sso_role_name Developer --profile alice-dev",
         "three settings of the profile alice-dev, each written by the configure command's set action: "
         "sso_session (the sign-in's name, alice-dev), sso_account_id (castle-workloads's id: the first "
         "cell's members, or !aws organizations list-accounts) and sso_role_name (the permission set's name, "
         "from the cell that rebuilt chapter 07)",
         "!aws configure set <setting> <value> --profile alice-dev (three times)",
         _alice_profile, minutes=3),
    Task("ic-retire-alice", "07b", "Retire the IAM user alice: keys, password, MFA device, user",
         'key_id = lab.client("iam").list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["AccessKeyId"]\n'
         "!aws iam delete-access-key --user-name alice --access-key-id {key_id}\n"
         "!aws iam delete-login-profile --user-name alice\n"
         'serial = lab.client("iam").list_mfa_devices(UserName="alice")["MFADevices"][0]["SerialNumber"]\n'
         "!aws iam deactivate-mfa-device --user-name alice --serial-number {serial}\n"
         "!aws iam delete-virtual-mfa-device --serial-number {serial}\n"
         "!aws iam delete-user --user-name alice",
         "IAM deletes a user only when nothing is attached: first her access key, her login profile "
         "(the password) and her MFA device (deactivate it, then delete the virtual device), then the user",
         "!aws iam delete-access-key --user-name alice --access-key-id <id>\n"
         "!aws iam delete-<the password's name> --user-name alice\n"
         "!aws iam deactivate-mfa-device --user-name alice --serial-number <serial>\n"
         "!aws iam delete-virtual-mfa-device --serial-number <serial>\n"
         "!aws iam <delete the user> --user-name alice",
         _alice_retired, minutes=4),
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


def untouched(source: str) -> bool:
    """Whether a your-turn cell's ``source`` is as the chapter gave it: the ``# ⌨️`` line still
    there and nothing typed besides (blank lines, comments and the checking line do not count).

    >>> untouched('# ⌨️ Your turn: type here\\n\\nlabkit.your_turn("castle-alias")')
    True
    >>> untouched('!aws iam create-account-alias --account-alias my-castle\\nlabkit.your_turn("castle-alias")')
    False
    """
    lines = [line.strip() for line in source.splitlines()]
    if not any(line.startswith(MARKER) for line in lines):
        return False
    return all(not line or line.startswith("#") or line.startswith("labkit.your_turn(") for line in lines)


def _running_cell() -> str:
    """The source of the cell that is running now, in a Jupyter (or JupyterLite) kernel; "" elsewhere."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - labkit's kernels always have IPython
        return ""
    shell = get_ipython()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    return str(history[-1]) if history else ""


def your_turn(task_id: str, lab: Any = None, *, show_answer: bool = False) -> None:
    """Check a your-turn task against the sandbox now: prints ✅ and what it found, or raises
    :class:`NotYet` with a hint — the idea first, then the command's shape, then the answer.

    ``show_answer=True`` prints the answer without checking (and notes it in your progress).
    """
    from ..sandbox import running_lab

    try:
        task = TASKS[task_id]
    except KeyError:
        raise ValueError(f"No your-turn task {task_id!r}; known: {', '.join(sorted(TASKS))}") from None
    if show_answer:
        knowledge_log.record_hint(task.id, "answer")
        print(f"{_hint(task, 'answer')}\nReplace the '{MARKER} ...' line with it and run the cell.")
        return
    lab = lab or running_lab()
    if lab is None:
        raise NotYet("no sandbox is running in this kernel: run the notebook's first cell, then this one")
    try:
        lab.auditor()
    except PermissionError:  # attached to a grader's sandbox: the grader checks, not this cell
        print(f"⏭️ {task.ask}: checked by the grader.")
        return
    passed, detail = task.test(lab)
    if not passed and untouched(_running_cell()):  # nothing typed yet: not an attempt, no hint used
        raise NotYet(f"nothing typed yet: type your command in place of the '{MARKER} ...' line, "
                     "then run the cell.")
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
