"""A bucket policy's ``Deny`` binds every caller — the account's root user too.

No policy can be *attached* to the root user, but a resource's own policy still applies to it:
a bucket policy that denies everyone denies root as well. AWS keeps one door open so that an
owner cannot lock itself out for good: "the root principal in a bucket owner's AWS account can
perform the GetBucketPolicy, PutBucketPolicy, and DeleteBucketPolicy API actions, even if their
bucket policy explicitly denies the root principal's access"
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html). That is the
"unlock a bucket policy" task on AWS's list of root-only tasks
(https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html).

The refusal follows S3's access denied format for same-account requests: ``User: <arn> is not
authorized to perform: <action> on resource: "<bucket ARN>" with an explicit deny in a
resource-based policy``
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html).

What the sandbox reads of a bucket policy: ``Deny`` statements whose ``Principal`` is ``"*"``,
``{"AWS": "*"}``, the caller's ARN or its account (``arn:aws:iam::<account>:root`` or the account
id), with ``Action``/``NotAction``, ``Resource`` and the conditions :mod:`.policy` knows. A bucket
policy's ``Allow`` grants nothing extra here: the caller's own policies decide, as before.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import moto_bridge as mb
from . import policy
from .errors import AccessDenied

if TYPE_CHECKING:
    from .hooks import Call
    from .identity import Principal

__all__ = ["ROOT_KEEPS", "refusal"]

ROOT_KEEPS = frozenset({"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"})
"""What the bucket owner's root may always do, whatever the bucket policy says."""


def _bucket_policy(bucket: str) -> dict[str, Any] | None:
    text = mb.bucket_policy_text(bucket)
    if not text:
        return None
    try:
        document = json.loads(text.decode() if isinstance(text, bytes) else str(text))
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _names_caller(named: Any, principal: Principal) -> bool:
    account = principal.arn.split(":")[4]
    wanted = {principal.arn, f"arn:aws:iam::{account}:root", account}
    if named == "*":
        return True
    values = named.get("AWS") if isinstance(named, dict) else None
    listed = values if isinstance(values, list) else [values]
    return "*" in listed or any(v in wanted for v in listed)


def refusal(call: Call) -> None:
    """AccessDenied when the bucket's policy denies this request to this caller (root included,
    except for root's own right to read, replace or delete the bucket policy)."""
    req, principal = call.req, call.principal
    if req.service != "s3":
        return None
    action, resource = policy.action_and_resource(req, principal.arn)
    bucket = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    if not bucket or resource == "*":
        return None
    if principal.is_root and action in ROOT_KEEPS:
        return None
    document = _bucket_policy(bucket)
    if document is None:
        return None
    statements = document.get("Statement")
    denies = [s for s in (statements if isinstance(statements, list) else [statements])
              if isinstance(s, dict) and s.get("Effect") == "Deny"
              and _names_caller(s.get("Principal"), principal)]
    context = {"aws:PrincipalArn": principal.arn, "aws:userid": principal.user_id}
    if policy.evaluate([{"Statement": denies}], action, resource, context) != "explicit-deny":
        return None
    message = (f"User: {principal.arn} is not authorized to perform: {action} on resource: "
               f"\"{resource}\" with an explicit deny in a resource-based policy")
    raise AccessDenied(message)
