"""AWS errors as exceptions: raised where the sandbox decides them, serialized once.

A realism rule that refuses a request raises one of these; the request pipeline turns it into
the bytes AWS would send, in the protocol the request came in (IAM/STS query XML, JSON, S3 XML:
:func:`labkit.realism.wire.error_response`). The simulated console catches the same exceptions and
shows their ``message``, never XML.

>>> err = NoSuchEntity("The user with name bob cannot be found.")
>>> (err.code, err.status, err.message)
('NoSuchEntity', 404, 'The user with name bob cannot be found.')
"""

from __future__ import annotations

__all__ = ["AwsError", "AccessDenied", "NoSuchEntity", "ValidationError", "EntityAlreadyExists",
           "InvalidClientTokenId", "ExpiredToken", "UnauthorizedException", "MissingAuthenticationToken",
           "SignatureDoesNotMatch", "LimitExceeded", "DeleteConflict", "PasswordPolicyViolation",
           "InvalidUserType", "InvalidAuthenticationCode", "ReportNotPresent", "InvalidIdentityToken",
           "ExpiredTokenException", "ServiceFailure"]


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


class MissingAuthenticationToken(AwsError):
    """The request carries no credentials at all."""

    code, status = "MissingAuthenticationToken", 403


class SignatureDoesNotMatch(AwsError):
    """The signature is not the one the stored secret makes, or is out of its 15 minutes."""

    code, status = "SignatureDoesNotMatch", 403


class LimitExceeded(AwsError):
    """IAM: a quota is reached (two access keys per user, eight MFA devices)."""

    code, status = "LimitExceeded", 409


class DeleteConflict(AwsError):
    """IAM: the entity still holds something that must be removed first."""

    code, status = "DeleteConflict", 409


class PasswordPolicyViolation(AwsError):
    """IAM: the new password breaks the account's password policy."""

    code, status = "PasswordPolicyViolation", 400


class InvalidUserType(AwsError):
    """IAM ChangePassword: not an IAM user, or the old password is wrong (AWS's choice of code)."""

    code, status = "InvalidUserType", 400


class InvalidAuthenticationCode(AwsError):
    """IAM: the two MFA codes are not two consecutive codes of the device."""

    code, status = "InvalidAuthenticationCode", 403


class ReportNotPresent(AwsError):
    """IAM GetCredentialReport before any GenerateCredentialReport."""

    code, status = "ReportNotPresent", 410


class InvalidIdentityToken(AwsError):
    """STS AssumeRoleWithWebIdentity: the token is malformed, unsigned by its issuer, or not for us."""

    code, status = "InvalidIdentityToken", 400


class ExpiredTokenException(AwsError):
    """STS AssumeRoleWithWebIdentity: the web identity token has expired."""

    code, status = "ExpiredTokenException", 400


class ServiceFailure(AwsError):
    """A fault of the sandbox itself (a 500, which SDKs retry)."""

    code, status = "ServiceFailure", 500
