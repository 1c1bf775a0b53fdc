"""``labkit serve --check-client``: does the ``aws`` in this terminal read the sandbox's endpoint?

The ``export`` lines of ``labkit serve`` give the endpoint twice: ``AWS_ENDPOINT_URL``
and ``endpoint_url`` in the config file they point to. The AWS CLI reads either from
v1.29.0 and v2.13.0 on ("Service-specific endpoints", AWS SDKs and Tools Reference
Guide: https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html;
https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-endpoints.html). An
older CLI ignores both and aims at AWS itself -- where the course's proxy refuses it
(see :mod:`labkit.aws_host_proxy`) -- so it needs ``--endpoint-url`` on each command.

>>> print(advice("aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off"))
aws-cli/2.9.19: older than 2.13.0, so it ignores the endpoint in the export lines. Add
  --endpoint-url "$AWS_ENDPOINT_URL"
to each command (without it, the course's proxy refuses the request: it never reaches AWS),
or install a current AWS CLI v2.
>>> print(advice("aws-cli/2.32.0 Python/3.13.7 Darwin/24.6.0 exe/x86_64"))
aws-cli/2.32.0: reads the endpoint from the export lines. Nothing to add.
"""

from __future__ import annotations

import re
import shutil
import subprocess

__all__ = ["MINIMUM", "advice", "check_client"]

# The first version of each major line that reads AWS_ENDPOINT_URL and the config file's endpoint_url.
MINIMUM = {1: (1, 29, 0), 2: (2, 13, 0)}

_VERSION = re.compile(r"aws-cli/(\d+)\.(\d+)\.(\d+)")


def advice(version_line: str) -> str:
    """What to do with the CLI whose ``aws --version`` printed ``version_line``."""
    found = _VERSION.search(version_line)
    if not found:
        return (f"Could not read a version from {version_line.strip()!r}. If your AWS CLI is older "
                "than 2.13.0 (v2) or 1.29.0 (v1), add --endpoint-url \"$AWS_ENDPOINT_URL\" to each command.")
    version = tuple(int(part) for part in found.groups())
    name = "aws-cli/" + ".".join(found.groups())
    minimum = MINIMUM.get(version[0])
    if minimum is None or version >= minimum:
        return f"{name}: reads the endpoint from the export lines. Nothing to add."
    return (f"{name}: older than {'.'.join(map(str, minimum))}, so it ignores the endpoint in the "
            "export lines. Add\n  --endpoint-url \"$AWS_ENDPOINT_URL\"\nto each command (without it, the "
            "course's proxy refuses the request: it never reaches AWS),\nor install a current AWS CLI v2.")


def check_client(aws: str | None = None) -> tuple[int, str]:
    """Run ``aws --version`` (the ``aws`` on ``PATH`` unless named) and say what to do.

    Returns an exit status (0: nothing to add; 1: add ``--endpoint-url``; 2: no ``aws``
    found or it would not run) and the message.
    """
    exe = aws or shutil.which("aws")
    if not exe or not shutil.which(exe):
        return 2, f"No `{exe or 'aws'}` command found in this terminal."
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        return 2, f"`{exe} --version` did not run: {err}"
    line = (done.stdout.strip() or done.stderr.strip()).splitlines()[:1]
    text = advice(line[0] if line else "")
    return (0 if "Nothing to add" in text else 1), f"{exe}: {text}"
