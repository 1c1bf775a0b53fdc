"""MFA as real IAM does it: seeds, QR codes, and codes that are actually checked.

A virtual MFA device holds a secret *seed*. Your phone and AWS both compute a
6-digit code from the seed and the current 30-second time step (TOTP,
RFC 6238). AWS only accepts a code that matches.
"""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime
from urllib.parse import quote

from ..clock import clock
from . import hooks, passkeys
from . import moto_bridge as mb
from .errors import (
    DeleteConflict,
    EntityAlreadyExists,
    InvalidAuthenticationCode,
    LimitExceeded,
    NoSuchEntity,
)
from .hooks import Call
from .identity import Principal
from .state import ROOT_MFA_NAME, AccountState
from .wire import AwsRequest, Response, query_response

__all__ = ["totp", "code_is_valid", "codes_are_consecutive", "otpauth_uri", "qr_png",
           "MAX_DEVICES", "user_mfa_seeds", "root_mfa_seeds", "create_root_device",
           "activate_root_device", "device_count", "list_user_devices", "listed_devices",
           "get_passkey", "get_user_passkey", "deactivate_passkey", "check_enable"]

# "You can register up to eight MFA devices of any combination of the currently supported MFA
# types with your AWS account root user and IAM users."
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html (since November 2022)
MAX_DEVICES = 8
# The code and status are AWS's: EnableMFADevice lists LimitExceeded, HTTP 409, "The error message
# describes the limit exceeded" (IAM API reference; botocore's iam service model). The MESSAGE IS NOT
# CONFIRMED: no AWS page, GitHub issue, forum post or emulator source (moto has no such limit) shows
# AWS's text for a ninth device. It is modelled on IAM's quota errors that users did report --
# "Cannot exceed quota for AccessKeysPerUser: 2" (bartekj/aws-tools#29), "Cannot exceed quota for
# InstanceProfilesPerAccount: 1000" (ansible/workshops#1801) -- and the quota name "MFADevicesPerUser"
# is the sandbox's guess. docs/differences.md says so.
TOO_MANY_DEVICES = f"Cannot exceed quota for MFADevicesPerUser: {MAX_DEVICES}"

STEP = 30
ISSUER = "Amazon Web Services"
INVALID_CODE = "Authentication code for device is not valid."
# get-session-token with a serial that is not one of the caller's devices (the two spaces are
# AWS's): https://github.com/aws/aws-cli/issues/6325, https://github.com/broamski/aws-mfa/issues/46
MFA_FAILED = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  "
    "Please verify your MFA serial number is valid and associated with this user."
)
# ... and with the caller's own serial but a wrong code:
# https://github.com/lonelyplanet/aws-mfa/pull/21 (GetSessionToken), https://github.com/aws/aws-cli/issues/2279
WRONG_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."


def totp(seed: str, step_index: int) -> str:
    """The 6-digit code of ``seed`` for time step ``step_index``."""
    import pyotp

    return pyotp.TOTP(seed).at(step_index * STEP)


def _step_now() -> int:
    return int(clock.now() // STEP)


def code_is_valid(seed: str, code: str, drift: int = 1) -> bool:
    """True if ``code`` is the current code (one step of clock drift allowed)."""
    code = str(code).strip()
    if not re.fullmatch(r"\d{6}", code):
        return False
    now = _step_now()
    return any(totp(seed, now + d) == code for d in range(-drift, drift + 1))


def codes_are_consecutive(seed: str, code1: str, code2: str) -> bool:
    """True if ``code1`` and ``code2`` are two consecutive recent codes of ``seed``."""
    code1, code2 = str(code1).strip(), str(code2).strip()
    if not (re.fullmatch(r"\d{6}", code1) and re.fullmatch(r"\d{6}", code2)):
        return False
    now = _step_now()
    return any(
        totp(seed, k) == code1 and totp(seed, k + 1) == code2 for k in range(now - 2, now + 1)
    )


def otpauth_uri(device_name: str, account: str, seed: str) -> str:
    """The ``otpauth://`` URI a phone authenticator app reads from the QR code."""
    label = quote(f"{ISSUER}:{device_name}@{account}", safe=":@")
    return f"otpauth://totp/{label}?secret={seed}&issuer={quote(ISSUER)}"


def qr_png(text: str) -> bytes:
    """A PNG image of a QR code of ``text``, scannable by a phone."""
    import qrcode
    import qrcode.image.pure

    img = qrcode.make(text, image_factory=qrcode.image.pure.PyPNGImage, box_size=6, border=4)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()


def device_name_from_serial(serial: str) -> str:
    return serial.rsplit("/", 1)[-1]


@hooks.after("iam:CreateVirtualMFADevice")
def after_create_virtual_device(call: Call) -> Response | None:
    """Give a new virtual device a real QR code (moto returns random bytes)."""
    resp = call.response
    if resp is None or resp.status != 200:
        return None
    match = re.search(rb"<SerialNumber>([^<]+)</SerialNumber>", resp.body)
    if not match:
        return None
    serial = match.group(1).decode()
    device = mb.virtual_device(serial)
    if device is None:
        return None
    seed = mb.device_seed(device)
    png = qr_png(otpauth_uri(device_name_from_serial(serial), mb.ACCOUNT_ID, seed))
    mb.set_device_qr(device, png)
    encoded = base64.b64encode(png)
    body = re.sub(rb"<QRCodePNG>[^<]*</QRCodePNG>", b"<QRCodePNG>" + encoded + b"</QRCodePNG>", resp.body)
    return resp.with_body(body)


@hooks.after("iam:ListVirtualMFADevices")
def after_list_virtual_devices(call: Call) -> Response | None:
    """AWS shows a device's seed and QR code once, at creation; listings never include them.
    Root's devices are listed as assigned to the root ARN."""
    resp, state = call.response, call.state
    if resp is None:
        return None
    body = re.sub(rb"<(Base32StringSeed|QRCodePNG)>[^<]*</\1>", b"", resp.body)
    created = state.root.created.strftime("%Y-%m-%dT%H:%M:%SZ")
    owner = (f"<User><Path>/</Path><UserId>{mb.ACCOUNT_ID}</UserId>"
             f"<Arn>arn:aws:iam::{mb.ACCOUNT_ID}:root</Arn><CreateDate>{created}</CreateDate></User>")
    for serial in state.root.mfa_serials:
        tag = f"<SerialNumber>{serial}</SerialNumber>".encode()
        body = body.replace(tag, tag + owner.encode())
    return resp.with_body(body)


def device_count(state: AccountState, principal: str) -> int:
    """How many MFA devices ``principal`` ("root" or a user name) has, passkeys included.

    AWS counts every kind toward the limit: "up to eight MFA devices of any combination of the
    currently supported MFA types" (IAM User Guide, id_credentials_mfa.html).
    """
    if principal == "root":
        apps = len(state.root.mfa_serials)
    else:
        owner = mb.user(principal)
        apps = len(mb.user_mfa_serials(owner)) if owner is not None else 0
    return apps + len(passkeys.of(state, principal))


def _iso(when: datetime | None) -> str | None:
    """A UTC timestamp as moto writes the sandbox's others (microseconds kept, so a sign-in and
    an enabling in the same second still compare in the order they happened)."""
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def listed_devices(state: AccountState, principal: str, user_name: str) -> list[dict[str, str | None]]:
    """``ListMFADevices`` entries of ``principal``: app and hardware devices, then passkeys.

    A passkey is listed with its ``u2f`` serial and the date it was registered, as AWS lists
    FIDO security keys (the AWS CLI's ``list-mfa-devices`` example in the IAM User Guide shows
    virtual, hardware and ``u2f`` devices in one list).
    """
    if principal == "root":
        apps = [(serial, getattr(mb.virtual_device(serial), "enable_date", None))
                for serial in state.root.mfa_serials]
    else:
        owner = mb.user(principal)
        apps = mb.user_mfa_devices(owner) if owner is not None else []
    entries = [{"UserName": user_name, "SerialNumber": serial, "EnableDate": _iso(enabled)}
               for serial, enabled in apps]
    entries += [{"UserName": user_name, "SerialNumber": key.serial, "EnableDate": _iso(key.registered)}
                for key in passkeys.of(state, principal)]
    return entries


@hooks.answer("iam:ListMFADevices")
def list_user_devices(call: Call) -> Response | None:
    """``ListMFADevices`` for an IAM user, passkeys included (None: moto answers, e.g. no such user)."""
    name = call.req.params.get("UserName", "")
    if mb.user(name) is None:
        return None
    return query_response("iam", "ListMFADevices",
                          {"MFADevices": listed_devices(call.state, name, name), "IsTruncated": False})


def get_passkey(req: AwsRequest, state: AccountState, principal: str, user_name: str) -> Response:
    """``GetMFADevice``: a passkey / security key of ``principal`` by its serial.

    "For this API, we only accept FIDO security key ARNs" (IAM API reference, GetMFADevice). The
    ``Certifications`` AWS reads from the FIDO Alliance's metadata service are left out: a
    simulated key has none. The NoSuchEntity wording is the sandbox's (AWS's is not published).
    """
    serial = req.params.get("SerialNumber", "")
    key = passkeys.find(state, principal, serial)
    if key is None:
        raise NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")
    return query_response("iam", "GetMFADevice", {
        "UserName": user_name, "SerialNumber": key.serial, "EnableDate": _iso(key.registered)})


@hooks.answer("iam:GetMFADevice")
def get_user_passkey(call: Call) -> Response:
    """``GetMFADevice`` for an IAM user (moto lacks the call; AWS answers it for FIDO keys only)."""
    name = call.req.params.get("UserName", "")
    if mb.user(name) is None:
        raise NoSuchEntity(f"The user with name {name} cannot be found.")
    return get_passkey(call.req, call.state, name, name)


@hooks.answer("iam:DeactivateMFADevice")
def deactivate_passkey(call: Call) -> Response | None:
    """``DeactivateMFADevice`` with a passkey's serial removes that passkey (None: not a passkey).

    DeactivateMFADevice "deactivates the specified MFA device and removes it from association with
    the user name for which it was originally enabled" (IAM API reference); a security key has no
    existence apart from that association, so it is gone, as the console's "Remove" does.
    """
    req, state = call.req, call.state
    name = req.params.get("UserName", "")
    if mb.user(name) is None or not passkeys.remove(state, name, req.params.get("SerialNumber", "")):
        return None
    return query_response("iam", "DeactivateMFADevice", None)


@hooks.before("iam:EnableMFADevice", "iam:ResyncMFADevice")
def check_enable(call: Call) -> None:
    """Refuse ``EnableMFADevice``/``ResyncMFADevice`` unless the codes are right."""
    req, state = call.req, call.state
    p = req.params
    user_name, serial = p.get("UserName", ""), p.get("SerialNumber", "")
    owner = mb.user(user_name)
    if owner is None:
        raise NoSuchEntity(f"The user with name {user_name} cannot be found.")
    device = mb.virtual_device(serial)
    if device is None:
        raise NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")
    holder = mb.device_owner(device)
    if req.action == "EnableMFADevice" and holder is not None:
        raise EntityAlreadyExists("MFA Device is already in use.")
    if req.action == "EnableMFADevice" and device_count(state, user_name) >= MAX_DEVICES:
        raise LimitExceeded(TOO_MANY_DEVICES)
    if req.action == "ResyncMFADevice" and holder != user_name:
        raise NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")
    if not codes_are_consecutive(
        mb.device_seed(device), p.get("AuthenticationCode1", ""), p.get("AuthenticationCode2", "")
    ):
        raise InvalidAuthenticationCode(INVALID_CODE)


ASSIGNED_DEVICE = "You must deactivate a user's virtual MFA device before you can delete it."
"""``DeleteVirtualMFADevice``'s refusal of a device still assigned. The sentence is the API
reference's note (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteVirtualMFADevice.html);
AWS's exact error text is not published, so it is labelled as the sandbox's wording."""


@hooks.before("iam:DeleteVirtualMFADevice")
def refuse_deleting_an_assigned_device(call: Call) -> None:
    """``DeleteConflict`` (409) when the virtual MFA device is still assigned to a user (or to
    root): deactivate it first (``DeactivateMFADevice``). An unassigned device is deleted as usual.

    AWS: "You must deactivate a user's virtual MFA device before you can delete it"; the errors
    of DeleteVirtualMFADevice include ``DeleteConflict``, HTTP 409 (IAM API reference).
    """
    device = mb.virtual_device(call.req.params.get("SerialNumber", ""))
    if device is not None and mb.device_owner(device) is not None:
        raise DeleteConflict(ASSIGNED_DEVICE)


@hooks.answer("iam:ResyncMFADevice")
def resync(call: Call) -> Response:
    """``ResyncMFADevice`` once its codes are checked: a virtual device has nothing to store (the
    codes are computed from the clock), and moto lacks the call."""
    return query_response("iam", "ResyncMFADevice", None)


def seed_for(state: AccountState, principal: Principal, serial: str) -> str | None:
    """The seed of ``serial`` if it is an active MFA device of ``principal``."""
    if principal.is_root:
        if serial not in state.root.mfa_serials:
            return None
        device = mb.virtual_device(serial)
        return mb.device_seed(device) if device is not None else None
    owner = mb.user(principal.name)
    if owner is None or serial not in mb.user_mfa_serials(owner):
        return None
    device = mb.virtual_device(serial)
    return mb.device_seed(device) if device is not None else None


def _seeds(serials: list[str]) -> list[str]:
    devices = [mb.virtual_device(serial) for serial in serials]
    return [mb.device_seed(d) for d in devices if d is not None]


def user_mfa_seeds(user_name: str) -> list[str]:
    """The seeds of every active virtual MFA device of an IAM user (any one signs her in)."""
    owner = mb.user(user_name)
    return _seeds(mb.user_mfa_serials(owner)) if owner is not None else []


def root_mfa_seeds(state: AccountState) -> list[str]:
    """The seeds of root's active MFA devices."""
    return _seeds(state.root.mfa_serials)


def any_code_is_valid(seeds: list[str], code: str) -> bool:
    """True if ``code`` is the current code of one of ``seeds`` (AWS accepts any device)."""
    return any(code_is_valid(seed, code) for seed in seeds)


def create_root_device(state: AccountState, name: str | None) -> tuple[str, str] | str:
    """Start registering a virtual device for root: ``(serial, seed)``, or why not."""
    name = name or ROOT_MFA_NAME
    if device_count(state, "root") >= MAX_DEVICES:
        return TOO_MANY_DEVICES
    if not re.fullmatch(r"[\w+=,.@-]{1,226}", name):
        return "The device name may use letters, digits and + = , . @ - _ (at most 226)."
    existing = mb.virtual_device(f"arn:aws:iam::{mb.ACCOUNT_ID}:mfa/{name}")
    if existing is not None:
        if mb.device_owner(existing) is not None:
            return "An MFA device with that name already exists. Choose another name."
        return str(existing.serial_number), mb.device_seed(existing)
    device = mb.create_virtual_device(name)
    return str(device.serial_number), mb.device_seed(device)


def activate_root_device(state: AccountState, serial: str, code1: str, code2: str) -> str | None:
    """Finish registering root's device with two consecutive codes; an error text or None."""
    device = mb.virtual_device(serial)
    if device is None or mb.device_owner(device) is not None:
        return "Create the MFA device first."
    if not codes_are_consecutive(mb.device_seed(device), code1, code2):
        return INVALID_CODE
    mb.assign_device_to_root(device, state.root.created, clock.utcnow())
    state.root.mfa_serials.append(serial)
    return None
