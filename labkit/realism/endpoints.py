"""The sandbox's own endpoints under ``/labkit/``: who may call which, and where each goes.

Every ``/labkit/`` endpoint needs a secret that only the sandbox's owner holds,
so a neighbour on the same machine who finds the port gets nothing:

* ``portal/...`` (the AWS access portal's sign-in pages) is public, as AWS's portal is: a
  person's password and MFA guard it;
* ``health``, ``ci/token`` and ``console/...`` need the owner token (header ``X-Labkit-Token``),
  held by the owner's :class:`labkit.Lab` (and by a graded notebook, for its own sandbox);
* ``admin/...`` (reset, enforcement on/off, back-dating for scenarios) needs the admin token
  (header ``X-Labkit-Admin``), which a graded notebook never receives.

The console's API is :mod:`.console_api`, the control endpoints :mod:`.control_api`, the CI
service's token issuer :mod:`.ci_issuer`.
"""

from __future__ import annotations

import secrets

from . import identity_center_console
from . import moto_bridge as mb
from .ci_issuer import ci_token
from .console_api import CONSOLE
from .control_api import ADMIN, Layer
from .portal_pages import portal_page
from .wire import AwsRequest, Response, json_response

__all__ = ["handle"]

IDENTITY_CENTER = "console/identity-center"


def handle(layer: Layer, req: AwsRequest) -> Response:
    """Route one ``/labkit/...`` request, once its token is the right one."""
    path = req.path[len("/labkit/"):].strip("/")
    if path.startswith("portal/"):  # the AWS access portal is public: a person's password and MFA guard it
        return portal_page(layer.state, path[len("portal/"):], req.json())
    if path.startswith("admin/"):
        if not secrets.compare_digest(req.header("X-Labkit-Admin") or "", layer.state.admin_token):
            return json_response({"error": "the admin token is missing or wrong"}, 403)
    elif not secrets.compare_digest(req.header("X-Labkit-Token") or "", layer.state.owner_token):
        return json_response({"error": "this sandbox belongs to someone else: its owner token is "
                                       "missing or wrong"}, 403)
    data = req.json()
    if path == "health":
        return json_response({"ok": True, "account_id": mb.ACCOUNT_ID})
    if path == "ci/token":
        return ci_token(layer.state, data)
    if path == IDENTITY_CENTER or path.startswith(IDENTITY_CENTER + "/"):  # the administrator's pages
        return identity_center_console.page(layer.state, path[len(IDENTITY_CENTER):].strip("/"), data)
    if path.startswith("console/") and path[len("console/"):] in CONSOLE:
        return CONSOLE[path[len("console/"):]](layer.state, data)
    if path.startswith("admin/") and path[len("admin/"):] in ADMIN:
        return ADMIN[path[len("admin/"):]](layer, data)
    return json_response({"error": f"unknown labkit endpoint /labkit/{path}"}, 404)
