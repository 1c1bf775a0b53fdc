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
* the ``aws`` and ``labkit`` commands on ``PATH`` are the course's;
* ``NO_PROXY``/``no_proxy`` name loopback, so a proxy never sees a request to a
  sandbox (the guard enforces the same inside every ``aws`` and kernel);
* ``HTTPS_PROXY``/``HTTP_PROXY`` (both cases) name the course's proxy, which
  refuses every AWS host and passes everything else on (to a campus proxy, if
  there was one): a client that skips both the guard and the endpoint settings
  still cannot reach AWS (see :mod:`labkit.aws_host_proxy`).

So ``aws ...`` in such a terminal stops before sending anything and says how to
connect it to a sandbox: run ``labkit serve`` in another terminal and paste the
``export`` lines it prints.

>>> env = offline_environment({"AWS_PROFILE": "prod", "HOME": "/home/me"}, folder=None)
>>> "AWS_PROFILE" in env, env["HOME"], env["AWS_ENDPOINT_URL"]
(False, '/home/me', 'http://127.0.0.1:9')
>>> without_proxy_for_loopback({"no_proxy": "intranet.example"})["NO_PROXY"]
'intranet.example,127.0.0.1,localhost,::1'
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["NO_SANDBOX_ENDPOINT", "offline_environment", "course_aws_folder", "path_with_our_bin",
           "without_proxy_for_loopback"]

# The "discard" port on loopback: nothing listens there, and it never leaves the machine.
NO_SANDBOX_ENDPOINT = "http://127.0.0.1:9"
_PLACEHOLDER_KEY = ("AKIANOSANDBOXHERE000", "no-sandbox-is-connected-to-this-shell-0000")


_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def course_aws_folder() -> Path:
    """Where the course's AWS config files for JupyterLab live (private to this OS user).

    ``<tmp>/labkit-<uid>``, made 0700; if someone else created that folder first (to
    plant their own config there), a new private folder is used instead.
    """
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    base = Path(tempfile.gettempdir()) / f"labkit-{uid}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = base.lstat()
        ours = stat.S_ISDIR(info.st_mode) and (not hasattr(os, "getuid") or info.st_uid == os.getuid())
    except OSError:
        ours = False
    if not ours:
        base = Path(tempfile.mkdtemp(prefix=f"labkit-{uid}-"))
    os.chmod(base, 0o700)
    return base / "no-sandbox-aws"


def without_proxy_for_loopback(environ: Mapping[str, str]) -> dict[str, str]:
    """``NO_PROXY`` and ``no_proxy`` (both: tools disagree on which wins) with loopback added.

    Proxies (``HTTP_PROXY``...) keep serving everything else, e.g. ``pip``.
    """
    entries: list[str] = []
    for name in ("no_proxy", "NO_PROXY"):
        for entry in environ.get(name, "").split(","):
            if entry.strip() and entry.strip() not in entries:
                entries.append(entry.strip())
    entries += [name for name in _LOOPBACK_NAMES if name not in entries]
    value = ",".join(entries)
    return {"NO_PROXY": value, "no_proxy": value}


def _write_files(folder: Path) -> tuple[str, str]:
    folder.mkdir(exist_ok=True, mode=0o700)
    config, credentials = folder / "config", folder / "credentials"
    for path in (config, credentials):  # never through a link someone planted
        if path.is_symlink():
            path.unlink()
    config.write_text("[default]\nregion = us-east-1\noutput = json\n"
                      f"endpoint_url = {NO_SANDBOX_ENDPOINT}\n\n"  # for clients without the guard
                      "[plugins]\nlabkit_guard = labkit.guard\n")
    key_id, secret = _PLACEHOLDER_KEY
    credentials.write_text(f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
    return str(config), str(credentials)


def offline_environment(environ: Mapping[str, str], folder: Path | None,
                        proxy_url: str | None = None) -> dict[str, str]:
    """``environ`` without any road to real AWS (files written into ``folder``; None: no files).

    Used by ``labkit lab`` for the JupyterLab server it starts. ``proxy_url``: the
    course's AWS-host-refusing proxy (:mod:`labkit.aws_host_proxy`) every HTTP(S)
    request of its terminals goes through.
    """
    env = {k: v for k, v in environ.items() if not k.startswith("AWS_") and k != "LABKIT_ENDPOINT"}
    env.update({
        "AWS_ENDPOINT_URL": NO_SANDBOX_ENDPOINT,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    })
    env.update(without_proxy_for_loopback(environ))
    if proxy_url:
        env.update({name: proxy_url for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")})
    if folder is not None:
        env["AWS_CONFIG_FILE"], env["AWS_SHARED_CREDENTIALS_FILE"] = _write_files(folder)
    env["PATH"] = path_with_our_bin(env.get("PATH", ""))
    return env


def path_with_our_bin(path: str) -> str:
    """``path`` with this Python's ``bin`` first, so ``aws`` and ``labkit`` are the course's."""
    ours = os.path.dirname(sys.executable)
    rest = [p for p in path.split(os.pathsep) if p and p != ours]
    return os.pathsep.join([ours, *rest])
