"""The package's layers: each module imports only its own layer or those below, and no
two modules import each other in a loop (function-level and TYPE_CHECKING imports
included). The layers, bottom up, are the pipeline's stages."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "haproxy_model"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base: errors, values, diagnostics, safe writes; keyword facts", ("base", "keywords", "_net")),
    ("syntax: the lossless layer (grammar, lexer, words, nodes, sections, parser, render)",
     ("syntax",)),
    ("model: the typed model over it, the Config a user gets, load/dump, paths", ("model",)),
    ("analysis: validation, semantic diff, reference parser", ("analysis",)),
    ("io: conversion, formatting, the HAProxy binary, the runtime API", ("io",)),
    ("adapters", ("adapters",)),
    ("ops: plan and drift against a running HAProxy", ("ops",)),
    ("command line and the public face", ("cli", "__main__", "__init__")),
]  # fmt: skip


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    top = module.split(".")[0]
    for index, (_, names) in enumerate(LAYERS):
        if top in names:
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def imports_of(path: Path) -> set[str]:
    """Every haproxy_model module ``path`` imports, anywhere in the file."""
    found: set[str] = set()
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else (
        module_name(path))  # fmt: skip
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("haproxy_model")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(["haproxy_model", *base, *(node.module or "").split(".")])
            elif node.module and node.module.startswith("haproxy_model"):
                target = node.module
            else:
                continue
            folder = PACKAGE / Path(*target.rstrip(".").split(".")[1:])
            for alias in node.names:  # `from . import demo` imports a module, not the package
                if (folder / f"{alias.name}.py").exists() or (folder / alias.name).is_dir():
                    found.add(f"{target.rstrip('.')}.{alias.name}")
                else:
                    found.add(target.rstrip("."))
    return {f.removeprefix("haproxy_model").lstrip(".") for f in found} - {""}


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {i for i in imports_of(p) if i in modules and i != name}
            for name, p in modules.items() if name != "__init__"}  # fmt: skip


def test_no_module_imports_upward() -> None:
    upward = []
    for module, targets in graph().items():
        for target in targets:
            if layer_of(target) > layer_of(module):
                upward.append(f"{module} ({layer_of(module)}) -> {target} ({layer_of(target)})")
    assert upward == [], "\n".join(sorted(upward))


def test_no_import_circle() -> None:
    edges = graph()
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert circles == [], circles


def test_the_walk_sees_imports() -> None:
    edges = graph()
    syntax = {"syntax.document", "syntax.nodes", "syntax.lexer"}
    assert syntax <= edges["syntax.parser"]  # relative and absolute alike
    assert "adapters.ray_serve.patch" in edges["cli.ray_serve"]  # function-level imports
    assert "model.config" in edges["model.api"]
    assert "syntax.document" not in edges["syntax.nodes"]


def test_every_module_lives_in_a_layer_folder() -> None:
    """The package root holds only the public face, the entry point and folders."""
    loose = {p.name for p in PACKAGE.glob("*.py")} - {"__init__.py", "__main__.py", "_net.py"}
    assert loose == set()
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == {
        folder for _, folders in LAYERS for folder in folders if "_" not in folder[:1]
    } - {"__main__", "__init__"}


def test_no_module_is_oversized() -> None:
    """A room of one job fits in 500 lines."""
    sizes = {module_name(p): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {m: n for m, n in sizes.items() if n >= 500} == {}
