"""Plain-language explanations of the errors AWS (and the console) give you.

When something goes wrong, AWS answers with an error *code* (a short name
such as ``AccessDenied``) and a *message*. :func:`explain` prints both, then
says in plain words what usually causes that error and how to fix it::

    from botocore.exceptions import ClientError
    try:
        iam.create_user(UserName="alice-developer")
    except ClientError as err:
        labkit.explain(err)

You can also ask about a code you met somewhere else:

>>> explain("EntityAlreadyExists")
EntityAlreadyExists
  What it means: Something with that name already exists: IAM names (users, groups, policies,
  MFA devices) are unique in an account.
  How to fix it: Use the existing one, pick another name, or delete the old one first.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from .sandbox_wording import NOTE, sandbox_wording

__all__ = ["explain", "Explanation", "EXPLANATIONS", "error_code_and_message"]


@dataclass(frozen=True)
class Explanation:
    """What an error means and how to fix it, in one or two sentences each."""

    meaning: str
    fix: str


EXPLANATIONS: dict[str, Explanation] = {
    "EntityAlreadyExists": Explanation(
        "Something with that name already exists: IAM names (users, groups, policies, MFA devices) "
        "are unique in an account.",
        "Use the existing one, pick another name, or delete the old one first.",
    ),
    "ConflictException": Explanation(
        "The request would break a uniqueness rule, here of IAM Identity Center's identity store: a user "
        "name or a group's display name is taken in that store.",
        "Use the existing user or group (list them with `aws identitystore list-users` or `list-groups`), "
        "or choose another name.",
    ),
    "NoSuchEntity": Explanation(
        "AWS cannot find what you named: the user, login profile, MFA device serial number or "
        "access key does not exist (check the spelling and the account id inside ARNs).",
        "List what exists (for example `aws iam list-users` or `aws iam list-virtual-mfa-devices`) "
        "and copy the exact name or ARN.",
    ),
    "InvalidAuthenticationCode": Explanation(
        "The MFA codes were not accepted. AWS wants two *consecutive* codes, both freshly shown by "
        "the authenticator that scanned this device's QR code; made-up or old codes fail.",
        "Type the code your authenticator shows now, wait for the next one, and type that too.",
    ),
    "PasswordPolicyViolation": Explanation(
        "The password breaks the account's password policy (too short, missing a kind of "
        "character, or reused).",
        "Read the policy with `aws iam get-account-password-policy` and choose a longer "
        "passphrase that meets every rule.",
    ),
    "AccessDenied": Explanation(
        "The caller is known, but no policy allows this action on this resource. In IAM "
        "everything is denied until a policy explicitly allows it.",
        "Check who you are (`aws sts get-caller-identity`), then give that identity a policy that "
        "allows exactly this action (the message names it), or ask someone who may.",
    ),
    # A web identity token refused by the role's trust policy: the token was genuine (a bad
    # signature, issuer or audience is InvalidIdentityToken), so the lock is the trust policy's
    # Condition on the token's claims, e.g. `sub`
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub).
    # A bucket policy's Deny binds root too; root may still remove the policy
    # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html).
    "AccessDenied/resource-policy": Explanation(
        "A `Deny` in the resource's own policy (for a bucket, its bucket policy) applies to you. "
        "A Deny beats every Allow, and a resource's policy binds every caller, the root user too.",
        "Read the resource's policy (`aws s3api get-bucket-policy --bucket ...`) and change or "
        "delete the statement. If the policy denies everyone, only the account's root user can "
        "still read, replace or delete a bucket policy.",
    ),
    "AccessDenied/trust-policy": Explanation(
        "STS accepted the token as genuine, but the role's trust policy does not let this caller "
        "assume the role: a Condition on the token's claims did not match. For a CI service the "
        "condition on `sub` (which repository and branch the job runs for) is the lock that keeps "
        "other people's pipelines out — `aud` is the same for every job.",
        "Nothing to fix if the caller should not get in (a fork, another repository): the lock "
        "worked. If it should, read the role's trust policy (`aws iam get-role --role-name ...`) "
        "and compare its `sub` condition with the token's `sub`; widen the condition only as far "
        "as the caller you trust. Giving the caller a permission policy does not help: a role is "
        "assumed only if its trust policy allows it.",
    ),
    # A passkey that will not sign for a look-alike site: WebAuthn binds every signature to the
    # page's origin and a credential to its relying party ID, so a phishing proxy gets nothing
    # (https://www.w3.org/TR/webauthn-3/#sctn-phishing-resistance,
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_fido.html).
    "SignInFailed/passkey": Explanation(
        "The security key refused to sign in: the page asking was not the site the passkey was "
        "made for. A passkey works only for its own site (its origin, here AWS's sign-in page), "
        "so a look-alike page — even one that relays everything to the real one — cannot use it. "
        "The password may well have been right.",
        "Check the address bar: sign in only at the real AWS sign-in page. If you typed your "
        "password into a look-alike page, change the password now; the passkey itself is safe.",
    ),
    "AccessDenied/MFA": Explanation(
        "The MFA code did not match the device: wrong or expired code, or a serial number that "
        "does not belong to this user.",
        "Use the device's serial number (its ARN) and the code the authenticator shows right now.",
    ),
    "InvalidClientTokenId": Explanation(
        "AWS does not accept these credentials here: the access key was deleted, deactivated, "
        "mistyped or never existed -- or they are temporary credentials from get-session-token "
        "WITHOUT an MFA code, which AWS refuses for every IAM call.",
        "Check which keys exist with `aws iam list-access-keys`; for IAM work, get the session "
        "with `--serial-number` and `--token-code`.",
    ),
    "InvalidIdentityToken": Explanation(
        "STS did not accept the CI service's token: no OIDC identity provider for its issuer in "
        "this account, or the token's audience is not in the provider's client-ID list.",
        "Create the provider (`aws iam create-open-id-connect-provider`) with client ID "
        "sts.amazonaws.com, and ask the CI service for a token with that audience.",
    ),
    "ExpiredTokenException": Explanation(
        "The token is too old: a CI service's web identity token lives only a few minutes, and the "
        "code of an IAM Identity Center sign-in (`sso-oidc`) 10 minutes.",
        "Ask for a fresh one (`lab.ci_token(...)`, or sign in again with `labkit.sso_login(...)`) "
        "and use it right away.",
    ),
    "UnauthorizedException": Explanation(
        "The AWS access portal did not accept the access token: it expired (an hour; the portal "
        "session, 8 hours), she signed out, or an administrator disabled or deleted the person.",
        "Sign in again (`labkit.sso_login(...)` / `labkit sso login --profile ...`); if that is "
        "refused too, ask the Identity Center administrator.",
    ),
    "UnauthorizedSSOTokenError": Explanation(
        "botocore's SSO provider was told the profile's IAM Identity Center token is no longer "
        "valid (expired, signed out, or the person was disabled).",
        "Sign in again: `labkit.sso_login(\"<sso-session name>\", ...)` (the course's `aws sso login`).",
    ),
    "SSOTokenLoadError": Explanation(
        "The profile uses IAM Identity Center (`sso_session`), but there is no token for that "
        "session in `~/.aws/sso/cache` yet.",
        "Sign in first: `labkit.sso_login(\"<sso-session name>\", ...)`.",
    ),
    "ForbiddenException": Explanation(
        "The person has no access to that account with that role: no assignment of the permission "
        "set to the account for that person or one of their groups (or it was removed), or a misspelt "
        "`sso_role_name` / `sso_account_id`.",
        "Check `aws sso-admin list-account-assignments` and the person's group memberships; the role name "
        "is the permission set's name.",
    ),
    "AuthorizationPendingException": Explanation(
        "The CLI asked for its token before the person approved the sign-in code at the access "
        "portal.",
        "Sign in at the portal and approve the code, then ask again.",
    ),
    "InvalidGrantException": Explanation(
        "The OIDC service did not accept the device code, authorization code or refresh token: "
        "unknown, already used, or from another client (or, for PKCE, a wrong code verifier).",
        "Start the sign-in again (`labkit.sso_login(...)`).",
    ),
    "PortalError": Explanation(
        "The AWS access portal refused a step of the sign-in: wrong user name or password, a wrong "
        "MFA code, a disabled person, or a first sign-in not finished.",
        "Read the message; for a first sign-in, set her password and register her MFA device "
        "first (`lab.identity_center.portal()`).",
    ),
    "LimitExceeded": Explanation(
        "A quota is full: for example 2 access keys per user, or 8 MFA devices per user or root.",
        "Remove one you no longer use (deactivate a device, delete a key), then try again.",
    ),
    "NotImplemented": Explanation(
        "The sandbox does not simulate this call: it covers what the course uses.",
        "See docs/differences.md for what the sandbox models; on real AWS this call exists.",
    ),
    "ServiceAccessNotEnabledException": Explanation(
        "Centralized root access needs IAM's trusted access in AWS Organizations first.",
        "Run `aws organizations enable-aws-service-access --service-principal iam.amazonaws.com`.",
    ),
    "OrganizationNotFoundException": Explanation(
        "This account is not the management account of an AWS Organizations organization.",
        "Centralized root access needs an organization: try `labkit.start(\"organization\")`.",
    ),
    "InvalidLookupAttributesException": Explanation(
        "lookup-events takes at most one lookup attribute, with a known key.",
        "Filter by one attribute (EventName, Username, ...) and narrow further with the time range.",
    ),
    "InvalidTimeRangeException": Explanation(
        "The start time is after the end time.",
        "Swap them, or leave one out.",
    ),
    "SignatureDoesNotMatch": Explanation(
        "The access key id exists but the secret access key does not match it.",
        "Copy the secret again exactly; if it is lost, create a new key and delete the old one.",
    ),
    "ExpiredToken": Explanation(
        "Temporary credentials (from `get-session-token`) have run out.",
        "Ask for a new session with a fresh MFA code.",
    ),
    "DeleteConflict": Explanation(
        "It cannot be deleted while other things still hang on it (for a user: access keys, "
        "login profile, MFA devices, policies).",
        "Remove those first, then delete it.",
    ),
    "ValidationError": Explanation(
        "A parameter has a value AWS does not accept (wrong format, too long, out of range).",
        "Read the message: it names the parameter and the rule it broke.",
    ),
    "MalformedPolicyDocument": Explanation(
        "The policy JSON is not valid IAM policy grammar.",
        "Check Version, Statement, Effect, Action and Resource, and that the JSON parses.",
    ),
    "SignInFailed": Explanation(
        "The sign-in page refused: the account, user name, password or MFA code is wrong. AWS "
        "never says which, so an attacker learns nothing.",
        "Check all of them; for an MFA code, type the one your authenticator shows right now.",
    ),
    "MFACodeRequired": Explanation(
        "The password was right, but this user has an MFA device, so the console asks for the "
        "second key: the current code from the authenticator.",
        "Sign in again with `mfa_code=` set to the code your authenticator shows.",
    ),
    "ConsoleError": Explanation(
        "The console refused the action; its message says why (a password that breaks the "
        "policy, the same password again, an invalid MFA code...).",
        "Fix what the message names and try again.",
    ),
    "RealAWSBlockedError": Explanation(
        "The course's guard stopped a request that was leaving your machine for real AWS.",
        "Use `lab.client(...)`, plain `boto3` or `!aws` without an explicit endpoint.",
    ),
    "EndpointConnectionError": Explanation(
        "Nothing answered at the sandbox's address: the sandbox was stopped, or the kernel was "
        "restarted and this client still points at the old one.",
        "Run the notebook's first cell again (`lab = labkit.start(...)`), then this cell.",
    ),
    "NoCredentialsError": Explanation(
        "The client has no access key to sign its requests with.",
        "Run `lab = labkit.start()` first, then use `lab.client(...)` or plain `boto3.client(...)`.",
    ),
    "NotImplementedError": Explanation(
        "An exercise cell still holds `raise NotImplementedError()`, the placeholder for your answer.",
        "Replace `# YOUR CODE HERE` and the `raise` line with your answer, then run the cell again.",
    ),
    "403": Explanation(
        "A HEAD request (S3 checks an object exists before downloading it) was refused; HEAD "
        "answers carry no body, so AWS can only say \"Forbidden\" instead of AccessDenied.",
        "Treat it as AccessDenied: give the caller s3:GetObject on that object.",
    ),
}

_FALLBACK = Explanation(
    "AWS refused the request; the code and message above say why.",
    "Search the AWS documentation for the error code.",
)
_PYTHON_FALLBACK = Explanation(
    "This error came from Python (or a library), not from AWS; its message says what went wrong.",
    "Read the message and the line it points to; a `?` after a name shows its help "
    "(for example `labkit.Credentials?`).",
)


# Explained above, but raised on this machine rather than sent by AWS.
_SPEAKER = {"RealAWSBlockedError": "labkit", "EndpointConnectionError": "Python",
            "NoCredentialsError": "Python", "NotImplementedError": "Python",
            "UnauthorizedSSOTokenError": "botocore", "SSOTokenLoadError": "botocore",
            "PortalError": "labkit's access portal"}


def error_code_and_message(err: BaseException | str) -> tuple[str, str, str | None]:
    """``(code, message, operation)`` of an AWS ``ClientError``, a console error or a code."""
    if isinstance(err, str):
        return err, "", None
    response: Any = getattr(err, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return str(error.get("Code", "")), str(error.get("Message", "")), getattr(err, "operation_name", None)
    return type(err).__name__, str(err), None


def _explanation_for(code: str, message: str) -> Explanation:
    if code == "AccessDenied" and "MultiFactorAuthentication failed" in message:
        return EXPLANATIONS["AccessDenied/MFA"]
    if code == "AccessDenied" and "explicit deny in a resource-based policy" in message:
        return EXPLANATIONS["AccessDenied/resource-policy"]
    if code == "AccessDenied" and "sts:AssumeRoleWithWebIdentity" in message:
        return EXPLANATIONS["AccessDenied/trust-policy"]
    if code == "SignInFailed" and "security key did not answer" in message:
        return EXPLANATIONS["SignInFailed/passkey"]
    return EXPLANATIONS.get(code, _FALLBACK)


def explain(err: BaseException | str) -> None:
    """Print what went wrong and how to fix it.

    Args:
        err: a ``botocore.exceptions.ClientError`` you caught, a labkit
            console error (``SignInFailed``, ``MFACodeRequired``,
            ``ConsoleError``), just an error code such as ``"AccessDenied"``,
            or any other exception (a Python error is labelled as one).
    """
    code, message, operation = error_code_and_message(err)
    answered = isinstance(getattr(err, "response", None), dict)  # a ClientError: AWS's own answer
    from_aws = isinstance(err, str) or answered or code in EXPLANATIONS
    entry = _explanation_for(code, message) if from_aws else _PYTHON_FALLBACK
    title = f"{code} (when calling {operation})" if operation else code
    lines = [title]
    speaker = getattr(err, "said_by", None) or _SPEAKER.get(code, "AWS" if from_aws else "Python")
    own_words = speaker == "AWS" and sandbox_wording(code, message)
    if own_words:  # AWS's exact text is unknown: never present the sandbox's sentence as AWS's
        speaker = "The sandbox"
    says = f"  {speaker} says: "
    if message:
        lines += textwrap.wrap(message, 96, initial_indent=says, subsequent_indent="    ")
    if own_words:
        lines.append(f"    ({NOTE})")
    lines += textwrap.wrap(entry.meaning, 96, initial_indent="  What it means: ", subsequent_indent="  ")
    lines += textwrap.wrap(entry.fix, 96, initial_indent="  How to fix it: ", subsequent_indent="  ")
    print("\n".join(lines))
