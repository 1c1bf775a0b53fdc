"""The IAM Identity Center console's pages that the API has no call for.

An administrator sees the instance's facts, gives a person a one-time password, reads whether
someone has signed in and registered an MFA device, and turns a person's access off and on
("Disable user access" / "Enable user access": console-only, the identity store API has no call
for it). The simulated console reaches these under ``/labkit/console/identity-center/``
(:mod:`.endpoints`); :class:`labkit.access_portal.IdentityCenter` is their learner-side face.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import identity_center, portal_pages
from .state import AccountState
from .wire import Response, json_response

__all__ = ["PAGES", "page"]


def _facts(state: AccountState, data: dict[str, Any]) -> Any:
    return identity_center.facts()


def _one_time_password(state: AccountState, data: dict[str, Any]) -> Any:
    return {"password": portal_pages.one_time_password(state, str(data.get("user_name", "")))}


def _user(state: AccountState, data: dict[str, Any]) -> Any:
    return portal_pages.sign_in_facts(state, str(data.get("user_name", "")))


def _user_access(state: AccountState, data: dict[str, Any]) -> Any:
    portal_pages.set_user_access(state, str(data.get("user_name", "")), bool(data.get("enabled")))
    return {"status": "enabled" if data.get("enabled") else "disabled"}


PAGES: dict[str, Callable[[AccountState, dict[str, Any]], Any]] = {
    "": _facts,
    "one-time-password": _one_time_password,
    "user": _user,
    "user-access": _user_access,
}


def page(state: AccountState, name: str, data: dict[str, Any]) -> Response:
    """Answer one Identity Center console page (its JSON, or ``{"error": ...}``)."""
    if not identity_center.enabled():
        return json_response({"error": "IAM Identity Center is not enabled in this account: the "
                                       "sandbox enables it in an organization "
                                       "(labkit.start(\"organization\"))."}, 400)
    found = PAGES.get(name)
    if found is None:
        return json_response({"error": f"unknown Identity Center console page {name!r}"}, 404)
    try:
        return json_response(found(state, data))
    except ValueError as err:
        return json_response({"error": str(err)}, 400)
