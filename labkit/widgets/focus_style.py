"""A focus ring you can see on every control the course's widgets draw.

ipywidgets shows a focused button with the same faint shadow as a hovered one. Someone using the
keyboard alone must see where the focus is (WCAG 2.2, 2.4.7 Focus Visible), so the course's widgets
draw a 2-pixel outline in the theme's brand colour (light and dark themes alike) around the focused
button, option or check box. Each widget puts this style into the page with its own HTML.
"""

from __future__ import annotations

__all__ = ["FOCUS_STYLE"]

FOCUS_STYLE = """<style>
[class*="labkit-"] button:focus-visible, [class*="labkit-"] input:focus-visible {
  outline: 2px solid var(--jp-brand-color1, #1976d2) !important; outline-offset: 2px !important;
}
</style>"""
