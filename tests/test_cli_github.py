"""What the CLI gives GitHub Actions and shells: error annotations (README: Commands), help on every
option, click's shell completion."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from provisioner import __version__
from provisioner.cli import github_annotation, main
from provisioner.core.errors import Diagnostic

Write = Callable[[str, str], Path]
BAD = """\
    provider: guidebook
    guide: 47
    schedules:
      - name: Sales Team
        sessionz: [13]
    """


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_file_errors_become_github_annotations(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write("bad.yaml", BAD) / "bad.yaml"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(path.parent.parent))
    result = invoke("validate", str(path.parent))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    plain = [m for m in map(re.compile(r"^(.+bad\.yaml):(\d+):(\d+): (.+)$").match, lines) if m]
    notes = [line for line in lines if line.startswith("::error ")]
    assert plain and len(notes) == len(plain), result.stderr
    _, line, col, message = plain[0].groups()
    assert notes[0] == f"::error file=schedules/bad.yaml,line={line},col={col}::{message}"
    assert (line, col) == ("5", "5") and "sessionz" in message


def test_no_annotations_outside_github_actions(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    result = invoke("validate", str(write("bad.yaml", BAD)))
    assert result.exit_code == 1 and "bad.yaml:" in result.stderr and "::error" not in result.stderr


def test_annotation_escapes_what_would_end_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    d = Diagnostic("dir,a:b/100%.yaml", 3, 7, "two\nlines, 50% and ::colons")
    assert github_annotation(d) == (
        "::error file=dir%2Ca%3Ab/100%25.yaml,line=3,col=7::two%0Alines, 50%25 and ::colons"
    )


def _commands(group: click.Group, ctx: click.Context) -> Iterator[tuple[str, click.Command]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield name, command
        if isinstance(command, click.Group):
            for sub, sub_command in _commands(command, ctx):
                yield f"{name} {sub}", sub_command


def test_every_option_has_help_text() -> None:
    ctx = click.Context(main)
    commands = [("provisioner", main), *_commands(main, ctx)]
    missing = [
        f"{name} {param.opts[0]}"
        for name, command in commands
        for param in command.params
        if isinstance(param, click.Option)
        and not param.help
        and param.name not in ("help", "version")
    ]
    assert missing == [], f"options without help text: {missing}"


def test_version_matches_the_distribution_metadata() -> None:
    from importlib.metadata import version

    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"provisioner, version {__version__}"
    assert version("schedule-provisioner") == __version__


def test_bash_completion_script_is_generated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_PROVISIONER_COMPLETE", "bash_source")
    result = CliRunner().invoke(main, [], prog_name="provisioner")
    assert result.exit_code == 0 and "_provisioner_completion" in result.stdout


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (
            "provisioner ",
            ["apply", "doctor", "drift", "import", "plan", "sandbox", "schema", "show", "validate"],
        ),
        ("provisioner import ", ["guidebook", "planning-center"]),
        ("provisioner -v plan --f", ["--format"]),
        (
            "provisioner import guidebook --q",
            ["--quiet"],
        ),  # -v/-q are added to every subcommand, import ones too
        ("provisioner drift --format ", ["text", "markdown", "json"]),
    ],
)
def test_bash_completion_completes_commands_and_options(
    monkeypatch: pytest.MonkeyPatch, words: str, expected: list[str]
) -> None:
    """What the shell gets on Tab: guards the commands being assembled from several modules and
    services."""
    monkeypatch.setenv("_PROVISIONER_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(words.split()) - (0 if words.endswith(" ") else 1)))
    result = CliRunner().invoke(main, [], prog_name="provisioner")
    assert result.exit_code == 0
    assert [line.split(",", 1)[1] for line in result.stdout.splitlines()] == expected


def test_help_lists_the_variables_that_change_behaviour() -> None:
    """Besides each service's own: the read timeout, colour, the account suffix and GitHub
    annotations."""
    text = " ".join(invoke("--help").stdout.split())
    for needle in (
        "PROVISIONER_TIMEOUT",
        "NO_COLOR",
        "GITHUB_ACTIONS true: file errors also as ::error",
        "..._NAME any variable above, for the files with `account: NAME`",
    ):
        assert needle in text, needle
