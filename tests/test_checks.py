"""The exercise checks: each fails on the wrong account state, passes on the right one, never crashes."""

from __future__ import annotations

import json

import pytest

import labkit
from labkit import checks
from labkit.checks import ASSIGNMENTS, Assignment, Check, get_assignment, report, run_checks

ALICE, BOT = "alice-developer", "castle-build-bot"
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
        "least-privilege": "new-account"}
    for assignment in ASSIGNMENTS.values():
        ids = [c.id for c in assignment.checks]
        assert len(ids) == len(set(ids)), assignment.id
        assert all(c.points > 0 and c.hint and c.description for c in assignment.checks)
        assert assignment.max_score == sum(c.points for c in assignment.checks) > 0


def test_an_unknown_assignment_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="least-privilege, mfa, root, users"):
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


def test_users_checks_tell_partial_work_apart(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName=ALICE)
    got = _by_id("users", lab)
    assert got["alice-exists"].passed and got["alice-no-permissions"].passed
    assert "no console password" in got["alice-reset-required"].detail

    iam.create_login_profile(UserName=ALICE, Password=PASSWORD)  # forgot --password-reset-required
    iam.create_user(UserName=BOT)
    iam.create_login_profile(UserName=BOT, Password=PASSWORD)  # a program with a password
    iam.create_access_key(UserName=BOT)
    got = _by_id("users", lab)
    assert not got["alice-reset-required"].passed and "does not have to be changed" in got[
        "alice-reset-required"].detail
    assert not got["bot-key-only"].passed and "console password" in got["bot-key-only"].detail

    iam.update_login_profile(UserName=ALICE, PasswordResetRequired=True)
    iam.delete_login_profile(UserName=BOT)
    assert all(r.passed for r in run_checks("users", lab))


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


def test_mfa_checks_follow_the_device_and_the_sign_in(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName=ALICE)
    iam.create_login_profile(UserName=ALICE, Password=PASSWORD)
    console = labkit.Console(lab)
    console.sign_in(lab.account_id, ALICE, PASSWORD)  # before MFA: does not count
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    got = _by_id("mfa", lab)
    assert got["alice-password"].passed
    assert not got["alice-mfa-enabled"].passed and not got["no-stray-devices"].passed

    phone = labkit.Authenticator(device["Base32StringSeed"])
    code1, code2 = phone.pair()
    iam.enable_mfa_device(UserName=ALICE, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)
    got = _by_id("mfa", lab)
    assert got["alice-mfa-enabled"].passed and got["no-stray-devices"].passed
    assert not got["alice-signed-in-with-mfa"].passed
    assert got["alice-signed-in-with-mfa"].detail == "her last sign-in was before MFA was enabled"

    console.sign_in(lab.account_id, ALICE, PASSWORD, mfa_code=phone.code())
    assert all(r.passed for r in run_checks("mfa", lab))


# -- least privilege ----------------------------------------------------------------------------


def _castle(lab: labkit.Lab, scribe: str, knight: str) -> None:
    iam, s3 = lab.client("iam"), lab.client("s3")
    for bucket in ("castle-library", "castle-armory"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="castle-library", Key="scrolls/history.txt", Body=b"1214")
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
    assert state() == before == (((), ()), (("scrolls/history.txt",), ()))


def test_missing_buckets_or_users_fail_with_a_reason(lab: labkit.Lab) -> None:
    lab.client("s3").create_bucket(Bucket="castle-library")
    got = _by_id("least-privilege", lab)
    assert got["buckets"].detail == "missing: castle-armory"
    assert got["scribe-reads-library"].detail == "no user named scribe"
