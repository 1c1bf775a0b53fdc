"""Passkeys / FIDO2 security keys in the console, and why a phishing proxy cannot relay them."""

from __future__ import annotations

import pytest

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


def test_the_proxy_relays_a_totp_code_but_not_a_passkey(lab: labkit.Lab, alice: labkit.Authenticator) -> None:
    proxy = PhishingProxy(lab)
    stolen = proxy.victim_signs_in(ACCOUNT, "alice-developer", PASSWORD, mfa_code=alice.code())
    assert stolen.arn.endswith("user/alice-developer") and stolen.mfa
    key = SecurityKey()
    Console(lab).sign_in(ACCOUNT, "alice-developer", PASSWORD, mfa_code=alice.code()).register_passkey(key)
    with pytest.raises(labkit.SignInFailed, match="no passkey for signin-aws.example"):
        proxy.victim_signs_in(ACCOUNT, "alice-developer", PASSWORD, passkey=key)
    assert len(proxy.stolen) == 1


def test_a_signature_made_for_another_origin_is_refused(lab: labkit.Lab, alice: labkit.Authenticator) -> None:
    """Even if the proxy got the key to sign (say, a key that ignored the site), the signed
    client data names the proxy's origin, and the real console refuses it."""
    key = SecurityKey()
    Console(lab).sign_in(ACCOUNT, "alice-developer", PASSWORD, mfa_code=alice.code()).register_passkey(key)
    answer = lab._request("POST", "/labkit/console/sign-in", {
        "account": ACCOUNT, "user": "alice-developer", "password": PASSWORD})
    challenge = answer["passkey_challenge"]
    credential = key._credentials["signin.aws.amazon.com"]
    fooled = SecurityKey()
    fooled._credentials["signin-aws.example"] = credential  # a key that would sign for any site
    assertion = fooled.get("signin-aws.example", challenge, "https://signin-aws.example")
    refused = lab._request("POST", "/labkit/console/sign-in", {
        "account": ACCOUNT, "user": "alice-developer", "password": PASSWORD, "assertion": assertion})
    assert refused.get("status") == 401
    with pytest.raises(NoPasskeyForThisSite):  # a browser never lets a page ask for another site
        key.get("signin.aws.amazon.com", challenge, "https://signin-aws.example")


def test_replayed_assertions_are_refused(lab: labkit.Lab, alice: labkit.Authenticator) -> None:
    key = SecurityKey()
    Console(lab).sign_in(ACCOUNT, "alice-developer", PASSWORD, mfa_code=alice.code()).register_passkey(key)
    first = lab._request("POST", "/labkit/console/sign-in", {
        "account": ACCOUNT, "user": "alice-developer", "password": PASSWORD})
    assertion = key.get("signin.aws.amazon.com", first["passkey_challenge"], CONSOLE_ORIGIN)
    data = {"account": ACCOUNT, "user": "alice-developer", "password": PASSWORD, "assertion": assertion}
    assert lab._request("POST", "/labkit/console/sign-in", data)["status"] == "signed-in"
    assert lab._request("POST", "/labkit/console/sign-in", data).get("status") == 401


def test_root_may_use_a_passkey_to_satisfy_mandatory_mfa(lab: labkit.Lab) -> None:
    console = Console(lab)
    session = console.sign_in_root(lab.root_email, lab.root_password)
    key = SecurityKey("vault key")
    session.register_passkey(key, name="vault-key")
    assert lab.client("iam").get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    with pytest.raises(labkit.MFACodeRequired):
        console.sign_in_root(lab.root_email, lab.root_password)
    assert console.sign_in_root(lab.root_email, lab.root_password, passkey=key).mfa
