"""labkit: a safe, realistic AWS IAM sandbox for the IAM castle course.

One line starts your private AWS account, in memory, inside this kernel::

    import labkit
    lab = labkit.start()

Public names (each has a docstring: try ``labkit.start?`` in a cell):

* :func:`start`, :class:`Lab`, :class:`Credentials` — the sandbox;
* :class:`Authenticator` — the virtual phone with MFA codes;
* :class:`Console` — the simulated Management Console sign-in page;
* :class:`SecurityKey` — a passkey / FIDO2 security key for that page, and
  :class:`PhishingProxy` — a look-alike page that relays to the real one;
* :func:`sso_login` — ``aws sso login`` for the course's CLI (IAM Identity Center), and
  ``lab.identity_center`` — the organization's instance and its access portal;
* :func:`explain` — what an AWS error means and how to fix it;
* :func:`define` — what a word of the course means, and the chapter that teaches it;
* :func:`your_turn` — checks a command you typed, at once, against your sandbox;
* :func:`check_prediction` — compares your prediction with what the sandbox did;
* :mod:`labkit.widgets` — authenticator, quiz and "Check my work" widgets.
"""

from __future__ import annotations

from . import widgets as widgets  # lazy: ipywidgets loads on first use
from .authenticator import Authenticator
from .clock import clock
from .console import Console, ConsoleError, MFACodeRequired, SignInFailed
from .explain import explain
from .glossary import define
from .guard import RealAWSBlockedError
from .passkey import SecurityKey
from .phishing import PhishingProxy
from .sandbox import ACCOUNT_ID, REGION, Credentials, Lab, start
from .sso_cli import sso_login
from .version import __version__ as __version__

__all__ = [
    "ACCOUNT_ID",
    "REGION",
    "Authenticator",
    "Console",
    "ConsoleError",
    "Credentials",
    "Lab",
    "MFACodeRequired",
    "PhishingProxy",
    "RealAWSBlockedError",
    "SecurityKey",
    "SignInFailed",
    "check_prediction",
    "clock",
    "define",
    "explain",
    "sso_login",
    "start",
    "your_turn",
]


def your_turn(task_id: str, lab: Lab | None = None, *, show_answer: bool = False) -> None:
    """Check a "Your turn" task against your sandbox now (see :mod:`labkit.checks.your_turn_tasks`).

    Prints ✅ and what it found, or raises ``NotYet`` with a hint: the idea at the first failed
    check, the command's shape at the second, the answer at the third. ``show_answer=True``
    shows the answer at once.
    """
    from .checks.your_turn_tasks import your_turn as check

    check(task_id, lab, show_answer=show_answer)


def check_prediction(prediction_id: str, prediction: str, lab: Lab | None = None) -> None:
    """Compare your prediction with what the sandbox just did (see :mod:`labkit.checks.predictions`).

    Write one of the options the cell lists in ``prediction = "..."``, run the cell, and this
    line tells you whether you were right and why.
    """
    from .checks.predictions import check_prediction as check

    check(prediction_id, prediction, lab)

