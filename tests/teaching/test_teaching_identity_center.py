"""Chapters 07 and 07b: their your-turn checks and prediction readers say what is missing, and
read the right history (in-process, one sandbox; the chapters themselves run in
test_notebooks.py and the browser edition's tests)."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.checks.predictions import PREDICTIONS
from labkit.checks.your_turn_tasks import TASKS, NotYet


def _store(lab: labkit.Lab) -> tuple[str, str, str]:
    """Alice and castle-developers in the identity store: (store id, Alice's id, the group's id)."""
    store = lab.client("identitystore")
    store_id = lab.identity_center.identity_store_id
    alice = store.create_user(IdentityStoreId=store_id, UserName="alice", DisplayName="Alice Developer",
                              Name={"GivenName": "Alice", "FamilyName": "Developer"})["UserId"]
    group = store.create_group(IdentityStoreId=store_id, DisplayName="castle-developers")["GroupId"]
    return store_id, alice, group


def test_alice_joins_the_group_only_when_she_is_a_member(lab: labkit.Lab) -> None:
    lab.reset("identity-center")
    check = TASKS["ic-alice-joins"].test
    assert check(lab) == (False, "there is no user alice in the identity store "
                                 "(run the cell that creates her)")
    store_id, alice, group = _store(lab)
    assert check(lab) == (False, "alice is not a member of castle-developers yet")
    lab.client("identitystore").create_group_membership(IdentityStoreId=store_id, GroupId=group,
                                                        MemberId={"UserId": alice})
    assert check(lab)[0]


def test_the_profile_check_names_the_wrong_setting(lab: labkit.Lab) -> None:
    lab.reset("identity-center")
    check = TASKS["ic-alice-profile"].test
    assert check(lab) == (False, "the AWS config file has no profile alice-dev yet")
    config = Path(os.environ["AWS_CONFIG_FILE"])
    parser = configparser.RawConfigParser()
    parser.read(config)
    parser["profile alice-dev"] = {"sso_session": "alice-dev", "sso_account_id": "123456789012",
                                   "sso_role_name": "Developer"}
    with config.open("w", encoding="utf-8") as f:
        parser.write(f)
    passed, detail = check(lab)
    assert not passed and "sso_account_id is '123456789012', not '" in detail  # the management account


def test_retiring_alice_names_what_is_left(lab: labkit.Lab) -> None:
    lab.reset("identity-center")
    check = TASKS["ic-retire-alice"].test
    passed, detail = check(lab)
    assert not passed and "an access key, a login profile (password), an MFA device" in detail
    iam = lab.client("iam")
    for key in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])
    iam.delete_login_profile(UserName="alice")
    serial = iam.list_mfa_devices(UserName="alice")["MFADevices"][0]["SerialNumber"]
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    iam.delete_user(UserName="alice")
    assert check(lab) == (False, f"the user is gone, but her virtual MFA device {serial} is left: delete it")
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert check(lab)[0]


def test_the_second_alice_is_read_from_the_identity_store_not_iam(lab: labkit.Lab) -> None:
    lab.reset("identity-center")  # the IAM user alice exists: an IAM CreateUser of the same name fails
    outcome = PREDICTIONS["ic-second-alice"].outcome
    with pytest.raises(ClientError, match="EntityAlreadyExists"):
        lab.client("iam").create_user(UserName="alice")
    with pytest.raises(NotYet, match="no identity store CreateUser"):
        outcome(lab)
    _store(lab)
    assert outcome(lab) == "It works: a second alice"


def test_alices_refused_create_user_is_read_in_the_member_account(lab: labkit.Lab) -> None:
    lab.reset("identity-center")
    outcome = PREDICTIONS["ic-alice-creates-user"].outcome
    with pytest.raises(NotYet, match="castle-workloads's event history has no CreateUser"):
        outcome(lab)
    lab.client("iam").create_user(UserName="temp")  # in the management account: not what it reads
    with pytest.raises(NotYet):
        outcome(lab)
