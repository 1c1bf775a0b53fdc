"""The one place that reads and writes moto's in-memory IAM.

Everything else in labkit speaks the AWS API; only this module knows moto's
internal classes and attribute names. If a moto upgrade renames something,
this is the file to change (and ``tests/test_realism_*`` will say so).
Tested against moto 5.2.x.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

ACCOUNT_ID = "123456789012"
PARTITION = "aws"

__all__ = [
    "ACCOUNT_ID",
    "iam",
    "organizations",
    "org_account",
    "bucket_policy_text",
    "reset_all",
    "user",
    "user_for_access_key",
    "virtual_device",
    "password_policy",
    "policy_documents_for_user",
    "ensure_aws_managed_policy",
]


def iam() -> Any:
    """moto's IAM backend for the sandbox account."""
    from moto.iam.models import iam_backends

    return iam_backends[ACCOUNT_ID][PARTITION]


def organizations() -> Any:
    """moto's Organizations backend for the sandbox (management) account: ``.org`` (None before
    ``create-organization``), ``.accounts``, ``.ou``, ``.services``, ``list_parents``."""
    from moto.organizations.models import organizations_backends

    return organizations_backends[ACCOUNT_ID][PARTITION]


def org_account(account_id: str) -> Any | None:
    """The member account ``account_id`` of the organization (None if it is not one)."""
    return next((a for a in organizations().accounts if a.id == account_id), None)


def bucket_policy_text(bucket: str) -> str | bytes | None:
    """The policy document of S3 bucket ``bucket`` as moto stores it (None: no bucket or no policy)."""
    from moto.s3.models import s3_backends

    found = s3_backends[ACCOUNT_ID][PARTITION].buckets.get(bucket)
    text = getattr(found, "policy", None)
    return text or None


def has_backend(moto_app: Any, environ: dict[str, Any]) -> bool:
    """Whether moto's server app (``DomainDispatcherApplication``) has a backend for the request in
    ``environ`` (the service its ``Authorization`` scope names). Without one, moto fails with an
    ``AttributeError`` (a 500 that SDKs retry) after printing "Unable to find appropriate backend";
    asked first, the sandbox answers its fast 501 instead. Apps without this dispatcher: True."""
    infer = getattr(moto_app, "infer_service_region_host", None)
    patterns = getattr(moto_app, "backend_url_patterns", None)
    if infer is None or patterns is None:
        return True
    from moto import backends

    host = infer(environ, environ.get("PATH_INFO", "/"))
    if host is None or host == "moto_api" or host in backends.list_of_moto_modules():
        return True  # moto's own fallbacks (S3 for what it cannot place) answer these
    return any(pattern.match(f"http://{host}") for _, pattern in patterns)


def reset_all() -> None:
    """Forget every resource of every service (about a millisecond)."""
    from moto.core.base_backend import BackendDict

    BackendDict.reset()
    try:  # moto remembers which accounts manage an organization outside the backends
        from moto.organizations.models import organizations_backends

        organizations_backends.master_accounts.clear()
        from moto.organizations.models import FakeServiceAccess

        # IAM's trusted access (centralized root access, 2024) is newer than moto's list.
        if "iam.amazonaws.com" not in FakeServiceAccess.TRUSTED_SERVICES:
            FakeServiceAccess.TRUSTED_SERVICES.append("iam.amazonaws.com")
    except (ImportError, AttributeError):  # pragma: no cover - other moto versions
        pass
    try:
        from moto.core.models import reset_model_data

        reset_model_data()
    except ImportError:  # pragma: no cover - older moto
        pass


def user(name: str) -> Any | None:
    return iam().users.get(name)


def user_name_taken(name: str) -> str | None:
    """The existing user whose name equals ``name`` ignoring case, if any."""
    return next((n for n in iam().users if n.lower() == name.lower()), None)


def users() -> list[Any]:
    return list(iam().users.values())


def user_for_access_key(access_key_id: str) -> tuple[Any, Any] | None:
    """The (user, key) that own ``access_key_id``, or None."""
    key = iam().access_keys.get(access_key_id)
    if key is None or not key.user_name:
        return None
    owner = iam().users.get(key.user_name)
    return (owner, key) if owner is not None else None


def access_key_secret(key: Any) -> str:
    """The secret access key moto stores for an IAM user's access key."""
    return str(key.secret_access_key)


def virtual_device(serial: str) -> Any | None:
    return iam().virtual_mfa_devices.get(serial)


def device_seed(device: Any) -> str:
    return str(device.base32_string_seed)


def set_device_qr(device: Any, png: bytes) -> None:
    device.qr_code_png = png


def device_owner(device: Any) -> str | None:
    """The IAM user name holding ``device``, ``"root"`` for root's, None when unassigned."""
    owner = getattr(device, "user", None)
    if owner is not None:
        return str(owner.name)
    attribute = getattr(device, "user_attribute", None) or {}
    return "root" if str(attribute.get("Arn", "")).endswith(":root") else None


def create_virtual_device(name: str, path: str = "/") -> Any:
    """A new virtual MFA device in moto's table (raises moto's error if the name is taken)."""
    return iam().create_virtual_mfa_device(name, path)


def assign_device_to_root(device: Any, root_created: datetime, when: datetime) -> None:
    """Mark ``device`` as root's, the way AWS lists it (``User`` = the root ARN)."""
    device.enable_date = when.replace(tzinfo=None) if when.tzinfo else when
    device.user = None
    device.user_attribute = {"Path": "/", "UserId": ACCOUNT_ID, "Arn": f"arn:aws:iam::{ACCOUNT_ID}:root",
                             "CreateDate": root_created}


def user_attachments(u: Any) -> dict[str, int]:
    """How many of each thing AWS makes you remove before ``DeleteUser``."""
    return {
        "login_profile": 1 if u.password else 0,
        "access_keys": len(u.access_keys),
        "mfa_devices": len(u.mfa_devices),
        "ssh_public_keys": len(getattr(u, "ssh_public_keys", [])),
        "signing_certificates": len(getattr(u, "signing_certificates", {})),
        "inline_policies": len(u.policies),
        "managed_policies": len(u.managed_policies),
        "groups": sum(1 for g in iam().groups.values() if u in g.users),
    }


def user_mfa_serials(u: Any) -> list[str]:
    return list(u.mfa_devices)


def user_mfa_devices(u: Any) -> list[tuple[str, datetime | None]]:
    """The user's app and hardware MFA devices as ``(serial, enable date)``, oldest first."""
    return [(str(serial), getattr(device, "enable_date", None)) for serial, device in u.mfa_devices.items()]


def user_password(u: Any) -> str | None:
    return u.password


def set_user_password(u: Any, password: str, reset_required: bool | None = None) -> None:
    u.password = password
    if reset_required is not None:
        u.password_reset_required = reset_required


def set_reset_required(u: Any, value: bool) -> None:
    u.password_reset_required = value


def reset_required(u: Any) -> bool:
    return bool(getattr(u, "password_reset_required", False))


def set_password_last_used(u: Any, when: datetime) -> None:
    u.password_last_used = when.replace(tzinfo=None) if when.tzinfo else when


def password_last_used(u: Any) -> datetime | None:
    value = getattr(u, "password_last_used", None)
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def created(obj: Any) -> datetime:
    value = obj.create_date
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def access_keys(u: Any) -> list[Any]:
    return list(u.access_keys)


def key_last_used(key: Any) -> tuple[datetime | None, str | None, str | None]:
    last = getattr(key, "last_used", None)
    if last is None:
        return None, None, None
    when = getattr(last, "timestamp", last)
    if isinstance(when, datetime) and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when, getattr(last, "service", None), getattr(last, "region", None)


def password_policy() -> dict[str, Any] | None:
    """The account password policy as AWS field names, or None when unset."""
    pol = iam().account_password_policy
    if pol is None:
        return None
    return {
        "MinimumPasswordLength": pol.minimum_password_length,
        "RequireSymbols": pol.require_symbols,
        "RequireNumbers": pol.require_numbers,
        "RequireUppercaseCharacters": pol.require_uppercase_characters,
        "RequireLowercaseCharacters": pol.require_lowercase_characters,
        "AllowUsersToChangePassword": pol.allow_users_to_change_password,
        "MaxPasswordAge": pol.max_password_age,
        "PasswordReusePrevention": pol.password_reuse_prevention,
        "HardExpiry": pol.hard_expiry,
    }


def policy_document(document: Any) -> dict[str, Any]:
    if isinstance(document, dict):
        return document
    try:
        from urllib.parse import unquote

        text = str(document)
        return json.loads(unquote(text) if text.startswith("%7B") else text)
    except ValueError:
        return {}


# A managed policy's document carries its ARN under this key, so that an explicit deny can name
# the policy (policy.denying_policy_arn); inline policies have no ARN.
POLICY_ARN_KEY = "labkit:PolicyArn"


def managed_policy_document(policy: Any) -> dict[str, Any]:
    version = getattr(policy, "default_version_id", None)
    document = getattr(policy, "document", "{}")
    for v in getattr(policy, "versions", []) or []:
        if getattr(v, "version_id", None) == version or getattr(v, "is_default", False):
            document = v.document
            break
    return {**policy_document(document), POLICY_ARN_KEY: getattr(policy, "arn", None)}


def policy_documents_for_user(name: str) -> list[dict[str, Any]]:
    """Every identity policy that applies to user ``name`` (own and groups')."""
    backend = iam()
    u = backend.users.get(name)
    if u is None:
        return []
    docs = [policy_document(d) for d in u.policies.values()]
    docs += [managed_policy_document(p) for p in u.managed_policies.values()]
    for group in backend.groups.values():
        if any(member.name == name for member in group.users):
            docs += [policy_document(d) for d in group.policies.values()]
            docs += [managed_policy_document(p) for p in group.managed_policies.values()]
    return docs


def role(name: str) -> Any | None:
    """moto's role ``name`` (None if there is none)."""
    return next((r for r in iam().get_roles() if r.name == name), None)


def role_trust_policy(r: Any) -> dict[str, Any]:
    return policy_document(r.assume_role_policy_document)


def policy_documents_for_role(name: str) -> list[dict[str, Any]]:
    """The role's permission policies (inline and managed)."""
    r = role(name)
    if r is None:
        return []
    return [policy_document(d) for d in r.policies.values()] + [
        managed_policy_document(p) for p in r.managed_policies.values()]


def oidc_provider(url: str) -> Any | None:
    """The IAM OIDC identity provider for issuer ``url`` (``https://`` optional)."""
    bare = url.removeprefix("https://").rstrip("/")
    return next((p for p in iam().open_id_providers.values() if p.url.rstrip("/") == bare), None)


@lru_cache(maxsize=1)
def _course_policies() -> dict[str, Any]:
    from importlib.resources import files

    text = files("labkit").joinpath("assets/aws_managed_policies.json").read_text()
    return json.loads(text)


def aws_managed_data(name: str) -> dict[str, Any] | None:
    """The AWS managed policy ``name``: the course's few ship with labkit (fast);
    any other comes from moto's full copy (a one-off 0.6 s import)."""
    data = _course_policies().get(name)
    if data is None:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        data = json.loads(aws_managed_policies_data).get(name)
    return data


def aws_managed_document(name: str) -> dict[str, Any]:
    """The policy document of AWS managed policy ``name`` ({} if unknown)."""
    data = aws_managed_data(name)
    return policy_document(data["Document"]) if data else {}


def ensure_aws_managed_policy(arn: str) -> bool:
    """Load one AWS managed policy (``arn:aws:iam::aws:policy/...``) into moto.

    moto can load all ~1,300 AWS managed policies at every reset, which costs
    half a second; the sandbox loads each one the first time it is named.
    """
    backend = iam()
    if arn in backend.managed_policies:
        return True
    name = arn.rsplit("/", 1)[-1]
    data = aws_managed_data(name)
    if data is None:
        return False
    from moto.iam.models import AWSManagedPolicy

    policy = AWSManagedPolicy.from_data(name, ACCOUNT_ID, "us-east-1", data)
    if policy.arn != arn:
        return False
    backend.managed_policies[policy.arn] = policy
    backend.aws_managed_policies.append(policy)
    return True
