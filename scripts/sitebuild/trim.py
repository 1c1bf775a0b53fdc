"""Wheels cut down to what the course uses, so a first visit stays within its size budget.

botocore (and the copy awscli carries) holds the API model of every AWS service, about
17 MB compressed each; moto emulates every service too. The course talks to a handful
(:func:`services_used` reads them from the notebooks and labkit's own code, so a chapter
that starts using another service gets it in the next ``make site``). What goes:

* ``botocore/data/<service>/`` and ``awscli/botocore/data/<service>/`` of unused services;
* ``moto/<service>/`` of unused services (moto's core and the services the used ones
  import stay);
* ``awscli/examples/`` (the text of ``aws ... help``, which needs a pager: no help pages
  in the browser edition) and jedi's bundled type stubs (completion still works, with
  less type inference).

Everything removed is listed in docs/differences.md.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["ALWAYS", "AWSCLI_NEEDS", "MOTO_SUPPORT", "services_used", "moto_packages", "trim_wheel"]

# Services the sandbox itself needs, whatever the notebooks say.
ALWAYS = {"iam", "sts", "s3"}
# Services awscli's own customizations look up while building the `aws` command table, before any
# command runs (awscli/customizations/preview.py: sdb; codedeploy, configservice and sagemaker
# renames; sms_voice.py). Without them every `aws` line fails with a KeyError. Small models.
AWSCLI_NEEDS = {"sdb", "codedeploy", "config", "sagemaker-runtime", "pinpoint-sms-voice", "sms-voice"}
# moto packages that are not services, or that the kept services import.
MOTO_SUPPORT = {"core", "utilities", "moto_api", "moto_server", "s3bucket_path", "cloudwatch", "events"}
# `aws <command>` names that are not the service's model name.
_CLI_ALIASES = {"s3api": "s3"}
# Services another one brings along: signing in to IAM Identity Center (sso-oidc, labkit.sso_login)
# is for botocore's SSO credential provider, which then calls the portal API (sso).
_IMPLIED = {"sso-oidc": {"sso"}}
# moto's package of a service whose name differs from the service's model name.
_MOTO_PACKAGES = {"sso-admin": "ssoadmin"}
_AWS_LINE = re.compile(r"aws\s+(?:--[\w-]+(?:\s+\S+)?\s+)*([a-z0-9-]+)\s")
_CLIENT = re.compile(r"""\.(?:client|resource)\(\s*["']([a-z0-9-]+)["']""")


def services_used(notebooks: Iterable[Path], known: set[str], sources: Iterable[Path] = ()) -> set[str]:
    """Every AWS service a notebook calls (``aws <service> ...`` or ``client("<service>")``), and
    every service labkit's own code (``sources``, e.g. a scenario) asks boto3 for."""
    found = set(ALWAYS)
    texts = [path.read_text() for path in sources]
    for path in notebooks:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                text = "".join(cell["source"])
                texts.append(text)
                found |= {_CLI_ALIASES.get(n, n) for n in _AWS_LINE.findall(text)} & known
    for text in texts:
        found |= {_CLI_ALIASES.get(n, n) for n in _CLIENT.findall(text)} & known
    for service in list(found):
        found |= _IMPLIED.get(service, set()) & known
    return found


def moto_packages(services: set[str]) -> set[str]:
    """moto's package names (``moto/<package>/``) of ``services`` (botocore's model names)."""
    return {_MOTO_PACKAGES.get(service, service) for service in services}


def _dropped(path: str, services: set[str]) -> bool:
    parts = path.split("/")
    models = services | AWSCLI_NEEDS
    if parts[0] == "botocore" and len(parts) > 3 and parts[1] == "data":
        return parts[2] not in models
    if parts[:2] == ["awscli", "botocore"] and len(parts) > 4 and parts[2] == "data":
        return parts[3] not in models
    if parts[:2] == ["awscli", "examples"]:
        return True
    if parts[:2] == ["jedi", "third_party"] and len(parts) > 2 and parts[2] in ("typeshed", "django-stubs"):
        return True
    if parts[0] == "moto" and len(parts) > 2:  # moto/<package>/...
        return parts[1] not in moto_packages(services) and parts[1] not in MOTO_SUPPORT
    return False


def trim_wheel(wheel: Path, dest: Path, services: set[str]) -> Path:
    """Copy ``wheel`` to ``dest`` without the parts the course never uses (RECORD kept true).

    ``services``: what :func:`services_used` found. Their emulation stays in moto; their API
    models, and those of :data:`AWSCLI_NEEDS`, stay in botocore.
    """
    out = dest / wheel.name
    with zipfile.ZipFile(wheel) as src:
        kept = [info for info in src.infolist() if not _dropped(info.filename, services)]
        if len(kept) == len(src.infolist()):
            out.write_bytes(wheel.read_bytes())
            return out
        names = {info.filename for info in kept}
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
            for info in kept:
                data = src.read(info)
                if info.filename.endswith(".dist-info/RECORD"):
                    lines = data.decode().splitlines()
                    data = ("\n".join(ln for ln in lines if ln.split(",")[0] in names) + "\n").encode()
                dst.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out
