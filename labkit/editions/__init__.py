"""The editions of the course: where labkit runs, and what differs there.

* desktop (JupyterLab on your machine, ``make lab``): the default, nothing to adapt;
* browser (JupyterLite on Pyodide, ``make site``): see :mod:`labkit.editions.browser`.

``IN_BROWSER`` tells them apart: True inside a Pyodide (WebAssembly) kernel.
"""

from __future__ import annotations

import sys

__all__ = ["IN_BROWSER"]

IN_BROWSER = sys.platform == "emscripten"
