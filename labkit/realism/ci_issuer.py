"""The simulated CI service's token issuer (GitHub Actions' OIDC tokens), at ``/labkit/ci/token``.

A CI job asks its CI service for a signed token and trades it with STS
(``AssumeRoleWithWebIdentity``) for a role's session: :mod:`labkit.realism.oidc` signs and checks
the tokens; this endpoint hands them out, only to someone holding credentials of this sandbox (so a
neighbour on the same machine cannot mint tokens for your roles).
"""

from __future__ import annotations

import secrets
from typing import Any

from . import oidc
from .signature import secret_for
from .state import AccountState
from .wire import Response, json_response

__all__ = ["ci_token"]


def _holds_credentials(state: AccountState, key_id: str, secret: str) -> bool:
    """Does the caller hold an access key pair of this sandbox account (key id and secret)?"""
    stored = secret_for(state, key_id) if key_id and secret else None
    return stored is not None and secrets.compare_digest(stored, secret)


def ci_token(state: AccountState, data: dict[str, Any]) -> Response:
    """A token from the simulated CI service (GitHub Actions) for a job of a repository.

    Only someone holding credentials of this sandbox may ask (so a neighbour on the same
    machine cannot mint tokens for your roles).
    """
    if not _holds_credentials(state, str(data.get("access_key_id", "")),
                              str(data.get("secret_access_key", ""))):
        return json_response({"error": "The CI service needs this sandbox's credentials."}, 403)
    try:
        token = oidc.issue_token(str(data.get("repository", "")), str(data.get("ref") or "refs/heads/main"),
                                 str(data.get("audience") or oidc.GITHUB_AUDIENCE),
                                 str(data.get("event_name") or "push"), data.get("environment"))
    except ValueError as exc:
        return json_response({"error": str(exc)}, 400)
    return json_response({"token": token, "issuer": oidc.GITHUB_ISSUER})
