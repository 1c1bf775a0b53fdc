"""The grader's readers and bounds, outside any kernel: what a hostile file can do to them.

No kernel runs here (the hostile suite, ``test_grading_hostile.py``, grades for real): the
notebook and zip readers are fuzzed (hypothesis, short seeded runs), and each bound is tried
with the input that broke it — every failure must become that file's ``invalid`` row naming
the file, never an exception that stops the class.
"""

from __future__ import annotations

import copy
import json
import socket
import struct
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit.grading import submissions
from labkit.grading.bounds import CHECK_DETAIL_CHARS, DETAIL_CHARS, bounded_entry, printable
from labkit.grading.gradebook import Gradebook, feedback_name
from labkit.grading.kernels import Execution, FreshKernel
from labkit.grading.reflections import collect_class, render_class
from labkit.grading.submissions import Source, find_submissions, read_submission
from labkit.journal import collect

KNOWN = {"users", "mfa", "root", "least-privilege"}
FUZZ = settings(max_examples=150, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SCALAR = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
JSON = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
FIELD = st.sampled_from(["cells", "metadata", "source", "cell_type", "tags", "labkit", "reflection", "prompt",
                         "assignment", "outputs"])


def _source(name: str, data: bytes) -> Source:
    return Source(name, f"/class/{name}", lambda: data)


def _reflection(rid: str = "ex-users-why", answer: Any = "Because.") -> dict[str, Any]:
    meta = {"tags": ["reflection"], "labkit": {"reflection": rid, "prompt": "Their own heading"}}
    return {"cell_type": "markdown", "source": answer, "metadata": meta}


def _notebook(cells: list[Any], assignment: Any = "users") -> dict[str, Any]:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"labkit": {"assignment": assignment}},
            "cells": cells}


def _mutate(node: Any, path: list[int], value: Any) -> Any:
    """``node`` with one field, chosen by ``path``, replaced by ``value`` (any type)."""
    if not path:
        return value
    if isinstance(node, dict) and node:
        keys = sorted(node)
        key = keys[path[0] % len(keys)]
        return {**node, key: _mutate(node[key], path[1:], value)}
    if isinstance(node, list) and node:
        i = path[0] % len(node)
        return [*node[:i], _mutate(node[i], path[1:], value), *node[i + 1:]]
    return value


# -- notebooks: any JSON, any field of any type ----------------------------------------------------------

@FUZZ
@given(path=st.lists(st.integers(0, 50), max_size=5), value=JSON, field=FIELD)
def test_fuzzed_notebooks_become_rows_never_exceptions(tmp_path_factory: Any, path: list[int], value: Any,
                                                       field: str) -> None:
    nb = _notebook([{"cell_type": "code", "source": ["import labkit\n"], "metadata": {}, "outputs": []},
                    _reflection()])
    nb = _mutate(nb, path, value)
    if isinstance(nb, dict) and isinstance(nb.get("cells"), list) and nb["cells"]:
        cell = nb["cells"][-1]
        if isinstance(cell, dict):
            cell[field] = copy.deepcopy(value)
    data = json.dumps(nb).encode()
    sub = read_submission("ana", _source("ana.ipynb", data), KNOWN)
    assert sub.invalid is None or sub.invalid.startswith("ana.ipynb: ")
    folder = tmp_path_factory.mktemp("class")
    (folder / "ana.ipynb").write_bytes(data)
    reflections = collect_class([folder], prompts_of_course={"ex-users-why": "Why?"})
    assert reflections.students == ("ana",)
    render_class(reflections)
    collect([folder])


def test_the_failures_the_hostile_pass_found(tmp_path: Path) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    sub = read_submission("deep", _source("deep.ipynb", deep), KNOWN)
    assert sub.invalid == "deep.ipynb: the file's JSON is nested too deeply to be a notebook"
    tags = _notebook([{"cell_type": "markdown", "source": "x", "metadata": {"tags": 5}}])
    numbers = _notebook([_reflection(answer=[1, 2, 3])])
    for name, nb in (("tags", tags), ("numbers", numbers)):
        (tmp_path / f"{name}.ipynb").write_text(json.dumps(nb))
        assert read_submission(name, _source(f"{name}.ipynb", json.dumps(nb).encode()), KNOWN).invalid is None
    (tmp_path / "deep.ipynb").write_bytes(deep)
    reflections = collect_class([tmp_path], prompts_of_course={"ex-users-why": "Why?"})
    assert reflections.unreadable == ("deep",)
    assert reflections.answers["ex-users-why"]["numbers"] == "123"


# -- zips: damaged, encrypted, deflate64, impossible dates, too many entries -----------------------------

def _zip(path: Path, entries: dict[str, bytes], date: tuple[int, ...] = (2026, 11, 19, 12, 0, 0)) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=date), data)  # type: ignore[arg-type]
    return path


def _patch(path: Path, name: str, field: str, value: int) -> None:
    """Set ``field`` (``flags``, ``method`` or ``crc``) of entry ``name`` in both of a zip's headers."""
    local = {"flags": (6, "<H"), "method": (8, "<H"), "crc": (14, "<I")}[field]
    central = {"flags": (8, "<H"), "method": (10, "<H"), "crc": (16, "<I")}[field]
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    struct.pack_into(local[1], data, info.header_offset + local[0], value)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46: at + 46 + length]) == name.encode():
            struct.pack_into(central[1], data, at + central[0], value)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def test_damaged_zip_entries_are_invalid_rows_naming_the_file(tmp_path: Path) -> None:
    good = json.dumps(_notebook([])).encode()
    path = _zip(tmp_path / "class.zip", {"crc.ipynb": good, "locked.ipynb": good, "d64.ipynb": good,
                                         "ok.ipynb": good})
    _patch(path, "locked.ipynb", "flags", 0x1)       # encrypted
    _patch(path, "d64.ipynb", "method", 9)           # compression method 9: deflate64
    _patch(path, "crc.ipynb", "crc", 0xDEADBEEF)     # a CRC-32 that does not match
    rows = {s: read_submission(s, src, KNOWN) for s, src, _ in find_submissions([path])}
    assert rows["ok"].invalid is None
    assert rows["ok"].path.endswith("class.zip:ok.ipynb")
    assert (rows["crc"].invalid or "").startswith("crc.ipynb: ") and "damaged" in (rows["crc"].invalid or "")
    assert rows["locked"].invalid and "encrypted" in rows["locked"].invalid
    assert rows["d64"].invalid and "compression method" in rows["d64"].invalid
    for row in rows.values():
        assert "\n" not in (row.invalid or "")


def test_a_fifo_named_like_a_notebook_does_not_block_the_class(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.ipynb")
    [(student, source, _)] = find_submissions([tmp_path])
    assert "not a regular file" in (read_submission(student, source, KNOWN).invalid or "")


def test_month_zero_and_too_many_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = json.dumps(_notebook([])).encode()
    path = _zip(tmp_path / "dates.zip", {"ana.ipynb": good})
    data = bytearray(path.read_bytes())
    for signature, at_date in ((b"PK\x03\x04", 12), (b"PK\x01\x02", 14)):  # DOS date: month 0
        at = data.find(signature)
        struct.pack_into("<H", data, at + at_date, (2026 - 1980) << 9 | 0 << 5 | 19)
    path.write_bytes(bytes(data))
    [(student, source, _)] = find_submissions([path])
    assert student == "ana" and source.submitted_at is None
    assert read_submission(student, source, KNOWN).invalid is None
    monkeypatch.setattr(submissions, "ZIP_ENTRIES", 3)
    many = _zip(tmp_path / "many.zip", {f"s{i}.ipynb": good for i in range(4)})
    [(student, source, _)] = find_submissions([many])
    assert "4 entries" in (read_submission(student, source, KNOWN).invalid or "")


@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6))
def test_fuzzed_zips_become_rows_never_exceptions(tmp_path_factory: Any,
                                                  flips: list[tuple[int, int]]) -> None:
    folder = tmp_path_factory.mktemp("zips")
    good = json.dumps(_notebook([_reflection()])).encode()
    path = _zip(folder / "class.zip", {"ana.ipynb": good, "bo/b.ipynb": good * 3})
    data = bytearray(path.read_bytes())
    for at, value in flips:
        data[at % len(data)] = value
    path.write_bytes(bytes(data))
    for student, source, _ in find_submissions([path]):
        sub = read_submission(student, source, KNOWN)
        assert sub.invalid is None or "\n" not in sub.invalid
    collect_class([path], prompts_of_course={"ex-users-why": "Why?"})


def test_a_zip_of_2000_entries_is_read_once_and_fast(tmp_path: Path) -> None:
    path = _zip(tmp_path / "big.zip", {f"s{i:04}.ipynb": b"{}" for i in range(2000)})
    opened = []
    real = zipfile.ZipFile.__init__

    def counting(self: zipfile.ZipFile, *args: Any, **kwargs: Any) -> None:
        opened.append(args[0])
        real(self, *args, **kwargs)

    started = time.monotonic()
    zipfile.ZipFile.__init__ = counting  # type: ignore[method-assign]
    try:
        rows = [read_submission(s, src, KNOWN) for s, src, _ in find_submissions([path])]
    finally:
        zipfile.ZipFile.__init__ = real  # type: ignore[method-assign]
    assert len(rows) == 2000 and all(r.invalid for r in rows)
    assert len(opened) == 1
    assert time.monotonic() - started < 10


# -- what the report shows -------------------------------------------------------------------------------

def test_prompts_are_the_courses_and_answers_are_bounded(tmp_path: Path) -> None:
    fakes = [_reflection(f"fake-{i}", "spam") for i in range(20_000)]
    own = _reflection("ex-users-why", "<script>alert(1)</script>" + "x" * 50_000)
    (tmp_path / "eve.ipynb").write_text(json.dumps(_notebook([own, *fakes])))
    reflections = collect_class([tmp_path], prompts_of_course={"ex-users-why": "Why do it?"})
    assert reflections.prompts == (("ex-users-why", "Why do it?"),)  # the course's words, not hers
    answer = reflections.answers["ex-users-why"]["eve"] or ""
    assert len(answer) < 20_100 and "cut to 20000" in answer
    text = render_class(reflections)
    assert "<script>" not in text and "&lt;script&gt;" in text
    from labkit.journal import course_prompts

    course = course_prompts()
    assert len(course) >= 8 and all(course.values())


def test_result_texts_are_bounded_and_names_printable() -> None:
    entry = bounded_entry({"detail": "x" * 150_000_000,
                           "checks": [{"detail": "a" * 10_000}, {"detail": "short"}]})
    assert len(entry["detail"]) < DETAIL_CHARS + 60
    assert len(entry["checks"][0]["detail"]) < CHECK_DETAIL_CHARS + 60
    assert entry["checks"][1]["detail"] == "short"
    assert printable("eve\x1b[2J\x1b[1A\rflagged\x07") == "eve?[2J?[1A?flagged?"


def test_feedback_names_never_collide() -> None:
    hashed = feedback_name("weird/name")
    assert feedback_name(hashed[: -len(".html")]) != hashed  # an id equal to another's page name
    assert "~" in hashed and feedback_name("ana") == "ana.html"


def test_malformed_kernel_messages_are_the_submissions_doing() -> None:
    result = Execution()
    parent = {"msg_id": "m1"}
    with pytest.raises(TypeError):
        FreshKernel._on_message({"parent_header": parent, "msg_type": "stream", "content": ["x"]}, "m1", 0,
                                result)
    assert FreshKernel._on_message({"parent_header": "nonsense"}, "m1", 0, result) == ""
    assert FreshKernel._on_message({"parent_header": parent, "msg_type": "status",
                                    "content": {"execution_state": "idle"}}, "m1", 0, result) == "idle"


# -- results: appended as they arrive, saved every few seconds -------------------------------------------

def test_results_are_journaled_then_saved(tmp_path: Path) -> None:
    key = b"k" * 32
    book = Gradebook(tmp_path, key=key)
    started = time.monotonic()
    for i in range(2000):
        book.record({"student": f"s{i:04}", "assignment": "users", "sha256": "s", "key": "k",
                     "status": "invalid", "score": 0, "max_score": 10, "detail": "x"})
    seconds = time.monotonic() - started
    assert (tmp_path / "results.journal").exists()  # what a crash now would leave: every row, signed
    assert len(Gradebook(tmp_path, key=key).entries) == 2000
    with open(tmp_path / "results.journal", "a") as fh:
        fh.write(json.dumps({"student": "forged", "assignment": "users", "sha256": "s", "key": "k",
                             "status": "graded", "score": 10, "max_score": 10, "signature": "0" * 64}) + "\n")
    again = Gradebook(tmp_path, key=key)
    assert "forged" not in again.entries and "journal" in again.warning
    book.save()
    assert not (tmp_path / "results.journal").exists()
    assert len(json.loads((tmp_path / "results.json").read_text())["submissions"]) == 2000
    assert seconds < 30, seconds


# -- the sandbox: a body too large is refused before it is read -------------------------------------------

def _post_declaring_3_gib(port: int) -> bytes:
    """The answer to a request that declares a 3 GiB body and sends 17 kB of it."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: %d\r\n\r\n" % (3 * 1024**3) + b"Action=ListUsers&" * 1000)
        conn.shutdown(socket.SHUT_WR)  # the server discards what is left of the body, 10 MB at a time
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def test_the_sandbox_refuses_a_huge_body_without_reading_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from labkit.realism import wire
    from labkit.server import SandboxServer

    server = SandboxServer().start()
    try:
        answer = _post_declaring_3_gib(server.port)
        assert answer.startswith(b"HTTP/1.1 413") and b"RequestEntityTooLarge" in answer, answer
        assert b"connection: close" in answer.lower()
        assert wire.MAX_BODY_BYTES == 10 * 1024**2
        # Control: with the bound out of the way, the sandbox reads the body (all 3 GiB, were they sent)
        # and answers the request itself.
        monkeypatch.setattr(wire, "MAX_BODY_BYTES", 4 * 1024**3)
        answer = _post_declaring_3_gib(server.port)
        assert not answer.startswith(b"HTTP/1.1 413") and b"RequestEntityTooLarge" not in answer, answer
    finally:
        server.stop()
