"""The environment ``labkit lab`` gives JupyterLab: no road to real AWS, terminals included.

A notebook is made safe by ``labkit.start()``. A JupyterLab *terminal* has no kernel,
so without help ``aws iam create-user ...`` typed there would use whatever real AWS
credentials the machine has. ``labkit lab`` therefore starts JupyterLab (and with it
every terminal and kernel it opens) in an environment where:

* every ``AWS_*`` variable that could carry real credentials, profiles or endpoints
  is removed, and ``~/.aws`` is not read (the config and credentials files are the
  course's own: placeholder keys, and labkit's guard loaded as an ``aws`` plugin);
* the default endpoint is a closed port on 127.0.0.1, so even a program that skips
  the guard cannot leave the machine;
* the ``aws`` and ``labkit`` commands on ``PATH`` are the course's.

So ``aws ...`` in such a terminal stops before sending anything and says how to
connect it to a sandbox: run ``labkit serve`` in another terminal and paste the
``export`` lines it prints.

>>> env = offline_environment({"AWS_PROFILE": "prod", "HOME": "/home/me"}, folder=None)
>>> "AWS_PROFILE" in env, env["HOME"], env["AWS_ENDPOINT_URL"]
(False, '/home/me', 'http://127.0.0.1:9')
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["NO_SANDBOX_ENDPOINT", "offline_environment", "course_aws_folder", "path_with_our_bin"]

# The "discard" port on loopback: nothing listens there, and it never leaves the machine.
NO_SANDBOX_ENDPOINT = "http://127.0.0.1:9"
_PLACEHOLDER_KEY = ("AKIANOSANDBOXHERE000", "no-sandbox-is-connected-to-this-shell-0000")


def course_aws_folder() -> Path:
    """Where the course's AWS config files for JupyterLab live (private to this OS user)."""
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"labkit-{uid}" / "no-sandbox-aws"


def _write_files(folder: Path) -> tuple[str, str]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    config, credentials = folder / "config", folder / "credentials"
    config.write_text("[default]\nregion = us-east-1\noutput = json\n\n"
                      "[plugins]\nlabkit_guard = labkit.guard\n")
    key_id, secret = _PLACEHOLDER_KEY
    credentials.write_text(f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
    return str(config), str(credentials)


def offline_environment(environ: Mapping[str, str], folder: Path | None) -> dict[str, str]:
    """``environ`` without any road to real AWS (files written into ``folder``; None: no files).

    Used by ``labkit lab`` for the JupyterLab server it starts.
    """
    env = {k: v for k, v in environ.items() if not k.startswith("AWS_") and k != "LABKIT_ENDPOINT"}
    env.update({
        "AWS_ENDPOINT_URL": NO_SANDBOX_ENDPOINT,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    })
    if folder is not None:
        env["AWS_CONFIG_FILE"], env["AWS_SHARED_CREDENTIALS_FILE"] = _write_files(folder)
    env["PATH"] = path_with_our_bin(env.get("PATH", ""))
    return env


def path_with_our_bin(path: str) -> str:
    """``path`` with this Python's ``bin`` first, so ``aws`` and ``labkit`` are the course's."""
    ours = os.path.dirname(sys.executable)
    rest = [p for p in path.split(os.pathsep) if p and p != ours]
    return os.pathsep.join([ours, *rest])
