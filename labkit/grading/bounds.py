"""How much of anything a submission controls the grader keeps, outside the jail.

A notebook can make a check echo a 150 MB action name, print 20,000 fake
reflection prompts or hand in a zip of 100,000 entries. The jail bounds what
the notebook's *own* processes use; these bounds cap what the grader keeps
and writes *for* it: every text that reaches ``results.json``, a feedback page
or ``report.html`` is cut to a stated length (with a note that it was cut),
and every name printed in the terminal loses its control characters.

>>> clip("x" * 10, 4)
'xxxx… (10 characters, cut to 4)'
>>> printable("ana\\x1b[2Jbob")
'ana?[2Jbob'
"""

from __future__ import annotations

from typing import Any

__all__ = ["DETAIL_CHARS", "CHECK_DETAIL_CHARS", "ANSWER_CHARS", "REPORT_ANSWER_CHARS", "ZIP_ENTRIES",
           "clip", "printable", "bounded_entry"]

DETAIL_CHARS = 2_000          # a result's one-line note (a row of grades.csv and the feedback page)
CHECK_DETAIL_CHARS = 1_000    # what one check says about the account (an ARN, a policy's summary)
ANSWER_CHARS = 20_000         # one reflection answer, as the class report shows it
REPORT_ANSWER_CHARS = 20_000_000  # every reflection answer in one class report together
ZIP_ENTRIES = 10_000          # entries in one zip (an LMS's export of a large class has a few hundred)


def clip(text: Any, limit: int) -> str:
    """``text`` (made a string) cut to ``limit`` characters, saying so when it was cut."""
    text = text if isinstance(text, str) else str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters, cut to {limit})"


def printable(name: Any) -> str:
    """``name`` with every control or invisible-format character shown as ``?`` (for a terminal):
    escape sequences can clear the screen or hide the lines printed before them."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(name))


def bounded_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` (a grading result) with every submission-controlled text cut to its bound."""
    entry["detail"] = clip(entry.get("detail", ""), DETAIL_CHARS)
    checks = entry.get("checks")
    if isinstance(checks, list):
        for check in checks:
            if isinstance(check, dict) and "detail" in check:
                check["detail"] = clip(check["detail"], CHECK_DETAIL_CHARS)
    return entry
