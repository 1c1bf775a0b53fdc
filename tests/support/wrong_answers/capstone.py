"""The capstone: the whole right answer as steps, and wrong answers that change one step.

The learner's context (root's key as the caller, then the warden) is kept in ``Work``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import labkit

from . import WrongAnswer
from .common import MFA_OR_NOTHING, enable_app, keys_of, oidc_role, policy, read_only, run_job

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@dataclass
class Work:
    """What the learner holds between steps."""

    lab: labkit.Lab
    warden_keys: labkit.Credentials | None = None
    warden_phone: labkit.Authenticator | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def iam(self) -> Any:
        return self.lab.client("iam")


def root_key(w: Work) -> None:
    root = labkit.Console(w.lab).sign_in_root(w.lab.root_email, w.lab.root_password)
    root.register_passkey(labkit.SecurityKey("castle vault key"), name="castle-vault-key")


def password_policy(w: Work) -> None:
    w.iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24,
                                         RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                         RequireNumbers=True, RequireSymbols=True,
                                         AllowUsersToChangePassword=True)


def admins(w: Work, house_rule: bool = True) -> None:
    iam = w.iam
    iam.create_group(GroupName="castle-admins")
    iam.attach_group_policy(GroupName="castle-admins", PolicyArn=ADMIN)
    if house_rule:
        iam.put_group_policy(GroupName="castle-admins", PolicyName="mfa-or-nothing",
                             PolicyDocument=json.dumps(MFA_OR_NOTHING))
    iam.add_user_to_group(GroupName="castle-admins", UserName="bob-ops")
    iam.detach_user_policy(UserName="bob-ops", PolicyArn=ADMIN)
    iam.create_user(UserName="warden")
    iam.add_user_to_group(GroupName="castle-admins", UserName="warden")
    iam.create_login_profile(UserName="warden", Password="Vault-Keeper-Lantern-42!")
    w.warden_phone = enable_app(iam, "warden")
    w.warden_keys = keys_of(iam, "warden")


def carol_mfa(w: Work) -> None:
    enable_app(w.iam, "carol-finance")


def carol_policy(w: Work) -> None:
    w.iam.delete_user_policy(UserName="carol-finance", PolicyName="treasury")
    w.iam.put_user_policy(UserName="carol-finance", PolicyName="ledger-reader",
                          PolicyDocument=read_only("castle-treasury"))


def leaver(w: Work) -> None:
    iam = w.iam
    iam.delete_login_profile(UserName="dave-intern")
    for key in iam.list_access_keys(UserName="dave-intern")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="dave-intern", AccessKeyId=key["AccessKeyId"])


def ci_role(w: Work, sub: str | None = "repo:castle-co/app:ref:refs/heads/main",
            permissions: str = policy(("s3:PutObject", "arn:aws:s3:::castle-releases/*"))) -> None:
    arn = oidc_role(w.lab, "castle-deploy", sub=sub)
    w.iam.put_role_policy(RoleName="castle-deploy", PolicyName="deploy", PolicyDocument=permissions)
    w.notes["role"] = arn


def ci_job(w: Work) -> None:
    job = run_job(w.lab, w.notes["role"])
    w.lab.client("s3", credentials=job).put_object(Bucket="castle-releases", Key="app-1.0.zip", Body=b"zip")


def ci_key(w: Work) -> None:
    for key in w.iam.list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"]:
        w.iam.delete_access_key(UserName="ci-deployer", AccessKeyId=key["AccessKeyId"])


def handover(w: Work) -> None:
    assert w.warden_keys and w.warden_phone
    session = w.lab.client("sts", credentials=w.warden_keys).get_session_token(
        SerialNumber=f"arn:aws:iam::{w.lab.account_id}:mfa/warden", TokenCode=w.warden_phone.code())
    w.lab.use(labkit.Credentials.from_response(session["Credentials"]))
    root_iam = w.lab.client("iam", credentials=w.lab.root)
    for key in root_iam.list_access_keys()["AccessKeyMetadata"]:
        root_iam.delete_access_key(AccessKeyId=key["AccessKeyId"])


STEPS: dict[str, Callable[[Work], None]] = {
    "root-key": root_key, "password-policy": password_policy, "admins": admins, "carol-mfa": carol_mfa,
    "carol-policy": carol_policy, "leaver": leaver, "ci-role": ci_role, "ci-job": ci_job, "ci-key": ci_key,
    "handover": handover,
}


def solve_steps(lab: labkit.Lab, steps: dict[str, Callable[[Work], None]],
                instead: dict[str, Callable[[Work], None] | None]) -> Work:
    """Every step of a right answer, in order; ``instead`` replaces a step (None leaves it out)."""
    work = Work(lab)
    for name, step in steps.items():
        chosen = instead.get(name.replace("-", "_"), step)
        if chosen is not None:
            chosen(work)
    return work


def solve(lab: labkit.Lab, **instead: Callable[[Work], None] | None) -> Work:
    """Every step of the capstone's right answer; ``instead`` replaces a step (None leaves it out)."""
    return solve_steps(lab, STEPS, instead)


def root_app(w: Work) -> None:
    """Root protected with an authenticator app, not the security key the course asks for."""
    root = labkit.Console(w.lab).sign_in_root(w.lab.root_email, w.lab.root_password)
    setup = root.create_root_mfa_device(name="vault-app")
    root.activate_root_mfa_device(*labkit.Authenticator(setup.seed).pair())


def _bob_stays_direct(w: Work) -> None:
    admins(w)
    w.iam.attach_user_policy(UserName="bob-ops", PolicyArn=ADMIN)


def _carol_gets_readonly_everything(w: Work) -> None:
    w.iam.delete_user_policy(UserName="carol-finance", PolicyName="treasury")
    w.iam.attach_user_policy(UserName="carol-finance",
                             PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")


def _carol_password_removed(w: Work) -> None:
    """"Fixes" her missing MFA by taking her console away, although she needs it."""
    w.iam.delete_login_profile(UserName="carol-finance")


def _job_puts_nothing(w: Work) -> None:
    run_job(w.lab, w.notes["role"])


def _carol_locked_out(w: Work) -> None:
    w.iam.delete_user_policy(UserName="carol-finance", PolicyName="treasury")


def _key_only_deactivated_for_dave(w: Work) -> None:
    w.iam.delete_login_profile(UserName="dave-intern")


def root_keeps_working(new_user: str) -> Callable[[Work], None]:
    """A handover where the warden takes over, root creates ``new_user`` once more, and only then
    deletes its key (the capstone and chapter 04's exercise each name their own user)."""

    def step(w: Work) -> None:
        assert w.warden_keys and w.warden_phone
        w.lab.client("sts", credentials=w.warden_keys).get_session_token(
            SerialNumber=f"arn:aws:iam::{w.lab.account_id}:mfa/warden", TokenCode=w.warden_phone.code())
        w.lab.client("iam", credentials=w.lab.root).create_user(UserName=new_user)
        handover(w)

    return step


def _key_deleted_by_root_before_any_admin(w: Work) -> None:
    root_iam = w.lab.client("iam", credentials=w.lab.root)
    for key in root_iam.list_access_keys()["AccessKeyMetadata"]:
        root_iam.delete_access_key(AccessKeyId=key["AccessKeyId"])


WRONG = [
    WrongAnswer("root-app-device", "root's MFA is an authenticator app, not a security key",
                lambda lab: solve(lab, root_key=root_app), {"root-mfa": "virtual (app) device"}),
    WrongAnswer("no-password-policy", "partial work: the password policy is forgotten",
                lambda lab: solve(lab, password_policy=None), {"password-policy": "no password policy"}),
    WrongAnswer("bob-still-direct", "bob joins the admins' group but keeps AdministratorAccess on himself",
                lambda lab: solve(lab, admins=_bob_stays_direct),
                {"admins-through-group": "attached directly to bob-ops"}),
    WrongAnswer("admin-group-without-mfa-rule", "the admins' group has no deny-unless-MFA policy",
                lambda lab: solve(lab, admins=lambda w: admins(w, house_rule=False)),
                {"admin-key-needs-mfa": "works without MFA"}),
    WrongAnswer("carol-no-mfa", "carol-finance keeps a console password without MFA",
                lambda lab: solve(lab, carol_mfa=None), {"console-users-mfa": "carol-finance"}),
    WrongAnswer("carol-reads-every-bucket", "carol's s3:* swapped for AWS's AmazonS3ReadOnlyAccess",
                lambda lab: solve(lab, carol_policy=_carol_gets_readonly_everything),
                {"carol-least-privilege": "more than reading the ledgers needs"}),
    WrongAnswer("carol-locked-out", "carol's over-broad policy deleted and nothing put in its place",
                lambda lab: solve(lab, carol_policy=_carol_locked_out),
                {"carol-least-privilege": "can no longer list or get castle-treasury"}),
    WrongAnswer("carol-console-taken-away", "carol's console password deleted instead of giving her MFA",
                lambda lab: solve(lab, carol_mfa=_carol_password_removed),
                {"carol-least-privilege": "no console password any more"}),
    WrongAnswer("job-puts-no-release", "the job assumes the role and deploys nothing",
                lambda lab: solve(lab, ci_job=_job_puts_nothing), {"ci-job-ran": "put no release"}),
    WrongAnswer("dave-key-left", "the leaver's password removed, his access key left active",
                lambda lab: solve(lab, leaver=_key_only_deactivated_for_dave),
                {"stale-credentials": "still has an active access key"}),
    WrongAnswer("role-any-repository", "the deployment role trusts every repository (no sub condition)",
                lambda lab: solve(lab, ci_role=lambda w: ci_role(w, sub=None)),
                {"ci-role-trust": "ANY repository"}),
    WrongAnswer("role-with-s3-star", "the deployment role gets s3:* on * instead of the CI user's permission",
                lambda lab: solve(lab, ci_role=lambda w: ci_role(w, permissions=policy(("s3:*", "*")))),
                {"ci-role-deploys": "s3:* on *"}),
    WrongAnswer("ci-key-kept", "the role works, but ci-deployer's long-lived key is kept",
                lambda lab: solve(lab, ci_key=None), {"ci-key-gone": "still works"}),
    WrongAnswer("job-never-ran", "the role is made but the job never runs as it",
                lambda lab: solve(lab, ci_job=None), {"ci-job-ran": "nobody assumed castle-deploy"}),
    WrongAnswer("root-keeps-working", "root creates a user after the warden took over",
                lambda lab: solve(lab, handover=root_keeps_working("intern-2027")),
                {"root-not-used": "CreateUser"}),
    WrongAnswer("root-key-kept", "no handover: root's access key stays",
                lambda lab: solve(lab, handover=None),
                {"no-root-access-keys": "root still has an access key", "root-not-used": "no administrator"}),
    WrongAnswer("root-key-deleted-no-admin-worked", "root's key deleted, but no administrator ever worked",
                lambda lab: solve(lab, handover=_key_deleted_by_root_before_any_admin),
                {"root-not-used": "no administrator other than root has worked"}),
]
