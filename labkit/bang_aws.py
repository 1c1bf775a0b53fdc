"""``!aws ...`` in a notebook, answered inside the kernel: same words, same output, no new program.

After ``labkit.start()`` in a notebook, a line such as ::

    !aws iam list-users --query "Users[].UserName" --output text
    names = !aws iam list-users --query "Users[].UserName" --output text

runs the AWS command line's own code inside your kernel (see
:mod:`labkit.aws_in_kernel`) instead of starting the ``aws`` program: it is
answered in a few milliseconds instead of half a second, and prints exactly what
the program prints (the same text, colours and ``_exit_code``). IPython has
already joined ``\\``-continued lines and filled in ``{python_value}`` and
``$python_name`` when the line gets here, as it does for every ``!`` line.

Only plain ``aws`` commands are answered in the kernel. Everything else -- other
programs, pipes (``| base64 --decode``), redirections, ``&&``, shell variables,
``aws ... help`` (it opens a pager), ``aws configure`` (it asks questions) --
goes to the shell exactly as before. The browser edition has no shell: there,
such lines go to :mod:`labkit.editions.pipeline`, which runs the few programs
the course pipes ``aws`` into and names anything else it cannot run.

Turning it off (to watch the real program run, or to compare):

* in a notebook: ``%aws_process`` (``%aws_process off`` switches back);
* for a kernel: ``labkit.start(aws_in_kernel=False)``;
* for everything you start: the environment variable ``LABKIT_AWS_IN_KERNEL=0``.

``labkit serve`` terminals always run the real ``aws`` program.
"""

from __future__ import annotations

import os
import shutil
import sys
import types
from typing import Any

from . import aws_in_kernel
from .editions import IN_BROWSER
from .sandbox_wording import cli_note
from .shell_words import split_command

__all__ = ["install", "uninstall", "installed", "enabled", "default_enabled", "set_enabled", "aws_words",
           "aws_command", "ENV_SWITCH"]

ENV_SWITCH = "LABKIT_AWS_IN_KERNEL"
_OFF = {"0", "false", "no", "off"}
# Shells whose quoting of a simple command line is the POSIX one that labkit.shell_words follows.
_POSIX_SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "mksh"}

_enabled = True
_installed: dict[int, Any] = {}
_which_cache: dict[str, bool] = {}


def installed() -> bool:
    """True once a kernel's ``!`` lines come through here."""
    return bool(_installed)


def enabled() -> bool:
    """True when ``!aws`` lines are answered inside the kernel."""
    return _enabled


def set_enabled(on: bool) -> None:
    """Answer ``!aws`` lines inside the kernel (True) or with the real ``aws`` program (False)."""
    global _enabled
    _enabled = bool(on)


def default_enabled(environ: Any = os.environ) -> bool:
    """What ``LABKIT_AWS_IN_KERNEL`` asks for (on unless it says 0/false/no/off)."""
    return environ.get(ENV_SWITCH, "1").strip().lower() not in _OFF


def _aws_is_ours() -> bool:
    """True when ``aws`` on PATH is the program installed beside labkit (or there is none)."""
    path = os.environ.get("PATH", "")
    known = _which_cache.get(path)
    if known is None:
        found = shutil.which("aws", path=path)
        ours = aws_in_kernel.aws_program()
        known = found is None or os.path.realpath(found) == os.path.realpath(ours)
        if len(_which_cache) > 32:
            _which_cache.clear()
        _which_cache[path] = known
    return known


def aws_words(command: str) -> list[str] | None:
    """The words after ``aws`` when ``command`` can be answered in the kernel, else None.

    (See :func:`aws_command` for the variables a line may set for the command.)

    >>> aws_words('aws iam list-users --query "Users[].UserName"')
    ['iam', 'list-users', '--query', 'Users[].UserName']
    >>> aws_words("aws iam list-users | head") is None, aws_words("aws iam help") is None
    (True, True)
    >>> aws_words("ls -l") is None
    True
    """
    found = aws_command(command)
    return None if found is None else found[1]


def aws_command(command: str) -> tuple[dict[str, str], list[str]] | None:
    """``(variables set for the command, words after aws)``, or None when it is not plain ``aws``.

    >>> aws_command("AWS_ACCESS_KEY_ID=AKIA0000 aws iam list-access-keys")
    ({'AWS_ACCESS_KEY_ID': 'AKIA0000'}, ['iam', 'list-access-keys'])
    """
    found = split_command(command)
    if found is None:
        return None
    env, words = found
    if not words or words[0] != "aws":
        return None
    args = words[1:]
    if "help" in args:  # awscli shows help through a pager program
        return None
    if args[:1] == ["configure"] and (len(args) == 1 or args[1].startswith("-")):
        return None  # interactive: asks for keys on the terminal
    if "PATH" in env:  # which `aws` runs would change
        return None
    return env, args


def _answer_here(command: str) -> tuple[dict[str, str], list[str]] | None:
    """``(variables, words after aws)`` when this ``!`` line is answered in the kernel, else None."""
    if not _enabled or os.path.basename(os.environ.get("SHELL", "sh")) not in _POSIX_SHELLS:
        return None
    found = aws_command(command)
    if found is None or not _aws_is_ours():  # another `aws` first on PATH: that program it is
        return None
    return found


def _ipython_status(status: int) -> int:
    """``_exit_code`` as IPython reports a program's status through its terminal (255 -> -127)."""
    return -(status - 128) if status > 128 else status


def _in_kernel(line: str, found: tuple[dict[str, str], list[str]] | None, tty: bool) -> aws_in_kernel.Result:
    """A ``!`` line answered here: plain ``aws`` (``found``), or -- browser edition -- a pipeline."""
    if found is not None:
        return aws_in_kernel.run(found[1], tty=tty, separate=True, env=found[0])
    from .editions import pipeline  # no shell in a browser tab: its stand-in, for what the course pipes

    return pipeline.run(line)


def _system(self: Any, cmd: str) -> None:
    """IPython's ``system`` (a ``!`` line), with plain ``aws`` commands answered in the kernel."""
    if cmd.rstrip().endswith("&"):
        raise OSError("Background processes not supported.")
    expanded = self.var_expand(cmd, depth=1)
    found = _answer_here(expanded)
    if found is None and not IN_BROWSER:
        from IPython.utils.process import system

        exit_code = system(expanded)
    else:
        from IPython.utils.encoding import DEFAULT_ENCODING

        result = _in_kernel(expanded, found, tty=True)
        # A terminal turns every "\n" into "\r\n" on the way to IPython, which prints what it reads.
        shown = result.output.decode(DEFAULT_ENCODING, "replace")
        print(shown.replace("\n", "\r\n"), end="")
        note = cli_note(shown)  # an error text that is the sandbox's own, not AWS's: say so
        if note is not None:
            print(note, end="\r\n")
        sys.stdout.flush()
        exit_code = _ipython_status(result.status)
    self.user_ns["_exit_code"] = exit_code
    if getattr(self, "system_raise_on_error", False) and exit_code != 0:
        from subprocess import CalledProcessError

        raise CalledProcessError(exit_code, cmd)


def _getoutput(self: Any, cmd: str, split: bool = True, depth: int = 0) -> Any:
    """IPython's ``getoutput`` (``x = !...``), with plain ``aws`` commands answered in the kernel."""
    from IPython.utils.encoding import DEFAULT_ENCODING
    from IPython.utils.text import LSString, SList

    if cmd.rstrip().endswith("&"):
        raise OSError("Background processes not supported.")
    expanded = self.var_expand(cmd, depth=depth + 1)
    found = _answer_here(expanded)
    raise_on_error = getattr(self, "system_raise_on_error", False)
    if found is None and not IN_BROWSER:
        from IPython.utils.process import get_output_error_code, getoutput

        if raise_on_error:
            out, err, exit_code = get_output_error_code(expanded)
            combined = out if not err else out + err
        else:
            combined = getoutput(expanded)
    else:
        result = _in_kernel(expanded, found, tty=False)
        if raise_on_error:  # read as two pipes, then joined
            combined = (result.stdout + result.stderr).decode(DEFAULT_ENCODING, "replace")
        else:  # one pipe carrying both
            combined = result.output.decode(DEFAULT_ENCODING, "replace")
        exit_code = result.status
    if raise_on_error:
        self.user_ns["_exit_code"] = exit_code
        if exit_code != 0:
            from subprocess import CalledProcessError

            raise CalledProcessError(exit_code, cmd)  # type: ignore[arg-type]  # as IPython's own getoutput
    return SList(combined.splitlines()) if split else LSString(combined)


def _aws_process_magic(line: str) -> None:
    """%aws_process: run ``!aws`` lines as the real ``aws`` program; ``%aws_process off``: in the kernel."""
    word = line.strip().lower()
    if word in ("", "on"):
        set_enabled(False)
        print("!aws lines now start the real `aws` program (slower, same output). "
              "`%aws_process off` answers them in the kernel again.")
    elif word == "off":
        set_enabled(True)
        print("!aws lines are answered inside the kernel again.")
    else:
        print("usage: %aws_process [on|off]  (on: run the real `aws` program for !aws lines)")


def install(shell: Any = None) -> bool:
    """Route ``!aws`` lines of the running IPython kernel here (False when there is no kernel)."""
    if shell is None:
        ipython = sys.modules.get("IPython")  # not imported: certainly no kernel here
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "var_expand"):
        return False
    if getattr(type(shell).system, "__name__", "") == "system_raw":
        return False  # terminal IPython runs `!` lines on its own terminal: left as it is
    if id(shell) not in _installed:
        _installed[id(shell)] = shell
        shell.system = types.MethodType(_system, shell)
        shell.getoutput = types.MethodType(_getoutput, shell)
        shell.register_magic_function(_aws_process_magic, magic_kind="line", magic_name="aws_process")
    return True


def uninstall(shell: Any = None) -> None:
    """Give ``!`` lines back to IPython untouched."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is not None and _installed.pop(id(shell), None) is not None:
        for name in ("system", "getoutput"):
            shell.__dict__.pop(name, None)
