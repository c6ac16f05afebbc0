"""Read YAML files into validated models, keeping file:line:col for every error and every item."""

from __future__ import annotations

import difflib
import hashlib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from provisioner.errors import Diagnostic, ValidationError
from provisioner.model import Document, Strict, model_for

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 1_000_000  # after alias expansion: what validation would have to walk
MAX_DEPTH = 40
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Loaded:
    """One validated file: the model plus the parsed tree, to point back at lines."""

    path: str
    doc: Document
    tree: Any

    def where(self, *loc: str | int) -> str:
        line, _ = position(self.tree, loc)
        return f"{self.path}:{line}"

    def diagnostic(self, loc: Sequence[str | int], message: str) -> Diagnostic:
        line, col = position(self.tree, loc)
        return Diagnostic(self.path, line, col, message)


@dataclass(frozen=True)
class Workspace:
    """Every file under the given paths, validated, with a digest of their bytes."""

    files: tuple[Loaded, ...]
    digest: str


def discover(paths: Iterable[str]) -> list[Path]:
    """Expand directories into their YAML files, sorted; explicit files are taken as given."""
    found: list[Path] = []
    diags: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += _walk(path, diags)
        elif path.exists():
            found.append(path)
        else:
            diags.append(Diagnostic(str(path), 0, 0, "no such file or directory"))
    if diags:
        raise ValidationError(diags)
    return found


def _walk(root: Path, diags: list[Diagnostic]) -> list[Path]:
    base = root.resolve()
    out = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in SUFFIXES or path.is_dir():
            continue
        target = path.resolve()
        if not target.is_relative_to(base):
            diags.append(Diagnostic(str(path), 0, 0, f"symlink points outside {root} (to {target}); refusing"))
            continue
        out.append(path)
    return out


def load_workspace(paths: Iterable[str]) -> Workspace:
    """Load and validate every file, collecting every error before raising."""
    files = discover(paths)
    diags: list[Diagnostic] = []
    loaded: list[Loaded] = []
    digest = hashlib.sha256()
    for path in files:
        raw = _read(path, diags)
        if raw is None:
            continue
        digest.update(f"{_display(path)}\0{len(raw)}\0".encode())
        digest.update(raw)
        item = load_bytes(_display(path), raw, diags)
        if item is not None:
            loaded.append(item)
    if not files:
        diags.append(Diagnostic(", ".join(paths) or ".", 0, 0, "no *.yaml or *.yml files found"))
    from provisioner.checks import cross_file_checks  # late: checks imports Loaded

    diags += cross_file_checks(loaded)
    if diags:
        raise ValidationError(diags)
    return Workspace(tuple(loaded), "sha256:" + digest.hexdigest())


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _read(path: Path, diags: list[Diagnostic]) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            diags.append(Diagnostic(_display(path), 0, 0, f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"))
            return None
        return path.read_bytes()
    except OSError as e:
        diags.append(Diagnostic(_display(path), 0, 0, f"cannot read: {e.strerror or e}"))
        return None


def load_bytes(name: str, raw: bytes, diags: list[Diagnostic]) -> Loaded | None:
    """Parse and validate one file's bytes; problems go to ``diags``."""
    text = _decode(name, raw, diags)
    if text is None:
        return None
    tree = _parse(name, text, diags)
    if tree is None:
        return None
    problem = _shape_problem(tree)
    if problem:
        diags.append(Diagnostic(name, 1, 1, problem))
        return None
    return _validate(name, tree, diags)


def _decode(name: str, raw: bytes, diags: list[Diagnostic]) -> str | None:
    if b"\x00" in raw[:8192]:
        diags.append(Diagnostic(name, 1, 1, "binary file, not YAML text"))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        diags.append(Diagnostic(name, line, col, f"not UTF-8 text (byte 0x{raw[e.start]:02x}); save the file as UTF-8"))
        return None


def _parse(name: str, text: str, diags: list[Diagnostic]) -> Any:
    yaml = YAML(typ="rt")
    try:
        docs = list(yaml.load_all(text))
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        diags.append(Diagnostic(name, line, col, _yaml_message(e)))
        return None
    except (YAMLError, RecursionError, ValueError) as e:
        diags.append(Diagnostic(name, 1, 1, f"cannot parse YAML: {type(e).__name__}: {str(e)[:200]}"))
        return None
    if len(docs) > 1:
        diags.append(Diagnostic(name, 1, 1, "more than one YAML document (---); use one document per file"))
        return None
    if not docs or docs[0] is None:
        diags.append(Diagnostic(name, 1, 1, "file is empty; an empty file never means 'delete everything' "
                                            "(write `schedules: []` with its provider and scope to say so)"))
        return None
    if not isinstance(docs[0], dict):
        diags.append(Diagnostic(name, 1, 1, f"expected a mapping with a `provider` key, got {type(docs[0]).__name__}"))
        return None
    return docs[0]


def _yaml_message(e: MarkedYAMLError) -> str:
    text = " ".join(str(p) for p in (e.context, e.problem) if p)
    if "duplicate key" in text:
        return f"{e.problem.split(chr(10))[0]}: each key may appear once in a mapping"
    return text.split("\n")[0] or "invalid YAML"


def _shape_problem(tree: Any) -> str | None:
    """Catch alias bombs and absurd nesting before anything walks the expanded tree."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any, depth: int) -> int:
        if not isinstance(node, dict | list):
            return 1
        if depth > MAX_DEPTH:
            raise _Shape(f"nested deeper than {MAX_DEPTH} levels")
        key = id(node)
        if key in active:
            raise _Shape("an alias refers to its own anchor (a cycle)")
        if key not in sizes:
            active.add(key)
            children = node.values() if isinstance(node, dict) else node
            sizes[key] = 1 + sum(size(c, depth + 1) for c in children)
            active.discard(key)
        if sizes[key] > MAX_NODES:
            raise _Shape(f"expands to more than {MAX_NODES} values through anchors and aliases (a YAML bomb?)")
        return sizes[key]

    try:
        size(tree, 0)
    except _Shape as e:
        return str(e)
    return None


class _Shape(Exception):
    pass


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str | int) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _validate(name: str, tree: Any, diags: list[Diagnostic]) -> Loaded | None:
    data = _plain(tree)
    provider = data.get("provider")
    if provider not in ("guidebook", "planning_center"):
        loc: tuple[str, ...] = ("provider",) if "provider" in data else ()
        line, col = position(tree, loc)
        diags.append(Diagnostic(name, line, col, f"`provider` must be guidebook or planning_center, got {provider!r}"))
        return None
    model = model_for(data)
    try:
        doc = model.model_validate(data)
    except pydantic.ValidationError as e:
        for err in e.errors():
            diags.append(_diagnostic(name, tree, model, err))
        return None
    return Loaded(name, doc, tree)  # type: ignore[arg-type]


def _diagnostic(name: str, tree: Any, model: type[Strict], err: Any) -> Diagnostic:
    loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        line, col = position(tree, loc, key=True)
        return Diagnostic(name, line, col, _unknown_key(model, loc))
    line, col = position(tree, loc)
    field = ".".join(str(p) for p in loc)
    if kind == "missing":
        return Diagnostic(name, line, col, f"missing required key `{loc[-1]}`")
    message = str(err["msg"]).removeprefix("Value error, ")
    return Diagnostic(name, line, col, f"{field}: {message}" if field else message)


def _unknown_key(model: type[Strict], loc: tuple[Any, ...]) -> str:
    allowed = _allowed_keys(model, loc[:-1])
    hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    suggestion = f"; did you mean `{hint[0]}`?" if hint else f"; allowed: {', '.join(allowed)}"
    return f"unknown key `{loc[-1]}`{suggestion}"


def _allowed_keys(model: type[Any], path: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    return sorted(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        if isinstance(arg, type) and issubclass(arg, pydantic.BaseModel):
            return arg
    return annotation


def position(tree: Any, loc: Sequence[Any], key: bool = False) -> tuple[int, int]:
    """1-based (line, col) of the node at ``loc``; the nearest existing ancestor when it is missing."""
    node = tree
    line, col = _lc(tree)
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        try:
            if isinstance(node, dict) and part in node:
                lc: Any = node.lc  # type: ignore[attr-defined]  # ruamel's CommentedMap
                pos = lc.key(part) if key and last else lc.value(part)
                line, col = pos[0] + 1, pos[1] + 1
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                pos = node.lc.item(part)  # type: ignore[attr-defined]
                line, col = pos[0] + 1, pos[1] + 1
                node = node[part]
            else:
                break
        except (AttributeError, KeyError, TypeError):
            break
        if isinstance(node, dict | list) and not (key and last):
            line, col = _lc(node, (line, col))
    return line, col


def _lc(node: Any, default: tuple[int, int] = (1, 1)) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return default
    return lc.line + 1, lc.col + 1
