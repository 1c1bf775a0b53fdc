"""labkit's modules stand in declared layers: no import runs upward, none runs in a circle.

Every ``import`` counts, wherever it stands (at the top, inside a function, under
``TYPE_CHECKING``): a circle of type-only imports is still two modules that cannot be read,
or moved, one without the other. Read with ``ast``; nothing is imported. A new module must be
given a layer below (the test says so), which is the moment to ask where it belongs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "labkit"

# Lowest first. A module may import modules of its own layer or of a lower one. A name ending in
# ".*" is a package and everything in it; the longest matching name decides.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundations", (
        "labkit.clock", "labkit.guard", "labkit.private_folder", "labkit.offline_env",
        "labkit.notebook_format", "labkit.notebook_cells", "labkit.sandbox_wording", "labkit.glossary",
        "labkit.client_check", "labkit.shell_words", "labkit.knowledge_log", "labkit.question_bank",
        "labkit.aws_host_proxy", "labkit.aws_in_kernel", "labkit.credentials", "labkit.course_root",
        "labkit.version", "labkit.editions", "labkit.editions.*", "labkit.authenticator", "labkit.explain",
        "labkit.aws_environment",
        "labkit.lab_api",
    )),
    ("realism", ("labkit.realism", "labkit.realism.*")),
    ("sandbox and its transports", (
        "labkit.sandbox_core", "labkit.sandbox_link", "labkit.transports", "labkit.transports.*",
        "labkit.server", "labkit.in_process",
    )),
    ("the learner's client", (
        "labkit.sandbox", "labkit.scenarios", "labkit.castle_map", "labkit.bang_aws", "labkit.passkey",
        "labkit.console", "labkit.phishing", "labkit.access_portal",
    )),
    ("checks and the journal", ("labkit.checks", "labkit.checks.*", "labkit.pace", "labkit.journal")),
    ("widgets", ("labkit.widgets", "labkit.widgets.*")),
    ("grading", ("labkit.grading", "labkit.grading.*", "labkit.release")),
    ("commands and the package's face", ("labkit", "labkit.cli", "labkit.journal_cli", "labkit.grading.cli",
                                          "labkit.sso_cli")),
)

# Circles tolerated for a while (none today); each must still exist (the test says when one is
# gone, so that it leaves this list too).
KNOWN_CIRCLES: tuple[frozenset[str], ...] = ()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The labkit modules ``path`` imports (``from . import x`` names module ``x`` when it is one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            prefix = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:
                sub = f"{prefix}.{alias.name}"
                found.add(sub if sub in known else prefix)
    return {m for m in found if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    """``{module: the labkit modules it imports}`` for every module of the package."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(paths)
    return {name: _imports(path, name, known) for name, path in paths.items()}


def layer_of(module: str) -> int | None:
    """The index of ``module``'s layer in :data:`LAYERS` (None: not placed)."""
    best: tuple[int, int] | None = None  # (length of the matching name, layer)
    for index, (_, names) in enumerate(LAYERS):
        for pattern in names:
            hit = (module.startswith(pattern[:-1]) if pattern.endswith(".*") else module == pattern)
            if hit and (best is None or len(pattern) > best[0]):
                best = (len(pattern), index)
    return None if best is None else best[1]


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(frozenset(group))
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    unplaced = sorted(m for m in graph if layer_of(m) is None)
    assert not unplaced, f"give these modules a layer in LAYERS: {unplaced}"


def test_no_import_runs_upward(graph: dict[str, set[str]]) -> None:
    upward = [f"{m} ({LAYERS[layer_of(m) or 0][0]}) imports {t} ({LAYERS[layer_of(t) or 0][0]})"
              for m, targets in sorted(graph.items()) for t in sorted(targets)
              if (layer_of(t) or 0) > (layer_of(m) or 0)]
    assert not upward, "imports that run upward:\n" + "\n".join(upward)


def test_no_import_circle(graph: dict[str, set[str]]) -> None:
    found = circles(graph)
    new = [sorted(c) for c in found if c not in KNOWN_CIRCLES]
    assert not new, f"import circles: {new}"
    gone = [sorted(c) for c in KNOWN_CIRCLES if c not in found]
    assert not gone, f"these circles are gone: take them out of KNOWN_CIRCLES: {gone}"


def private_reaches(path: Path, name: str, known: set[str]) -> list[str]:
    """``module._name`` uses and ``from module import _name`` imports of another labkit module's
    private names in ``path`` (a private module, ``checks._account``, may serve its own package)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}  # local name -> the labkit module it is bound to
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            prefix = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:
                if f"{prefix}.{alias.name}" in known:
                    modules[alias.asname or alias.name] = f"{prefix}.{alias.name}"
                elif prefix in known and prefix != name and _private(alias.name):
                    found.append(f"{name}: from {prefix} import {alias.name}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules and _private(node.attr)):
            found.append(f"{name}: {modules[node.value.id]}.{node.attr}")
    return found


def _private(attr: str) -> bool:
    return attr.startswith("_") and not attr.startswith("__")


def test_no_module_reaches_into_anothers_private_names() -> None:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    reaches = [r for name, path in sorted(paths.items()) for r in private_reaches(path, name, set(paths))]
    assert not reaches, "private names used from another module:\n" + "\n".join(reaches)


def test_the_checks_catch_what_they_look_for() -> None:
    """The detectors themselves: a circle of three, and an import from a lower layer upward."""
    made_up = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(made_up) == [frozenset({"a", "b", "c"})]
    assert layer_of("labkit.grading.runner") == layer_of("labkit.release") > layer_of("labkit.journal")
    assert layer_of("labkit.grading.cli") == len(LAYERS) - 1  # the longest name wins over grading.*
    assert layer_of("labkit.no_such_module") is None
