"""The package's shape (docs/architecture.md): the folder rules, no import cycle (imports inside
functions and type-only imports count), services named only where they live, every declared runtime
dependency imported.

Each rule is a function over the import graph read from the source (AST), with a self-test on a
made-up graph showing it finds a violation."""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
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


def imports(path: Path, *, type_only: bool = False) -> set[str]:
    """Modules of this package that ``path`` imports at run time, wherever the import statement
    stands; with ``type_only``, the imports under ``if TYPE_CHECKING:`` too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: set[str] = set()
    package = module_name(path).split(".")[: None if path.name == "__init__.py" else -1]
    for node in ast.walk(tree):
        if not type_only and _type_checking_only(node, parents):
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


@cache  # read once per test run: several rules walk the same graph
def graph(*, type_only: bool = True) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (type-only imports included unless
    ``type_only=False``)."""
    modules = {module_name(p): p for root in (PACKAGE, SANDBOX) for p in root.rglob("*.py")}
    return {
        name: {m for m in imports(path, type_only=type_only) if m in modules and m != name}
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
    assert cycles(graph(type_only=False)) == []


def test_no_import_cycle_counting_type_only_imports() -> None:
    assert cycles(graph()) == []


def test_type_only_imports_count_when_asked() -> None:
    path = PACKAGE / "providers" / "base.py"
    assert "provisioner.core.records" not in imports(path)
    assert "provisioner.core.records" in imports(path, type_only=True)


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
    # Distribution name -> import name, where they differ; ruamel.yaml.clib is ruamel's C parser,
    # loaded by it.
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


# --- folder rules (docs/architecture.md)
# ------------------------------------------------------------------


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _children(package: Path) -> list[str]:
    """The modules and subpackages directly inside ``package``, as dotted names."""
    return sorted(
        module_name(p if p.is_file() else p / "__init__.py")
        for p in package.iterdir()
        if (p.suffix == ".py" and p.name != "__init__.py") or (p / "__init__.py").is_file()
    )


@dataclass(frozen=True)
class Rule:
    """Modules under ``sources`` (but not ``exempt``) import nothing under ``forbidden`` (but
    ``allowed``)."""

    why: str
    sources: tuple[str, ...]
    forbidden: tuple[str, ...]
    allowed: tuple[str, ...] = ()
    exempt: tuple[str, ...] = ()

    def violations(self, edges: dict[str, set[str]]) -> list[str]:
        return sorted(
            f"{source} imports {target}"
            for source, targets in edges.items()
            if any(_under(source, s) for s in self.sources)
            and not any(_under(source, e) for e in self.exempt)
            for target in targets
            if any(_under(target, f) for f in self.forbidden)
            and not any(_under(target, a) for a in self.allowed)
        )


OUTSIDE_CORE = tuple(m for m in _children(PACKAGE) if m != "provisioner.core")
RULES = [
    Rule(
        "core/ holds plain values: it imports nothing of the package",
        ("provisioner.core",),
        (*OUTSIDE_CORE, "provisioner_sandbox"),
    ),
    Rule(
        "planning/ and core/ never talk HTTP, render or parse options",
        ("provisioner.planning", "provisioner.core"),
        ("provisioner.transport", "provisioner.render", "provisioner.cli"),
    ),
    Rule(
        "render/ works on values the engine computed: it calls no provider (it reads core/ values "
        "only)",
        ("provisioner.render",),
        tuple(m for m in OUTSIDE_CORE if m != "provisioner.render"),
    ),
    Rule(
        "planning/ never reaches into applying/ (applying takes planning's survey, not the "
        "reverse)",
        ("provisioner.planning",),
        ("provisioner.applying",),
    ),
    Rule(
        "applying/ and the providers never reach up into rendering or the CLI",
        ("provisioner.applying", "provisioner.providers"),
        ("provisioner.render", "provisioner.cli"),
    ),
    Rule(
        "the CLI calls the engine, never planning or applying (nor providers, transport) directly",
        ("provisioner.cli",),
        (
            "provisioner.applying",
            "provisioner.planning",
            "provisioner.providers",
            "provisioner.transport",
            "provisioner.importing",
        ),
        allowed=("provisioner.providers.registry",),  # the commands each service adds
    ),
    Rule(
        "the emulator imports nothing of the product",
        ("provisioner_sandbox",),
        ("provisioner",),
    ),
    Rule(
        "the product imports the emulator only in the sandbox command",
        ("provisioner",),
        ("provisioner_sandbox",),
        exempt=("provisioner.cli.sandbox",),
    ),
]


def test_the_folder_rules_hold() -> None:
    edges = graph()
    assert {r.why: r.violations(edges) for r in RULES if r.violations(edges)} == {}


def test_each_folder_rule_finds_a_violation() -> None:
    made_up = {
        "provisioner.core.plan": {"provisioner.files.fields"},
        "provisioner.planning.run": {"provisioner.transport.http"},
        "provisioner.render.impact": {"provisioner.providers.registry"},
        "provisioner.applying.verify": {"provisioner.render.impact"},
        "provisioner.planning.words": {"provisioner.applying.run"},
        "provisioner.cli.apply": {"provisioner.planning.selection"},
        "provisioner_sandbox.app": {"provisioner.core.clock"},
        "provisioner.cli": {"provisioner_sandbox.cli"},
    }
    found = [r.violations(made_up) for r in RULES]
    assert all(found), [r.why for r, f in zip(RULES, found, strict=True) if not f]
    assert RULES[0].violations(made_up) == [
        "provisioner.core.plan imports provisioner.files.fields"
    ]
    # ... and only those: the exemptions and the allowed modules do not count
    fine = {
        "provisioner.cli.sandbox": {"provisioner_sandbox.cli"},
        "provisioner.cli.imports": {"provisioner.providers.registry"},
        "provisioner.core.plan": {"provisioner.core.words"},
    }
    assert [r.violations(fine) for r in RULES] == [[]] * len(RULES)


TOP_LEVEL = {"__init__.py", "__main__.py", "engine.py"}
ENGINE_LINES = 200


def stray_modules(names: Iterable[str]) -> list[str]:
    """Modules at the package's top level other than its entry points and the one orchestrator."""
    return sorted(n for n in names if n.endswith(".py") and n not in TOP_LEVEL)


def test_no_module_sits_flat_in_the_package_but_the_orchestrator() -> None:
    assert stray_modules(p.name for p in PACKAGE.iterdir()) == []
    assert stray_modules(["engine.py", "select.py", "__init__.py"]) == ["select.py"]


def long_code(text: str, limit: int) -> bool:
    return len(text.splitlines()) >= limit


def test_the_orchestrator_stays_short() -> None:
    assert not long_code((PACKAGE / "engine.py").read_text(encoding="utf-8"), ENGINE_LINES)
    assert long_code("x = 1\n" * ENGINE_LINES, ENGINE_LINES)


def test_the_emulator_is_loaded_only_by_its_command() -> None:
    """At run time too: a command other than `sandbox` never imports provisioner_sandbox."""
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from provisioner.cli import main; "
        "r = CliRunner().invoke(main, ['{}', '--help']); assert r.exit_code == 0, r.output; "
        "print('provisioner_sandbox' in sys.modules)"
    )
    loaded = [
        subprocess.run(
            [sys.executable, "-c", code.format(command)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for command in ("validate", "sandbox")
    ]
    assert loaded == ["False", "True"]
