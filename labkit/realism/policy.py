"""IAM policy evaluation, as AWS does it for a user's identity-based policies.

An explicit ``Deny`` wins; otherwise an ``Allow`` is needed; otherwise the
request is implicitly denied. Supported: ``Action``/``NotAction``,
``Resource``/``NotResource`` with ``*`` and ``?`` wildcards and
``${aws:username}``, and the condition operators the course needs (``Bool``,
``StringEquals``, ``StringLike``, ``StringNotEquals``, ``StringNotLike``,
``ArnLike``, ``ArnEquals``, ``NumericLessThan``... each also ``...IfExists``).

>>> doc = {"Statement": [{"Effect": "Allow", "Action": "s3:Get*",
...        "Resource": "arn:aws:s3:::castle-library/*"}]}
>>> evaluate([doc], "s3:GetObject", "arn:aws:s3:::castle-library/map.txt", {})
'allow'
>>> evaluate([doc], "s3:GetObject", "arn:aws:s3:::castle-armory/sword.txt", {})
'implicit-deny'
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Any

from . import moto_bridge as mb
from .wire import AwsRequest

__all__ = ["evaluate", "action_and_resource", "denied_message", "denying_policy_arn", "trust_allows"]

_VAR = re.compile(r"\$\{([^}]+)\}")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _glob(pattern: str, value: str, case: bool) -> bool:
    regex = fnmatch.translate(pattern)
    return re.match(regex, value, 0 if case else re.IGNORECASE) is not None


def _substitute(pattern: str, context: dict[str, Any]) -> str:
    return _VAR.sub(lambda m: str(context.get(m.group(1), m.group(0))), pattern)


def _matches_any(patterns: Iterable[str], value: str, context: dict[str, Any], case: bool) -> bool:
    return any(_glob(_substitute(p, context), value, case) for p in patterns)


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, Any]) -> bool:
    if_exists = operator.endswith("IfExists")
    op = operator[: -len("IfExists")] if if_exists else operator
    if key.lower() not in {k.lower() for k in context}:
        return if_exists or op == "Null" and str(expected).lower() == "true"
    actual = next(v for k, v in context.items() if k.lower() == key.lower())
    wanted = [_substitute(str(e), context) for e in _as_list(expected)]
    text = str(actual).lower() if isinstance(actual, bool) else str(actual)
    if op == "Null":
        return str(expected).lower() == "false"
    if op == "Bool":
        return text.lower() in [w.lower() for w in wanted]
    if op in ("StringEquals", "ArnEquals"):
        return text in wanted
    if op == "StringEqualsIgnoreCase":
        return text.lower() in [w.lower() for w in wanted]
    if op == "StringNotEquals":
        return text not in wanted
    if op in ("StringLike", "ArnLike"):
        return any(_glob(w, text, True) for w in wanted)
    if op in ("StringNotLike", "ArnNotLike"):
        return not any(_glob(w, text, True) for w in wanted)
    if op.startswith("Numeric"):
        number = float(text)
        compare = {
            "NumericEquals": lambda a, b: a == b,
            "NumericNotEquals": lambda a, b: a != b,
            "NumericLessThan": lambda a, b: a < b,
            "NumericLessThanEquals": lambda a, b: a <= b,
            "NumericGreaterThan": lambda a, b: a > b,
            "NumericGreaterThanEquals": lambda a, b: a >= b,
        }[op]
        return any(compare(number, float(w)) for w in wanted)
    return False  # an operator the sandbox does not know never matches


def _statement_applies(stmt: dict[str, Any], action: str, resource: str, context: dict[str, Any]) -> bool:
    if "Action" in stmt and not _matches_any(_as_list(stmt["Action"]), action, context, False):
        return False
    if "NotAction" in stmt and _matches_any(_as_list(stmt["NotAction"]), action, context, False):
        return False
    if "Resource" in stmt and not _matches_any(_as_list(stmt["Resource"]), resource, context, True):
        return False
    if "NotResource" in stmt and _matches_any(_as_list(stmt["NotResource"]), resource, context, True):
        return False
    for operator, pairs in (stmt.get("Condition") or {}).items():
        for key, expected in (pairs or {}).items():
            if not _condition_holds(operator, key, expected, context):
                return False
    return True


def evaluate(documents: list[dict[str, Any]], action: str, resource: str, context: dict[str, Any]) -> str:
    """``'allow'``, ``'explicit-deny'`` or ``'implicit-deny'`` for one request."""
    allowed = False
    for doc in documents:
        for stmt in _as_list(doc.get("Statement")):
            if not isinstance(stmt, dict) or not _statement_applies(stmt, action, resource, context):
                continue
            if stmt.get("Effect") == "Deny":
                return "explicit-deny"
            if stmt.get("Effect") == "Allow":
                allowed = True
    return "allow" if allowed else "implicit-deny"


def denying_policy_arn(documents: list[dict[str, Any]], action: str, resource: str,
                       context: dict[str, Any]) -> str | None:
    """The ARN of the first managed policy whose ``Deny`` applies (None for an inline policy,
    which has no ARN, or when nothing denies)."""
    from .moto_bridge import POLICY_ARN_KEY

    for doc in documents:
        for stmt in _as_list(doc.get("Statement")):
            if isinstance(stmt, dict) and stmt.get("Effect") == "Deny" and \
                    _statement_applies(stmt, action, resource, context):
                arn = doc.get(POLICY_ARN_KEY)
                return str(arn) if arn else None
    return None


def trust_allows(trust: dict[str, Any], principal_type: str, principal: str, action: str,
                 context: dict[str, Any]) -> bool:
    """Does a role's trust policy let ``principal`` (e.g. ``Federated``: an OIDC provider ARN)
    perform ``action`` (e.g. ``sts:AssumeRoleWithWebIdentity``) with this request ``context``?

    A statement applies when its ``Principal`` names the caller (or is ``"*"``), its
    ``Action`` matches and all its conditions hold; a matching ``Deny`` wins.
    """
    allowed = False
    for stmt in _as_list(trust.get("Statement")):
        if not isinstance(stmt, dict):
            continue
        named = stmt.get("Principal") or {}
        listed = _as_list(named.get(principal_type)) if isinstance(named, dict) else []
        if named != "*" and principal not in listed:
            continue
        if not any(_glob(a, action, False) for a in _as_list(stmt.get("Action"))):
            continue
        conditions = stmt.get("Condition") or {}
        if not all(_condition_holds(op, key, want, context)
                   for op, pairs in conditions.items() for key, want in (pairs or {}).items()):
            continue
        if stmt.get("Effect") == "Deny":
            return False
        allowed = allowed or stmt.get("Effect") == "Allow"
    return allowed


def denied_message(principal_arn: str, action: str, resource: str, verdict: str,
                   policy_arn: str | None = None, policy_type: str = "identity-based") -> str:
    """AWS's AccessDenied wording, naming the principal, action and resource.

    Since January 2026 an explicit deny in the same account or organization also names the
    denying policy: "... with an explicit deny in a service control policy: <policy ARN>"
    (AWS Security Blog, "Enhanced access denied error messages with policy ARNs",
    https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns).
    An inline policy has no ARN; what AWS appends then is not published, and the sandbox
    appends nothing (docs/differences.md).

    >>> denied_message("arn:aws:iam::123456789012:user/bob", "iam:ListUsers",
    ...                "arn:aws:iam::123456789012:user/", "explicit-deny",
    ...                "arn:aws:iam::123456789012:policy/NoLists").partition(" with ")[2]
    'an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/NoLists'
    """
    article = "an" if policy_type[0] in "aeiou" else "a"
    if verdict == "explicit-deny":
        why = f"with an explicit deny in {article} {policy_type} policy"
        if policy_arn:
            why += f": {policy_arn}"
    else:
        why = f"because no {policy_type} policy allows the {action} action"
    return f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {why}"


_IAM_LIST_RESOURCES = {
    "ListUsers": "user/",
    "ListGroups": "group/",
    "ListRoles": "role/",
    "ListPolicies": "policy/",
}
_SELF_USER_ACTIONS = {
    "GetUser", "ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey",
    "ListMFADevices", "EnableMFADevice", "ResyncMFADevice", "DeactivateMFADevice",
    "GetLoginProfile", "ChangePassword", "ListSigningCertificates", "ListSSHPublicKeys",
    "GetMFADevice", "CreateLoginProfile", "DeleteLoginProfile",
}


def _iam_resource(req: AwsRequest, principal_arn: str) -> str:
    acct = f"arn:aws:iam::{mb.ACCOUNT_ID}"
    p = req.params
    action = req.action
    if action in _IAM_LIST_RESOURCES:
        return f"{acct}:{_IAM_LIST_RESOURCES[action]}"
    if action == "CreateVirtualMFADevice":
        return f"{acct}:mfa{p.get('Path', '/')}{p.get('VirtualMFADeviceName', '')}"
    if action == "DeleteVirtualMFADevice":
        return p.get("SerialNumber", "*")
    if "UserName" in p:
        existing = mb.user(p["UserName"])
        return existing.arn if existing is not None else f"{acct}:user/{p['UserName']}"
    if action in _SELF_USER_ACTIONS:
        return principal_arn
    if "GroupName" in p:
        return f"{acct}:group/{p['GroupName']}"
    if "RoleName" in p:
        return f"{acct}:role/{p['RoleName']}"
    if "PolicyArn" in p:
        return p["PolicyArn"]
    return "*"


def _s3_action_and_resource(req: AwsRequest) -> tuple[str, str]:
    parts = req.path.lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    m = req.method
    if not bucket:
        return "s3:ListAllMyBuckets", "*"
    if key:
        arn = f"arn:aws:s3:::{bucket}/{key}"
        verb = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "POST": "PutObject"}
        return f"s3:{verb.get(m, 'DeleteObject')}", arn
    arn = f"arn:aws:s3:::{bucket}"
    if "policy" in req.params:
        verbs = {"GET": "s3:GetBucketPolicy", "DELETE": "s3:DeleteBucketPolicy"}
        return verbs.get(m, "s3:PutBucketPolicy"), arn
    if "delete" in req.params and m == "POST":
        return "s3:DeleteObject", f"{arn}/*"
    verb = {"GET": "ListBucket", "HEAD": "ListBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}
    return f"s3:{verb.get(m, 'ListBucket')}", arn


def action_and_resource(req: AwsRequest, principal_arn: str) -> tuple[str, str]:
    """The IAM action (``iam:CreateUser``) and resource ARN a request needs."""
    service = req.service or "iam"
    if service == "s3":
        return _s3_action_and_resource(req)
    if req.action:
        action = f"{service}:{req.action}"
        return action, _iam_resource(req, principal_arn) if service == "iam" else "*"
    target = req.header("X-Amz-Target") or ""
    return f"{service}:{target.rsplit('.', 1)[-1] or req.method}", "*"
