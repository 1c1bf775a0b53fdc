"""Every course notebook carries the course's kernelspec and the kernel's own language info."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

from labkit.notebook_format import COURSE_METADATA, LANGUAGE_INFO

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p for folder in ("notebooks", "solutions", "exercises")
                   for p in (ROOT / folder).glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_carries_course_metadata(path: Path) -> None:
    metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    assert metadata["kernelspec"] == COURSE_METADATA["kernelspec"]
    assert metadata["language_info"] == LANGUAGE_INFO


def test_language_info_is_what_the_course_kernel_reports() -> None:
    """If this fails after a Python upgrade, update LANGUAGE_INFO and rebuild the notebooks."""
    manager, client = start_new_kernel(kernel_name=COURSE_METADATA["kernelspec"]["name"],
                                       stderr=subprocess.DEVNULL)
    try:
        reported = client.kernel_info(reply=True, timeout=30)["content"]["language_info"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert {k: v for k, v in reported.items() if k != "version"} == \
        {k: v for k, v in LANGUAGE_INFO.items() if k != "version"}
    assert reported["version"] == platform.python_version()
    assert reported["version"].rsplit(".", 1)[0] == LANGUAGE_INFO["version"].rsplit(".", 1)[0] == \
        f"{sys.version_info.major}.{sys.version_info.minor}"
