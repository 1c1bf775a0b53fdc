"""The ``labkit`` command.

* ``labkit lab`` — open the course in JupyterLab, on the start page (its terminals
  and kernels start with no road to real AWS: see ``labkit.offline_env``);
* ``labkit serve`` — run a sandbox in this terminal and print the ``export``
  lines that point ``aws`` in another terminal at it (they also add loopback to
  ``NO_PROXY``, so a proxy set in that terminal never sees a sandbox request, and
  send every other request through a proxy that refuses AWS hosts: see
  ``labkit.aws_host_proxy``); ``labkit serve --check-client`` says whether the
  ``aws`` in this terminal needs ``--endpoint-url``;
* ``labkit release [--check]`` — write ``exercises/`` from ``solutions/``;
* ``labkit grade PATH... --out DIR`` — grade a class's submissions;
* ``labkit journal [PATHS] [--out FILE]`` — collect your reflections.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from pathlib import Path

from .course_root import project_root

__all__ = ["main", "project_root"]


def cmd_serve(args: argparse.Namespace) -> int:
    if args.check_client:
        from .client_check import check_client

        status, message = check_client(shutil.which(args.check_client) or args.check_client)
        print(message)
        return status

    from .aws_host_proxy import AwsHostProxy, proxy_environment
    from .sandbox import start

    lab = start(args.scenario, quiet=True)
    proxy = None
    try:  # from here on, Ctrl-C at any moment stops the sandbox and removes its files
        # Any client that ignores the endpoint (an AWS CLI v2 before 2.13...) meets this proxy,
        # which refuses every AWS host; the sandbox itself stays in NO_PROXY (see lab.env).
        proxy = AwsHostProxy().start()
        env = {**lab.env, **proxy_environment(proxy.url)}
        print("# IAM castle sandbox is running. In another terminal, paste:")
        for name, value in sorted(env.items()):
            print(f"export {name}={shlex.quote(value)}")
        print("# An AWS CLI v2 before 2.13 ignores this endpoint: add --endpoint-url \"$AWS_ENDPOINT_URL\"")
        print("# to each command (`labkit serve --check-client` there says whether yours needs it).")
        print("# Requests to AWS hosts are refused in that terminal; pip and git keep working.")
        print("# Then try: aws sts get-caller-identity      (Ctrl-C here stops the sandbox)")
        sys.stdout.flush()
        _wait_for_ctrl_c()
    except KeyboardInterrupt:
        pass
    finally:
        if proxy is not None:
            proxy.stop()
        lab.stop()
    return 0


def _wait_for_ctrl_c() -> None:
    """Sleep until Ctrl-C (KeyboardInterrupt), in short naps.

    Python raises KeyboardInterrupt when the main thread next runs Python code. A SIGINT that
    lands just before an untimed wait starts leaves that wait asleep, so each nap ends after a
    quarter second and the interrupt is raised then.
    """
    import time

    while True:
        time.sleep(0.25)


def lab_command(jupyter_args: list[str], proxy_url: str | None = None) -> tuple[list[str], dict[str, str]]:
    """The command line and environment ``labkit lab`` runs JupyterLab with.

    ``proxy_url``: the course's proxy that refuses AWS hosts (:mod:`labkit.aws_host_proxy`),
    given to every terminal and kernel as ``HTTPS_PROXY``/``HTTP_PROXY``.
    """
    from .offline_env import course_aws_folder, offline_environment

    env = offline_environment(os.environ, course_aws_folder(), proxy_url)
    config = Path(__file__).with_name("jupyter_config")
    # The course's settings are *defaults* (labconfig/default_setting_overrides.json), so the
    # learner's own settings directory stays theirs: nothing is ever written into the package.
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(config), os.environ.get("JUPYTER_CONFIG_PATH", "")) if p
    )
    argv = [
        sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={project_root()}",
        "--LabApp.default_url=/lab/tree/notebooks/00-start-here.ipynb",
        *jupyter_args,
    ]
    if not any("terminado_settings" in arg for arg in jupyter_args):
        # Terminals run a non-login shell: a login shell re-reads /etc/profile, which resets PATH
        # and loses the course's `aws` and `labkit` (JupyterLab starts one when not run from a tty).
        shell = os.environ.get("SHELL") or shutil.which("bash") or shutil.which("sh") or "sh"
        argv.append("--ServerApp.terminado_settings=" + json.dumps({"shell_command": [shell]}))
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in argv:
        # Containers and fresh cloud machines often run as root; JupyterLab refuses that unless told.
        argv.append("--allow-root")
    return argv, env


def start_lab_proxy() -> str:
    """Start the proxy that refuses AWS hosts for ``labkit lab``'s terminals; its URL.

    A child process that serves until its parent is gone: this process then becomes
    JupyterLab (``execve`` keeps the process id), so the proxy lives as long as JupyterLab.
    """
    import subprocess

    child = subprocess.Popen([sys.executable, "-m", "labkit.aws_host_proxy"], stdout=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    url = child.stdout.readline().strip()
    child.stdout.close()
    if not url.startswith("http://127.0.0.1:"):
        child.kill()
        raise SystemExit("labkit lab: the course's proxy (labkit.aws_host_proxy) did not start.")
    return url


def cmd_lab(args: argparse.Namespace) -> int:
    argv, env = lab_command(args.jupyter_args, start_lab_proxy())
    os.execve(sys.executable, argv, env)
    return 0  # pragma: no cover


def _scenario_names() -> list[str]:
    from .scenarios import SCENARIOS

    return list(SCENARIOS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labkit", description="IAM castle course tools")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run a sandbox here and print the export lines")
    p.add_argument("--scenario", default=None, choices=sorted(_scenario_names()),
                   help="the starting state (default: new-account)")
    p.add_argument("--check-client", nargs="?", const="aws", default=None, metavar="AWS",
                   help="run `aws --version` (or AWS --version: another CLI, e.g. /usr/local/bin/aws) "
                        "and say whether it needs --endpoint-url; starts no sandbox")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("lab", help="open the course in JupyterLab")
    p.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="extra JupyterLab options")
    p.set_defaults(func=cmd_lab)

    for register in _optional_commands():
        register(sub)
    return parser


def _optional_commands() -> list:
    """Sub-commands contributed by other modules (release, grade, journal)."""
    found = []
    for module in ("release", "journal_cli", "grading.cli", "sso_cli"):
        try:
            mod = __import__(f"labkit.{module}", fromlist=["register_cli"])
        except ModuleNotFoundError as exc:  # that part of the course is not installed
            if not exc.name or not f"labkit.{module}".startswith(exc.name):
                raise
            continue
        if hasattr(mod, "register_cli"):
            found.append(mod.register_cli)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command != "lab":
        parser.error("unrecognized arguments: " + " ".join(unknown))
    if unknown:  # `labkit lab --no-browser --port 9999`: options for JupyterLab
        args.jupyter_args = [*unknown, *args.jupyter_args]
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
