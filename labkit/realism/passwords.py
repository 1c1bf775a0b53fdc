"""Passwords as real IAM treats them: policies enforced, resets honoured.

>>> violations("short", {"MinimumPasswordLength": 14, "RequireSymbols": True})
['Password should have a minimum length of 14', 'Password should have at least one symbol']
>>> violations("TempPassword123!", None)
[]
"""

from __future__ import annotations

import re
from typing import Any

from ..clock import clock
from . import moto_bridge as mb
from . import policy
from .identity import Principal
from .state import AccountState
from .wire import AwsRequest, Response, aws_error

__all__ = ["violations", "check_new_password", "SYMBOLS"]

SYMBOLS = "!@#$%^&*()_+-=[]{}|'"


MAX_LENGTH = 128  # every IAM password: "Maximum length of 128" (CreateLoginProfile API reference)


def violations(password: str, policy: dict[str, Any] | None, user: str | None = None,
               account_names: tuple[str, ...] = ()) -> list[str]:
    """Why ``password`` breaks ``policy`` (AWS's wording); empty when it complies.

    With no custom policy, AWS's default applies: 8 to 128 characters, at least three of
    uppercase, lowercase, numbers and symbols, and not identical to the AWS account name or
    e-mail address (``account_names``)
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html).
    """
    if policy is None:
        kinds = sum(
            bool(re.search(p, password))
            for p in (r"[A-Z]", r"[a-z]", r"[0-9]", "[" + re.escape(SYMBOLS) + "]")
        )
        same_as_account = password in {n for n in account_names if n}
        if len(password) < 8 or kinds < 3 or same_as_account:
            return ["Password does not conform to the account password policy."]
        return []
    found = []
    minimum = int(policy.get("MinimumPasswordLength") or 6)
    if len(password) < minimum:
        found.append(f"Password should have a minimum length of {minimum}")
    if policy.get("RequireUppercaseCharacters") and not re.search(r"[A-Z]", password):
        found.append("Password should have at least one uppercase letter")
    if policy.get("RequireLowercaseCharacters") and not re.search(r"[a-z]", password):
        found.append("Password should have at least one lowercase letter")
    if policy.get("RequireNumbers") and not re.search(r"[0-9]", password):
        found.append("Password should have at least one number")
    if policy.get("RequireSymbols") and not any(c in SYMBOLS for c in password):
        found.append("Password should have at least one symbol")
    return found


def check_new_password(
    req: AwsRequest | None, password: str, state: AccountState, user: str | None
) -> Response | None:
    """``PasswordPolicyViolation`` if ``password`` breaks the account's policy."""
    if len(password) > MAX_LENGTH:  # the API's length constraint, before any policy
        return aws_error(req, "ValidationError",
                         "1 validation error detected: Value at 'password' failed to satisfy constraint: "
                         f"Member must have length less than or equal to {MAX_LENGTH}", 400)
    policy = mb.password_policy()
    problems = violations(password, policy, user, (state.root.account_name, state.root.email))
    reuse = int((policy or {}).get("PasswordReusePrevention") or 0)
    if not problems and user and reuse:
        if password in state.password_history.get(user, [])[-reuse:]:
            problems = ["Password was used recently and cannot be reused."]
    if problems:
        return aws_error(req, "PasswordPolicyViolation", problems[0], 400)
    return None


def missing_login_profile(req: AwsRequest) -> Response | None:
    """AWS's ``NoSuchEntity`` when the user exists but has no console password.

    For Get/Update/DeleteLoginProfile (moto's wording differs).
    """
    user_name = req.params.get("UserName", "")
    owner = mb.user(user_name)
    if owner is not None and mb.user_password(owner) is None:
        return aws_error(req, "NoSuchEntity", f"Login Profile for User {user_name} cannot be found.", 404)
    return None


def login_profile_dates(req: AwsRequest, resp: Response, state: AccountState) -> Response:
    """``CreateDate`` of a login profile is when the *password* was created, not the user.

    Call after Create/Get/DeleteLoginProfile (and DeleteUser) reached moto.
    """
    if resp.status != 200:
        return resp
    user_name = req.params.get("UserName", "")
    if req.action in ("DeleteLoginProfile", "DeleteUser"):
        state.login_profile_created.pop(user_name, None)
        return resp
    if req.action == "CreateLoginProfile":
        state.login_profile_created[user_name] = clock.utcnow()
    created = state.login_profile_created.get(user_name)
    if created is None:  # created before labkit watched (e.g. by a scenario): moto's date stays
        return resp
    stamp = b"<CreateDate>" + created.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + b"</CreateDate>"
    return resp.with_body(re.sub(rb"<CreateDate>[^<]*</CreateDate>", stamp, resp.body, count=1))


def before_login_profile(req: AwsRequest, state: AccountState) -> Response | None:
    """Enforce the policy on CreateLoginProfile/UpdateLoginProfile."""
    user_name = req.params.get("UserName", "")
    password = req.params.get("Password")
    if req.action == "UpdateLoginProfile" and password is None:
        owner = mb.user(user_name)
        current = mb.user_password(owner) if owner is not None else None
        if current is not None:  # moto would otherwise erase the password
            req.set_params(Password=current)
        return None
    if password is None:
        return None
    return check_new_password(req, password, state, user_name)


def after_login_profile(req: AwsRequest, resp: Response, state: AccountState) -> Response:
    """Honour ``--password-reset-required`` (moto ignores it on create)."""
    if resp.status != 200:
        return resp
    user_name = req.params.get("UserName", "")
    owner = mb.user(user_name)
    if owner is None:
        return resp
    wanted = req.params.get("PasswordResetRequired", "").lower() == "true"
    if req.action == "CreateLoginProfile":
        mb.set_reset_required(owner, wanted)
        body = re.sub(
            rb"<PasswordResetRequired>\w+</PasswordResetRequired>",
            b"<PasswordResetRequired>" + (b"true" if wanted else b"false") + b"</PasswordResetRequired>",
            resp.body,
        )
        resp = resp.with_body(body)
    password = mb.user_password(owner)
    if password is not None and "Password" in req.params:
        state.remember_password(user_name, password)
    return resp


def may_change_own_password(user_name: str, with_mfa: bool | None) -> bool:
    """May ``user_name`` change her own password (``iam:ChangePassword``)?

    Yes when the account password policy says ``AllowUsersToChangePassword``, or when her
    policies allow ``iam:ChangePassword`` on her own ARN (the AWS managed policy
    ``IAMUserChangePassword`` does). ``create-login-profile --password-reset-required``
    alone grants neither, so a user created from the CLI is locked out at her first sign-in.
    Sources: https://docs.aws.amazon.com/aws-managed-policy/latest/reference/IAMUserChangePassword.html,
    https://www.repost.aws/knowledge-center/iam-user-password-error
    """
    if (mb.password_policy() or {}).get("AllowUsersToChangePassword"):
        return True
    owner = mb.user(user_name)
    if owner is None:
        return False
    context: dict[str, Any] = {"aws:username": user_name, "aws:userid": owner.id,
                               "aws:PrincipalType": "User", "aws:PrincipalArn": owner.arn}
    if with_mfa is not None:
        context["aws:MultiFactorAuthPresent"] = "true" if with_mfa else "false"
    docs = mb.policy_documents_for_user(user_name)
    return policy.evaluate(docs, "iam:ChangePassword", owner.arn, context) == "allow"


def change_password(req: AwsRequest, principal: Principal, state: AccountState) -> Response | None:
    """``ChangePassword`` for the signed-in IAM user (moto does not implement it)."""
    if principal.is_root:
        return aws_error(
            req, "InvalidUserType", "Only IAM users can change their own password with this operation.", 400
        )
    owner = mb.user(principal.name)
    if owner is None or mb.user_password(owner) is None:
        missing = f"Login Profile for User {principal.name} cannot be found."
        return aws_error(req, "NoSuchEntity", missing, 404)
    if req.params.get("OldPassword") != mb.user_password(owner):
        return aws_error(req, "InvalidUserType", "The old password is incorrect.", 400)
    new = req.params.get("NewPassword", "")
    refused = check_new_password(req, new, state, principal.name)
    if refused is not None:
        return refused
    mb.set_user_password(owner, new, reset_required=False)
    state.remember_password(principal.name, new)
    return None
