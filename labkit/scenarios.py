"""Named starting states for chapters, exercises and the grader.

* ``new-account``: a brand-new AWS account. Only the root user exists; you are
  signed in with root's access key (as the book does in its first chapter).
* ``inherited-account``: the account you inherit in chapter 04. Root has an
  active access key and no MFA, and was used for daily work yesterday; there
  is no password policy; two console users exist and only one has MFA.
* ``capstone``: the capstone's inherited account, the ``inherited-account`` and more a
  predecessor left behind (see :func:`capstone`): about ten problems, none of them announced.
* ``organization``: you are the management account 123456789012 of an AWS
  Organizations organization (all features) with two member accounts,
  ``castle-workloads`` and ``castle-archive``. Each member has its own root user
  (e-mail ``<name>-root@castle.example``, a password); the workloads root still
  has an access key a predecessor made and no MFA. Centralized root access is
  NOT enabled yet: that is the learner's work (see :mod:`labkit.realism.organizations`).
  Find the member ids with ``organizations.list_accounts()``. IAM Identity Center is enabled as
  an organization instance (``lab.identity_center``; :mod:`labkit.realism.identity_center`).
* ``identity-center``: the ``organization``, and the way people got access before: Alice is an
  IAM user of the management account with an access key, a console password and a virtual MFA
  device (``alice``). The chapter moves her to Identity Center and retires that user.

Every scenario is built through the AWS API (plus "back-dating" facts no API
can set, such as when root last signed in), so chapters, exercises and the
grader all start from exactly the same account.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from .authenticator import Authenticator
from .clock import clock

if TYPE_CHECKING:
    from .lab_api import LabApi as Lab

__all__ = ["SCENARIOS", "apply", "new_account", "inherited_account", "capstone", "organization",
           "identity_center"]


def new_account(lab: Lab) -> None:
    """Nothing to add: a fresh account has only its root user."""


def inherited_account(lab: Lab) -> None:
    """Root used daily with an access key and no MFA; users half protected.

    As of 2026: the account was opened about two years ago; root signed in to the console
    and used its access key for daily work until yesterday (the activity log shows it:
    ``ConsoleLogin`` and API calls by ``root``); root has no MFA and its 35-day grace
    period for registering one ran out long ago, so root's next console sign-in must
    register a device first; the predecessor still knows root's password and e-mail address
    (change both, see :meth:`labkit.console.ConsoleSession.change_root_password` and
    ``change_root_email``). The account is built with the graders' auditor credentials, so
    building it leaves no trace of "root used today".
    """
    iam = lab.client("iam", credentials=lab.auditor())
    now = clock.utcnow()
    yesterday = now - timedelta(hours=18)  # the predecessor's last working day ended last evening
    for name, password in (("bob-ops", "Bob-Ops-Passw0rd!"), ("carol-finance", "Carol-Fin-Passw0rd!")):
        iam.create_user(UserName=name)
        iam.create_login_profile(UserName=name, Password=password)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob-ops")["VirtualMFADevice"]
    code1, code2 = Authenticator(device["Base32StringSeed"]).pair()
    iam.enable_mfa_device(UserName="bob-ops", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)
    lab.admin("backdate", {
        "principal": "root", "created": (now - timedelta(days=730)).isoformat(),
        "password_last_used": yesterday.isoformat(), "key_last_used": yesterday.isoformat(),
        "first_sign_in_without_mfa": (now - timedelta(days=90)).isoformat(),
    })
    lab.admin("backdate", {"principal": "carol-finance", "password_last_used": yesterday.isoformat()})
    daily_work = ["ConsoleLogin", "ListUsers", "GetAccountSummary", "ListAttachedUserPolicies",
                  "CreateAccessKey", "ListBuckets"]
    lab.admin("history", {"events": [
        {"principal": "root", "event_name": name, "service": "s3" if name == "ListBuckets" else "iam",
         "when": (yesterday - timedelta(minutes=5 * (len(daily_work) - i))).isoformat()}
        for i, name in enumerate(daily_work)
    ]})


def _policy(*statements: tuple[str, str]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource} for action, resource in statements]})


def capstone(lab: Lab) -> None:
    """The capstone's account: everything of ``inherited-account``, and what else the predecessor did.

    The problems (the learner is told none of them): root has an access key, no MFA, and was
    used for daily work; there is no password policy; ``carol-finance`` has a console password
    and no MFA, and an inline policy ``s3:*`` on ``*`` although she only reads the treasury's
    ledgers (bucket ``castle-treasury``); ``bob-ops`` holds ``AdministratorAccess`` attached to
    him directly, not through a group; the deployment job runs as the IAM user ``ci-deployer``
    with a long-lived access key (it puts releases into ``castle-releases``); ``dave-intern``
    left long ago, and his console password (last used 200 days ago, no MFA) and access key
    still work. Built with the auditor's credentials, so it leaves no trace in the activity log.
    """
    inherited_account(lab)
    iam = lab.client("iam", credentials=lab.auditor())
    s3 = lab.client("s3", credentials=lab.auditor())
    for bucket in ("castle-treasury", "castle-releases"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="castle-treasury", Key="ledgers/2026.csv", Body=b"month,gold\njanuary,1214\n")
    iam.attach_user_policy(UserName="bob-ops", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.put_user_policy(UserName="carol-finance", PolicyName="treasury",
                        PolicyDocument=_policy(("s3:*", "*")))
    iam.create_user(UserName="ci-deployer")
    iam.put_user_policy(UserName="ci-deployer", PolicyName="deploy",
                        PolicyDocument=_policy(("s3:PutObject", "arn:aws:s3:::castle-releases/*")))
    iam.create_access_key(UserName="ci-deployer")
    iam.create_user(UserName="dave-intern")
    iam.create_login_profile(UserName="dave-intern", Password="Dave-Intern-Summer-2025!")
    iam.create_access_key(UserName="dave-intern")
    lab.admin("backdate", {"principal": "dave-intern",
                           "password_last_used": (clock.utcnow() - timedelta(days=200)).isoformat()})


def organization(lab: Lab) -> None:
    """A management account with two member accounts whose root users still hold credentials."""
    org = lab.client("organizations")
    org.create_organization(FeatureSet="ALL")
    for name in ("castle-workloads", "castle-archive"):
        made = org.create_account(Email=f"{name}-root@castle.example", AccountName=name)
        account_id = made["CreateAccountStatus"]["AccountId"]
        lab.admin("member-root", {"account_id": account_id, "access_key": name == "castle-workloads"})


def identity_center(lab: Lab) -> None:
    """The organization, and Alice still an IAM user (key, console password, MFA device) to retire."""
    organization(lab)
    iam = lab.client("iam", credentials=lab.auditor())
    iam.create_user(UserName="alice")
    iam.create_access_key(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Alice-Castle-Passw0rd!")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    code1, code2 = Authenticator(device["Base32StringSeed"]).pair()
    iam.enable_mfa_device(UserName="alice", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)


SCENARIOS: dict[str, Callable[[Lab], None]] = {
    "new-account": new_account,
    "inherited-account": inherited_account,
    "capstone": capstone,
    "organization": organization,
    "identity-center": identity_center,
}


def apply(lab: Lab, name: str) -> None:
    """Build scenario ``name`` in a freshly reset sandbox."""
    try:
        builder = SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(SCENARIOS))
        raise ValueError(f"Unknown scenario {name!r}; choose one of: {known}") from None
    builder(lab)
