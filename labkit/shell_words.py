"""Split a simple shell command line into its words, as ``sh -c`` would -- or say it can't.

A ``!`` line in a notebook is handed to a shell. Most of the course's lines are
*simple*: a program name and arguments, some quoted. For those, :func:`split`
returns exactly the words the shell would pass to the program:

>>> split("aws iam create-user --user-name 'alice developer'")
['aws', 'iam', 'create-user', '--user-name', 'alice developer']
>>> split('aws iam list-users --query "Users[].UserName" --output text')
['aws', 'iam', 'list-users', '--query', 'Users[].UserName', '--output', 'text']
>>> split(r"aws s3 mb s3://castle\\ library")
['aws', 's3', 'mb', 's3://castle library']

Leading ``NAME=value`` words set environment variables for that one command, as
in the shell; :func:`split_command` separates them:

>>> split_command("AWS_ACCESS_KEY_ID=AKIA0000 aws sts get-caller-identity")
({'AWS_ACCESS_KEY_ID': 'AKIA0000'}, ['aws', 'sts', 'get-caller-identity'])

Anything only a real shell can answer -- pipes, redirections, ``&&``, ``;``,
variables, command substitution, ``~``, unquoted wildcards, comments, several
lines, an unfinished quote -- gives ``None``, and the line goes to the shell:

>>> split("aws iam get-credential-report --query Content --output text | base64 --decode") is None
True
>>> split("aws iam list-users > users.json") is None
True
>>> split("aws iam get-user --user-name $ME") is None
True
>>> split("aws s3 cp notes.txt s3://castle-library/*") is None
True

A *pipeline* of simple commands joined by ``|`` is split into its commands by
:func:`split_pipeline` (the browser edition runs such lines without a shell):

>>> split_pipeline("aws iam get-credential-report --output text | base64 --decode | cut -d, -f1,4")
[({}, ['aws', 'iam', 'get-credential-report', '--output', 'text']), ({}, ['base64', '--decode']), \
({}, ['cut', '-d,', '-f1,4'])]
>>> split_pipeline("cut -d'|' -f2"), split_pipeline("aws iam list-users || true")
([({}, ['cut', '-d|', '-f2'])], None)
"""

from __future__ import annotations

import re

__all__ = ["split", "split_command", "split_pipeline"]

_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")

_BLANKS = " \t"
# Outside quotes, these make a line more than "a program and its words".
_SHELL_ONLY = set("|&;<>()$`\\\n*?[]{}~#")
# Inside double quotes, these still expand (\ escapes only $ ` " \ and newline there).
_DOUBLE_QUOTE_SPECIAL = set('$`')
_DOUBLE_QUOTE_ESCAPABLE = set('$`"\\\n')


def split(line: str) -> list[str] | None:
    """The words ``sh -c line`` would run, or None when the line needs a real shell."""
    parsed = _parse(line)
    return None if parsed is None else [word for word, _ in parsed]


def split_command(line: str) -> tuple[dict[str, str], list[str]] | None:
    """``(variables set for the command, its words)``, or None when the line needs a real shell."""
    parsed = _parse(line)
    if parsed is None:
        return None
    env: dict[str, str] = {}
    count = 0
    for word, quoted_from in parsed:
        match = _ASSIGNMENT.match(word)
        if match is None or quoted_from < match.end():  # NAME= must be written plainly, as sh requires
            break
        env[match.group(1)] = word[match.end():]
        count += 1
    return env, [word for word, _ in parsed[count:]]


def split_pipeline(line: str) -> list[tuple[dict[str, str], list[str]]] | None:
    """Each command of ``a | b | c`` as :func:`split_command` gives it, or None when the line needs
    more of a shell than simple commands and ``|`` (``||``, ``;``, redirections, variables...)."""
    commands = []
    for part in _pipe_parts(line):
        found = split_command(part)
        if found is None or not found[1]:
            return None
        commands.append(found)
    return commands


def _pipe_parts(line: str) -> list[str]:
    """``line`` cut at each ``|`` outside quotes and escapes (a ``||`` leaves an empty part)."""
    parts: list[str] = []
    start, quote, i = 0, "", 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "|":
            parts.append(line[start:i])
            start = i + 1
        i += 1
    parts.append(line[start:])
    return parts


def _parse(line: str) -> list[tuple[str, int]] | None:
    """Each word, with the position of its first quoted or escaped character (its length if none)."""
    words: list[tuple[str, int]] = []
    word: list[str] = []
    quoted_from: int | None = None
    in_word = False
    i, n = 0, len(line)

    def quoted() -> None:
        nonlocal quoted_from
        if quoted_from is None:
            quoted_from = len("".join(word))

    while i < n:
        ch = line[i]
        if ch in _BLANKS:
            if in_word:
                text = "".join(word)
                words.append((text, len(text) if quoted_from is None else quoted_from))
                word, in_word, quoted_from = [], False, None
            i += 1
        elif ch == "'":
            end = line.find("'", i + 1)
            if end < 0:
                return None  # unfinished quote: let the shell say so
            quoted()
            word.append(line[i + 1:end])
            in_word, i = True, end + 1
        elif ch == '"':
            quoted()
            i += 1
            while True:
                if i >= n:
                    return None
                c = line[i]
                if c == '"':
                    i += 1
                    break
                if c in _DOUBLE_QUOTE_SPECIAL:
                    return None
                if c == "\\" and i + 1 < n and line[i + 1] in _DOUBLE_QUOTE_ESCAPABLE:
                    if line[i + 1] == "\n":
                        return None
                    word.append(line[i + 1])
                    i += 2
                    continue
                word.append(c)
                i += 1
            in_word = True
        elif ch == "\\" and i + 1 < n and line[i + 1] not in "\n":
            quoted()
            word.append(line[i + 1])
            in_word, i = True, i + 2
        elif ch in _SHELL_ONLY:
            return None
        else:
            word.append(ch)
            in_word, i = True, i + 1
    if in_word:
        text = "".join(word)
        words.append((text, len(text) if quoted_from is None else quoted_from))
    return words
