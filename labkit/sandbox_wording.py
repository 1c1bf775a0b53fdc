"""Error texts that are the sandbox's own words, not AWS's.

Most error messages you meet in this course are the ones AWS sends, word for word. A few are
not: AWS does not publish the exact text, and no public source (AWS's pages, bug reports,
forum posts) shows it. The sandbox then answers with the right error *code* and status and
a sentence of its own. :func:`labkit.explain` labels those as "the sandbox says", so that you
never learn them as AWS's; ``docs/differences.md`` lists each one with what is known.

>>> sandbox_wording("PasswordPolicyViolation", "Password was used recently and cannot be reused.")
True
>>> sandbox_wording("NoSuchEntity", "The user with name nobody cannot be found.")
False

The ``aws`` command prints such an error as AWS's; :func:`cli_note` finds it in what the command
printed, so that ``!aws`` in a notebook can add one line saying whose words they are:

>>> cli_note("An error occurred (PasswordPolicyViolation) when calling the ChangePassword "
...          "operation: Password was used recently and cannot be reused.")
"Note: the message above is the sandbox's wording; AWS's exact text is not published."
>>> cli_note("An error occurred (NoSuchEntity) when calling the GetUser operation: "
...          "The user with name nobody cannot be found.") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["OwnText", "OWN_TEXTS", "sandbox_wording", "cli_note", "NOTE"]

NOTE = "the sandbox's wording; AWS's exact text is not published"
"""What :func:`labkit.explain` prints beside a text of :data:`OWN_TEXTS`."""


@dataclass(frozen=True)
class OwnText:
    """An error text the sandbox makes up: its code and a piece of its message."""

    code: str
    fragment: str
    why: str


OWN_TEXTS: tuple[OwnText, ...] = (
    OwnText("AccessDenied", "Cannot call AssumeRoot with root user credentials",
            "AssumeRoot's reference says root cannot call it, not what AWS answers"),
    OwnText("AccessDenied", "is not enabled for this organization",
            "AssumeRoot while root sessions are off: no published text"),
    OwnText("AccessDenied", "is not a member account of your organization",
            "AssumeRoot on an account outside the organization: no published text"),
    OwnText("AccessDenied", "arn:aws:iam::aws:policy/root-task/",
            "a member's root refused by its task policy in an AssumeRoot session: the usual "
            "session-policy shape ending with the task policy's ARN, not confirmed for root sessions"),
    OwnText("ServiceAccessNotEnabledException", "trusted access is not enabled",
            "the sentence is the error shape's description in the IAM API model, "
            "not a message seen from AWS"),
    OwnText("PasswordPolicyViolation", "Password should have",
            "which rule a password breaks: AWS's texts for custom policies are not published"),
    OwnText("PasswordPolicyViolation", "Password was used recently",
            "password reuse prevention: AWS's text is not published"),
    OwnText("ConflictException", "Duplicate UserName",
            "a user name taken in the identity store: the code is AWS's (CreateUser), the sentence is "
            "moto's; no public source shows AWS's"),
    OwnText("ConflictException", "Duplicate GroupDisplayName",
            "a group name taken in the identity store: the code is AWS's (CreateGroup), the sentence is "
            "moto's; no public source shows AWS's"),
    OwnText("LimitExceeded", "MFADevicesPerUser",
            "the ninth MFA device: the code and status are AWS's, the text is modelled "
            "on other IAM quota errors"),
    OwnText("DeleteConflict", "You must deactivate a user's virtual MFA device",
            "deleting a virtual MFA device still assigned: the code and status are AWS's, the sentence "
            "is the API reference's note; AWS's exact error text is not published"),
)
"""Every text the sandbox answers in its own words (see ``docs/differences.md``)."""


def sandbox_wording(code: str, message: str) -> bool:
    """True when ``message`` (with error ``code``) is one of the sandbox's own texts."""
    return any(t.code == code and t.fragment in message for t in OWN_TEXTS)


# How the AWS CLI (v1 and v2) prints a service error: awscli/clidriver.py and botocore's ClientError.
_CLI_ERROR = re.compile(r"An error occurred \((?P<code>[\w.]+)\) when calling the \w+ operation"
                        r"(?: \(reached max retries: \d+\))?: (?P<message>.*)")


def cli_note(output: str) -> str | None:
    """The line to print after ``aws`` output that shows one of the sandbox's own texts, else None."""
    for found in _CLI_ERROR.finditer(output):
        if sandbox_wording(found["code"], found["message"]):
            return f"Note: the message above is {NOTE}."
    return None
