"""One HTTP request to the sandbox, exactly as given (no SDK): for the tests that forge or replay.

On the server it goes over a socket to 127.0.0.1, past any proxy; in-process (no socket) it is
handed to the same layer by the in-process transport
(:class:`labkit.transports.in_process.InProcessTransport`).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit

import labkit
from tests.support.transports import server_of

__all__ = ["send"]


def send(lab: labkit.Lab, method: str, url: str, body: str | bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, str]:
    """Send one request to ``lab``'s sandbox; return its status and body text (errors included)."""
    data = body.encode() if isinstance(body, str) else body
    if lab.in_process:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        status, answer = server_of(lab).request(method, path, data, dict(headers or {}))
        return status, answer.decode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
