"""Passkeys / FIDO2 security keys in the console, and why a phishing proxy cannot relay them."""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import Console, PhishingProxy, SecurityKey
from labkit.passkey import CONSOLE_ORIGIN, NoPasskeyForThisSite

ACCOUNT = "123456789012"
PASSWORD = "Quill-Lantern-Moat-2024!"


@pytest.fixture
def alice(lab: labkit.Lab) -> labkit.Authenticator:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password=PASSWORD)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    phone = labkit.Authenticator(device["Base32StringSeed"])
    code1, code2 = phone.pair()
    iam.enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)
    return phone


def test_register_and_sign_in_with_a_passkey(lab: labkit.Lab, alice: labkit.Authenticator) -> None:
    console = Console(lab)
    session = console.sign_in(ACCOUNT, "alice-developer", PASSWORD, mfa_code=alice.code())
    key = SecurityKey("alice's key")
    session.register_passkey(key, name="alice-key")
    assert "signin.aws.amazon.com" in repr(key)
    assert console.sign_in(ACCOUNT, "alice-developer", PASSWORD, passkey=key).mfa
    with pytest.raises(labkit.MFACodeRequired):  # the password alone is still not enough
        console.sign_in(ACCOUNT, "alice-developer", PASSWORD)
    other = SecurityKey("a stranger's key")
    other.create("signin.aws.amazon.com", "x", CONSOLE_ORIGIN)  # registered nowhere
    with pytest.raises(labkit.SignInFailed):
        console.sign_in(ACCOUNT, "alice-developer", PASSWORD, passkey=other)
    summary = lab.client("iam", credentials=lab.auditor())
    assert summary.get_user(UserName="alice-developer")["User"]["PasswordLastUsed"]


def test_the_proxy_relays_a_totp_code_but_not_a_passkey(lab: labkit.Lab, alice: labkit.Authenticator,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    proxy = PhishingProxy(lab)
    stolen = proxy.victim_signs_in(ACCOUNT, "alice-developer", PASSWORD, mfa_code=alice.code())
    assert stolen.arn.endswith("user/alice-developer") and stolen.mfa
    key = SecurityKey()
    Console(lab).sign_in(ACCOUNT, "alice-developer", PASSWORD, mfa_code=alice.code()).register_passkey(key)
    with pytest.raises(labkit.SignInFailed, match="no passkey for signin-aws.example") as refused:
        proxy.victim_signs_in(ACCOUNT, "alice-developer", PASSWORD, passkey=key)
    assert len(proxy.stolen) == 1
    labkit.explain(refused.value)  # the explanation teaches origins, not "wrong password or code"
    said = capsys.readouterr().out
    assert "A passkey works only for its own site" in said and "Check the address bar" in said
    assert "wrong" not in said.lower()


def test_a_signature_made_for_another_origin_is_refused(lab: labkit.Lab, alice: labkit.Authenticator) -> None:
    """Even if the proxy got the key to sign (say, a key that ignored the site), the signed
    client data names the proxy's origin, and the real console refuses it."""
    key = SecurityKey()
    Console(lab).sign_in(ACCOUNT, "alice-developer", PASSWORD, mfa_code=alice.code()).register_passkey(key)
    answer = lab.request("POST", "/labkit/console/sign-in", {
        "account": ACCOUNT, "user": "alice-developer", "password": PASSWORD})
    challenge = answer["passkey_challenge"]
    credential = key._credentials["signin.aws.amazon.com"]
    fooled = SecurityKey()
    fooled._credentials["signin-aws.example"] = credential  # a key that would sign for any site
    assertion = fooled.get("signin-aws.example", challenge, "https://signin-aws.example")
    refused = lab.request("POST", "/labkit/console/sign-in", {
        "account": ACCOUNT, "user": "alice-developer", "password": PASSWORD, "assertion": assertion})
    assert refused.get("status") == 401
    with pytest.raises(NoPasskeyForThisSite):  # a browser never lets a page ask for another site
        key.get("signin.aws.amazon.com", challenge, "https://signin-aws.example")


def test_replayed_assertions_are_refused(lab: labkit.Lab, alice: labkit.Authenticator) -> None:
    key = SecurityKey()
    Console(lab).sign_in(ACCOUNT, "alice-developer", PASSWORD, mfa_code=alice.code()).register_passkey(key)
    first = lab.request("POST", "/labkit/console/sign-in", {
        "account": ACCOUNT, "user": "alice-developer", "password": PASSWORD})
    assertion = key.get("signin.aws.amazon.com", first["passkey_challenge"], CONSOLE_ORIGIN)
    data = {"account": ACCOUNT, "user": "alice-developer", "password": PASSWORD, "assertion": assertion}
    assert lab.request("POST", "/labkit/console/sign-in", data)["status"] == "signed-in"
    assert lab.request("POST", "/labkit/console/sign-in", data).get("status") == 401


def test_root_may_use_a_passkey_to_satisfy_mandatory_mfa(lab: labkit.Lab) -> None:
    console = Console(lab)
    session = console.sign_in_root(lab.root_email, lab.root_password)
    key = SecurityKey("vault key")
    session.register_passkey(key, name="vault-key")
    assert lab.client("iam").get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    with pytest.raises(labkit.MFACodeRequired):
        console.sign_in_root(lab.root_email, lab.root_password)
    assert console.sign_in_root(lab.root_email, lab.root_password, passkey=key).mfa


# -- a passkey is one of the identity's MFA devices, as AWS lists and counts it -------------------------

U2F = r"[A-Z2-7]{26}"  # the base32 tail AWS appends to a security key's name


def _register(lab: labkit.Lab, phone: labkit.Authenticator, name: str = "alice-key") -> SecurityKey:
    key = SecurityKey()
    session = Console(lab).sign_in(ACCOUNT, "alice-developer", PASSWORD, mfa_code=phone.code())
    session.register_passkey(key, name)
    return key


def test_list_mfa_devices_shows_a_passkey_with_a_u2f_serial(lab: labkit.Lab, alice: labkit.Authenticator,
                                                             aws_cli) -> None:  # noqa: ANN001
    _register(lab, alice)
    iam = lab.client("iam")
    devices = iam.list_mfa_devices(UserName="alice-developer")["MFADevices"]
    assert [d["SerialNumber"].rsplit("-", 1)[0] for d in devices] == [
        f"arn:aws:iam::{ACCOUNT}:mfa/alice", f"arn:aws:iam::{ACCOUNT}:u2f/user/alice-developer/alice-key"]
    key_serial = devices[1]["SerialNumber"]
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:u2f/user/alice-developer/alice-key-{U2F}", key_serial)
    assert devices[1]["UserName"] == "alice-developer" and devices[1]["EnableDate"].tzinfo is not None
    virtual = iam.list_virtual_mfa_devices(AssignmentStatus="Any")["VirtualMFADevices"]
    assert key_serial not in {d["SerialNumber"] for d in virtual}  # not a virtual device
    got = iam.get_mfa_device(SerialNumber=key_serial, UserName="alice-developer")
    assert got["SerialNumber"] == key_serial
    listed = json.loads(aws_cli("iam", "list-mfa-devices", "--user-name", "alice-developer").stdout)
    assert [d["SerialNumber"] for d in listed["MFADevices"]] == [d["SerialNumber"] for d in devices]
    from labkit import aws_in_kernel  # what `!aws` runs in a notebook

    bang = aws_in_kernel.run(["iam", "list-mfa-devices", "--user-name", "alice-developer",
                              "--output", "json"])
    assert bang.status == 0, bang.output
    assert [d["SerialNumber"] for d in json.loads(bang.output.decode())["MFADevices"]] == [
        d["SerialNumber"] for d in devices]


def test_a_passkey_name_becomes_part_of_an_arn(lab: labkit.Lab, alice: labkit.Authenticator) -> None:
    with pytest.raises(labkit.ConsoleError, match="device name"):
        _register(lab, alice, "alice's key")
    assert len(lab.client("iam").list_mfa_devices(UserName="alice-developer")["MFADevices"]) == 1


def test_root_lists_its_own_passkeys(lab: labkit.Lab, aws_cli) -> None:  # noqa: ANN001
    session = Console(lab).sign_in_root(lab.root_email, lab.root_password)
    session.register_passkey(SecurityKey("vault key"), name="vault-key")
    setup = session.create_root_mfa_device(name="vault-phone")
    session.activate_root_mfa_device(*labkit.Authenticator(setup.uri).pair())
    mine = lab.client("iam").list_mfa_devices()["MFADevices"]
    assert mine[0]["SerialNumber"] == f"arn:aws:iam::{ACCOUNT}:mfa/vault-phone"
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:u2f/root/vault-key-{U2F}", mine[1]["SerialNumber"])
    assert lab.client("iam").get_mfa_device(SerialNumber=mine[1]["SerialNumber"])["UserName"] == ACCOUNT
    listed = json.loads(aws_cli("iam", "list-mfa-devices").stdout)["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [d["SerialNumber"] for d in mine]


def test_passkeys_count_toward_the_eight_devices(lab: labkit.Lab, alice: labkit.Authenticator) -> None:
    iam = lab.client("iam")
    _register(lab, alice)
    for i in range(6):  # 1 app + 1 passkey + 6 apps = 8
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"alice-{i}")["VirtualMFADevice"]
        code1, code2 = labkit.Authenticator(device["Base32StringSeed"]).pair()
        iam.enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
                              AuthenticationCode1=code1, AuthenticationCode2=code2)
    ninth = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-ninth")["VirtualMFADevice"]
    code1, code2 = labkit.Authenticator(ninth["Base32StringSeed"]).pair()
    with pytest.raises(ClientError, match="LimitExceeded"):
        iam.enable_mfa_device(UserName="alice-developer", SerialNumber=ninth["SerialNumber"],
                              AuthenticationCode1=code1, AuthenticationCode2=code2)
    assert len(iam.list_mfa_devices(UserName="alice-developer")["MFADevices"]) == 8
    with pytest.raises(labkit.ConsoleError, match="LimitExceeded|quota"):
        _register(lab, alice, "alice-spare-key")


def test_root_passkeys_count_toward_roots_eight(lab: labkit.Lab) -> None:
    session = Console(lab).sign_in_root(lab.root_email, lab.root_password)
    for i in range(2):
        session.register_passkey(SecurityKey(), name=f"vault-key-{i}")
    for i in range(6):
        setup = session.create_root_mfa_device(name=f"root-{i}")
        session.activate_root_mfa_device(*labkit.Authenticator(setup.uri).pair())
    with pytest.raises(labkit.ConsoleError, match="LimitExceeded|quota"):
        session.create_root_mfa_device(name="root-6")
    assert len(lab.client("iam").list_mfa_devices()["MFADevices"]) == 8


def test_deactivating_a_passkey_removes_it(lab: labkit.Lab, alice: labkit.Authenticator) -> None:
    key = _register(lab, alice)
    iam = lab.client("iam")
    serial = iam.list_mfa_devices(UserName="alice-developer")["MFADevices"][1]["SerialNumber"]
    with pytest.raises(ClientError) as info:  # it is not a virtual device: AWS answers 404
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert info.value.response["Error"]["Code"] == "NoSuchEntity"
    assert len(iam.list_mfa_devices(UserName="alice-developer")["MFADevices"]) == 2
    iam.deactivate_mfa_device(UserName="alice-developer", SerialNumber=serial)
    assert [d["SerialNumber"] for d in iam.list_mfa_devices(UserName="alice-developer")["MFADevices"]] == [
        f"arn:aws:iam::{ACCOUNT}:mfa/alice"]
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_mfa_device(SerialNumber=serial, UserName="alice-developer")
    with pytest.raises(labkit.ConsoleError):  # the key no longer signs her in
        Console(lab).sign_in(ACCOUNT, "alice-developer", PASSWORD, passkey=key)


def test_a_user_with_a_passkey_cannot_be_deleted_yet(lab: labkit.Lab, alice: labkit.Authenticator) -> None:
    iam = lab.client("iam")
    _register(lab, alice)
    iam.deactivate_mfa_device(UserName="alice-developer", SerialNumber=f"arn:aws:iam::{ACCOUNT}:mfa/alice")
    iam.delete_login_profile(UserName="alice-developer")
    with pytest.raises(ClientError, match="must delete MFA device first"):
        iam.delete_user(UserName="alice-developer")
    serial = iam.list_mfa_devices(UserName="alice-developer")["MFADevices"][0]["SerialNumber"]
    iam.deactivate_mfa_device(UserName="alice-developer", SerialNumber=serial)
    iam.delete_user(UserName="alice-developer")
