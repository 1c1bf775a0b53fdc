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

from ._account import activity, iam, in_words
from .model import Assignment, Check, once_per_run

if TYPE_CHECKING:
    from ..sandbox import Lab

__all__ = ["ASSIGNMENT", "PERSON", "ACCOUNT", "TOO_BROAD", "Access", "access"]

PERSON = "bo"
"""The new team member's user name in the identity store."""
ACCOUNT = "castle-workloads"
"""The one account Bo should reach."""
TOO_BROAD = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
"""AWS managed policies a developer's permission set must not carry (each grants far more than a
developer of one account needs; PowerUserAccess is everything but IAM and Organizations)."""


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


def _broad_statements(document: str) -> list[str]:
    """The statements of an inline policy that allow every action (``*``) or every IAM action."""
    statements = json.loads(document or "{}").get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    broad = []
    for statement in statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") == "Allow" and any(a in ("*", "iam:*") for a in actions):
            broad.append(f"an inline statement allowing {', '.join(actions)}")
    return broad


def narrow_permission_set(lab: Lab) -> tuple[bool, str]:
    """Passes when every permission set that reaches Bo carries policies, none of them too broad."""
    found = access(lab)
    sets = sorted({a["PermissionSetArn"] for a in found.assignments})
    if not sets:
        return False, f"no permission set reaches {PERSON} yet"
    sso = _client(lab, "sso-admin")
    problems, names = [], []
    for ps in sets:
        name = sso.describe_permission_set(InstanceArn=found.instance_arn,
                                           PermissionSetArn=ps)["PermissionSet"]["Name"]
        names.append(name)
        managed = [p["Name"] for p in sso.list_managed_policies_in_permission_set(
            InstanceArn=found.instance_arn, PermissionSetArn=ps)["AttachedManagedPolicies"]]
        inline = sso.get_inline_policy_for_permission_set(
            InstanceArn=found.instance_arn, PermissionSetArn=ps).get("InlinePolicy", "")
        problems += [f"{name} carries {p}" for p in managed if p in TOO_BROAD]
        problems += [f"{name} has {s}" for s in _broad_statements(inline)]
        if not managed and not inline:
            problems.append(f"{name} has no policy at all (it grants nothing)")
    if problems:
        return False, (in_words(problems) + ": too broad for a developer of one account — an AWS managed "
                       "job policy such as ReadOnlyAccess and a narrow inline policy are enough")
    return True, f"{', '.join(names)}: no administrator policy, no '*' action"


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


CHANGES = ("AttachManagedPolicyToPermissionSet", "DetachManagedPolicyFromPermissionSet",
           "PutInlinePolicyToPermissionSet", "DeleteInlinePolicyFromPermissionSet", "UpdatePermissionSet",
           "AttachCustomerManagedPolicyReferenceToPermissionSet", "PutPermissionsBoundaryToPermissionSet")
"""Calls that change a permission set: the accounts it is provisioned to keep the old version
until it is provisioned again (its status there is ``OUTDATED``)."""
PROVISIONS = ("CreateAccountAssignment", "ProvisionPermissionSet")
"""Calls that provision a permission set to an account."""


def provisioned(lab: Lab) -> tuple[bool, str]:
    """Passes when what Bo gets in castle-workloads is the permission set as it is now: it was
    provisioned there (by ``CreateAccountAssignment`` or ``ProvisionPermissionSet``) after its
    last change, read from the activity log.

    AWS: "As part of a successful CreateAccountAssignment call, the specified permission set will
    automatically be provisioned to the account"; a permission set changed later must be
    provisioned again (``ProvisionPermissionSet``)
    (https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreateAccountAssignment.html).
    """
    found = access(lab)
    account_id = _account_id(found)
    if not any(a["AccountId"] == account_id for a in found.assignments):
        return False, f"nothing is assigned for {PERSON} in {ACCOUNT}, so nothing is provisioned there"
    events = [e for e in activity(lab) if not e.get("errorCode")]  # newest first
    last_change = next((i for i, e in enumerate(events) if e.get("eventName") in CHANGES), None)
    last_provision = next((i for i, e in enumerate(events) if e.get("eventName") in PROVISIONS), None)
    if last_provision is None or (last_change is not None and last_change < last_provision):
        return False, (f"the permission set changed after it was provisioned to {ACCOUNT}: its role there "
                       "still has the old policies. Run provision-permission-set for the account")
    return True, f"provisioned to {ACCOUNT} after its last change"


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
    return False, (f"{ACCOUNT}'s event history shows no session of {PERSON}: he has not finished his first "
                   "sign-in (his own password, an MFA device registered) or has not used his profile "
                   "(aws --profile ... sts get-caller-identity)")


def no_iam_user(lab: Lab) -> tuple[bool, str]:
    """Passes when Bo has access through Identity Center and the management account has no IAM
    user: people sign in through Identity Center (the scenario starts with no IAM user, so any
    user is one the learner made)."""
    users = [u["UserName"] for u in iam(lab).list_users()["Users"]]
    if not access(lab).assignments:
        return False, f"{PERSON} has no access through Identity Center yet (give him that, not an IAM user)"
    if users:
        return False, (f"an IAM user exists: {', '.join(users)}. People sign in through Identity Center; "
                       "delete the IAM user (its keys, password and MFA devices first)")
    return True, "no IAM user: nobody holds a long-term key"


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
              "An AWS managed job policy (ReadOnlyAccess) and a narrow inline policy", narrow_permission_set),
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
              "People sign in through Identity Center: no IAM user, no access key", no_iam_user),
    ),
)
