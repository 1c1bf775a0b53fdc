"""AWS errors as exceptions: raised where the sandbox decides them, serialized once.

A realism rule that refuses a request raises one of these; the request pipeline turns it into
the bytes AWS would send, in the protocol the request came in (IAM/STS query XML, JSON, S3 XML:
:func:`labkit.realism.wire.aws_error`). The simulated console catches the same exceptions and
shows their ``message``, never XML.

>>> err = NoSuchEntity("The user with name bob cannot be found.")
>>> (err.code, err.status, err.message)
('NoSuchEntity', 404, 'The user with name bob cannot be found.')
"""

from __future__ import annotations

__all__ = ["AwsError", "AccessDenied", "NoSuchEntity", "ValidationError", "EntityAlreadyExists",
           "InvalidClientTokenId", "ExpiredToken", "UnauthorizedException"]


class AwsError(Exception):
    """An error response as AWS sends it: a code, a message and an HTTP status.

    ``s3_details`` are the extra elements S3 puts after its message (``ServerTime`` ...).
    """

    code = "ServiceFailure"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 s3_details: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.s3_details = s3_details

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.status}, {self.message!r})"


class AccessDenied(AwsError):
    """The caller's policies do not allow the request (or a rule of AWS's refuses it)."""

    code, status = "AccessDenied", 403


class NoSuchEntity(AwsError):
    """IAM: the named user, role, policy or device does not exist."""

    code, status = "NoSuchEntity", 404


class ValidationError(AwsError):
    """A parameter is missing or not allowed for this caller."""

    code, status = "ValidationError", 400


class EntityAlreadyExists(AwsError):
    """IAM: the name is taken (IAM names are unique regardless of case)."""

    code, status = "EntityAlreadyExists", 409


class InvalidClientTokenId(AwsError):
    """The access key id is not one the account knows."""

    code, status = "InvalidClientTokenId", 403


class ExpiredToken(AwsError):
    """Temporary credentials past their expiry."""

    code, status = "ExpiredToken", 403


class UnauthorizedException(AwsError):
    """The IAM Identity Center portal (``sso``): the access token is missing, expired or revoked."""

    code, status = "UnauthorizedException", 401
