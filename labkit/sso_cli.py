"""``aws sso login`` for the course's CLI: :func:`sso_login` in a cell, ``labkit sso login`` in a shell.

AWS CLI v1 (the course's) has no ``aws sso login``. These perform the same sign-in against your
sandbox -- register the CLI with IAM Identity Center's OIDC service, have the person approve it at
the access portal (password and MFA), fetch the token -- and write the same cache that botocore's
own SSO credential provider reads (:mod:`labkit.access_portal` does the work).
"""

from __future__ import annotations

import configparser
import os
from typing import Any

from .access_portal import PortalError, login
from .authenticator import Authenticator
from .passkey import SecurityKey
from .sandbox import Lab, running_lab

__all__ = ["sso_login", "cmd_sso_login", "register_cli"]


def sso_login(session_name: str, *, user: str, password: str, mfa: Authenticator | SecurityKey | str,
              flow: str = "device", lab: Lab | None = None, quiet: bool = False) -> dict[str, str]:
    """Sign in to IAM Identity Center as ``aws sso login --sso-session NAME`` does, and write
    botocore's token cache for ``session_name``; returns what was cached.

    The CLI's steps, against your sandbox (``lab``: the running one): register the CLI as an OIDC
    client (``sso-oidc register-client``), start a device authorization (a user code and a URL,
    printed as the CLI prints them), then -- in the "browser" -- ``user`` signs in to the access
    portal with ``password`` and her MFA device (``mfa``: her :class:`labkit.Authenticator`, a
    current code, or her :class:`labkit.SecurityKey`) and approves the code, and the CLI fetches
    the token (``sso-oidc create-token``). The ``[sso-session NAME]`` section of the lab's AWS
    config file is written if missing.

    ``flow="pkce"``: the authorization code grant with PKCE that CLI v2 uses by default since
    late 2024 (``aws sso login --use-device-code`` still takes the device flow).
    """
    lab = lab or running_lab()
    if lab is None:
        raise PortalError("No sandbox is running: start one with labkit.start(...).")
    return login(session_name, lab=lab, user=user, password=password, mfa=mfa, flow=flow, quiet=quiet)


def _profile_session(profile: str) -> str:
    """The ``sso_session`` a profile of the AWS config file names."""
    config_file = os.environ.get("AWS_CONFIG_FILE") or os.path.expanduser("~/.aws/config")
    parser = configparser.RawConfigParser()
    parser.read(config_file)
    section = "default" if profile == "default" else f"profile {profile}"
    if not parser.has_option(section, "sso_session"):
        raise PortalError(f"The profile {profile!r} in {config_file} has no sso_session.")
    return parser.get(section, "sso_session")


def cmd_sso_login(args: Any) -> int:
    """``labkit sso login``: what ``aws sso login`` (CLI v2) does, for the course's CLI v1."""
    import getpass

    from botocore.exceptions import BotoCoreError, ClientError

    endpoint = os.environ.get("LABKIT_ENDPOINT", "")
    if not endpoint:
        print("labkit sso login: no sandbox here (LABKIT_ENDPOINT is not set).")
        return 2
    try:
        session = args.sso_session or _profile_session(args.profile)
        user = args.user or input("User name: ")
        password = args.password or getpass.getpass("Password: ")
        code = args.mfa_code or input("MFA code: ")
        lab = Lab(endpoint, None)
        lab.region = "us-east-1"
        login(session, lab=lab, user=user, password=password, mfa=code)
    except EOFError:
        print("labkit sso login: nobody can answer here (a notebook's ! line has no keyboard): "
              "give --user, --password and --mfa-code.")
        return 1
    except (PortalError, ClientError, BotoCoreError, OSError, ValueError,
            configparser.Error) as err:  # said plainly, no traceback
        print(f"labkit sso login: {err}")
        return 1
    return 0


def register_cli(sub: Any) -> None:
    """``labkit sso login [--profile P | --sso-session S] [--user U --password W --mfa-code C]``."""
    p = sub.add_parser("sso", help="IAM Identity Center: sign in as `aws sso login` does")
    p.add_argument("verb", choices=["login"])
    p.add_argument("--profile", default=os.environ.get("AWS_PROFILE", "default"))
    p.add_argument("--sso-session", default=None)
    p.add_argument("--user", default=None, help="the person's user name (asked if missing)")
    p.add_argument("--password", default=None, help="her password (asked if missing)")
    p.add_argument("--mfa-code", default=None, help="her authenticator's current code (asked if missing)")
    p.set_defaults(func=cmd_sso_login)
