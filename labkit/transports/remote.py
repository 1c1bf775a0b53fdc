"""The client side of a sandbox another process serves over HTTP (for example the grader's).

It serves nothing: it only sends :class:`labkit.Lab`'s control and console requests to the
sandbox's URL, directly, never through a proxy.
"""

from __future__ import annotations

import urllib.error
import urllib.request

__all__ = ["RemoteTransport", "http_request"]


def http_request(url: str, method: str, body: bytes | None, headers: dict[str, str],
                 timeout: float = 30) -> tuple[int, bytes]:
    """Send one request to ``url`` without any proxy; the status and body (errors included).

    Raises ``OSError`` (``urllib.error.URLError``) when nothing answers.
    """
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as err:
        return int(err.code), err.read()


class RemoteTransport:
    """A road to the sandbox at ``url``, which some other process serves."""

    in_process = False

    def __init__(self, url: str) -> None:
        self.url = url

    def request(self, method: str, path: str, body: bytes | None,
                headers: dict[str, str]) -> tuple[int, bytes]:
        """One HTTP request to the sandbox."""
        return http_request(self.url + path, method, body, headers)

    def stop(self) -> None:
        """Nothing to stop: the sandbox is not ours."""
