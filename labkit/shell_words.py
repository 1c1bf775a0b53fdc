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
"""

from __future__ import annotations

__all__ = ["split"]

_BLANKS = " \t"
# Outside quotes, these make a line more than "a program and its words".
_SHELL_ONLY = set("|&;<>()$`\\\n*?[]{}~#")
# Inside double quotes, these still expand (\ escapes only $ ` " \ and newline there).
_DOUBLE_QUOTE_SPECIAL = set('$`')
_DOUBLE_QUOTE_ESCAPABLE = set('$`"\\\n')


def split(line: str) -> list[str] | None:
    """The words ``sh -c line`` would run, or None when the line needs a real shell."""
    words: list[str] = []
    word: list[str] = []
    in_word = False
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch in _BLANKS:
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            i += 1
        elif ch == "'":
            end = line.find("'", i + 1)
            if end < 0:
                return None  # unfinished quote: let the shell say so
            word.append(line[i + 1:end])
            in_word, i = True, end + 1
        elif ch == '"':
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
            word.append(line[i + 1])
            in_word, i = True, i + 2
        elif ch in _SHELL_ONLY:
            return None
        else:
            word.append(ch)
            in_word, i = True, i + 1
    if in_word:
        words.append("".join(word))
    return words
