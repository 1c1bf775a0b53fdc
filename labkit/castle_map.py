"""The castle map: who holds which keys, at a glance.

``lab`` as the last line of a cell shows this table: the root user and every
IAM user, with their password, MFA device, access keys and when they were
last used.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .lab_api import LabApi as Lab

__all__ = ["castle_map_rows", "castle_map_html"]


def castle_map_rows(lab: Lab) -> list[dict[str, Any]]:
    """One dict per principal: who, password, reset_required, mfa, keys, last_used."""
    return list(lab.admin("castle")["rows"])


def _ago(value: str | None) -> str:
    if not value:
        return "never"
    when = datetime.fromisoformat(str(value))
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _glyph(entity: str) -> str:
    """An emoji drawn for the eye, hidden from screen readers (the words beside it say the same)."""
    return f'<span aria-hidden="true">{entity}</span>'


def castle_map_html(lab: Lab) -> str:
    """The castle map as an HTML table (what ``lab`` shows in a notebook)."""
    try:
        rows = castle_map_rows(lab)
    except (PermissionError, RuntimeError, OSError) as exc:
        where, why = html.escape(lab.endpoint_url), html.escape(str(exc))
        return f"<p><b>IAM castle sandbox</b> at {where} ({why})</p>"
    # Words beside the glyphs: a screen reader says "yes"/"no", not "check mark button".
    yes, no = _glyph("&#x2705;") + " yes", _glyph("&#x274C;") + " no"
    body = []
    for r in rows:
        who = (_glyph("&#x1F451;") + " root (master key)" if r["who"] == "root"
               else _glyph("&#x1F9D1;") + " " + html.escape(r["who"]))
        password = (yes + (" (must reset)" if r["reset_required"] else "")) if r["password"] else "no"
        body.append(
            f"<tr><td>{who}</td><td>{password}</td><td>{yes if r['mfa'] else no}</td>"
            f"<td>{r['keys'] or 'none'}</td><td>{_ago(r['last_used'])}</td></tr>"
        )
    return (
        '<table class="labkit-castle-map"><caption style="text-align:left"><b>Castle map</b>'
        f" &#x2014; account {lab.account_id} (sandbox)</caption>"
        "<thead><tr><th>who</th><th>password</th><th>MFA</th><th>active access keys</th>"
        "<th>last used</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>"
    )
