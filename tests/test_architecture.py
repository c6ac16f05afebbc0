"""The package's shape: no import cycle (imports inside functions count), services named only where they live,
and every declared runtime dependency imported."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "provisioner"
SANDBOX = ROOT / "provisioner_sandbox"
SERVICE_WORDS = re.compile(r"guidebook|planning.?center|\bpco\b", re.I)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports(path: Path) -> set[str]:
    """Modules of this package that ``path`` imports at run time, wherever the import statement stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: set[str] = set()
    package = module_name(path).split(".")[: None if path.name == "__init__.py" else -1]
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if (
            isinstance(node, ast.ImportFrom) and node.level
        ):  # `from .x import y`: relative to this package
            base = package[: len(package) - node.level + 1]
            node = ast.ImportFrom(
                ".".join([*base, *([node.module] if node.module else [])]), node.names, 0
            )
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("provisioner")
        ):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(
                    sub
                    if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists()
                    or (PACKAGE.parent / sub.replace(".", "/")).is_dir()
                    else node.module
                )
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("provisioner")}
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for root in (PACKAGE, SANDBOX) for p in root.rglob("*.py")}
    return {
        name: {m for m in imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_relative_imports_count() -> None:
    assert {"provisioner_sandbox.readings", "provisioner_sandbox.server"} <= imports(
        SANDBOX / "cli.py"
    )
    assert "provisioner_sandbox.app" not in imports(SANDBOX / "__init__.py")  # TYPE_CHECKING only


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _code_words(path: Path) -> list[str]:
    """Names and string constants in code, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    words: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            words.append(node.value)
        elif isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.alias):
            words.append(node.name)
        elif isinstance(node, ast.arg):
            words.append(node.arg)
    return words


def test_only_the_registry_names_a_service_outside_providers_and_the_emulator() -> None:
    generic = [
        p
        for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).parts[0] not in ("providers", "sandbox")
    ]
    generic.append(PACKAGE / "providers" / "base.py")
    naming = {
        str(p.relative_to(ROOT)): sorted({w for w in _code_words(p) if SERVICE_WORDS.search(w)})
        for p in generic
    }
    assert {path: words for path, words in naming.items() if words} == {}


def test_every_declared_runtime_dependency_is_imported() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=;! \[]", d, maxsplit=1)[0].lower() for d in declared}
    # Distribution name -> import name, where they differ; ruamel.yaml.clib is ruamel's C parser, loaded by it.
    import_names = {"ruamel.yaml.clib": "ruamel.yaml"}
    source = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    missing = [
        n
        for n in sorted(names)
        if not re.search(
            rf"^\s*(from|import)\s+{re.escape(import_names.get(n, n))}\b", source, re.M
        )
    ]
    assert missing == []
