"""Checks for the ``capstone`` exercise: the inherited castle, put in order.

The account (scenario ``capstone``, see :func:`labkit.scenarios.capstone`) comes with about ten
problems and no list of them. The checks read what the course taught you to read:

* the **scorecard** (CIS AWS Foundations Benchmark v7.0.0, section 2) — every row is a check
  here, so "make the scorecard green" is graded row by row;
* **administrators through a group** (CIS 2.13, "IAM users receive permissions only through
  groups"): no user holds ``AdministratorAccess`` directly; ``bob-ops`` still administers, through
  a group whose access keys are useless without MFA;
* **least privilege** for ``carol-finance``: she can still read the treasury's ledgers, and the
  policies that reach her allow nothing more;
* the **deployment job** runs as a role through OIDC federation (chapter 05's build job): the
  role ``castle-deploy`` lets in only jobs of ``castle-co/app`` on ``main``, may put releases into
  ``castle-releases`` and nothing more, the job really ran (activity log), and the CI user's
  long-lived access key no longer works;
* **stale credentials** (CIS 2.11): whoever has not used their console password for 45 days has
  no password and no active access key left.

CIS numbers are v7.0.0's, as on the scorecard: 2.11 "Ensure credentials unused for 45 days or
more are disabled", 2.13 "Ensure IAM users receive permissions only through groups" (v4.0.1's
1.12/1.15, v6.0.0's 2.12/2.14). The capstone grades 2.13 for administrator rights;
the course still teaches inline policies on a user for one person's narrow needs (chapter 05).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..clock import clock
from ._account import (
    activity,
    allowed,
    beyond_the_task,
    ci_token,
    granted_statements,
    iam,
    in_words,
    login_profile,
    probe_client,
    s3,
    user,
)
from .model import Assignment, Check
from .root import ADMIN_POLICY, admin_for_daily_work, admin_groups, scorecard_rows
from .scorecard import credential_report, report_time

if TYPE_CHECKING:
    from ..sandbox import Lab

ROLE = "castle-deploy"
REPOSITORY, BRANCH = "castle-co/app", "refs/heads/main"
CI_USER, CAROL, BOB = "ci-deployer", "carol-finance", "bob-ops"
TREASURY, RELEASES = "castle-treasury", "castle-releases"
STALE_AFTER = timedelta(days=45)  # CIS AWS Foundations Benchmark v7.0.0, 2.11
PROBE = "labkit-check/probe.txt"


def admins_through_a_group(lab: Lab) -> tuple[bool, str]:
    """Passes when no user has AdministratorAccess attached directly and bob-ops still has it
    through a group."""
    client = iam(lab)
    direct = [u["UserName"] for u in client.list_users()["Users"]
              if ADMIN_POLICY in [p["PolicyArn"] for p in
                                  client.list_attached_user_policies(UserName=u["UserName"])["AttachedPolicies"]]]
    if direct:
        return False, (f"AdministratorAccess is attached directly to {', '.join(direct)}: give it to a group "
                       "and put the administrators in the group")
    if user(lab, BOB) is None:
        return False, f"{BOB} is gone, but he runs operations: he should administer through a group"
    via = admin_groups(lab, BOB)
    if not via:
        return False, f"{BOB} runs operations but is in no group with AdministratorAccess"
    return True, f"administrators get AdministratorAccess through {via[0]} only"


def carol_least_privilege(lab: Lab) -> tuple[bool, str]:
    """Passes when carol-finance can list and read the treasury and her policies allow nothing more."""
    from .least_privilege import probe_bucket

    if user(lab, CAROL) is None:
        return False, f"{CAROL} is gone, but she still reads the ledgers"
    if login_profile(lab, CAROL) is None:
        return False, (f"{CAROL} has no console password any more, but she signs in to the console "
                       "for her work")
    got = probe_bucket(lab, CAROL, TREASURY)
    missing = [a for a in ("list", "get") if not got[a]]
    if missing:
        return False, (f"{CAROL} can no longer {' or '.join(missing)} {TREASURY}: "
                       "she needs to read the ledgers")
    extra = beyond_the_task(granted_statements(lab, CAROL), {
        "s3:ListBucket": (f"arn:aws:s3:::{TREASURY}",), "s3:GetObject": (f"arn:aws:s3:::{TREASURY}/*",)})
    if extra:
        return False, f"{CAROL} can also do {in_words(extra)}: that is more than reading the ledgers needs"
    return True, f"{CAROL} reads {TREASURY} and nothing else"


def _assume(lab: Lab, token: str) -> dict[str, Any] | None:
    role_arn = f"arn:aws:iam::{lab.account_id}:role/{ROLE}"
    try:
        return probe_client(lab, "sts").assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="labkit-check", WebIdentityToken=token)["Credentials"]
    except ClientError:
        return None


def ci_role_trust(lab: Lab) -> tuple[bool, str]:
    """Passes when castle-co/app on main may assume castle-deploy, and another repository, branch
    or audience may not."""
    if not _assume(lab, ci_token(lab, repository=REPOSITORY, ref=BRANCH)):
        return False, (f"a job of {REPOSITORY} on main cannot assume the role {ROLE} (is there an "
                       "OIDC provider for token.actions.githubusercontent.com, and does the trust "
                       "policy name it?)")
    if _assume(lab, ci_token(lab, repository="mordred/castle-fork", ref=BRANCH)):
        return False, "a job of ANY repository may assume the role: add a condition on the token's sub claim"
    if _assume(lab, ci_token(lab, repository=REPOSITORY, ref="refs/heads/untested-feature")):
        return False, "a job on any branch may assume the role: the sub condition should name refs/heads/main"
    if _assume(lab, ci_token(lab, repository=REPOSITORY, ref=BRANCH, audience="https://example.com")):
        return False, "a token meant for another audience is accepted: check aud too"
    return True, f"only {REPOSITORY} on main gets in"


def ci_role_deploys(lab: Lab) -> tuple[bool, str]:
    """Passes when the role's session may put a release into castle-releases and its policies
    allow nothing more."""
    from ..sandbox import Credentials

    try:
        iam(lab).get_role(RoleName=ROLE)
    except ClientError:
        return False, f"there is no role named {ROLE}"
    extra = beyond_the_task(granted_statements(lab, ROLE, kind="role"),
                            {"s3:PutObject": (f"arn:aws:s3:::{RELEASES}/*",)})
    if extra:
        return False, f"the role can also do {in_words(extra)}: the job only puts releases into {RELEASES}"
    answer = _assume(lab, ci_token(lab, repository=REPOSITORY, ref=BRANCH))
    if answer is None:
        return False, f"the job cannot assume {ROLE}, so it cannot deploy"
    session = Credentials.from_response(answer)
    try:
        if not allowed(lab, session, "s3", "put_object", Bucket=RELEASES, Key=PROBE, Body=b"probe"):
            return False, f"the role may not put releases into {RELEASES} (s3:PutObject on {RELEASES}/*)"
    finally:
        try:
            s3(lab).delete_object(Bucket=RELEASES, Key=PROBE)
        except ClientError:
            pass
    return True, f"the role puts releases into {RELEASES} and may do nothing else"


def ci_job_ran(lab: Lab) -> tuple[bool, str]:
    """Passes when the activity log shows the learner's job assuming castle-deploy with a CI token,
    and castle-releases holds a release (object writes are data events, which the event history
    does not show, so the bucket itself is read)."""
    for e in activity(lab, event_name="AssumeRoleWithWebIdentity"):
        role_arn = str((e.get("requestParameters") or {}).get("roleArn"))
        if not e.get("errorCode") and f":role/{ROLE}" in role_arn:
            try:
                objects = s3(lab).list_objects_v2(Bucket=RELEASES).get("Contents", [])
            except ClientError:
                objects = []
            if not [o for o in objects if not o["Key"].startswith("labkit-check/")]:
                return False, f"the job assumed {ROLE} but put no release into {RELEASES}"
            return True, f"the deployment job worked as {ROLE} and put a release into {RELEASES}"
    return False, (f"nobody assumed {ROLE} with a CI token yet "
                   "(run the job once: assume-role-with-web-identity)")


def ci_key_gone(lab: Lab) -> tuple[bool, str]:
    """Passes when the CI user has no active access key (or no longer exists)."""
    if user(lab, CI_USER) is None:
        return True, f"{CI_USER} is gone, and its key with it"
    active = [k["AccessKeyId"] for k in iam(lab).list_access_keys(UserName=CI_USER)["AccessKeyMetadata"]
              if k["Status"] == "Active"]
    if active:
        return False, (f"{CI_USER}'s long-lived access key {active[0]} still works: once the job uses the "
                       "role, delete it")
    return True, f"{CI_USER} has no working access key"


def stale_credentials(lab: Lab) -> tuple[bool, str]:
    """Passes when nobody whose console password went unused for 45 days still has a password or an
    active access key (``get-user``'s ``PasswordLastUsed``, which outlives the password), and no
    active access key went unused for 45 days (the credential report)."""
    now, client = clock.utcnow(), iam(lab)
    stale = []
    for u in client.list_users()["Users"]:
        name, last = u["UserName"], client.get_user(UserName=u["UserName"])["User"].get("PasswordLastUsed")
        if last is None or now - last.astimezone(now.tzinfo) < STALE_AFTER:
            continue
        left = [f"a console password unused since {last:%Y-%m-%d}"] if login_profile(lab, name) else []
        active = [k["AccessKeyId"] for k in client.list_access_keys(UserName=name)["AccessKeyMetadata"]
                  if k["Status"] == "Active"]
        left += [f"an active access key {key}" for key in active]
        if left:
            stale.append(f"{name} (last sign-in {last:%Y-%m-%d}) still has {' and '.join(left)}")
    for row in credential_report(client)[1:]:
        for n in ("1", "2"):
            used = report_time(row.get(f"access_key_{n}_last_used_date", ""))
            if row.get(f"access_key_{n}_active") == "true" and used and now - used >= STALE_AFTER:
                stale.append(f"{row['user']}'s access key {n} is active but unused since {used:%Y-%m-%d}")
    if stale:
        return False, "; ".join(stale) + " (CIS 2.11: disable credentials unused for 45 days)"
    return True, "nobody keeps credentials they stopped using"


ASSIGNMENT = Assignment(
    id="capstone",
    title="Capstone: the inherited castle",
    scenario="capstone",
    checks=(
        Check("root-mfa", 2, "Scorecard 2.5 and 2.6: root has MFA, and it is a security key",
              "Sign in as root in labkit.Console and register a labkit.SecurityKey (register_passkey)",
              scorecard_rows("root-mfa", "root-hardware-mfa", cite=True)),
        Check("no-root-access-keys", 1, "Scorecard 1.4: root has no access keys",
              "Switch to an administrator first, then delete root's key with root's own credentials",
              scorecard_rows("no-root-access-keys", cite=True)),
        Check("root-not-used", 1, "Scorecard 1.7: once an administrator took over, root was not used",
              "Hand daily work to an administrator in a group, then use root only for its own credentials",
              scorecard_rows("root-not-used", cite=True)),
        Check("password-policy", 1,
              "Scorecard 1.8 and 1.9: passwords of 14+ characters, none of the last 24 reused",
              "aws iam update-account-password-policy (chapter 04)",
              scorecard_rows("password-length", "password-reuse", cite=True)),
        Check("console-users-mfa", 1, "Scorecard 1.10: every user with a console password has MFA",
              "The credential report's mfa_active column; a user who left needs no password at all",
              scorecard_rows("console-users-mfa", cite=True)),
        Check("admins-through-group", 2, "Administrators get their rights through a group, not directly",
              "A group with AdministratorAccess; put the administrators in it and detach the policy "
              "from the users (list-attached-user-policies shows who has it)", admins_through_a_group),
        Check("admin-key-needs-mfa", 1, "An administrator's access key is useless without MFA",
              "The administrators' group also carries chapter 03's deny-unless-MFA policy; the "
              "administrator has a console password and MFA", admin_for_daily_work),
        Check("carol-least-privilege", 2, f"{CAROL} can read {TREASURY} and nothing more",
              "Replace her over-broad inline policy with s3:ListBucket on the bucket and s3:GetObject on "
              "its objects (get-user-policy shows what she has now)", carol_least_privilege),
        Check("ci-role-trust", 2, f"The deployment role {ROLE} trusts only {REPOSITORY} on main",
              "An OIDC provider for https://token.actions.githubusercontent.com "
              "(audience sts.amazonaws.com); "
              "a role whose trust policy names it, with conditions on the token's aud and sub",
              ci_role_trust),
        Check("ci-role-deploys", 1, f"The role may put releases into {RELEASES}, and nothing more",
              f"Give the role the CI user's permission: s3:PutObject on arn:aws:s3:::{RELEASES}/*",
              ci_role_deploys),
        Check("ci-job-ran", 1, f"The deployment job ran as {ROLE} and put a release into {RELEASES}",
              "sts assume-role-with-web-identity with WebIdentityToken=lab.ci_token(...)", ci_job_ran),
        Check("ci-key-gone", 1, f"{CI_USER}'s long-lived access key no longer works",
              "Once the job uses the role: aws iam delete-access-key --user-name ci-deployer ...",
              ci_key_gone),
        Check("stale-credentials", 2, "Nobody keeps credentials unused for 45 days",
              "The credential report's password_last_used: delete a leaver's login profile and access keys",
              stale_credentials),
    ),
)
