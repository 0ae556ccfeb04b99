"""The house rules of the code: small modules and functions, imports that flow one way."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULE_LINES = 400
FUNCTION_LINES = 60
# Schema definitions read best as one block per migration.
LONG_ALLOWED = {("monitor/store/migrations.py", "m001_initial")}


def _sources() -> dict[str, Path]:
    """Every module of the program by dotted name (a package by its own name)."""
    found = {}
    for path in sorted([*ROOT.glob("monitor/**/*.py"), *ROOT.glob("spiders/**/*.py")]):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(tree: ast.AST, modules: dict[str, Path]) -> set[str]:
    """The program's modules a module imports, wherever the import stands (a function-level
    import to dodge a cycle is still a cycle)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            found.update(s for s in subs if s in modules)
            if node.module in modules and not all(s in modules for s in subs):
                found.add(node.module)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                return [*path[path.index(other) :], other]
            if other not in state and (found := visit(other)):
                return found
        path.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state and (found := visit(name)):
            return found
    return None


def test_no_module_is_over_its_size():
    long = {
        str(p.relative_to(ROOT)): n
        for p in _sources().values()
        if (n := len(p.read_text().splitlines())) > MODULE_LINES
    }
    assert not long, f"modules over {MODULE_LINES} lines (split them by concept): {long}"


def test_no_function_is_over_its_size():
    long = []
    for path in _sources().values():
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_LINES and (rel, node.name) not in LONG_ALLOWED:
                    long.append(f"{rel}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, f"functions over {FUNCTION_LINES} lines: {long}"


def test_imports_have_no_cycle():
    modules = _sources()
    graph = {n: _imports(ast.parse(p.read_text()), modules) - {n} for n, p in modules.items()}
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph) or [])}"


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    tree = ast.parse("def f():\n    from monitor.items import Page\n")
    assert _imports(tree, {"monitor.items": Path()}) == {"monitor.items"}
