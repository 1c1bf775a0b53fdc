"""The parts of ``make site``: the browser edition of the course, a folder of static files.

* :mod:`.pyodide_core` -- the Pyodide runtime, from npm's ``pyodide`` package;
* :mod:`.wheels` -- which Python packages the browser needs, downloaded from PyPI;
* :mod:`.trim` -- each wheel cut down to what the course uses (the size budget);
* :mod:`.verify` -- the trimmed wheels, as shipped, run the sandbox and ``aws`` here first;
* :mod:`.lock` -- the ``pyodide-lock.json`` listing those wheels (no CDN, no PyPI at run time);
* :mod:`.site` -- JupyterLite around it all: chapters, exercises, widgets, settings;
* :mod:`.sizes` -- what a first visit downloads.

``scripts/build_site.py`` runs them in that order.
"""
