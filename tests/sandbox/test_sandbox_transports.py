"""Every transport carries the same requests to the same sandbox; a Lab never asks which it holds."""

from __future__ import annotations

import os
import tempfile

import pytest

import labkit
from labkit.sandbox_link import SandboxLink
from labkit.transports.remote import RemoteTransport
from labkit.transports.unix_socket import UnixSocketTransport


@pytest.mark.opens_sockets  # the Unix socket it serves the sandbox on, beside either transport
def test_the_unix_socket_serves_the_labs_own_sandbox(lab: labkit.Lab) -> None:
    """What the grader's jailed kernels reach: the same account, through a socket file."""
    assert lab.sandbox is not None
    folder = tempfile.mkdtemp(prefix="labkit-test-")
    transport = UnixSocketTransport(lab.sandbox, os.path.join(folder, "sandbox.sock")).start()
    try:
        owner = SandboxLink(transport, lab.sandbox.admin_token, lab.sandbox.owner_token)
        assert owner.call("GET", "/labkit/health")["ok"] is True
        assert owner.auditor() == lab.sandbox.auditor()  # asked over the socket, answered from state
        stranger = SandboxLink(transport, None, "not-the-owner")
        assert stranger.call("GET", "/labkit/health")["status"] == 403
        with pytest.raises(PermissionError, match="does not own"):
            stranger.reset("AKIAEXAMPLE", "secret")
    finally:
        transport.stop()
        os.unlink(os.path.join(folder, "sandbox.sock"))
        os.rmdir(folder)
    with pytest.raises(OSError):
        transport.request("GET", "/labkit/health", None, {})


@pytest.mark.server_only("a second Lab reaches the sandbox by its URL: only a server has one")
def test_an_attached_lab_reaches_the_sandbox_over_http_and_cannot_reset_it(lab: labkit.Lab) -> None:
    attached = labkit.Lab(lab.endpoint_url, owner_token=lab.attach_spec()["owner_token"])
    assert attached.sandbox is None and not attached.owns_sandbox and not attached.in_process
    assert attached.running
    with pytest.raises(PermissionError):
        attached.auditor()
    nowhere = SandboxLink(RemoteTransport("http://127.0.0.1:1"), None, None)
    with pytest.raises(OSError):
        nowhere.call("GET", "/labkit/health")
