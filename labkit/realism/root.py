"""The root user's own API calls, and the account facts auditors read.

Root signs requests with its own access keys; calls about "my keys" without a
``UserName`` act on root's keys. ``GetAccountSummary`` and the credential
report tell the truth about root's MFA and keys.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Callable
from datetime import datetime

from ..clock import clock
from . import hooks, mfa
from . import moto_bridge as mb
from .errors import AwsError, LimitExceeded, NoSuchEntity, ReportNotPresent, ValidationError
from .hooks import Call
from .state import ROOT_ARN, AccessKeyRecord, AccountState, new_key_id, new_secret
from .wire import Response, query_response

__all__ = ["handle_root_self_call", "after_account_summary", "credential_report_csv", "name_required"]

ROOT_SELF_ACTIONS = {
    "ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey",
    "GetUser", "ListMFADevices", "GetMFADevice",
}


# Calls whose UserName is optional, but "When you make this request with root user credentials,
# you must use an AssumeRoot session to omit the user name" (IAM API reference, e.g.
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html).
NAME_REQUIRED_FOR_ROOT = {"CreateLoginProfile", "GetLoginProfile", "DeleteLoginProfile",
                          "DeactivateMFADevice"}


def name_required(call: Call) -> None:
    """Root omitted the user name outside an AssumeRoot session (the sandbox's wording)."""
    req = call.req
    if (req.service == "iam" and call.principal.is_root and req.action in NAME_REQUIRED_FOR_ROOT
            and "UserName" not in req.params):
        raise ValidationError(f"{req.action} needs a UserName when called with root user credentials; "
                              "only an AssumeRoot session may omit it.")


def iso(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def _no_such_key(key_id: str) -> AwsError:
    return NoSuchEntity(f"The Access Key with id {key_id} cannot be found")


def _list_keys(call: Call) -> Response:
    members = [{"AccessKeyId": k.access_key_id, "Status": k.status, "CreateDate": iso(k.created)}
               for k in call.state.root.keys]
    return query_response("iam", "ListAccessKeys", {"AccessKeyMetadata": members, "IsTruncated": False})


def _create_key(call: Call) -> Response:
    root = call.state.root
    if len(root.keys) >= 2:
        raise LimitExceeded("Cannot exceed quota for AccessKeysPerUser: 2")
    key = AccessKeyRecord(new_key_id(), new_secret())
    root.keys.append(key)
    return query_response("iam", "CreateAccessKey", {"AccessKey": {
        "AccessKeyId": key.access_key_id, "Status": key.status,
        "SecretAccessKey": key.secret_access_key, "CreateDate": iso(key.created),
    }})


def _own_key(call: Call) -> AccessKeyRecord:
    key_id = call.req.params.get("AccessKeyId", "")
    record = call.state.root.key(key_id)
    if record is None:
        raise _no_such_key(key_id)
    return record


def _update_key(call: Call) -> Response:
    record = _own_key(call)
    record.status = call.req.params.get("Status", record.status)
    return query_response("iam", "UpdateAccessKey", None)


def _delete_key(call: Call) -> Response:
    call.state.root.keys.remove(_own_key(call))
    return query_response("iam", "DeleteAccessKey", None)


def _get_user(call: Call) -> Response:
    root = call.state.root
    user = {"UserId": mb.ACCOUNT_ID, "Arn": ROOT_ARN, "CreateDate": iso(root.created),
            "PasswordLastUsed": iso(root.password_last_used)}
    return query_response("iam", "GetUser", {"User": user})


def _get_mfa_device(call: Call) -> Response:
    return mfa.get_passkey(call.req, call.state, "root", mb.ACCOUNT_ID)


def _list_mfa_devices(call: Call) -> Response:
    """Root's app devices and passkeys / security keys."""
    devices = mfa.listed_devices(call.state, "root", mb.ACCOUNT_ID)
    return query_response("iam", "ListMFADevices", {"MFADevices": devices, "IsTruncated": False})


_ROOT_SELF_CALLS: dict[str, Callable[[Call], Response]] = {
    "ListAccessKeys": _list_keys, "CreateAccessKey": _create_key, "UpdateAccessKey": _update_key,
    "DeleteAccessKey": _delete_key, "GetUser": _get_user, "GetMFADevice": _get_mfa_device,
    "ListMFADevices": _list_mfa_devices,
}
assert set(_ROOT_SELF_CALLS) == ROOT_SELF_ACTIONS


@hooks.answer(*(f"iam:{action}" for action in sorted(ROOT_SELF_ACTIONS)))
def handle_root_self_call(call: Call) -> Response | None:
    """Answer a root call about root itself (no ``UserName``); None if not one."""
    answer = _ROOT_SELF_CALLS.get(call.req.action)
    if answer is None or not call.principal.is_root or "UserName" in call.req.params:
        return None
    return answer(call)


@hooks.after("iam:GetAccountSummary")
def after_account_summary(call: Call) -> Response | None:
    """Report root's MFA and access keys truthfully (moto hard-codes 0)."""
    resp, state = call.response, call.state
    if resp is None or resp.status != 200:
        return None
    facts = {
        b"AccountMFAEnabled": b"1" if state.root.has_mfa or state.passkeys.get("root") else b"0",
        b"AccountAccessKeysPresent": b"1" if state.root.keys else b"0",
        # https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html
        b"AccountPasswordPresent": b"1" if state.root.password else b"0",
    }
    body = resp.body
    for key, value in facts.items():
        pattern = rb"(<key>" + key + rb"</key>\s*<value>)\d+(</value>)"
        if re.search(pattern, body):
            body = re.sub(pattern, rb"\g<1>" + value + rb"\g<2>", body)
        else:
            entry = b"<entry><key>" + key + b"</key><value>" + value + b"</value></entry>"
            body = body.replace(b"</SummaryMap>", entry + b"</SummaryMap>", 1)
    return resp.with_body(body)


_COLUMNS = [
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used",
    "password_last_changed", "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
]


def _ts(when: datetime | None, missing: str = "N/A") -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00") if when else missing


def _key_columns(keys: list[tuple[bool, datetime, datetime | None, str | None, str | None]]) -> list[str]:
    cols: list[str] = []
    for i in range(2):
        if i < len(keys):
            active, rotated, used, region, service = keys[i]
            cols += [str(active).lower(), _ts(rotated), _ts(used), region or "N/A", service or "N/A"]
        else:
            cols += ["false", "N/A", "N/A", "N/A", "N/A"]
    return cols


def credential_report_csv(state: AccountState) -> str:
    """The credential report in AWS's format, root first."""
    root = state.root
    rows = [[
        "<root_account>", ROOT_ARN, _ts(root.created), "not_supported",
        _ts(root.password_last_used, "no_information"), "not_supported", "not_supported",
        str(root.has_mfa or bool(state.passkeys.get("root"))).lower(),
        *_key_columns([
            (k.status == "Active", k.created, k.last_used, k.last_used_region, k.last_used_service)
            for k in root.keys
        ]),
        "false", "N/A", "false", "N/A",
    ]]
    policy = mb.password_policy() or {}
    for u in mb.users():
        has_password = mb.user_password(u) is not None
        changed = state.password_changed.get(u.name)
        max_age = policy.get("MaxPasswordAge")
        if has_password and max_age and changed:
            from datetime import timedelta

            next_rotation = _ts(changed + timedelta(days=int(max_age)))
        else:
            next_rotation = "N/A"
        keys = []
        for k in mb.access_keys(u):
            used, service, region = mb.key_last_used(k)
            keys.append((k.status == "Active", mb.created(k), used, region, service))
        rows.append([
            u.name, u.arn, _ts(mb.created(u)), str(has_password).lower(),
            _ts(mb.password_last_used(u), "no_information") if has_password else "N/A",
            _ts(changed) if has_password else "N/A", next_rotation,
            str(bool(mb.user_mfa_serials(u) or state.passkeys.get(u.name))).lower(), *_key_columns(keys),
            "false", "N/A", "false", "N/A",
        ])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


@hooks.answer("iam:GenerateCredentialReport")
def generate_report(call: Call) -> Response:
    """``GenerateCredentialReport``: a snapshot of every credential, as AWS makes it."""
    state = call.state
    first = state.report_generated is None
    state.report_generated = clock.utcnow()
    state.report_csv = credential_report_csv(state)  # a snapshot, as in AWS
    result = {
        "State": "STARTED" if first else "COMPLETE",
        "Description": "No report exists. Starting a new report generation task" if first else None,
    }
    return query_response("iam", "GenerateCredentialReport", result)


@hooks.answer("iam:GetCredentialReport")
def get_report(call: Call) -> Response:
    """``GetCredentialReport``: the last snapshot, base64-encoded CSV."""
    state = call.state
    if state.report_generated is None or state.report_csv is None:
        raise ReportNotPresent("Credential report not present. "
                               "Generate a report with GenerateCredentialReport.")
    content = base64.b64encode(state.report_csv.encode()).decode()
    return query_response("iam", "GetCredentialReport", {
        "Content": content, "ReportFormat": "text/csv", "GeneratedTime": iso(state.report_generated),
    })
