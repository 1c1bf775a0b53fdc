"""Small readers of account state shared by the checks (auditor credentials)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from ..sandbox import Credentials, Lab


def iam(lab: Lab) -> Any:
    """An IAM client that sees everything and changes nothing it should not."""
    return lab.client("iam", credentials=lab.auditor())


def user(lab: Lab, name: str) -> dict[str, Any] | None:
    try:
        return iam(lab).get_user(UserName=name)["User"]
    except ClientError:
        return None


def login_profile(lab: Lab, name: str) -> dict[str, Any] | None:
    try:
        return iam(lab).get_login_profile(UserName=name)["LoginProfile"]
    except ClientError:
        return None


def access_keys(lab: Lab, name: str) -> list[dict[str, Any]]:
    try:
        return iam(lab).list_access_keys(UserName=name)["AccessKeyMetadata"]
    except ClientError:
        return []


def mfa_devices(lab: Lab, name: str) -> list[dict[str, Any]]:
    try:
        return iam(lab).list_mfa_devices(UserName=name)["MFADevices"]
    except ClientError:
        return []


def attached_policy_arns(lab: Lab, name: str) -> list[str]:
    try:
        attached = iam(lab).list_attached_user_policies(UserName=name)["AttachedPolicies"]
        return [p["PolicyArn"] for p in attached]
    except ClientError:
        return []


class TemporaryKey:
    """A short-lived access key for ``user``, deleted again on exit (leaves no trace).

    Checks use it to *try* what a user may do, signed as that user.
    """

    def __init__(self, lab: Lab, user_name: str) -> None:
        self.lab, self.user_name = lab, user_name
        self.key_id: str | None = None

    def __enter__(self) -> Credentials:
        from ..sandbox import Credentials

        data = iam(self.lab).create_access_key(UserName=self.user_name)["AccessKey"]
        self.key_id = data["AccessKeyId"]
        return Credentials.from_response(data)

    def __exit__(self, *exc: object) -> None:
        if self.key_id:
            iam(self.lab).delete_access_key(UserName=self.user_name, AccessKeyId=self.key_id)


def allowed(lab: Lab, credentials: Credentials, call: Any) -> bool:
    """True if ``call(session)`` succeeds, False on AccessDenied."""
    session = lab.session(credentials)
    try:
        call(session)
        return True
    except ClientError as err:
        if err.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"):
            return False
        raise
