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
from . import hooks, policy
from . import moto_bridge as mb
from .errors import InvalidUserType, NoSuchEntity, PasswordPolicyViolation, ValidationError
from .hooks import Call
from .state import AccountState
from .wire import Response, query_response

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


def check_new_password(password: str, state: AccountState, user: str | None) -> None:
    """Raise ``PasswordPolicyViolation`` if ``password`` breaks the account's policy (and
    ``ValidationError`` if it is longer than any IAM password may be)."""
    if len(password) > MAX_LENGTH:  # the API's length constraint, before any policy
        raise ValidationError("1 validation error detected: Value at 'password' failed to satisfy "
                              f"constraint: Member must have length less than or equal to {MAX_LENGTH}")
    policy = mb.password_policy()
    problems = violations(password, policy, user, (state.root.account_name, state.root.email))
    reuse = int((policy or {}).get("PasswordReusePrevention") or 0)
    if not problems and user and reuse:
        if password in state.password_history.get(user, [])[-reuse:]:
            problems = ["Password was used recently and cannot be reused."]
    if problems:
        raise PasswordPolicyViolation(problems[0])


@hooks.before("iam:GetLoginProfile", "iam:UpdateLoginProfile", "iam:DeleteLoginProfile")
def missing_login_profile(call: Call) -> None:
    """AWS's ``NoSuchEntity`` when the user exists but has no console password (moto's wording
    differs)."""
    user_name = call.req.params.get("UserName", "")
    owner = mb.user(user_name)
    if owner is not None and mb.user_password(owner) is None:
        raise NoSuchEntity(f"Login Profile for User {user_name} cannot be found.")


@hooks.before("iam:CreateLoginProfile", "iam:UpdateLoginProfile")
def before_login_profile(call: Call) -> None:
    """Enforce the password policy on CreateLoginProfile/UpdateLoginProfile."""
    req = call.req
    user_name = req.params.get("UserName", "")
    password = req.params.get("Password")
    if req.action == "UpdateLoginProfile" and password is None:
        owner = mb.user(user_name)
        current = mb.user_password(owner) if owner is not None else None
        if current is not None:  # moto would otherwise erase the password
            req.set_params(Password=current)
        return
    if password is not None:
        check_new_password(password, call.state, user_name)


@hooks.after("iam:CreateLoginProfile", "iam:UpdateLoginProfile")
def after_login_profile(call: Call) -> Response | None:
    """Honour ``--password-reset-required`` (moto ignores it on create)."""
    req, resp, state = call.req, call.response, call.state
    if resp is None or resp.status != 200:
        return None
    user_name = req.params.get("UserName", "")
    owner = mb.user(user_name)
    if owner is None:
        return None
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


@hooks.after("iam:CreateLoginProfile", "iam:GetLoginProfile", "iam:DeleteLoginProfile", "iam:DeleteUser")
def login_profile_dates(call: Call) -> Response | None:
    """``CreateDate`` of a login profile is when the *password* was created, not the user."""
    req, resp, state = call.req, call.response, call.state
    if resp is None or resp.status != 200:
        return None
    user_name = req.params.get("UserName", "")
    if req.action in ("DeleteLoginProfile", "DeleteUser"):
        state.login_profile_created.pop(user_name, None)
        return None
    if req.action == "CreateLoginProfile":
        state.login_profile_created[user_name] = clock.utcnow()
    created = state.login_profile_created.get(user_name)
    if created is None:  # created before labkit watched (e.g. by a scenario): moto's date stays
        return None
    stamp = b"<CreateDate>" + created.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + b"</CreateDate>"
    return resp.with_body(re.sub(rb"<CreateDate>[^<]*</CreateDate>", stamp, resp.body, count=1))


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


@hooks.answer("iam:ChangePassword")
def change_password(call: Call) -> Response:
    """``ChangePassword`` for the signed-in IAM user (moto does not implement it)."""
    req, principal, state = call.req, call.principal, call.state
    if principal.is_root:
        raise InvalidUserType("Only IAM users can change their own password with this operation.")
    owner = mb.user(principal.name)
    if owner is None or mb.user_password(owner) is None:
        raise NoSuchEntity(f"Login Profile for User {principal.name} cannot be found.")
    if req.params.get("OldPassword") != mb.user_password(owner):
        raise InvalidUserType("The old password is incorrect.")
    new = req.params.get("NewPassword", "")
    check_new_password(new, state, principal.name)
    mb.set_user_password(owner, new, reset_required=False)
    state.remember_password(principal.name, new)
    return query_response("iam", "ChangePassword", None)
