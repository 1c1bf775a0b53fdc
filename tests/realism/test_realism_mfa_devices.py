"""MFA devices as in 2026: named devices, up to 8 per identity, any device signs in, root's too."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import Console
from labkit.clock import clock

ACCOUNT = "123456789012"
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"


def _enrol(lab: labkit.Lab, user: str, name: str) -> labkit.Authenticator:
    iam = lab.client("iam")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    assert device["SerialNumber"] == f"arn:aws:iam::{ACCOUNT}:mfa/{name}"
    phone = labkit.Authenticator(device["Base32StringSeed"])
    code1, code2 = phone.pair()
    iam.enable_mfa_device(UserName=user, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)
    return phone


@pytest.fixture
def alice(lab: labkit.Lab) -> labkit.Lab:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="Alice-Chose-This-2024!")
    return lab


def test_eight_devices_per_user_and_the_ninth_is_refused(alice: labkit.Lab, aws_cli) -> None:
    for i in range(8):
        _enrol(alice, "alice-developer", f"alice-{i}")
    iam = alice.client("iam")
    assert len(iam.list_mfa_devices(UserName="alice-developer")["MFADevices"]) == 8
    ninth = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-8")["VirtualMFADevice"]
    code1, code2 = labkit.Authenticator(ninth["Base32StringSeed"]).pair()
    out = aws_cli("iam", "enable-mfa-device", "--user-name", "alice-developer", "--serial-number",
                  ninth["SerialNumber"], "--authentication-code1", code1, "--authentication-code2", code2,
                  check=False)
    assert out.returncode != 0
    assert "(LimitExceeded)" in out.stderr and "Cannot exceed quota for MFADevicesPerUser: 8" in out.stderr
    assert len(iam.list_mfa_devices(UserName="alice-developer")["MFADevices"]) == 8


def test_a_code_from_any_of_her_devices_signs_her_in(alice: labkit.Lab) -> None:
    phone = _enrol(alice, "alice-developer", "alice-phone")
    key = _enrol(alice, "alice-developer", "alice-backup")
    console = Console(alice)
    for device in (phone, key):
        assert console.sign_in(ACCOUNT, "alice-developer", "Alice-Chose-This-2024!",
                               mfa_code=device.code()).mfa
    stranger = labkit.Authenticator("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    with pytest.raises(labkit.SignInFailed):
        console.sign_in(ACCOUNT, "alice-developer", "Alice-Chose-This-2024!", mfa_code=stranger.code())


def test_root_registers_several_named_devices(lab: labkit.Lab, aws_cli) -> None:
    console = Console(lab)
    session = console.sign_in_root(lab.root_email, lab.root_password)
    phones = {}
    for name in ("vault-phone", "vault-spare"):
        setup = session.create_root_mfa_device(name=name)
        assert setup.serial == f"arn:aws:iam::{ACCOUNT}:mfa/{name}"
        phones[name] = labkit.Authenticator(setup.uri)
        session.activate_root_mfa_device(*phones[name].pair())
    listed = json.loads(aws_cli("iam", "list-virtual-mfa-devices", "--assignment-status", "Assigned").stdout)
    root_devices = {d["SerialNumber"]: d for d in listed["VirtualMFADevices"]}
    assert set(root_devices) == {f"arn:aws:iam::{ACCOUNT}:mfa/vault-phone",
                                 f"arn:aws:iam::{ACCOUNT}:mfa/vault-spare"}
    assert all(d["User"]["Arn"] == ROOT_ARN for d in root_devices.values())
    assert all("Base32StringSeed" not in d for d in root_devices.values())
    mine = lab.client("iam").list_mfa_devices()["MFADevices"]
    assert [d["SerialNumber"] for d in mine] == list(root_devices) or len(mine) == 2
    for phone in phones.values():
        assert console.sign_in_root(lab.root_email, lab.root_password, mfa_code=phone.code()).mfa
    # a user cannot take root's device
    lab.client("iam").create_user(UserName="mallory")
    with pytest.raises(ClientError, match="EntityAlreadyExists"):
        lab.client("iam").enable_mfa_device(UserName="mallory", SerialNumber=setup.serial,
                                            AuthenticationCode1="000000", AuthenticationCode2="000000")
    # root's MFA session from the CLI with either device
    creds = lab.client("sts").get_session_token(SerialNumber=setup.serial,
                                                TokenCode=phones["vault-spare"].code())["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")


def test_root_may_have_eight_devices_not_nine(lab: labkit.Lab) -> None:
    session = Console(lab).sign_in_root(lab.root_email, lab.root_password)
    for i in range(8):
        setup = session.create_root_mfa_device(name=f"root-{i}")
        session.activate_root_mfa_device(*labkit.Authenticator(setup.uri).pair())
    with pytest.raises(labkit.ConsoleError, match="Cannot exceed quota for MFADevicesPerUser: 8"):
        session.create_root_mfa_device(name="root-8")


def test_root_without_mfa_gets_35_days_then_must_register(lab: labkit.Lab) -> None:
    console = Console(lab)
    clock.freeze()
    first = console.sign_in_root(lab.root_email, lab.root_password)
    assert not first.must_register_mfa and first.mfa_registration_deadline
    clock.advance(34 * 86400)
    assert not console.sign_in_root(lab.root_email, lab.root_password).must_register_mfa
    clock.advance(2 * 86400)
    late = console.sign_in_root(lab.root_email, lab.root_password)
    assert late.must_register_mfa
    assert "must register an MFA device" in repr(late)
    setup = late.create_root_mfa_device()
    assert setup.serial == f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device"
    phone = labkit.Authenticator(setup.uri)
    late.activate_root_mfa_device(*phone.pair())
    assert not late.must_register_mfa
    with pytest.raises(labkit.MFACodeRequired):
        console.sign_in_root(lab.root_email, lab.root_password)


def test_an_assigned_device_is_deactivated_before_it_is_deleted(alice: labkit.Lab) -> None:
    """DeleteVirtualMFADevice refuses a device still assigned (DeleteConflict, 409); once
    deactivated, the same call deletes it."""
    iam = alice.client("iam")
    _enrol(alice, "alice-developer", "alice-phone")
    serial = f"arn:aws:iam::{ACCOUNT}:mfa/alice-phone"
    with pytest.raises(ClientError) as refused:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    error = refused.value.response
    assert error["Error"]["Code"] == "DeleteConflict"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert "deactivate a user's virtual MFA device" in error["Error"]["Message"]
    listed = iam.list_mfa_devices(UserName="alice-developer")["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [serial]
    iam.deactivate_mfa_device(UserName="alice-developer", SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert serial not in [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]
