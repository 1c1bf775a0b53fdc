"""The exercise checks: each fails on the wrong account state, passes on the right one, never crashes."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import checks
from labkit.checks import ASSIGNMENTS, Assignment, Check, get_assignment, report, run_checks

ALICE = "alice-developer"
PASSWORD = "Quill-Lantern-Moat-2024!"


def _by_id(assignment_id: str, lab: labkit.Lab) -> dict[str, checks.CheckResult]:
    return {r.id: r for r in run_checks(assignment_id, lab)}


def _policy(*statements: tuple[str, str]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource} for action, resource in statements]})


# -- the contract the grader relies on ---------------------------------------------------------


def test_the_assignments_and_their_scenarios() -> None:
    assert {a: ASSIGNMENTS[a].scenario for a in ASSIGNMENTS} == {
        "users": "new-account", "mfa": "new-account", "root": "inherited-account",
        "least-privilege": "new-account", "capstone": "capstone",
        "identity-center": "organization"}
    for assignment in ASSIGNMENTS.values():
        ids = [c.id for c in assignment.checks]
        assert len(ids) == len(set(ids)), assignment.id
        assert all(c.points > 0 and c.hint and c.description for c in assignment.checks)
        assert assignment.max_score == sum(c.points for c in assignment.checks) > 0


def test_an_unknown_assignment_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="capstone, identity-center, least-privilege, mfa, root, users"):
        get_assignment("user")


def test_a_check_that_raises_is_a_failed_check(lab: labkit.Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: labkit.Lab) -> bool:
        raise KeyError("Users")

    demo = Assignment("demo", "Demo", "new-account", (
        Check("broken", 2, "raises", "fix it", broken),
        Check("fine", 1, "passes", "-", lambda _: True),
        Check("said-no", 1, "fails", "try again", lambda _: (False, "not yet")),
    ))
    monkeypatch.setitem(ASSIGNMENTS, "demo", demo)
    results = run_checks("demo", lab)
    assert [(r.id, r.passed, r.points, r.max_points) for r in results] == [
        ("broken", False, 0, 2), ("fine", True, 1, 1), ("said-no", False, 0, 1)]
    assert results[0].detail == "KeyError: 'Users'" and results[2].detail == "not yet"


@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_a_fresh_scenario_scores_zero_with_hints_not_crashes(session_lab: labkit.Lab,
                                                              assignment_id: str) -> None:
    assignment = get_assignment(assignment_id)
    session_lab.reset(assignment.scenario)
    results = run_checks(assignment_id, session_lab)
    assert [r.points for r in results] == [0] * len(assignment.checks)
    crashed = [(r.id, r.detail) for r in results if "Error" in r.detail or "Exception" in r.detail]
    assert crashed == []
    text = report(assignment_id, session_lab)
    assert f"0/{assignment.max_score} points" in text
    assert all(c.hint in text for c in assignment.checks)


# -- users --------------------------------------------------------------------------------------

PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def build_role(lab: labkit.Lab, sub: str | None = "repo:castle-co/app:ref:refs/heads/main") -> str:
    """The deployment job's OIDC provider and role (``sub=None``: a trust policy without a sub condition)."""
    iam = lab.client("iam")
    iam.create_open_id_connect_provider(Url="https://token.actions.githubusercontent.com",
                                        ClientIDList=["sts.amazonaws.com"],
                                        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])
    condition: dict = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    if sub:  # a wildcard needs StringLike, as on AWS
        operator = "StringLike" if "*" in sub else "StringEquals"
        condition.setdefault(operator, {})["token.actions.githubusercontent.com:sub"] = sub
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition}]}
    role = iam.create_role(RoleName="castle-deploy", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    return str(role["Arn"])


def run_build_job(lab: labkit.Lab, role_arn: str) -> None:
    job = lab.client("sts").assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="nightly", WebIdentityToken=lab.ci_token())
    lab.client("sts", credentials=labkit.Credentials.from_response(job["Credentials"])).get_caller_identity()


def users_done_right(lab: labkit.Lab) -> labkit.Credentials:
    """Every task of the users exercise, done as its solution does; returns Alice's key."""
    iam = lab.client("iam")
    iam.create_user(UserName=ALICE)
    iam.create_login_profile(UserName=ALICE, Password="TempPassword123!", PasswordResetRequired=True)
    iam.attach_user_policy(UserName=ALICE, PolicyArn="arn:aws:iam::aws:policy/IAMUserChangePassword")
    keys = labkit.Credentials.from_response(iam.create_access_key(UserName=ALICE)["AccessKey"])
    with pytest.raises(ClientError):
        lab.client("iam", credentials=keys).list_users()
    return keys


def test_users_checks_tell_partial_work_apart(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName=ALICE)
    got = _by_id("users", lab)
    assert got["alice-exists"].passed and got["alice-no-permissions"].passed
    assert "no console password" in got["alice-reset-required"].detail
    assert not got["alice-tried"].passed, "the check's own probes must not count as Alice's attempt"

    iam.create_login_profile(UserName=ALICE, Password=PASSWORD)  # forgot --password-reset-required
    got = _by_id("users", lab)
    assert "does not have to be changed" in got["alice-reset-required"].detail
    change = got["alice-may-change-password"]
    assert not change.passed and "locked out" in change.detail
    iam.update_login_profile(UserName=ALICE, PasswordResetRequired=True)
    iam.update_account_password_policy(AllowUsersToChangePassword=True)  # the other fix
    assert _by_id("users", lab)["alice-may-change-password"].passed


def test_the_whole_users_exercise_scores_full_marks(lab: labkit.Lab) -> None:
    users_done_right(lab)
    assert [(r.id, r.detail) for r in run_checks("users", lab) if not r.passed] == []


def test_a_role_any_repository_may_assume_is_caught(lab: labkit.Lab) -> None:
    run_build_job(lab, build_role(lab, sub=None))
    got = _by_id("capstone", lab)
    assert not got["ci-role-trust"].passed and "ANY repository" in got["ci-role-trust"].detail
    assert "put no release" in got["ci-job-ran"].detail  # it assumed the role, and deployed nothing


def test_a_role_for_every_branch_is_caught(lab: labkit.Lab) -> None:
    build_role(lab, sub="repo:castle-co/app:*")
    got = _by_id("capstone", lab)
    assert got["ci-role-trust"].passed is False
    assert "any branch" in got["ci-role-trust"].detail
    assert not got["ci-job-ran"].passed, "the check's own CI tokens must not count as the job"


def test_a_ci_user_with_a_key_is_not_a_role(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="ci-deployer")
    iam.create_access_key(UserName="ci-deployer")
    got = _by_id("capstone", lab)
    assert not got["ci-role-trust"].passed and "cannot assume the role" in got["ci-role-trust"].detail
    assert not got["ci-key-gone"].passed and "still works" in got["ci-key-gone"].detail


def test_alice_with_permissions_fails_and_says_what_she_may_do(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName=ALICE)
    iam.put_user_policy(UserName=ALICE, PolicyName="peek", PolicyDocument=_policy(("iam:ListUsers", "*")))
    result = _by_id("users", lab)["alice-no-permissions"]
    assert not result.passed and result.detail == "she may already: iam:ListUsers"


def test_a_user_with_two_keys_cannot_be_probed_and_is_told_why(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName=ALICE)
    keys = {iam.create_access_key(UserName=ALICE)["AccessKey"]["AccessKeyId"] for _ in range(2)}
    result = _by_id("users", lab)["alice-no-permissions"]
    assert not result.passed
    assert "already has 2 access keys" in result.detail and "delete-access-key" in result.detail
    after = {k["AccessKeyId"] for k in iam.list_access_keys(UserName=ALICE)["AccessKeyMetadata"]}
    assert after == keys


# -- mfa ----------------------------------------------------------------------------------------

MFA_OR_NOTHING = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:CreateVirtualMFADevice"], "Resource": "arn:aws:iam::*:mfa/*"},
    {"Effect": "Allow", "Action": ["iam:EnableMFADevice", "iam:ListMFADevices"],
     "Resource": "arn:aws:iam::*:user/${aws:username}"},
    {"Effect": "Deny",
     "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices",
                   "sts:GetSessionToken"],
     "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}


def test_mfa_checks_follow_the_rule_the_device_and_the_sign_in(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName=ALICE)
    iam.create_login_profile(UserName=ALICE, Password=PASSWORD)
    alice = lab.client("iam", credentials=labkit.Credentials.from_response(
        iam.create_access_key(UserName=ALICE)["AccessKey"]))
    console = labkit.Console(lab)
    console.sign_in(lab.account_id, ALICE, PASSWORD)  # before MFA: does not count
    got = _by_id("mfa", lab)
    assert got["alice-password"].passed
    assert not got["house-rule"].passed and "not by a deny-unless-MFA rule" in got["house-rule"].detail

    iam.put_user_policy(UserName=ALICE, PolicyName="deny-all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}))
    assert "self-service" in _by_id("mfa", lab)["house-rule"].detail  # a blanket deny locks her out
    iam.delete_user_policy(UserName=ALICE, PolicyName="deny-all")
    iam.put_user_policy(UserName=ALICE, PolicyName="mfa-or-nothing",
                        PolicyDocument=json.dumps(MFA_OR_NOTHING))

    device = alice.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]  # she enrols
    got = _by_id("mfa", lab)
    assert got["house-rule"].passed
    assert not got["alice-mfa-enabled"].passed and not got["no-stray-devices"].passed

    phone = labkit.Authenticator(device["Base32StringSeed"])
    code1, code2 = phone.pair()
    alice.enable_mfa_device(UserName=ALICE, SerialNumber=device["SerialNumber"],
                            AuthenticationCode1=code1, AuthenticationCode2=code2)
    got = _by_id("mfa", lab)
    assert got["alice-mfa-enabled"].passed and got["no-stray-devices"].passed
    assert not got["alice-signed-in-with-mfa"].passed
    assert "her last sign-in was before MFA was enabled" in got["alice-signed-in-with-mfa"].detail
    assert got["alice-enrolled-herself"].passed, got["alice-enrolled-herself"].detail

    console.sign_in(lab.account_id, ALICE, PASSWORD, mfa_code=phone.code())
    assert all(r.passed for r in run_checks("mfa", lab))


# -- root and the scorecard ---------------------------------------------------------------------


def test_deleting_roots_key_does_not_hide_that_root_was_used(session_lab: labkit.Lab) -> None:
    """The issue's case: root works, then deletes its own key (erasing its last-used date)."""
    from labkit.checks.scorecard import scorecard

    lab = session_lab.reset("inherited-account")
    root_iam = lab.client("iam", credentials=lab.root)
    for name in ("ops-1", "ops-2"):
        root_iam.create_user(UserName=name)
    for key in root_iam.list_access_keys()["AccessKeyMetadata"]:
        root_iam.delete_access_key(AccessKeyId=key["AccessKeyId"])
    row = scorecard(lab).row("root-not-used")
    assert not row.passed and "no administrator other than root" in row.detail


def test_root_working_after_the_handover_is_caught(session_lab: labkit.Lab) -> None:
    from labkit.checks.scorecard import scorecard

    lab = session_lab.reset("new-account")
    iam = lab.client("iam")
    iam.create_user(UserName="warden")
    iam.attach_user_policy(UserName="warden", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    warden = labkit.Credentials.from_response(iam.create_access_key(UserName="warden")["AccessKey"])
    lab.client("iam", credentials=warden).list_users()  # the handover
    iam.list_access_keys()  # root's own credentials: allowed
    assert scorecard(lab).row("root-not-used").passed
    iam.create_user(UserName="intern")  # root back at daily work
    row = scorecard(lab).row("root-not-used")
    assert not row.passed and "CreateUser" in row.detail and "warden" in row.detail


def test_root_verdict_on_a_hand_made_log() -> None:
    from datetime import UTC, datetime

    from labkit.checks.root_activity import Event, root_verdict

    t = datetime(2026, 1, 1, tzinfo=UTC)
    log = [Event("CreateUser", t, "Root", "arn:aws:iam::1:root", None),
           Event("ListUsers", t, "IAMUser", "arn:aws:iam::1:user/bob", "AccessDenied"),  # refused
           Event("ListUsers", t, "IAMUser", "arn:aws:iam::1:user/warden", None),
           Event("DeleteAccessKey", t, "Root", "arn:aws:iam::1:root", None)]
    assert root_verdict(log, [":user/warden"])[0] is True
    assert root_verdict(log, [":user/bob"])[0] is False  # bob's only call was refused
    back_at_work = Event("CreateRole", t, "Root", "arn:aws:iam::1:root", None)
    assert root_verdict([*log, back_at_work], [":user/warden"])[0] is False


def test_scorecard_names_its_benchmark_and_wants_hardware_mfa_for_root(lab: labkit.Lab) -> None:
    from labkit.checks.scorecard import CIS_VERSION, scorecard

    card = scorecard(lab)
    assert CIS_VERSION == "CIS AWS Foundations Benchmark v7.0.0" and CIS_VERSION in str(card)
    assert [(r.id, r.cis, r.level) for r in card.rows][:3] == [
        ("root-mfa", "2.5", 1), ("root-hardware-mfa", "2.6", 2), ("no-root-access-keys", "2.4", 1)]
    root = labkit.Console(lab).sign_in_root(lab.root_email, lab.root_password)
    setup = root.create_root_mfa_device(name="vault-app")
    root.activate_root_mfa_device(*labkit.Authenticator(setup.seed).pair())
    card = scorecard(lab)
    assert card.row("root-mfa").passed
    hardware = card.row("root-hardware-mfa")
    assert not hardware.passed and "arn:aws:iam::123456789012:mfa/vault-app" in hardware.detail


# -- least privilege ----------------------------------------------------------------------------


def _castle(lab: labkit.Lab, scribe: str, knight: str) -> None:
    iam, s3 = lab.client("iam"), lab.client("s3")
    for bucket in ("castle-library", "castle-armory"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="castle-library", Key="scrolls/history.txt", Body=b"1214")
    s3.put_object(Bucket="castle-armory", Key="swords/excalibur.txt", Body=b"sharp")
    for name, policy in (("scribe", scribe), ("knight", knight)):
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="keys", PolicyDocument=policy)


def _read(bucket: str, objects: str | None = None) -> str:
    return _policy(("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
                   ("s3:GetObject", objects or f"arn:aws:s3:::{bucket}/*"))


def test_least_privilege_passes_only_the_exact_keys(lab: labkit.Lab) -> None:
    _castle(lab, scribe=_read("castle-library"), knight=_read("castle-armory"))
    assert all(r.passed for r in run_checks("least-privilege", lab))


def test_reading_every_bucket_is_caught_even_without_list(lab: labkit.Lab) -> None:
    _castle(lab, scribe=_read("castle-library", objects="*"), knight=_policy(("s3:*", "*")))
    got = _by_id("least-privilege", lab)
    assert got["scribe-reads-library"].passed
    assert not got["scribe-not-armory"].passed
    assert got["scribe-not-armory"].detail == "scribe: allowed but should not be: get castle-armory"
    assert not got["knight-armory-only"].passed and "list castle-library" in got["knight-armory-only"].detail


def test_probing_leaves_the_account_as_it_was(lab: labkit.Lab) -> None:
    _castle(lab, scribe=_policy(("s3:*", "arn:aws:s3:::castle-library*")), knight=_read("castle-armory"))
    iam, s3 = lab.client("iam"), lab.client("s3")

    def state() -> tuple:
        keys = tuple(tuple(iam.list_access_keys(UserName=n)["AccessKeyMetadata"])
                     for n in ("scribe", "knight"))
        objects = tuple(tuple(o["Key"] for o in s3.list_objects_v2(Bucket=b).get("Contents", []))
                        for b in ("castle-library", "castle-armory"))
        return keys, objects

    before = state()
    got = _by_id("least-privilege", lab)
    assert "put castle-library" in got["scribe-not-armory"].detail  # the scribe could write
    assert state() == before == (((), ()), (("scrolls/history.txt",), ("swords/excalibur.txt",)))


def test_missing_buckets_or_users_fail_with_a_reason(lab: labkit.Lab) -> None:
    lab.client("s3").create_bucket(Bucket="castle-library")
    got = _by_id("least-privilege", lab)
    assert got["buckets"].detail == "missing: castle-armory"
    assert got["scribe-reads-library"].detail == "no user named scribe"
