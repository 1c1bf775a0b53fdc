"""Before the site is written: the trimmed wheels, exactly as shipped, run the sandbox and ``aws``.

The wheels are unpacked into a folder that goes first on ``sys.path`` of a fresh Python
here, so what runs is the trimmed botocore, awscli and moto, the browser-only stubs and
the labkit wheel -- not the installed packages. A trim that removed something the course
needs fails the build here, with the error, instead of in a learner's browser tab.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

__all__ = ["verify_wheels"]

_PROBE = r"""
import json, sys
import labkit, botocore, cryptography
assert botocore.__file__.startswith(sys.argv[1]), botocore.__file__
assert cryptography.__file__.startswith(sys.argv[1]), cryptography.__file__
lab = labkit.start(in_process=True, quiet=True)
from labkit import aws_in_kernel
for words in (["sts", "get-caller-identity"], ["iam", "create-user", "--user-name", "probe"],
              ["iam", "list-users"], ["s3api", "list-buckets"]):
    result = aws_in_kernel.run(words)
    if result.status != 0:
        sys.exit(f"aws {' '.join(words)} failed with the trimmed wheels:\n{result.output.decode()[-3000:]}")
lab.client("iam").create_virtual_mfa_device(VirtualMFADeviceName="probe")
import importlib, importlib.util
for service in sys.argv[2].split(","):  # every service a notebook calls: its emulation imports
    if importlib.util.find_spec(f"moto.{service}") is not None:
        importlib.import_module(f"moto.{service}.models")
print("ok")
"""


def verify_wheels(wheel_dir: Path, services: set[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="iam-castle-site-") as tmp:
        for wheel in wheel_dir.glob("*.whl"):
            with zipfile.ZipFile(wheel) as zf:
                zf.extractall(tmp)
        env = {"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin", "HOME": tmp, "PYTHONNOUSERSITE": "1"}
        argv = [sys.executable, "-c", _PROBE, tmp, ",".join(sorted(services))]
        done = subprocess.run(argv, cwd=tmp, env=env, capture_output=True,
                              text=True, timeout=300)
        if done.returncode != 0 or "ok" not in done.stdout:
            raise SystemExit(f"make site: the trimmed wheels do not run the course:\n{done.stdout[-2000:]}"
                             f"{done.stderr[-3000:]}")
