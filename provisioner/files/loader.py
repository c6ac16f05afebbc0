"""Read YAML files into validated models, keeping file:line:col for every error and every item.

This module finds the files (paths, directories, the git root's ``schedules/``), reads, decodes and
parses them; yamlerrors.py words a syntax error, validation.py checks a parsed document against its
service's model, checks.py runs the cross-file checks."""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError

from provisioner.core.collector import paused
from provisioner.core.errors import ConfigError, Diagnostic, ValidationError
from provisioner.core.records import Loaded, Workspace
from provisioner.files.checks import cross_file_checks
from provisioner.files.io import MAX_YAML_BYTES, STDIO, FileProblem, read_bounded
from provisioner.files.validation import validate_document
from provisioner.files.yamlerrors import syntax_error
from provisioner.files.yamlnodes import Pos, ShapeError, parse

log = logging.getLogger(__name__)

MAX_FILE_BYTES = MAX_YAML_BYTES
MAX_NODES = 1_000_000  # after alias expansion: what validation would have to walk
MAX_DEPTH = 40
SUFFIXES = (".yaml", ".yml")


DEFAULT_PATH = "schedules"  # what every command reads when given no path


def discover(paths: Iterable[str], diags: list[Diagnostic]) -> list[Path]:
    """Expand directories into their YAML files, sorted; explicit files are taken as given. Problems
    (missing paths, symlinks leading out) go to ``diags`` so the other files are still checked."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if raw == STDIO:
            found.append(path)
        elif path.is_dir():
            found += _walk(path, diags)
        elif path.exists():
            found.append(path)
        elif path.is_symlink():
            diags.append(
                Diagnostic(_display(path), 1, 1, "a symlink that leads nowhere (or to itself)")
            )
        elif raw == DEFAULT_PATH:
            diags.append(
                Diagnostic(
                    _display(path),
                    1,
                    1,
                    f"no such file or directory: {DEFAULT_PATH}/ is where the "
                    "YAML is looked for when no path is given; run from the repository's root or "
                    "give the paths of your YAML files",
                )
            )
        else:
            diags.append(Diagnostic(_display(path), 1, 1, "no such file or directory"))
    return _once(found)


def _once(paths: list[Path]) -> list[Path]:
    """Each file once, however often it was named (``a.yaml a.yaml``, or a file and its directory):
    a file given twice is not two declarations of the same things."""
    seen: set[str] = set()
    out = []
    for path in paths:
        real = str(path) if str(path) == STDIO else os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            out.append(path)
    return out


def _walk(root: Path, diags: list[Diagnostic]) -> list[Path]:
    base = Path(os.path.realpath(root))
    out = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in SUFFIXES or path.is_dir():
            continue
        target = Path(
            os.path.realpath(path)
        )  # never raises, even for a symlink loop (read then says why)
        if not target.is_relative_to(base):
            diags.append(
                Diagnostic(
                    str(path), 1, 1, f"symlink points outside {root} (to {target}); refusing"
                )
            )
            continue
        out.append(path)
    return out


def load_workspace(paths: Iterable[str], root: str | None = None) -> Workspace:
    """Load and validate every file, collecting every error before raising. ``root`` is the
    schedules root (``--root``); without it, ``schedules/`` at the git top level of each path (see
    ``siblings``)."""
    with _collector_paused():
        workspace = _load(list(paths), root)
    # What was just loaded lives as long as the run: keep the collector from walking it again at
    # every later full collection (and once more at exit). Loading leaves no cycles behind, so
    # nothing is kept that would have been collected.
    gc.freeze()
    return workspace


# Loading makes millions of objects and no garbage cycles (yamlnodes breaks the parser's own): with
# the cyclic collector running, most of the load time went into walking the objects already made.
_collector_paused = paused


def _load(paths: list[str], root: str | None = None) -> Workspace:
    diags: list[Diagnostic] = []
    files = discover(paths, diags)
    loaded: list[Loaded] = []
    partial: list[
        Loaded
    ] = []  # invalid files minus their invalid items: still checked across files
    contents: list[bytes] = []
    for path in files:
        raw = _read(path, diags)
        if raw is None:
            continue
        contents.append(hashlib.sha256(raw).digest())
        item = load_bytes(_display(path), raw, diags, partial=partial)
        if item is not None:
            loaded.append(item)
    if not files and not diags:
        diags.append(Diagnostic(", ".join(paths) or ".", 1, 1, "no *.yaml or *.yml files found"))
    warnings: list[Diagnostic] = []
    diags += cross_file_checks(loaded + partial, warnings)
    if diags:
        raise ValidationError(diags)
    # The bytes alone, in a fixed order: the same YAML gives the same digest from any directory and
    # whatever order the paths were given in (a saved plan is checked against it).
    digest = "sha256:" + hashlib.sha256(b"".join(sorted(contents))).hexdigest()
    return Workspace(tuple(loaded), digest, siblings(paths, files, root), tuple(warnings))


def siblings(
    paths: Iterable[str], given: list[Path], root: str | None = None
) -> tuple[Loaded, ...]:
    """The other valid YAML files of the repository that declare what a subset of it declares:
    beside each given file, and under the schedules root of each given path inside it (a file or a
    subdirectory: issue 23). A scope they declare too is not pruned by this run (contract §6); a
    file that does not load is not one of ours and is left out quietly."""
    paths = list(paths)
    places = {Path(p).parent for p in paths if Path(p).is_file()}
    bases = sorted({b for p in paths if (b := schedules_root(Path(p), root)) is not None})
    if not places and not bases:
        return ()
    candidates = [
        p
        for d in sorted(places)
        for p in sorted(d.iterdir())
        if p.suffix in SUFFIXES and p.is_file()
    ]
    for base in bases:
        candidates += _walk(base, [])
    seen = {p.resolve() for p in given}
    out: list[Loaded] = []
    for path in candidates:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        quiet: list[Diagnostic] = []
        raw = _read(path, quiet)
        item = load_bytes(_display(path), raw, quiet) if raw is not None else None
        if item is not None and not quiet:
            out.append(item)
    return tuple(out)


GIT_TIMEOUT = 10.0  # seconds for `git rev-parse`: a repository on a slow network disk still answers


def schedules_root(path: Path, root: str | None = None) -> Path | None:
    """The schedules root ``path`` is a strict part of (None when it is the root, or outside it):
    ``root`` when given, else ``schedules/`` at the git top level of ``path`` (outside git:
    ``schedules/`` here)."""
    if str(path) == STDIO or not path.exists():
        return None
    base = Path(root) if root else _git_schedules(path if path.is_dir() else path.parent)
    if not base.is_dir():
        return None
    here, top = path.resolve(), base.resolve()
    return base if top in here.parents else None


def _git_schedules(directory: Path) -> Path:
    """``schedules/`` at the git top level of ``directory``, relative to the current directory (as
    the paths given are shown); outside git, ``schedules/`` here."""
    top = _git_top(directory.resolve())
    return Path("schedules") if top is None else Path(os.path.relpath(top / "schedules"))


@functools.lru_cache(maxsize=64)
def _git_top(directory: Path) -> Path | None:
    """The git top level of an absolute ``directory`` (None outside git, or with no git installed).
    Cached by the absolute path: a relative one means another directory after a chdir, and a stale
    answer made a subset prune what another file declares. A git that does not answer is an error,
    not "outside git": the wrong root would let this run prune."""
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--show-toplevel"],
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise ConfigError(
            f"git did not answer within {GIT_TIMEOUT:g} s to find the schedules root of "
            f"{directory}: "
            "pass --root DIR (the directory that holds every schedules file) to name it"
        ) from e
    except (OSError, subprocess.SubprocessError):  # no git here: the directory the command runs in
        return None
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode("utf-8", "replace").strip())


def _display(path: Path) -> str:
    """Relative to the current directory when the file is below it; otherwise as given
    (``/dev/null``, not ``../../../dev/null``)."""
    if str(path) == STDIO:
        return "<stdin>"
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel == ".." or rel.startswith(".." + os.sep) else rel


def _read(path: Path, diags: list[Diagnostic]) -> bytes | None:
    try:
        return read_bounded(path, MAX_FILE_BYTES)
    except FileProblem as e:
        diags.append(Diagnostic(_display(path), 1, 1, str(e)))
        return None


def load_bytes(
    name: str, raw: bytes, diags: list[Diagnostic], *, partial: list[Loaded] | None = None
) -> Loaded | None:
    """Parse and validate one file's bytes; problems go to ``diags``. When the file is invalid only
    in some list items, the rest of it goes to ``partial`` (if given), so the cross-file checks
    report their errors too."""
    text = _decode(name, raw, diags)
    if text is None:
        return None
    parsed = _parse(name, text, diags)
    if parsed is None:
        return None
    return validate_document(name, *parsed, diags, partial)


def _decode(name: str, raw: bytes, diags: list[Diagnostic]) -> str | None:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # what Windows editors write as "Unicode"
        diags.append(Diagnostic(name, 1, 1, "UTF-16 text; save the file as UTF-8"))
        return None
    if b"\x00" in raw[:8192]:
        diags.append(Diagnostic(name, 1, 1, "binary file, not YAML text"))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        diags.append(
            Diagnostic(
                name,
                line,
                col,
                f"not UTF-8 text (byte 0x{raw[e.start]:02x}); save the file as UTF-8",
            )
        )
        return None


def _parse(name: str, text: str, diags: list[Diagnostic]) -> tuple[dict[str, Any], Pos] | None:
    """The file's mapping and its positions; a YAML that cannot be parsed is one located
    diagnostic."""
    problems: list[ShapeError] = []
    try:
        docs = parse(text, max_nodes=MAX_NODES, max_depth=MAX_DEPTH, problems=problems)
    except ShapeError as e:
        diags.append(Diagnostic(name, e.line, e.col, str(e)))
        return None
    except MarkedYAMLError as e:
        diags.append(syntax_error(name, text, e))
        return None
    except RecursionError:
        diags.append(Diagnostic(name, 1, 1, f"nested deeper than {MAX_DEPTH} levels"))
        return None
    except (YAMLError, ValueError, TypeError) as e:
        diags.append(
            Diagnostic(name, 1, 1, f"cannot parse YAML: {type(e).__name__}: {str(e)[:200]}")
        )
        return None
    return _one_mapping(name, docs, problems, diags)


def _one_mapping(
    name: str, docs: list[tuple[Any, Pos]], problems: list[ShapeError], diags: list[Diagnostic]
) -> tuple[dict[str, Any], Pos] | None:
    """The file's one document, when it is a mapping; a second document, an empty file or anything
    but a mapping is a diagnostic. The parser's non-fatal problems go to ``diags`` too."""
    if len(docs) > 1:
        second = docs[1][1]
        diags.append(
            Diagnostic(
                name,
                second.line,
                second.col,
                "a second YAML document starts here (after `---`); use one document per file",
            )
        )
        return None
    if not docs or docs[0][0] is None:
        diags.append(
            Diagnostic(
                name,
                1,
                1,
                "file is empty; an empty file never means 'delete everything' "
                "(write `schedules: []` with its provider and scope to say so)",
            )
        )
        return None
    diags += [Diagnostic(name, p.line, p.col, str(p)) for p in problems]
    data, pos = docs[0]
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        diags.append(
            Diagnostic(
                name, pos.line, pos.col, f"expected a mapping with a `provider` key, got {kind}"
            )
        )
        return None
    return data, pos
