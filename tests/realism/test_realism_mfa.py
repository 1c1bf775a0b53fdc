"""Behaviours 3-5: MFA codes are checked, QR codes are real, the authenticator agrees."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyotp
import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.clock import clock

T0 = 1_800_000_015  # a fixed moment, 15 s into a 30-second step
SERIAL = "arn:aws:iam::123456789012:mfa/alice"


@pytest.fixture
def alice_device(lab: labkit.Lab) -> dict:
    clock.freeze(T0)
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    return iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]


def _codes(seed: str, *offsets: int) -> list[str]:
    """Independent of labkit: pyotp's codes at T0 + offset*30 s."""
    return [pyotp.TOTP(seed).at(T0 + 30 * k) for k in offsets]


def _enable(lab: labkit.Lab, code1: str, code2: str, serial: str = SERIAL) -> None:
    lab.client("iam").enable_mfa_device(UserName="alice-developer", SerialNumber=serial,
                                        AuthenticationCode1=code1, AuthenticationCode2=code2)


def _assigned(lab: labkit.Lab) -> list:
    return lab.client("iam").list_mfa_devices(UserName="alice-developer")["MFADevices"]


def test_the_books_example_codes_are_rejected(lab: labkit.Lab, alice_device: dict) -> None:
    with pytest.raises(ClientError) as err:
        _enable(lab, "123456", "789012")
    assert err.value.response["Error"]["Code"] == "InvalidAuthenticationCode"
    assert err.value.response["Error"]["Message"] == "Authentication code for device is not valid."
    assert _assigned(lab) == []


def test_unknown_serial_is_no_such_entity(lab: labkit.Lab, alice_device: dict) -> None:
    seed = alice_device["Base32StringSeed"].decode()
    with pytest.raises(ClientError) as err:
        _enable(lab, *_codes(seed, -1, 0), serial="arn:aws:iam::123456789012:mfa/nobody")
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    assert _assigned(lab) == []


@pytest.mark.parametrize("offsets", [(0, -1), (-1, -1), (-4, -3), (0, 2), (3, 4)])
def test_codes_must_be_two_consecutive_current_codes(lab: labkit.Lab, alice_device: dict,
                                                      offsets: tuple[int, int]) -> None:
    seed = alice_device["Base32StringSeed"].decode()
    with pytest.raises(ClientError, match="InvalidAuthenticationCode"):
        _enable(lab, *_codes(seed, *offsets))
    assert _assigned(lab) == []


@pytest.mark.parametrize("offsets", [(-1, 0), (0, 1), (-2, -1)])
def test_two_consecutive_valid_codes_enable_the_device(lab: labkit.Lab, alice_device: dict,
                                                       offsets: tuple[int, int]) -> None:
    seed = alice_device["Base32StringSeed"].decode()
    _enable(lab, *_codes(seed, *offsets))
    assert [d["SerialNumber"] for d in _assigned(lab)] == [SERIAL]
    with pytest.raises(ClientError, match="EntityAlreadyExists"):
        _enable(lab, *_codes(seed, -1, 0))


def test_resync_checks_codes_the_same_way(lab: labkit.Lab, alice_device: dict) -> None:
    seed = alice_device["Base32StringSeed"].decode()
    _enable(lab, *_codes(seed, -1, 0))
    iam = lab.client("iam")
    with pytest.raises(ClientError, match="InvalidAuthenticationCode"):
        iam.resync_mfa_device(UserName="alice-developer", SerialNumber=SERIAL,
                              AuthenticationCode1="123456", AuthenticationCode2="789012")
    code1, code2 = _codes(seed, -1, 0)
    iam.resync_mfa_device(UserName="alice-developer", SerialNumber=SERIAL,
                          AuthenticationCode1=code1, AuthenticationCode2=code2)


def test_book_commands_through_the_cli(lab: labkit.Lab, aws_cli, tmp_path: Path) -> None:
    aws_cli("iam", "create-user", "--user-name", "alice-developer")
    qr = tmp_path / "qr.png"
    out = json.loads(aws_cli("iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "alice",
                             "--outfile", str(qr), "--bootstrap-method", "QRCodePNG").stdout)
    assert out["VirtualMFADevice"]["SerialNumber"] == SERIAL
    bad = aws_cli("iam", "enable-mfa-device", "--user-name", "alice-developer", "--serial-number", SERIAL,
                  "--authentication-code1", "123456", "--authentication-code2", "789012", check=False)
    assert bad.returncode != 0
    assert "(InvalidAuthenticationCode)" in bad.stderr
    assert "Authentication code for device is not valid." in bad.stderr
    phone = labkit.Authenticator(_decode_qr(qr.read_bytes()))  # scan it, like a phone
    code1, code2 = phone.pair()
    aws_cli("iam", "enable-mfa-device", "--user-name", "alice-developer", "--serial-number", SERIAL,
            "--authentication-code1", code1, "--authentication-code2", code2)
    assert [d["SerialNumber"] for d in _assigned(lab)] == [SERIAL]


def _decode_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found, "no QR code in the image"
    return found[0].text


def test_qr_code_is_a_scannable_otpauth_uri(lab: labkit.Lab, alice_device: dict) -> None:
    png = alice_device["QRCodePNG"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    text = _decode_qr(png)
    seed = alice_device["Base32StringSeed"].decode()
    assert text == (
        "otpauth://totp/Amazon%20Web%20Services:alice@123456789012"
        f"?secret={seed}&issuer=Amazon%20Web%20Services"
    )
    listed = lab.client("iam").list_virtual_mfa_devices()["VirtualMFADevices"]
    assert listed[0]["SerialNumber"] == SERIAL


def test_authenticator_matches_rfc6238(alice_device: dict) -> None:
    seed = alice_device["Base32StringSeed"].decode()
    phone = labkit.Authenticator(seed)
    assert phone.code() == pyotp.TOTP(seed).at(T0)
    assert phone.next_code() == pyotp.TOTP(seed).at(T0 + 30)
    assert phone.pair() == (pyotp.TOTP(seed).at(T0 - 30), pyotp.TOTP(seed).at(T0))
    assert phone.seconds_left() == 15
    uri = f"otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret={seed}"
    assert labkit.Authenticator(uri).code() == phone.code()
    assert labkit.Authenticator(alice_device["Base32StringSeed"]).code() == phone.code()
    clock.advance(30)
    assert phone.code() == pyotp.TOTP(seed).at(T0 + 30)


def test_authenticator_refuses_a_broken_seed() -> None:
    with pytest.raises(ValueError):
        labkit.Authenticator("not a base32 seed!")


def test_listing_devices_never_reveals_their_secrets(lab: labkit.Lab, alice_device: dict) -> None:
    listed = lab.client("iam").list_virtual_mfa_devices()["VirtualMFADevices"]
    assert listed[0]["SerialNumber"] == SERIAL
    assert "Base32StringSeed" not in listed[0] and "QRCodePNG" not in listed[0]
