"""The module import graph of the product's packages: no cycles, and no import inside a function
except one that keeps an optional dependency optional (marked ``# optional: <package>``) or one
made late on purpose, for memory or start-up time (marked ``# late: <why>``).

The graph is read from the source with ``ast``, not by importing: an edge for every import at
module level (``if TYPE_CHECKING:`` blocks, ``try:`` and other statements included), to the
module named, or to ``pkg.name`` when ``from pkg import name`` names a submodule. A package's
``__init__`` importing its own submodules is not a cycle (Python runs the package first), so an
edge from a module to a package that contains it is left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("funnel_kpi", "sheets_sync", "excel_udfs", "sheets_emulator")
OPTIONAL = "# optional:"
LATE = "# late:"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = modules()


def source(path: Path) -> str | None:
    """The file's text; None when it went away since the scan (the tree is shared and edited)."""
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        return None


def resolve(node: ast.ImportFrom, here: str, is_package: bool) -> str:
    """The absolute module of a ``from ... import``, relative ones included."""
    if not node.level:
        return node.module or ""
    base = here.split(".") if is_package else here.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def targets(node: ast.Import | ast.ImportFrom, here: str, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    base = resolve(node, here, is_package)
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        yield sub if sub in MODULES else base


def function_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports inside a function body (at any depth)."""
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    yield node


def module_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported: every one outside function bodies."""
    inside = {id(n) for n in function_imports(tree)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in inside:
            yield node


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        text = source(path)
        if text is None:
            continue
        tree = ast.parse(text, str(path))
        is_package = path.name == "__init__.py"
        out = edges.setdefault(name, set())
        for node in module_imports(tree):
            for target in targets(node, name, is_package):
                # a package's own __init__ runs before its modules: not an edge of a loop
                if target in MODULES and target != name and not name.startswith(target + "."):
                    out.add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles(package: str) -> None:
    loops = [c for c in cycles(graph()) if any(m.split(".")[0] == package for m in c)]
    assert loops == [], f"import cycles in {package}: {loops}"


@pytest.mark.parametrize("package", PACKAGES)
def test_function_level_imports_only_keep_an_optional_dependency_optional(package: str) -> None:
    unmarked = []
    for name, path in MODULES.items():
        text = source(path)
        if name.split(".")[0] != package or text is None:
            continue
        lines = text.splitlines()
        for node in function_imports(ast.parse("\n".join(lines), str(path))):
            end = node.end_lineno or node.lineno
            text = " ".join(lines[node.lineno - 1:end])
            if OPTIONAL not in text and LATE not in text:
                unmarked.append(f"{path.relative_to(REPO)}:{node.lineno}: {text.strip()}")
    assert unmarked == [], "imports inside functions without '# optional: <package>' or " \
        "'# late: <why>':\n" + \
        "\n".join(unmarked)


def test_the_graph_sees_what_it_should() -> None:
    """The reader itself: submodules named by ``from pkg import mod``, relative imports,
    imports in functions and in ``try`` blocks."""
    tree = ast.parse("from sheets_sync import errors\nfrom . import settings\n"
                     "try:\n    import sheets_sync.connect\nexcept ImportError:\n    pass\n"
                     "def f():\n    import sheets_sync.job  # optional: none\n")
    got = {t for n in module_imports(tree) for t in targets(n, "sheets_sync.x", False)}
    assert got == {"sheets_sync.errors", "sheets_sync.settings", "sheets_sync.connect"}
    assert [n.lineno for n in function_imports(tree)] == [8]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
