"""A real Jupyter kernel driven cell by cell, as a learner's notebook drives it (for tests)."""

from __future__ import annotations

import os
import subprocess
from typing import Any

from jupyter_client import KernelManager


class KernelSession:
    """A fresh ``python3`` kernel with no AWS settings inherited from the test process."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
        clean.update(env or {})
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env=clean, stderr=subprocess.DEVNULL)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code: str, expressions: dict[str, str] | None = None,
            timeout: float = 180) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """Run one cell: (what it showed, as (stream or kind, text) runs; user expression values)."""
        msg_id = self.client.execute(code, user_expressions=expressions or {})
        shown: list[tuple[str, str]] = []
        while True:
            msg = self.client.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                part = (content["name"], content["text"])
            elif kind == "error":
                part = ("error", "\n".join(content["traceback"]))
            elif kind in ("execute_result", "display_data"):
                part = (kind, content["data"].get("text/plain", ""))
            elif kind == "status" and content["execution_state"] == "idle":
                break
            else:
                continue
            if shown and shown[-1][0] == part[0] and part[0] in ("stdout", "stderr"):
                shown[-1] = (part[0], shown[-1][1] + part[1])  # chunking is not what a learner sees
            else:
                shown.append(part)
        while True:
            reply = self.client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        values: dict[str, Any] = {}
        for name, value in reply["content"].get("user_expressions", {}).items():
            failed = f"{value.get('ename')}: {value.get('evalue')}"
            values[name] = value.get("data", {}).get("text/plain", failed)
        return shown, values

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
