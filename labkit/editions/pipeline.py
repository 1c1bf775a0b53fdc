"""``!`` lines with a pipe in the browser edition, run inside the kernel: ``aws ... | base64 --decode | cut``.

On the desktop, a ``!`` line that is more than a plain ``aws`` command goes to the
shell, which starts real programs. A browser tab has no shell and no programs, so
the browser edition runs such a line here instead -- for exactly the programs the
course's notebooks use, written out in :data:`PROGRAMS`:

* ``aws ...``: the AWS command line itself, inside the kernel (:mod:`labkit.aws_in_kernel`);
* ``base64 --decode`` (or ``-d``): as GNU coreutils decodes;
* ``cut -d X -f LIST``: the fields of each line, as GNU coreutils cuts them.

Each program reads what the one before it wrote, as through a pipe, and the line
prints the same bytes the shell would print on the desktop: the last program's
output, after what any of them wrote to stderr; ``_exit_code`` is the last
program's status. Anything else -- another program, an option not listed here,
``>``, ``&&``, ``$VARIABLES`` -- stops the cell with an error that names it::

    NotInBrowserEdition: not available in the browser edition: grep (a `!` line here can run aws, base64, cut)

Desktop kernels never come here: their shell runs the real programs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .. import aws_in_kernel
from ..shell_words import split_pipeline

__all__ = ["PROGRAMS", "NotInBrowserEdition", "run"]


class NotInBrowserEdition(OSError):
    """A ``!`` line asks for a program, an option or a shell feature the browser edition does not have."""


@dataclass(frozen=True)
class Ran:
    """What one program of the pipeline wrote, and its exit status.

    ``written`` is both streams in the order the program wrote them (default: its output, then
    its error: base64 writes what it decoded before it complains; cut complains before any output).
    """

    stdout: bytes
    stderr: bytes = b""
    status: int = 0
    written: bytes | None = None

    @property
    def in_order(self) -> bytes:
        return self.stdout + self.stderr if self.written is None else self.written


Step = Callable[[bytes, Mapping[str, str]], Ran]
"""One program ready to run: given what it reads and the variables set for it, what it wrote."""


def _aws(args: list[str]) -> Step:
    """``aws ...``: awscli's own driver in the kernel; its output goes into a pipe, not a terminal."""
    if "help" in args or args[:1] == ["configure"] and (len(args) == 1 or args[1].startswith("-")):
        raise NotInBrowserEdition(f"not available in the browser edition: aws {' '.join(args)} "
                                  "(it needs a terminal; see the AWS CLI reference instead)")

    def step(stdin: bytes, env: Mapping[str, str]) -> Ran:
        result = aws_in_kernel.run(args, tty=False, separate=True, env=env)
        return Ran(result.stdout, result.stderr, result.status, result.output)

    return step


def _usage_error(program: str, message: str) -> Ran:
    return Ran(b"", f"{program}: {message}\nTry '{program} --help' for more information.\n".encode(), 1)


_B64 = {c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _decode_group(group: bytes, out: bytearray) -> bool:
    """Up to 4 characters, as GNU's ``decode_4``: writes each byte it can, False where it stops."""
    a, b, c, d = (_B64.get(ch) for ch in group.ljust(4, b"\0"))
    if len(group) < 2 or a is None or b is None:
        return False
    out.append((a << 2 | b >> 4) & 0xFF)
    if len(group) == 2:
        return False
    if group[2:3] == b"=":
        return len(group) == 4 and group[3:4] == b"="
    if c is None:
        return False
    out.append((b << 4 | c >> 2) & 0xFF)
    if len(group) == 3:
        return False
    if group[3:4] == b"=":
        return True
    if d is None:
        return False
    out.append((c << 6 | d) & 0xFF)
    return True


def _base64(args: list[str]) -> Step:
    """``base64 --decode``: newlines are skipped; at the first invalid group, what was decoded so far
    is written and ``base64: invalid input`` ends it with status 1 (GNU coreutils' behaviour)."""
    if args not in (["--decode"], ["-d"]):
        raise NotInBrowserEdition(f"not available in the browser edition: base64 {' '.join(args)}".rstrip()
                                  + " (here base64 only decodes what it reads: base64 --decode)")

    def step(stdin: bytes, env: Mapping[str, str]) -> Ran:
        text = stdin.replace(b"\n", b"")
        out = bytearray()
        for start in range(0, len(text), 4):
            if not _decode_group(text[start:start + 4], out):
                return Ran(bytes(out), b"base64: invalid input\n", 1)
        return Ran(bytes(out))

    return step


def _cut_options(args: list[str]) -> tuple[str | None, str | None, str | None]:
    """``(delimiter, field list, usage error)`` from ``-d X -f LIST`` in their short, joined and long
    spellings."""
    found: dict[str, str] = {}
    words = iter(args)
    for word in words:
        for short, long in (("-d", "--delimiter="), ("-f", "--fields=")):
            if word == short:
                value = next(words, None)
                if value is None:  # cut's own usage error, when it runs
                    found["missing"] = f"option requires an argument -- '{short[1]}'"
                    break
            elif word.startswith(long) or word.startswith(short):
                value = word[len(long if word.startswith(long) else short):]
            else:
                continue
            found[short] = value
            break
        else:
            raise NotInBrowserEdition(f"not available in the browser edition: cut {word} "
                                      "(here cut knows only -d DELIMITER -f FIELDS, reading its pipe)")
    return found.get("-d"), found.get("-f"), found.get("missing")


def _field_numbers(spec: str) -> Callable[[int], bool] | str:
    """Which 1-based field numbers ``1,4-5,8-`` selects, or the error cut gives for it."""
    ranges: list[tuple[int, float]] = []
    for part in re.split(r"[,\s]", spec):
        low, dash, high = part.partition("-")
        if part == "-":
            return "invalid range with no endpoint: -"
        if "-" in high:
            return "invalid field range"
        bad = part if low and not low.isdigit() else high if high and not high.isdigit() else None
        if bad is not None:
            return f"invalid field value \u2018{bad}\u2019"
        first = int(low) if low else 1
        last: float = int(high) if high else (float("inf") if dash else first)
        if not part or first == 0 or last == 0:
            return "fields are numbered from 1"
        if last < first:
            return "invalid decreasing range"
        ranges.append((first, last))
    return lambda n: any(first <= n <= last for first, last in ranges)


def _cut(args: list[str]) -> Step:
    """``cut -d X -f LIST``: per line, the listed fields in their order on the line, joined by X; a line
    without X is written whole; every line written ends in a newline (GNU coreutils' behaviour)."""
    delimiter, spec, missing = _cut_options(args)

    def step(stdin: bytes, env: Mapping[str, str]) -> Ran:
        if missing is not None:
            return _usage_error("cut", missing)
        if spec is None:
            return _usage_error("cut", "you must specify a list of bytes, characters, or fields")
        if delimiter is not None and len(delimiter.encode()) != 1:
            return _usage_error("cut", "the delimiter must be a single character")
        chosen = _field_numbers(spec)
        if isinstance(chosen, str):
            return _usage_error("cut", chosen)
        sep = (delimiter or "\t").encode()
        lines = stdin.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        out = bytearray()
        for line in lines:
            if sep in line:
                line = sep.join(field for n, field in enumerate(line.split(sep), 1) if chosen(n))
            out += line + b"\n"
        return Ran(bytes(out))

    return step


PROGRAMS: dict[str, Callable[[list[str]], Step]] = {"aws": _aws, "base64": _base64, "cut": _cut}
"""The programs a ``!`` line can run in the browser edition: name -> reads its arguments, gives a step."""


def run(line: str, stdin: bytes = b"") -> aws_in_kernel.Result:
    """Run ``line`` (``aws ... | base64 --decode | cut ...``) in the kernel, as ``sh -c`` runs it.

    ``stdin`` is what the first program reads. The result's ``output`` is what a
    terminal shows (every stderr, then the last program's output), ``stdout`` and
    ``stderr`` the two apart, ``status`` the last program's exit status. Raises
    :class:`NotInBrowserEdition` before anything runs if a part of the line is not here.
    """
    commands = split_pipeline(line)
    if commands is None:
        raise NotInBrowserEdition("not available in the browser edition: a shell for this line (it uses "
                                  "more than programs joined by `|`, such as > && ; $ or *)")
    missing = [words[0] for _, words in commands if words[0] not in PROGRAMS]
    if missing:
        raise NotInBrowserEdition(f"not available in the browser edition: {', '.join(missing)} "
                                  f"(a `!` line here can run {', '.join(PROGRAMS)})")
    steps = [(PROGRAMS[words[0]](words[1:]), env) for env, words in commands]  # every refusal first
    data, errors, shown = stdin, b"", b""
    for step, env in steps:
        ran = step(data, env)
        # A terminal shows every stderr as it is written, and the last program's output.
        data, errors, shown = ran.stdout, errors + ran.stderr, errors + ran.in_order
    return aws_in_kernel.Result(shown, ran.status, data, errors)
