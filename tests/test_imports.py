"""The package reads top-down: no import cycles between its modules, nor
between its sub-packages and top-level modules; only recipes and tools use
the programs.

Imports are read from the source (``ast``), including those inside
functions: a lazy import hides a cycle from Python, not from a reader.
"""

import ast
import sys

import pytest

from helpers import REPO

ROOT = "speechbrain_interp"
PACKAGE = REPO / ROOT


def module_name(path):
    """``speechbrain_interp/a/b.py`` -> ``speechbrain_interp.a.b`` (packages: their name)."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules():
    """Module name -> path, for every module of the package."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(name, path, modules):
    """The package's modules that ``name`` imports (anywhere in its source)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # "from pkg import sub" imports the sub-module; "from pkg import name" the package
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # "import a.b.c" of a module a.b
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph():
    modules = package_modules()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def unit(module):
    """The sub-package or top-level module a module belongs to (``None``: the root package)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def find_cycle(graph):
    """One cycle of a directed graph as a list of nodes (first == last), or None.

    Example
    -------
    >>> find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    ['a', 'b', 'c', 'a']
    >>> find_cycle({"a": {"b"}, "b": set()}) is None
    True
    """
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_reader_sees_lazy_relative_and_submodule_imports(tmp_path, monkeypatch):
    """The parser catches what a cycle can hide behind (function-local, relative imports)."""
    pkg = tmp_path / ROOT
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from . import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from speechbrain_interp.top import x\n")
    (pkg / "top.py").write_text("import speechbrain_interp.sub.b as b\nx = 1\n")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    graph = import_graph()
    assert graph[f"{ROOT}.sub.b"] == {f"{ROOT}.top"}
    assert graph[f"{ROOT}.sub"] == {f"{ROOT}.sub.b"}
    assert find_cycle(graph) == [f"{ROOT}.sub.b", f"{ROOT}.top", f"{ROOT}.sub.b"]


def test_no_import_cycle_between_modules():
    graph = import_graph()
    assert len(graph) > 50  # the whole package was read
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_import_cycle_between_subpackages_and_top_level_modules():
    units = {}
    for module, targets in import_graph().items():
        if unit(module) is None:
            continue
        units.setdefault(unit(module), set()).update(
            unit(t) for t in targets if unit(t) not in (None, unit(module)))
    assert {"programs", "brains", "evaluation", "interpreters", "data", "augment"} <= set(units)
    cycle = find_cycle(units)
    assert cycle is None, "sub-packages / top-level modules import each other: " + " -> ".join(cycle)


#: ``python -m speechbrain_interp``: the command line, part of the top layer
ENTRY_POINTS = {f"{ROOT}.__main__"}


@pytest.mark.parametrize("layer", ["programs"])
def test_only_the_top_layer_uses_the_programs(layer):
    """The programs (the recipes' layer, the command line) use the library;
    nothing in it uses them."""
    users = sorted(m for m, targets in import_graph().items()
                   if unit(m) != layer and m not in ENTRY_POINTS
                   and any(unit(t) == layer for t in targets))
    assert users == [], f"{users} import speechbrain_interp.{layer}"
