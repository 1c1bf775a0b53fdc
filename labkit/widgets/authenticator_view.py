"""The authenticator widget: a phone's MFA app, drawn in your notebook.

It shows the device's QR code (a real one: scan it with your own phone if you
like), the current 6-digit code in big digits, and a bar counting down to the
next code. It refreshes itself every second until you close it::

    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    phone = labkit.widgets.authenticator(device)
    phone                        # shows the widget
    phone.authenticator.pair()   # two consecutive codes, for enable-mfa-device

>>> from labkit.clock import clock
>>> clock.freeze(1_700_000_000)
>>> view = authenticator("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", live=False)
>>> view.code, view.seconds_left
('406058', 10)
>>> grouped_key("JBSWY3DPEHPK3PXP")
'JBSW Y3DP EHPK 3PXP'
>>> view.close(); clock.unfreeze()

Can't scan? The widget also shows the secret as text, in groups of four, to type into an
authenticator app's "enter a setup key" screen — the same thing AWS's console offers under
"Show secret key" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html).
"""

from __future__ import annotations

import base64
import html
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..authenticator import STEP, Authenticator
from ..editions import IN_BROWSER
from .focus_style import FOCUS_STYLE

__all__ = ["AuthenticatorView", "authenticator", "grouped_key"]

QR_ALT = ("QR code of this MFA device's secret, for an authenticator app to scan. The same "
          "secret is written out as text below it.")

_SCAN_TEXT = (
    "<b>Use your own phone instead?</b> Scan this QR code with any authenticator app "
    "(Google Authenticator, Microsoft Authenticator, Authy, 1Password...). Your phone and this "
    "widget compute the codes from the same secret and the same clock, so they show the same "
    "numbers, and you may type your phone's codes wherever the notebook asks for one. The secret "
    "only works in this sandbox, so it is safe to scan and to delete afterwards."
)


def grouped_key(seed: str) -> str:
    """The base32 secret in groups of four characters, easy to read aloud and to type."""
    return " ".join(seed[i:i + 4] for i in range(0, len(seed), 4))


def _qr_html(png: bytes, alt: str) -> str:
    """The QR code as an image with its text alternative (what a screen reader says instead)."""
    data = base64.b64encode(png).decode("ascii")
    return (f'<img class="labkit-qr" src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
            'width="180" height="180" style="image-rendering:pixelated">')


# The copy button writes the key (without the spaces) to the clipboard in the browser itself: the
# kernel cannot reach the learner's clipboard. Its status line says "Key copied" politely.
_COPY_SCRIPT = ("navigator.clipboard.writeText(this.dataset.key).then("
                "() => {this.nextElementSibling.textContent = 'Key copied.';}, "
                "() => {this.nextElementSibling.textContent = "
                "'Could not copy: select the key and copy it.';})")


def _key_html(seed: str) -> str:
    """The secret as text in groups of four, with a button that copies it."""
    key = html.escape(seed.replace(" ", ""))
    return ('<div class="labkit-secret-key" style="max-width:640px;font-size:0.9em;margin-top:6px">'
            "<b>Can't scan? Enter this key</b> in your authenticator app (choose “enter a setup "
            "key”, time-based):<br>"
            f'<code style="font-size:1.15em;letter-spacing:0.05em">{html.escape(grouped_key(seed))}'
            f'</code> <button type="button" class="labkit-copy-key" data-key="{key}" '
            f'onclick="{html.escape(_COPY_SCRIPT)}">Copy key</button>'
            '<span class="labkit-copy-status" role="status" aria-live="polite"></span></div>')


# Read by screen readers, not drawn (the code is on the screen already, in big digits).
_SCREEN_READER_ONLY = ("position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
                       "white-space:nowrap")


def announcement(code: str, seconds_left: int) -> str:
    """What a screen reader is told when a new code appears (once per code, not every second)."""
    return f"New code {' '.join(code)}, valid for {seconds_left} more seconds."


def _seed_and_png(source: Any, qr_png: bytes | None) -> tuple[str | bytes, bytes | None, str | None]:
    """Accept a seed, an ``otpauth://`` URI, a device dict or a console MFA setup."""
    if isinstance(source, Authenticator):
        return source.seed, qr_png, source.label
    if isinstance(source, dict):
        device = source.get("VirtualMFADevice", source)
        seed = device.get("Base32StringSeed") or device.get("seed")
        label = str(device["SerialNumber"]).rsplit("/", 1)[-1] if "SerialNumber" in device else None
        return seed, qr_png or device.get("QRCodePNG") or device.get("qr_png"), label
    if hasattr(source, "seed"):  # labkit.console.RootMFASetup
        return source.seed, qr_png or getattr(source, "qr_png", None), "root"
    return source, qr_png, None


class AuthenticatorView(w.VBox):
    """A live authenticator: QR code, current code, countdown.

    Attributes:
        authenticator: the :class:`labkit.Authenticator` doing the maths;
            ``view.authenticator.pair()`` gives two consecutive codes.
    """

    def __init__(self, secret: str | bytes, qr_png: bytes | None = None, label: str | None = None,
                 live: bool = True) -> None:
        self.authenticator = Authenticator(secret, label=label)
        if qr_png is None and isinstance(secret, str) and secret.startswith("otpauth://"):
            from ..realism.mfa import qr_png as make_qr

            qr_png = make_qr(secret)
        self.qr_png = qr_png or b""
        # An <img> with its text alternative (``alt``), which ipywidgets' Image cannot carry.
        self.qr = w.HTML(_qr_html(self.qr_png, QR_ALT) if qr_png else "")
        label_html = html.escape(self.authenticator.label)
        self.title = w.HTML(f"<b>&#x1F4F1; Authenticator</b> &#x2014; {label_html}")
        self.code_display = w.HTML()
        self.code_display.add_class("labkit-code")
        self.countdown = w.IntProgress(min=0, max=STEP, description="", layout=w.Layout(width="220px"))
        self.countdown.add_class("labkit-countdown")
        self.countdown_text = w.HTML()
        # Screen readers: the code and its seconds left, said politely and only when the code changes
        # (a region that changed every second would talk over everything else).
        self.announcer = w.HTML()
        self.announcer.add_class("labkit-announce")
        self._announced = ""
        screen = w.VBox([self.title, self.code_display, w.HBox([self.countdown, self.countdown_text]),
                         self.announcer])
        top = w.HBox([self.qr, screen] if qr_png else [screen], layout=w.Layout(align_items="center"))
        children: list[w.Widget] = [top]
        if qr_png:
            style = "max-width:640px;font-size:0.9em;line-height:1.45;margin-top:6px"
            children.append(w.HTML(f'<div style="{style}"><span class="labkit-qr-alt">{html.escape(QR_ALT)}'
                                   f"</span> {_SCAN_TEXT}</div>"))
        self.key_text = w.HTML(FOCUS_STYLE + _key_html(self.authenticator.seed))
        children.append(self.key_text)
        super().__init__(children, layout=w.Layout(border="1px solid #ccc", padding="8px", width="auto"))
        self.add_class("labkit-authenticator")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop_timer: Callable[[], None] | None = None
        self.refresh()
        if live and IN_BROWSER:  # no threads in a browser kernel: the browser's timer ticks it
            from ..editions.browser import repeat

            self._stop_timer = repeat(1.0, self.refresh)
        elif live:
            self._thread = threading.Thread(target=self._tick, name="labkit-authenticator", daemon=True)
            self._thread.start()

    @property
    def code(self) -> str:
        """The code on the screen right now."""
        return self.authenticator.code()

    @property
    def seconds_left(self) -> int:
        """Seconds until the next code appears."""
        return self.authenticator.seconds_left()

    def refresh(self) -> None:
        """Redraw the code and the countdown (the widget does this every second)."""
        left, code = self.seconds_left, self.code
        self.code_display.value = (
            '<div style="font-family:monospace;font-size:2.6em;letter-spacing:0.18em;'
            f'font-weight:bold">{code}</div>'
        )
        if code != self._announced:
            self._announced = code
            self.announcer.value = ('<div role="status" aria-live="polite" aria-atomic="true" '
                                    f'style="{_SCREEN_READER_ONLY}">'
                                    f"{html.escape(announcement(code, left))}</div>")
        self.countdown.value = left
        self.countdown.bar_style = "warning" if left <= 5 else "info"
        self.countdown_text.value = f"next code in {left:2d} s"

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.refresh()
            except Exception:  # the kernel is shutting down: stop quietly
                return

    def close(self) -> None:
        """Stop the countdown and remove the widget."""
        self._stop.set()
        if self._stop_timer is not None:
            self._stop_timer()
        super().close()

    def __repr__(self) -> str:
        return f"<Authenticator widget {self.authenticator.label!r}: {self.code} ({self.seconds_left}s left)>"


def authenticator(source: Any, qr_png: bytes | None = None, *, live: bool = True) -> AuthenticatorView:
    """Show an authenticator for an MFA device.

    Args:
        source: the device's secret seed (``Base32StringSeed``), the
            ``otpauth://`` text of its QR code, the dict returned by
            ``create_virtual_mfa_device()``, or root's console MFA setup.
        qr_png: the QR code image (PNG bytes) if ``source`` does not carry it.
        live: refresh every second (turn off for tests).

    Returns:
        The widget; ``.authenticator`` is the :class:`labkit.Authenticator`
        behind it and ``.code`` the code it shows.
    """
    secret, png, label = _seed_and_png(source, qr_png)
    return AuthenticatorView(secret, png, label=label, live=live)
