"""The AWS wire protocol, as far as the realism layer needs it.

Requests arrive as WSGI environs; :class:`AwsRequest` reads them once (service,
action, form parameters, the access key that signed them). Responses are built
here in the exact shapes boto3 and the ``aws`` CLI parse: query-protocol XML
for IAM and STS, S3's XML errors, JSON for the simulated console.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode
from xml.sax.saxutils import escape

from .errors import AwsError

__all__ = ["AwsRequest", "Response", "aws_error", "error_response", "query_response", "json_response",
           "not_available", "RequestTooLarge", "MAX_BODY_BYTES", "too_large", "unsigned_service",
           "SSO_BEARER_HEADER", "request_handler"]

# The largest request body the sandbox reads. AWS's own limits are far below it for what the course
# sends: an IAM managed policy is at most 6,144 characters, a role's inline policies 10,240 (IAM and
# STS quotas, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); the course's
# S3 objects are a few bytes. A larger body is refused from its Content-Length, before one byte of it
# is read (and before the sender is known), so no notebook can make the process serving its sandbox
# (outside the grading jail) hold gigabytes.
MAX_BODY_BYTES = 10 * 1024**2


class RequestTooLarge(ValueError):
    """A request whose declared body is larger than :data:`MAX_BODY_BYTES` (or not a number)."""

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/")
# IAM Identity Center's two token services are called unsigned (their operations are "noAuth" in
# botocore's models, botocore/data/sso/2019-06-10 and sso-oidc/2019-06-10): no Authorization header
# names the service, so the sandbox (one address for every service) tells them by their REST paths.
# The names are the services' IAM prefixes: ``sso-oauth`` (OIDC, signingName) and ``sso`` (the portal).
_UNSIGNED_PATHS = {
    ("POST", "/client/register"): ("sso-oauth", "RegisterClient"),
    ("POST", "/device_authorization"): ("sso-oauth", "StartDeviceAuthorization"),
    ("POST", "/token"): ("sso-oauth", "CreateToken"),
    ("GET", "/federation/credentials"): ("sso", "GetRoleCredentials"),
    ("GET", "/assignment/roles"): ("sso", "ListAccountRoles"),
    ("GET", "/assignment/accounts"): ("sso", "ListAccounts"),
    ("POST", "/logout"): ("sso", "Logout"),
}
# The portal's bearer token header (the sso model's ``accessToken`` member, ``location: header``).
SSO_BEARER_HEADER = "x-amz-sso_bearer_token"


def unsigned_service(method: str, path: str) -> tuple[str, str] | None:
    """``(service, operation)`` of an unsigned Identity Center call, from its method and path.

    >>> unsigned_service("GET", "/federation/credentials")
    ('sso', 'GetRoleCredentials')
    >>> unsigned_service("GET", "/") is None
    True
    """
    return _UNSIGNED_PATHS.get((method.upper(), path.rstrip("/") or "/"))


NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}


@dataclass
class Response:
    """A complete HTTP response (status, headers, body)."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def with_body(self, body: bytes) -> Response:
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        return Response(self.status, body, headers)


@dataclass
class AwsRequest:
    """One request to the sandbox, parsed just enough to route it."""

    environ: dict[str, Any]
    body: bytes
    method: str
    path: str
    query: str
    access_key: str | None
    region: str
    service: str
    params: dict[str, str]
    is_form: bool
    operation: str = ""  # the action of a JSON (X-Amz-Target) or REST request without ``Action``

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> AwsRequest:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise RequestTooLarge("the Content-Length header is not a number") from None
        if length < 0 or length > MAX_BODY_BYTES:
            raise RequestTooLarge(f"a request body of {length} bytes is larger than the sandbox reads "
                                  f"({MAX_BODY_BYTES // 1024**2} MiB)")
        body = environ["wsgi.input"].read(length) if length else b""
        auth = environ.get("HTTP_AUTHORIZATION", "")
        match = _CREDENTIAL.search(auth)
        access_key = match.group(1) if match else None
        region = match.group(2) if match else "us-east-1"
        service = match.group(3) if match else ""
        query = environ.get("QUERY_STRING", "")
        ctype = environ.get("CONTENT_TYPE", "")
        is_form = ctype.startswith("application/x-www-form-urlencoded")
        params: dict[str, str] = dict(parse_qsl(query, keep_blank_values=True))
        if not access_key and "X-Amz-Credential" in params:  # presigned URL
            parts = params["X-Amz-Credential"].split("/")
            access_key, region, service = parts[0], parts[2], parts[3]
        if is_form:
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        method = environ.get("REQUEST_METHOD", "GET")
        operation = (environ.get("HTTP_X_AMZ_TARGET") or "").rsplit(".", 1)[-1]
        detected = None if access_key else unsigned_service(method, environ.get("PATH_INFO", "/"))
        if detected is not None:
            service, operation = detected
        return cls(
            environ=environ,
            body=body,
            method=method,
            path=environ.get("PATH_INFO", "/"),
            query=query,
            access_key=access_key,
            region=region,
            service=service,
            params=params,
            is_form=is_form,
            operation=operation,
        )

    @property
    def action(self) -> str:
        """The API action: a query-protocol request's ``Action`` (``CreateUser``), a JSON request's
        ``X-Amz-Target`` operation, an unsigned Identity Center call's operation; else ``""``."""
        return self.params.get("Action", "") or self.operation

    @property
    def session_token(self) -> str | None:
        return self.environ.get("HTTP_X_AMZ_SECURITY_TOKEN") or self.params.get(
            "X-Amz-Security-Token"
        )

    def header(self, name: str) -> str | None:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))

    def set_params(self, **updates: str) -> None:
        """Change form parameters before the request is passed on to moto."""
        self.params.update(updates)
        self.body = urlencode(self.params).encode()

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def wsgi_environ(self) -> dict[str, Any]:
        """The environ to hand to moto, with the (possibly rewritten) body."""
        env = dict(self.environ)
        env["wsgi.input"] = io.BytesIO(self.body)
        env["CONTENT_LENGTH"] = str(len(self.body))
        return env


def _xml_error(code: str, message: str, sender: bool) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<ErrorResponse><Error>"
        f"<Type>{'Sender' if sender else 'Receiver'}</Type>"
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"</Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()


def aws_error(req: AwsRequest | None, code: str, message: str, status: int = 400,
              s3_details: dict[str, str] | None = None) -> Response:
    """The error AWS would send for ``req``, in that service's wire format.

    ``s3_details`` are the extra elements S3 puts after the message (e.g. ``ServerTime``).
    """
    service = req.service if req else "iam"
    if service == "s3":
        details = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in (s3_details or {}).items())
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>{details}"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
        ).encode()
        return Response(status, body, [("Content-Type", "application/xml")])
    json_request = "json" in (req.environ.get("CONTENT_TYPE", "") if req is not None else "") or (
        req is not None and req.service in ("sso", "sso-oauth") and not req.access_key)  # REST-JSON
    if req is not None and (req.header("X-Amz-Target") or json_request):  # JSON and REST-JSON protocols
        body = json.dumps({"__type": code, "message": message}).encode()
        return Response(status, body, [("Content-Type", "application/x-amz-json-1.1"),
                                       ("x-amzn-ErrorType", code)])
    return Response(status, _xml_error(code, message, status < 500), [("Content-Type", "text/xml")])


def error_response(req: AwsRequest | None, err: AwsError) -> Response:
    """The bytes AWS sends for ``err``, in the protocol ``req`` came in (the one place errors are
    serialized: hooks raise, the pipeline calls this)."""
    return aws_error(req, err.code, err.message, err.status, err.s3_details)


def too_large(err: RequestTooLarge) -> Response:
    """The answer to a body too large to read: 413, and the connection closed (the rest of the body
    is never read). AWS's query APIs document no such error; this one is the sandbox's."""
    body = _xml_error("RequestEntityTooLarge", str(err), True)
    # "Connection: close" makes the server close the connection instead of reading the rest of the body
    return Response(413, body, [("Content-Type", "text/xml"), ("Connection", "close")])


def not_available(req: AwsRequest) -> Response:
    """The answer for a call the sandbox cannot serve: at once, AWS-shaped, and with a status
    (501, S3's ``NotImplemented``) that SDKs do not retry, unlike a 500."""
    what = req.action or (req.header("X-Amz-Target") or "").rsplit(".", 1)[-1] or f"{req.method} {req.path}"
    return aws_error(req, "NotImplemented",
                     f"{req.service or 'this service'}:{what} is not available in the IAM castle sandbox "
                     "(it simulates what the course uses; see docs/differences.md).", 501)


def to_xml(value: Any, tag: str | None = None) -> str:
    """Serialise dicts/lists/scalars as query-protocol XML (lists use ``member``)."""
    if isinstance(value, dict):
        inner = "".join(to_xml(v, k) for k, v in value.items() if v is not None)
    elif isinstance(value, list | tuple):
        inner = "".join(to_xml(v, "member") for v in value)
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    else:
        inner = escape(str(value))
    return f"<{tag}>{inner}</{tag}>" if tag else inner


def query_response(service: str, action: str, result: dict[str, Any] | None) -> Response:
    """A successful query-protocol response for ``action`` with ``result``."""
    ns = NAMESPACES.get(service, NAMESPACES["iam"])
    inner = to_xml(result, f"{action}Result") if result is not None else ""
    body = (
        f'<{action}Response xmlns="{ns}">{inner}'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    ).encode()
    return Response(200, body, [("Content-Type", "text/xml")])


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, default=str).encode()
    return Response(status, body, [("Content-Type", "application/json")])


def collect(app: Any, environ: dict[str, Any]) -> Response:
    """Call a WSGI app and gather its whole response."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = int(status.split()[0])
        captured["headers"] = list(headers)
        return lambda data: None

    chunks: Iterable[bytes] = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
    return Response(captured["status"], body, captured["headers"])


def request_handler() -> type:
    """The TCP server's request handler: moto's, keeping the portal's bearer token header.

    Werkzeug's server drops every header with an underscore in its name (WSGI cannot tell
    ``X_Foo`` from ``X-Foo``), and the portal's ``x-amz-sso_bearer_token`` has one; this handler
    keeps that one header (its dashed twin, were one sent, is refused by no one: it is not read).
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class SandboxRequestHandler(MotoRequestHandler):
        def make_environ(self) -> dict[str, Any]:
            environ = super().make_environ()
            for name, value in self.headers.items():
                if name.lower() == SSO_BEARER_HEADER:
                    environ["HTTP_X_AMZ_SSO_BEARER_TOKEN"] = value
            return environ

    return SandboxRequestHandler
