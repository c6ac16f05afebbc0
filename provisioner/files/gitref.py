"""The YAML as git ``REF`` holds it: for `--changed-since REF` (which files differ) and `--base REF`
(what the base branch declares). One ``git archive`` of the given paths at REF, unpacked into a
temporary directory."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from provisioner.core.errors import ConfigError

GIT_TIMEOUT = 60  # seconds; a local repository answers in milliseconds


@dataclass(frozen=True)
class Snapshot:
    """The given paths as they were at ``commit``, unpacked under ``root``; ``paths`` maps each
    given path to its copy (None when it did not exist at REF)."""

    ref: str
    commit: str
    repo: Path
    root: Path
    paths: dict[str, Path | None]

    def copy_of(self, path: str | Path) -> Path:
        """Where the file at ``path`` (in the working tree) lies in the snapshot."""
        return self.root / Path(path).resolve().relative_to(self.repo)

    def files(self) -> list[Path]:
        """Every file of the snapshot, as paths into it."""
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def working_path(self, copy: Path) -> Path:
        """The working-tree path a snapshot file stands for."""
        return self.repo / copy.relative_to(self.root)


def _git(args: Sequence[str], what: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError as e:
        raise ConfigError(f"{what}: git is not installed or not on PATH") from e
    except subprocess.TimeoutExpired as e:
        raise ConfigError(f"{what}: git did not answer within {GIT_TIMEOUT} s") from e
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConfigError(f"{what}: {detail[-1] if detail else f'git exited {done.returncode}'}")
    return done.stdout


def resolve(ref: str, option: str) -> tuple[Path, str]:
    """(the repository's top directory, the commit ``ref`` names); a clear error when git cannot
    resolve it."""
    top = Path(
        _git(["rev-parse", "--show-toplevel"], f"{option} needs a git repository").decode().strip()
    )
    if ref.startswith("-"):
        raise ConfigError(f"{option} {ref}: not a git revision")
    try:
        commit = _git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], option
        )
    except ConfigError as e:
        raise ConfigError(
            f"{option} {ref}: git cannot resolve {ref!r} to a commit; in CI fetch it first "
            "(actions/checkout with fetch-depth: 0)"
        ) from e
    return top.resolve(), commit.decode().strip()


@contextmanager
def snapshot(ref: str, paths: Sequence[str], option: str) -> Iterator[Snapshot]:
    """The given paths at ``ref``, unpacked into a temporary directory removed afterwards."""
    repo, commit = resolve(ref, option)
    rels: dict[str, str | None] = {}
    for path in paths:
        try:
            rel = Path(path).resolve().relative_to(repo).as_posix()
        except ValueError as e:
            raise ConfigError(f"{option}: {path} is not inside the git repository {repo}") from e
        rels[path] = rel if _exists(commit, rel) else None
    tmp = Path(tempfile.mkdtemp(prefix="provisioner-ref-"))
    try:
        present = sorted({r for r in rels.values() if r is not None})
        if present:
            _unpack(_git(["archive", "--format=tar", commit, "--", *present], option), tmp)
        yield Snapshot(
            ref,
            commit,
            repo,
            tmp,
            {p: (tmp / r if r is not None else None) for p, r in rels.items()},
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _exists(commit: str, rel: str) -> bool:
    if rel in ("", "."):
        return True
    done = subprocess.run(
        ["git", "cat-file", "-e", f"{commit}:{rel}"],
        capture_output=True,
        timeout=GIT_TIMEOUT,
        check=False,
    )
    return done.returncode == 0


def _unpack(data: bytes, dest: Path) -> None:
    """Unpack git's tar: regular files and directories only, nothing outside ``dest``."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            members = tar.getmembers()
            bad = [
                m.name
                for m in members
                if not (m.isfile() or m.isdir())
                or m.name.startswith("/")
                or ".." in Path(m.name).parts
            ]
            if bad:  # a symlink in the YAML folder would be refused by the loader too
                raise ConfigError(
                    f"the YAML at this ref holds links or unsafe paths ({', '.join(bad[:3])}); "
                    "refusing to unpack it"
                )
            if hasattr(
                tarfile, "data_filter"
            ):  # Python 3.11.4+; 3.14 filters by default and 3.12 warns without
                tar.extractall(dest, members=members, filter="data")
            else:
                tar.extractall(dest, members=members)
    except tarfile.TarError as e:
        raise ConfigError(f"cannot unpack the YAML at this ref: {e}") from e
