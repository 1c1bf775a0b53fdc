"""Small readers of account state shared by the checks (auditor credentials)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from ..sandbox import Credentials, Lab

KEY_LIMIT = 2  # AWS allows at most two access keys per user


class CannotProbe(Exception):
    """A check could not try a permission; the message says what to change."""


def iam(lab: Lab) -> Any:
    """An IAM client that sees everything and changes nothing it should not."""
    return lab.client("iam", credentials=lab.auditor())


def s3(lab: Lab) -> Any:
    """An S3 client with the auditor's credentials."""
    return lab.client("s3", credentials=lab.auditor())


def user(lab: Lab, name: str) -> dict[str, Any] | None:
    """``get-user`` for ``name``, or None if there is no such user."""
    try:
        return iam(lab).get_user(UserName=name)["User"]
    except ClientError:
        return None


def login_profile(lab: Lab, name: str) -> dict[str, Any] | None:
    """The user's console password settings, or None if they have no password."""
    try:
        return iam(lab).get_login_profile(UserName=name)["LoginProfile"]
    except ClientError:
        return None


def access_keys(lab: Lab, name: str) -> list[dict[str, Any]]:
    """The user's access keys (id, status, creation date); [] if there is no such user."""
    try:
        return iam(lab).list_access_keys(UserName=name)["AccessKeyMetadata"]
    except ClientError:
        return []


def mfa_devices(lab: Lab, name: str) -> list[dict[str, Any]]:
    """The MFA devices enabled for the user; [] if there is no such user."""
    try:
        return iam(lab).list_mfa_devices(UserName=name)["MFADevices"]
    except ClientError:
        return []


def attached_policy_arns(lab: Lab, name: str) -> list[str]:
    """ARNs of the managed policies attached to the user."""
    try:
        attached = iam(lab).list_attached_user_policies(UserName=name)["AttachedPolicies"]
        return [p["PolicyArn"] for p in attached]
    except ClientError:
        return []


class TemporaryKey:
    """A short-lived access key for ``user``, deleted again on exit (leaves no trace).

    Checks use it to *try* what a user may do, signed as that user. AWS allows
    two keys per user, so a user who already has two cannot be probed: that
    raises :class:`CannotProbe` with a message saying what to do.
    """

    def __init__(self, lab: Lab, user_name: str) -> None:
        self.lab, self.user_name = lab, user_name
        self.key_id: str | None = None

    def __enter__(self) -> Credentials:
        from ..sandbox import Credentials

        if len(access_keys(self.lab, self.user_name)) >= KEY_LIMIT:
            raise CannotProbe(
                f"{self.user_name} already has {KEY_LIMIT} access keys, the most AWS allows, so the "
                "check cannot borrow one to try their permissions: delete a key they do not use "
                f"(aws iam delete-access-key --user-name {self.user_name} --access-key-id ...)")
        data = iam(self.lab).create_access_key(UserName=self.user_name)["AccessKey"]
        self.key_id = data["AccessKeyId"]
        return Credentials.from_response(data)

    def __exit__(self, *exc: object) -> None:
        if self.key_id:
            iam(self.lab).delete_access_key(UserName=self.user_name, AccessKeyId=self.key_id)
            self.key_id = None


def allowed(lab: Lab, credentials: Credentials, service: str, operation: str, **params: Any) -> bool:
    """Try ``operation`` signed with ``credentials``: True if it succeeds, False on AccessDenied.

    Any other error (a missing bucket, say) propagates: it is not an answer.
    """
    client = lab.client(service, credentials=credentials)
    try:
        getattr(client, operation)(**params)
        return True
    except ClientError as err:
        if err.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"):
            return False
        raise
