"""Checks for the ``identity-center`` exercise (chapter 07: people sign in, they hold no keys).

The exercise gives a new team member, ``bo``, access to ONE member account
(``castle-workloads``) the way AWS recommends for people: a user in the IAM Identity Center
identity store, a group, a permission set with a narrow policy, the group assigned to the
account (which provisions the permission set there), Bo's first sign-in with MFA, and no IAM
user anywhere.

Each check reads the sandbox through the API with the auditor's credentials
(``identitystore``, ``sso-admin``, ``iam``, ``organizations``) and names the mistake it sees:
a direct user assignment, a too-broad policy, a wrong or extra account, an IAM user made for
the person. AWS's rules behind them:

* assignments to groups, not to users, keep access in one place
  (https://docs.aws.amazon.com/singlesignon/latest/userguide/useraccess.html);
* ``CreateAccountAssignment`` provisions the permission set to the account
  (https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreateAccountAssignment.html);
* people should use Identity Center rather than IAM users
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users.html#when-to-use-iam-users).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._account import beyond_the_task, iam, in_words
from .model import Assignment, Check, once_per_run

if TYPE_CHECKING:
    from ..sandbox import Lab

__all__ = ["ASSIGNMENT", "PERSON", "ACCOUNT", "TOO_BROAD", "MANAGED_ASKED", "INLINE_NEEDED", "Access",
           "access", "member_iam"]

PERSON = "bo"
"""The new team member's user name in the identity store."""
ACCOUNT = "castle-workloads"
"""The one account Bo should reach."""
TOO_BROAD = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
"""AWS managed policies a developer's permission set must not carry (each grants far more than a
developer of one account needs; PowerUserAccess is everything but IAM and Organizations)."""
MANAGED_ASKED = ("ReadOnlyAccess",)
"""The AWS managed policies task 3 asks for (any other is more than the task)."""
INLINE_NEEDED = {"s3:PutObject": ("arn:aws:s3:::castle-artifacts/*",)}
"""What task 3's inline policy must allow, and on what: nothing broader."""
RESERVED_PATH = "/aws-reserved/sso.amazonaws.com/"
"""The path of the roles IAM Identity Center provisions in an account (``AWSReservedSSO_<set>_<hash>``),
https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html."""


@dataclass(frozen=True)
class Access:
    """What the identity store and Identity Center say about Bo, read once per check run.

    ``user_id`` is Bo's id in the identity store (None if he is not there); ``groups`` maps his
    groups' ids to their names; ``assignments`` lists every account assignment that reaches him,
    each with ``PrincipalType`` (``USER`` or ``GROUP``), ``PrincipalId``, ``AccountId`` and
    ``PermissionSetArn``; ``accounts`` maps account ids to names.
    """

    instance_arn: str
    store_id: str
    user_id: str | None
    groups: dict[str, str]
    assignments: list[dict[str, Any]]
    accounts: dict[str, str]


def _client(lab: Lab, service: str) -> Any:
    return lab.client(service, credentials=lab.auditor())


def _read(lab: Lab) -> Access:
    sso = _client(lab, "sso-admin")
    store = _client(lab, "identitystore")
    instance = sso.list_instances()["Instances"][0]
    arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]
    accounts = {a["Id"]: a["Name"] for a in _client(lab, "organizations").list_accounts()["Accounts"]}
    users = [u for u in store.list_users(IdentityStoreId=store_id)["Users"] if u["UserName"] == PERSON]
    if not users:
        return Access(arn, store_id, None, {}, [], accounts)
    user_id = users[0]["UserId"]
    memberships = store.list_group_memberships_for_member(
        IdentityStoreId=store_id, MemberId={"UserId": user_id})["GroupMemberships"]
    groups = {m["GroupId"]: store.describe_group(IdentityStoreId=store_id,
                                                 GroupId=m["GroupId"])["DisplayName"] for m in memberships}
    assignments = []
    for principal_type, principal_id in [("USER", user_id), *(("GROUP", g) for g in groups)]:
        assignments += sso.list_account_assignments_for_principal(
            InstanceArn=arn, PrincipalId=principal_id, PrincipalType=principal_type)["AccountAssignments"]
    return Access(arn, store_id, user_id, groups, assignments, accounts)


def access(lab: Lab) -> Access:
    """Bo's access as Identity Center records it (shared by the checks of one run)."""
    return once_per_run("identity-center", lambda: _read(lab))


def _account_id(found: Access, name: str = ACCOUNT) -> str | None:
    return next((i for i, n in found.accounts.items() if n == name), None)


def person_in_store(lab: Lab) -> tuple[bool, str]:
    """Passes when Bo is a user of the identity store."""
    found = access(lab)
    if found.user_id is None:
        return False, f"there is no user {PERSON} in the identity store {found.store_id}"
    return True, f"{PERSON} is in the identity store {found.store_id}"


def through_group(lab: Lab) -> tuple[bool, str]:
    """Passes when Bo reaches an account only through a group he belongs to, never directly."""
    found = access(lab)
    direct = [a for a in found.assignments if a["PrincipalType"] == "USER"]
    if direct:
        where = ", ".join(sorted({found.accounts.get(a["AccountId"], a["AccountId"]) for a in direct}))
        return False, (f"{PERSON} is assigned directly to {where}: assign a group he belongs to, so that "
                       "access is granted and removed in one place")
    via = sorted({found.groups[a["PrincipalId"]] for a in found.assignments if a["PrincipalType"] == "GROUP"})
    if not via:
        if not found.groups:
            return False, f"{PERSON} belongs to no group"
        names = ", ".join(sorted(found.groups.values()))
        return False, f"no group of {PERSON}'s ({names}) is assigned to an account"
    return True, f"{PERSON} reaches his account through the group {', '.join(via)}"


def _statements(documents: list[dict[str, Any]], source: str) -> list[tuple[str, dict[str, Any]]]:
    """The ``Allow`` statements of ``documents``, each with where it comes from."""
    found = []
    for document in documents:
        statements = document.get("Statement", [])
        for statement in [statements] if isinstance(statements, dict) else statements:
            if statement.get("Effect") == "Allow":
                found.append((source, statement))
    return found


def _policy_findings(managed: list[str], inline: list[dict[str, Any]]) -> list[str]:
    """What managed policies (names) and inline documents grant beyond task 3, each like
    ``"carries AdministratorAccess"`` or ``"allows s3:* on * (inline policy)"``."""
    problems = [f"carries {p}" for p in managed if p in TOO_BROAD]
    problems += [f"carries {p}, which task 3 does not ask for" for p in managed
                 if p not in TOO_BROAD and p not in MANAGED_ASKED]
    problems += [f"allows {e}" for e in beyond_the_task(_statements(inline, "inline policy"), INLINE_NEEDED)]
    return problems


def _set_policies(lab: Lab, found: Access, ps: str) -> tuple[str, list[str], str]:
    """A permission set's name, its AWS managed policies' ARNs and its inline policy ("" if none)."""
    sso = _client(lab, "sso-admin")
    where = {"InstanceArn": found.instance_arn, "PermissionSetArn": ps}
    name = sso.describe_permission_set(**where)["PermissionSet"]["Name"]
    attached = sso.list_managed_policies_in_permission_set(**where)["AttachedManagedPolicies"]
    managed = [p["Arn"] for p in attached]
    inline = sso.get_inline_policy_for_permission_set(**where).get("InlinePolicy", "") or ""
    return name, managed, inline


def member_iam(lab: Lab, account_id: str) -> dict[str, Any]:
    """Member account ``account_id``'s IAM users and roles (:meth:`labkit.Lab.member_iam`), read once
    per check run."""
    return once_per_run(f"member-iam:{account_id}", lambda: lab.member_iam(account_id))


def reserved_role(lab: Lab, account_id: str, set_name: str) -> dict[str, Any] | None:
    """The role provisioning made for permission set ``set_name`` in ``account_id`` (None if none):
    ``AWSReservedSSO_<set name>_<hash>`` under the reserved path, with its policies."""
    return next((r for r in member_iam(lab, account_id)["Roles"]
                 if r["Path"] == RESERVED_PATH and r["RoleName"].startswith(f"AWSReservedSSO_{set_name}_")
                 and r["RoleName"].count("_") - set_name.count("_") == 2), None)


def _parsed(document: str) -> dict[str, Any]:
    """A policy's JSON text as a dict (``{}`` when it is not a JSON object: it then allows nothing)."""
    try:
        parsed = json.loads(document)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def narrow_permission_set(lab: Lab) -> tuple[bool, str]:
    """Passes when what reaches Bo is no broader than task 3: each permission set assigned to him
    carries ``ReadOnlyAccess`` and the inline policy ``s3:PutObject`` on
    ``arn:aws:s3:::castle-artifacts/*``, nothing more -- and so does the role it provisioned in
    each account (what Bo actually gets there, even when the set was changed afterwards).

    Every action and resource of the inline policy beyond those is a finding (``s3:*``, a ``*``
    resource), as in the least-privilege exercise.
    """
    found = access(lab)
    sets = sorted({a["PermissionSetArn"] for a in found.assignments})
    if not sets:
        return False, f"no permission set reaches {PERSON} yet"
    problems, missing, names = [], [], []
    for ps in sets:
        name, managed, inline = _set_policies(lab, found, ps)
        names.append(name)
        if not managed and not inline:
            missing.append(f"{name} has no policy at all (it grants nothing)")
            continue
        own = _policy_findings([_name(a) for a in managed], [_parsed(inline)] if inline else [])
        problems += [f"{name} {p}" for p in own]
        if not inline:
            missing.append(f"{name} has no inline policy: task 3 asks for one allowing s3:PutObject on "
                           f"{INLINE_NEEDED['s3:PutObject'][0]}")
        for account_id in sorted({a["AccountId"] for a in found.assignments if a["PermissionSetArn"] == ps}):
            role = reserved_role(lab, account_id, name)
            if role is None:
                continue
            where = found.accounts.get(account_id, account_id)
            in_role = _policy_findings([_name(a) for a in role["ManagedPolicyArns"]],
                                       list(role["InlinePolicies"].values()))
            problems += [f"its role {role['RoleName']} in {where} still {p} (what {PERSON} gets there until "
                         "the set is provisioned again)" for p in in_role if p not in own]
    if problems:
        return False, (in_words(problems + missing) + ": broader than task 3 -- ReadOnlyAccess and an inline "
                       "s3:PutObject on the castle-artifacts files are all a developer of one account needs")
    if missing:
        return False, in_words(missing)
    return True, f"{', '.join(names)}: ReadOnlyAccess and s3:PutObject on castle-artifacts, nothing broader"


def one_account(lab: Lab) -> tuple[bool, str]:
    """Passes when Bo's assignments reach castle-workloads and no other account."""
    found = access(lab)
    reached = {found.accounts.get(a["AccountId"], a["AccountId"]) for a in found.assignments}
    if not reached:
        return False, f"{PERSON} is assigned to no account yet"
    others = sorted(reached - {ACCOUNT})
    if others:
        return False, (f"{PERSON} is also assigned to {', '.join(others)}" if ACCOUNT in reached
                       else f"{PERSON} is assigned to {', '.join(others)}, not to {ACCOUNT}")
    return True, f"{PERSON} reaches {ACCOUNT} only"


def _differences(role: dict[str, Any], managed: list[str], inline: str) -> list[str]:
    """How the provisioned role differs from the permission set as it is now."""
    differences = []
    kept = sorted(set(role["ManagedPolicyArns"]) - set(managed))
    missing = sorted(set(managed) - set(role["ManagedPolicyArns"]))
    differences += [f"still has {_name(a)}" for a in kept]
    differences += [f"lacks {_name(a)}" for a in missing]
    role_inline = list(role["InlinePolicies"].values())
    wanted = [_parsed(inline)] if inline else []
    if role_inline != wanted:
        differences.append("has an older inline policy" if role_inline and wanted else
                           "still has an inline policy the set no longer has" if role_inline else
                           "lacks the set's inline policy")
    return differences


def provisioned(lab: Lab) -> tuple[bool, str]:
    """Passes when what Bo gets in castle-workloads is the permission set as it is now: the
    reserved role provisioned there has exactly the set's policies (read from the account's IAM).

    AWS: "As part of a successful CreateAccountAssignment call, the specified permission set will
    automatically be provisioned to the account"; a permission set changed later must be
    provisioned again (``ProvisionPermissionSet``)
    (https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreateAccountAssignment.html).
    """
    found = access(lab)
    account_id = _account_id(found)
    sets = sorted({a["PermissionSetArn"] for a in found.assignments if a["AccountId"] == account_id})
    if account_id is None or not sets:
        return False, f"nothing is assigned for {PERSON} in {ACCOUNT}, so nothing is provisioned there"
    problems, roles = [], []
    for ps in sets:
        name, managed, inline = _set_policies(lab, found, ps)
        role = reserved_role(lab, account_id, name)
        if role is None:
            problems.append(f"{name} has no role in {ACCOUNT}: it is not provisioned there")
            continue
        roles.append(role["RoleName"])
        differences = _differences(role, managed, inline)
        if differences:
            problems.append(f"{name} changed after it was provisioned to {ACCOUNT}: its role there "
                            f"{', '.join(differences)}")
    if problems:
        return False, in_words(problems) + ". Run provision-permission-set for the account"
    return True, f"{ACCOUNT}'s role {', '.join(roles)} has the permission set's policies as they are now"


def _reserved_sessions(lab: Lab, account_id: str) -> list[str]:
    """The callers of castle-workloads' recorded calls that are sessions of an Identity Center
    reserved role: ``AWSReservedSSO_<set>_<hash>/<user name>``, newest first."""
    callers = []
    for event in lab.member_event_history(account_id):
        record = json.loads(event.get("CloudTrailEvent") or "{}")
        arn = str(record.get("userIdentity", {}).get("arn", ""))
        if ":assumed-role/AWSReservedSSO_" in arn:
            callers.append(arn.split(":assumed-role/", 1)[1])
    return callers


def mfa_registered(lab: Lab) -> tuple[bool, str]:
    """Passes when Bo finished his first sign-in at the access portal: a password of his own
    (not the one-time password) and at least one MFA device registered. Read from the Identity
    Center console's user page (``lab.identity_center.user``): the identity store API does not
    show passwords or MFA devices."""
    found = access(lab)
    if found.user_id is None:
        return False, f"there is no user {PERSON} in the identity store"
    page = lab.identity_center.user(PERSON)
    if not page.get("enabled", True):
        return False, f"{PERSON}'s user access is disabled: enable it"
    if page.get("password") != "own":
        return False, (f"{PERSON} has not signed in to the access portal yet (his password is "
                       f"{page.get('password')!r}): his first sign-in sets a password of his own")
    if not page.get("mfa_devices"):
        return False, (f"{PERSON} chose a password but registered no MFA device: finish his first sign-in "
                       "(register_authenticator, then confirm_authenticator with its code)")
    kinds = ", ".join(str(d.get("type", d.get("name", "device"))) for d in page["mfa_devices"])
    return True, f"{PERSON} has his own password and an MFA device ({kinds})"


def signed_in_as_bo(lab: Lab) -> tuple[bool, str]:
    """Passes when castle-workloads' event history shows a session of Bo's, as the reserved role
    of his permission set: he signed in (the portal lets no one in without an MFA device) and
    used his access from the command line. Sessions of someone else (another person of the
    identity store) do not count."""
    found = access(lab)
    account_id = _account_id(found)
    if account_id is None:
        return False, f"the organization has no account {ACCOUNT}"
    callers = _reserved_sessions(lab, account_id)
    mine = [c for c in callers if c.rsplit("/", 1)[-1] == PERSON]
    if mine:
        return True, f"{ACCOUNT}'s event history shows {PERSON}'s session as {mine[0]}"
    others = sorted({c.rsplit("/", 1)[-1] for c in callers})
    if others:
        return False, (f"the sessions in {ACCOUNT}'s event history are {', '.join(others)}'s, not "
                       f"{PERSON}'s: sign in as {PERSON} (his own password and MFA device)")
    elsewhere = [(name, c) for i, name in sorted(found.accounts.items(), key=lambda item: item[1])
                 if i != account_id and _is_member(lab, found, i)
                 for c in _reserved_sessions(lab, i)[:1] if c.rsplit("/", 1)[-1] == PERSON]
    if elsewhere:
        where = ", ".join(f"{name} (as {c})" for name, c in elsewhere)
        return False, (f"{ACCOUNT}'s event history shows no session of {PERSON}, but {where} shows one: he "
                       "signed in and used another account. His profile's sso_account_id must be "
                       f"{ACCOUNT}'s id, and his group assigned there")
    if not any(a["AccountId"] == account_id for a in found.assignments):
        return False, (f"{ACCOUNT}'s event history shows no session of {PERSON}, and none can be there yet: "
                       f"no assignment gives him access to {ACCOUNT} (task 4), so the portal offers him no "
                       "role there")
    return False, (f"{ACCOUNT}'s event history shows no session of {PERSON}: he has not finished his first "
                   "sign-in (his own password, an MFA device registered) or has not used his profile "
                   "(aws --profile ... sts get-caller-identity)")


def _management_id(lab: Lab) -> str:
    return str(once_per_run("management-account", lambda: _client(lab, "organizations")
                            .describe_organization()["Organization"]["MasterAccountId"]))


def _is_member(lab: Lab, found: Access, account_id: str) -> bool:
    return account_id in found.accounts and account_id != _management_id(lab)


def _member_users(lab: Lab, found: Access) -> list[str]:
    """The IAM users of the organization's member accounts, as ``"bo in castle-workloads, with an
    active access key"`` (a user made there, e.g. from a session of a too-broad permission set)."""
    users = []
    for account_id, name in sorted(found.accounts.items(), key=lambda item: item[1]):
        if not _is_member(lab, found, account_id):
            continue
        for user in member_iam(lab, account_id)["Users"]:
            keys = [k for k in user["AccessKeys"] if k["Status"] == "Active"]
            held = (", with an active access key" if keys
                    else ", with a password" if user["HasPassword"] else "")
            users.append(f"{user['UserName']} in {name}{held}")
    return users


def no_iam_user(lab: Lab) -> tuple[bool, str]:
    """Passes when Bo has access through Identity Center and no account of the organization (the
    management account and every member account) has an IAM user: people sign in through
    Identity Center (the scenario starts with no IAM user, so any user is one the learner made)."""
    found = access(lab)
    if not found.assignments:
        return False, f"{PERSON} has no access through Identity Center yet (give him that, not an IAM user)"
    users = [u["UserName"] for u in iam(lab).list_users()["Users"]] + _member_users(lab, found)
    if users:
        return False, (f"an IAM user exists: {'; '.join(users)}. People sign in through Identity Center; "
                       "delete the IAM user (its keys, password and MFA devices first)")
    return True, "no IAM user in any account of the organization: nobody holds a long-term key"


ASSIGNMENT = Assignment(
    id="identity-center",
    title="People, not keys: IAM Identity Center",
    scenario="organization",
    checks=(
        Check("person-in-store", 1, "Bo is a user of the Identity Center identity store",
              "aws identitystore create-user --identity-store-id <d-...> --user-name bo ...",
              person_in_store),
        Check("through-group", 2, "Bo reaches the account through a group, not a direct assignment",
              "Put Bo in a group (create-group-membership) and assign the GROUP to the account",
              through_group),
        Check("narrow-permission-set", 2, "The permission set is narrow: no AdministratorAccess, no '*'",
              "ReadOnlyAccess and the inline s3:PutObject on castle-artifacts' files, nothing broader; "
              "provisioned, so the account's role has no more either", narrow_permission_set),
        Check("one-account", 2, "Bo reaches castle-workloads, and no other account",
              "One account assignment, with --target-id the castle-workloads account id", one_account),
        Check("provisioned", 1, "The permission set is provisioned to castle-workloads",
              "create-account-assignment provisions it; after changing the set, provision-permission-set",
              provisioned),
        Check("mfa-registered", 2, "Bo finished his first sign-in: his own password and an MFA device",
              "At the access portal: the one-time password, a password of his own, then "
              "register_authenticator and confirm_authenticator", mfa_registered),
        Check("signed-in-with-mfa", 2, "Bo signed in himself, with MFA, and used his access",
              "labkit.sso_login as bo, then a call with his profile (aws --profile bo-dev ...)",
              signed_in_as_bo),
        Check("no-iam-user", 2, "No IAM user was made for Bo",
              "People sign in through Identity Center: no IAM user, no access key, in any account",
              no_iam_user),
    ),
)
