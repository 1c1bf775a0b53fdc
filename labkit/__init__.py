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
* :func:`explain` — what an AWS error means and how to fix it;
* :mod:`labkit.widgets` — authenticator, quiz and "Check my work" widgets.
"""

from __future__ import annotations

from . import widgets as widgets  # lazy: ipywidgets loads on first use
from .authenticator import Authenticator
from .clock import clock
from .console import Console, ConsoleError, MFACodeRequired, SignInFailed
from .explain import explain
from .guard import RealAWSBlockedError
from .passkey import SecurityKey
from .phishing import PhishingProxy
from .sandbox import ACCOUNT_ID, REGION, Credentials, Lab, start

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
    "clock",
    "explain",
    "start",
]

__version__ = "0.1.0"
