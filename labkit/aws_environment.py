"""The environment that points ``aws`` and boto3 at the sandbox, as the current caller.

:class:`labkit.Lab` sets it when the sandbox starts and whenever the caller changes
(``lab.use(...)``): the variables in this process's ``os.environ`` (``AWS_ENDPOINT_URL``, the
caller's keys, ...), and the ``config`` and ``credentials`` files for ``aws`` in a folder only
you can read (:mod:`labkit.private_folder`). Variables that could send a request elsewhere or
pick other credentials are neutralised or removed.

IAM Identity Center sign-ins (:mod:`labkit.access_portal`) keep their token where botocore's SSO
providers look for it, and that place is moved into the same private folder
(``LABKIT_SSO_CACHE``; :func:`use_sso_cache`): a sandbox token never lands in your real
``~/.aws/sso/cache``, where it could replace the token of a real sign-in of the same name.
"""

from __future__ import annotations

import os
from typing import Any

from .credentials import Credentials
from .offline_env import path_with_our_bin, without_proxy_for_loopback
from .private_folder import PrivateFolder

__all__ = ["AwsEnvironment", "SSO_CACHE_VARIABLE", "use_sso_cache"]

SSO_CACHE_VARIABLE = "LABKIT_SSO_CACHE"

# Environment variables that could send requests elsewhere or pick other credentials.
_HOSTILE_PREFIXES = ("AWS_ENDPOINT_URL_",)
_NEUTRALISE = {
    "AWS_PROFILE": "default",
    "AWS_DEFAULT_PROFILE": "default",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false",
    "AWS_USE_FIPS_ENDPOINT": "false",
    "AWS_USE_DUALSTACK_ENDPOINT": "false",
}
# Removed from this kernel's environment when the sandbox starts.
_REMOVE = (
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CA_BUNDLE", "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CREDENTIAL_FILE",
)


class AwsEnvironment:
    """The caller's environment and files for ``aws`` (the folder is made on first use)."""

    def __init__(self) -> None:
        self.folder: PrivateFolder | None = None

    def _write_files(self, endpoint_url: str, region: str, caller: Credentials) -> tuple[str, str]:
        if self.folder is None:
            self.folder = PrivateFolder()
        config = self.folder.write("config", (
            f"[default]\nregion = {region}\noutput = json\n"
            f"endpoint_url = {endpoint_url}\n\n"
            "[plugins]\nlabkit_guard = labkit.guard\n"
        ))
        lines = ["[default]", f"aws_access_key_id = {caller.access_key_id}",
                 f"aws_secret_access_key = {caller.secret_access_key}"]
        if caller.session_token:
            lines.append(f"aws_session_token = {caller.session_token}")
        credentials = self.folder.write("credentials", "\n".join(lines) + "\n")
        return config, credentials

    def apply(self, endpoint_url: str, region: str, caller: Credentials, *,
              in_process: bool) -> dict[str, str]:
        """Write the files for ``aws`` and set this process's environment: ``aws`` and plain boto3
        then reach the sandbox at ``endpoint_url`` as ``caller``. Returns the variables set."""
        config, credentials = self._write_files(endpoint_url, region, caller)
        env = dict(_NEUTRALISE)
        for name in os.environ:
            if name.startswith(_HOSTILE_PREFIXES):
                env[name] = endpoint_url
        env.update({
            "AWS_ACCESS_KEY_ID": caller.access_key_id,
            "AWS_SECRET_ACCESS_KEY": caller.secret_access_key,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ENDPOINT_URL_IAM": endpoint_url,
            "AWS_ENDPOINT_URL_STS": endpoint_url,
            "AWS_ENDPOINT_URL_S3": endpoint_url,
            "AWS_CONFIG_FILE": config,
            "AWS_SHARED_CREDENTIALS_FILE": credentials,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            "LABKIT_ENDPOINT": endpoint_url,
            "LABKIT_IN_PROCESS": "1" if in_process else "",
            SSO_CACHE_VARIABLE: os.path.join(self.folder.path, "sso", "cache") if self.folder else "",
            # `aws` must be the one installed beside labkit (it loads the guard plugin).
            "PATH": path_with_our_bin(os.environ.get("PATH", "")),
        })
        env.update(without_proxy_for_loopback(os.environ))  # proxies stay for everything else
        if caller.session_token:
            env["AWS_SESSION_TOKEN"] = caller.session_token
        for name in _REMOVE:
            if name not in env:
                os.environ.pop(name, None)
        os.environ.update(env)
        use_sso_cache()
        _forget_default_boto3_session()
        return env

    def remove(self) -> None:
        """Delete the files for ``aws`` (the sandbox stopped)."""
        if self.folder is not None:
            self.folder.remove()
            self.folder = None


def use_sso_cache(environ: Any = os.environ) -> None:
    """Point botocore's SSO token cache (and :func:`labkit.access_portal.cache_path`) at the
    folder named by ``LABKIT_SSO_CACHE``, if set. botocore fixes ``~/.aws/sso/cache`` when it is
    imported (``SSOProvider`` and ``SSOTokenProvider``'s ``_SSO_TOKEN_CACHE_DIR``) and offers no
    setting for it; the kernel calls this when the sandbox starts, and every ``aws`` program the
    lab's config runs calls it through the guard plugin (:func:`labkit.guard.awscli_initialize`)."""
    folder = environ.get(SSO_CACHE_VARIABLE)
    if not folder:
        return
    from botocore.credentials import SSOProvider
    from botocore.tokens import SSOTokenProvider

    SSOProvider._SSO_TOKEN_CACHE_DIR = folder
    SSOTokenProvider._SSO_TOKEN_CACHE_DIR = folder


def _forget_default_boto3_session() -> None:
    import sys

    boto3: Any = sys.modules.get("boto3")
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None
