"""``canvas-feedback.zip``: every feedback page, for "Re-Upload Submissions" in the menu of the
assignment's column in Canvas's Gradebook (shown once its submissions were downloaded), which attaches
each file to the student's submission as a comment.

Canvas reads the user and attachment from the file name: it splits the name at
``_`` and takes the first two parts made only of digits as the user id and the id
of an attachment of that user's submission; a file that does not fit is ignored
(``Assignment#infer_comment_context_from_filename`` in ``app/models/assignment.rb``).
So each page is named ``feedback_<user id>_<attachment id>_labkit.html`` from the
file name of the student's download (``--id-pattern canvas``). Anonymous ids
(``anon_…``) carry no user id and are left out of the zip.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from .classlist import ID_PATTERNS
from .gradebook import feedback_name

__all__ = ["canvas_feedback_name", "write_feedback_zip"]

_CANVAS = re.compile(ID_PATTERNS["canvas"])
ZIP_NAME = "canvas-feedback.zip"


def canvas_feedback_name(origin: str) -> str | None:
    """The name Canvas matches to the submission ``origin`` came from (None if it is not a Canvas name)."""
    match = _CANVAS.search(origin.replace(":", "/").rsplit("/", 1)[-1])
    if not match or not match.group("id").isdigit():
        return None
    return f"feedback_{match.group('id')}_{match.group('attachment')}_labkit.html"


def write_feedback_zip(out: Path, entries: list[dict[str, Any]], pattern: re.Pattern[str] | None) -> None:
    """Write ``out/canvas-feedback.zip`` from the feedback pages already in ``out/feedback`` (only when
    the submissions were read with the Canvas pattern)."""
    if pattern is None or pattern.pattern != ID_PATTERNS["canvas"]:
        return
    buf = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            name = canvas_feedback_name(str(entry.get("file", "")))
            page = out / "feedback" / feedback_name(entry["student"])
            if name and page.is_file():
                archive.writestr(name, page.read_bytes())
                count += 1
    if count:
        tmp = out / (ZIP_NAME + ".part")
        tmp.write_bytes(buf.getvalue())
        tmp.replace(out / ZIP_NAME)
