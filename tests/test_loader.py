"""Loading: every error as FILE:LINE:COL, all collected, never a traceback."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.core.errors import ConfigError, ValidationError
from provisioner.files import loader
from provisioner.files.fields import Ref
from provisioner.files.loader import load_workspace, schedules_root
from provisioner.providers.guidebook.models import GuidebookFile

Write = Callable[[str, str], Path]


def errors(paths: list[str]) -> list[str]:
    with pytest.raises(ValidationError) as info:
        load_workspace(paths)
    return [str(d) for d in info.value.diagnostics]


def rel(path: Path) -> str:
    """How the loader names a file: relative below the current directory, else as given."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def test_valid_file_loads_with_refs_and_sources(write: Write) -> None:
    d = write(
        "summit.yaml",
        """
        provider: guidebook
        guide: "47"
        schedules:
          - name: Sales Team
            attendees: [6, {email: alice@example.com}, {import_id: crm-1001}]
            sessions: ["13", {import_id: sess-keynote}, {name: Opening Keynote}]
    """,
    )
    ws = load_workspace([str(d)])
    (item,) = ws.files
    assert isinstance(item.doc, GuidebookFile)
    assert item.doc.guide == 47
    schedule = item.doc.schedules[0]
    assert schedule.attendees == [
        6,
        Ref("email", "alice@example.com"),
        Ref("import_id", "crm-1001"),
    ]
    assert schedule.sessions[0] == 13
    assert item.where("schedules", 0) == f"{rel(d / 'summit.yaml')}:4"
    assert ws.digest.startswith("sha256:")


def test_all_errors_collected_across_files(write: Write) -> None:
    write(
        "a.yaml",
        """
        provider: guidebook
        guide: 47
        schedules:
          - name: X
            atendees: []
            sessions: [true]
    """,
    )
    d = write("b.yaml", "a: 1\na: 2\n")
    write("c.yaml", "")
    f = {n: rel(d / n) for n in ("a.yaml", "b.yaml", "c.yaml")}
    assert errors([str(d)]) == [
        f"{f['a.yaml']}:5:5: unknown key `atendees`; did you mean `attendees`?",
        f"{f['a.yaml']}:6:16: schedules.0.sessions.0: session reference must be an id or one of "
        "{import_id: ...}, {name: ...}, got True",
        f"{f['b.yaml']}:1:1: missing required key `provider` (guidebook or planning_center)",
        f"{f['b.yaml']}:2:1: duplicate key 'a' (first at line 1): each key may appear once in a "
        "mapping",
        f"{f['c.yaml']}:1:1: file is empty; an empty file never means 'delete everything' "
        "(write `schedules: []` with its provider and scope to say so)",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("null\n", "file is empty"),
        ("- 1\n- 2\n", "expected a mapping with a `provider` key, got a list"),
        ("provider: nope\n", "`provider` must be guidebook or planning_center, got 'nope'"),
        ("provider: guidebook\n", "missing required key `guide`"),
        (
            "provider: guidebook\nguide: 0\n",
            "guide: an id must be a whole number from 1 to 9223372036854775807, got 0",
        ),
        (
            "provider: guidebook\nguide: 4.5\n",
            "guide: an id must be a whole number or a string of digits, got 4.5",
        ),
        (
            "provider: guidebook\nguide: abc\n",
            "guide: an id must be a whole number or a string of digits, got 'abc'",
        ),
        (
            'provider: guidebook\nguide: 1\nschedules:\n  - name: "a\\x07b"\n',
            "control characters (tabs, newlines",
        ),
        (
            'provider: guidebook\nguide: 1\nschedules:\n  - name: "a\\nb"\n',
            "control characters (tabs, newlines",
        ),
        (
            'provider: guidebook\nguide: 1\nschedules:\n  - name: "a\\u202eb"\n',
            "direction overrides) are not allowed",
        ),
        (
            "provider: guidebook\nguide: 99999999999999999999999\n",
            "an id must be a whole number from 1 to",
        ),
        ("guide: 1\n", "missing required key `provider`"),
        (
            "provider: guidebook\nguide: 1\nschedules:\n  - name: 'Sales '\n",
            "has leading or trailing spaces",
        ),
        (
            "provider: planning_center\nperson: 1\nresponses:\n  - {plan: 2, response: accepted, "
            "reason: x}\n",
            "`reason` is sent only with `response: declined`",
        ),
        (
            "provider: guidebook\nguide: 1\n---\nprovider: guidebook\nguide: 2\n",
            "4:1: a second YAML document starts here",
        ),
        (
            "provider: guidebook\nguide: [1\n",
            "2:8: while parsing a flow sequence: it is never closed",
        ),
        (
            "provider: planning_center\nservice_type: 1\nrosters:\n  - plan: 2\n    team_members:\n"
            "      - {person: 3, team: 4, status: maybe}\n",
            "status must be C, U, D, confirmed, unconfirmed or declined",
        ),
        (
            "provider: planning_center\nperson: 1\nresponses:\n  - {plan: 2, response: maybe}\n",
            "responses.0.response: Input should be 'accepted' or 'declined'",
        ),
    ],
)
def test_single_file_errors(write: Write, text: str, message: str) -> None:
    d = write("f.yaml", text)
    (error,) = errors([str(d)])
    assert error.startswith(rel(d / "f.yaml") + ":")
    assert message in error


def test_duplicate_schedule_across_files_names_both(write: Write) -> None:
    write("a.yaml", "provider: guidebook\nguide: 47\nschedules:\n  - name: Sales\n")
    d = write(
        "b.yaml", "provider: guidebook\nguide: 47\nschedules:\n  - {name: Other}\n  - name: Sales\n"
    )
    assert errors([str(d)]) == [
        f"{rel(d / 'b.yaml')}:5:11: schedule 'Sales' of guide 47 is declared twice "
        f"(first at {rel(d / 'a.yaml')}:4)"
    ]


def test_declared_schedule_matching_ignore_is_an_error(write: Write) -> None:
    d = write(
        "a.yaml",
        "provider: guidebook\nguide: 47\nignore: ['Manual *']\nschedules:\n  - name: Manual X\n",
    )
    (error,) = errors([str(d)])
    assert "matches ignore pattern 'Manual *'" in error


def test_yaml_bomb_is_refused(write: Write) -> None:
    lines = ["provider: guidebook", "guide: 1", "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    d = write("bomb.yaml", "\n".join(lines) + "\n")
    (error,) = errors([str(d)])
    assert "expands to more than 1000000 values through anchors and aliases" in error


def test_deep_nesting_is_refused(write: Write) -> None:
    d = write(
        "deep.yaml", "provider: guidebook\nguide: 1\nschedules: " + "[" * 500 + "]" * 500 + "\n"
    )
    (error,) = errors([str(d)])
    assert "nested deeper than" in error or "cannot parse YAML" in error


def test_binary_and_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "bin.yaml").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin.yaml").write_bytes(b"provider: guidebook\nguide: 1\n# caf\xe9\n")
    assert errors([str(tmp_path)]) == [
        f"{rel(tmp_path / 'bin.yaml')}:1:1: binary file, not YAML text",
        f"{rel(tmp_path / 'latin.yaml')}:3:6: not UTF-8 text (byte 0xe9); save the file as UTF-8",
    ]


def test_large_file_refused(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_bytes(b"#" * (5 * 1024 * 1024 + 1))
    (error,) = errors([str(tmp_path)])
    assert "larger than the limit of 5,242,880 bytes" in error


def test_symlink_outside_directory_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("provider: guidebook\nguide: 1\n")
    inside = tmp_path / "schedules"
    inside.mkdir()
    (inside / "link.yaml").symlink_to(outside)
    (error,) = errors([str(inside)])
    assert "symlink points outside" in error


def test_merge_keys_and_unsupported_shapes(write: Write) -> None:
    d = write(
        "a.yaml",
        """
        provider: guidebook
        guide: 47
        schedules:
          - &base {name: A, attendees: [6], sessions: [13]}
          - <<: *base
            name: B
            attendees: [7]
    """,
    )
    doc = load_workspace([str(d)]).files[0].doc
    assert isinstance(doc, GuidebookFile)
    b = doc.schedules[1]
    assert (b.name, b.attendees, b.sessions) == ("B", [7], [13])
    d = write(
        "a.yaml",
        "provider: guidebook\nguide: 47\nschedules:\n  - {name: A, sessions: [13], ? [1]: 2}\n",
    )
    (error,) = errors([str(d)])
    assert "a mapping key must be a plain value" in error
    d = write("a.yaml", "provider: guidebook\nguide: &g [*g]\n")
    assert len(errors([str(d)])) == 1


def test_anchors_share_lists(write: Write) -> None:
    d = write(
        "a.yaml",
        """
        provider: guidebook
        guide: 47
        schedules:
          - name: A
            sessions: &core [13, 14]
          - name: B
            sessions: *core
    """,
    )
    doc = load_workspace([str(d)]).files[0].doc
    assert isinstance(doc, GuidebookFile)
    assert doc.schedules[1].sessions == [13, 14]


def test_missing_path_and_no_files(tmp_path: Path) -> None:
    assert errors([str(tmp_path / "nope")]) == [
        f"{tmp_path / 'nope'}:1:1: no such file or directory"
    ]
    assert errors([str(tmp_path)]) == [f"{tmp_path}:1:1: no *.yaml or *.yml files found"]


def test_a_bad_path_does_not_hide_errors_in_other_files(write: Write, tmp_path: Path) -> None:
    d = write("a.yaml", "provider: guidebook\n")
    found = errors([str(d), str(tmp_path / "nope")])
    assert sorted(e.split(": ", 1)[1] for e in found) == [
        "missing required key `guide`",
        "no such file or directory",
    ]


def test_thousand_levels_deep_is_a_nesting_error(write: Write) -> None:
    d = write(
        "deep.yaml", "provider: guidebook\nguide: 1\nschedules: " + "[" * 1000 + "]" * 1000 + "\n"
    )
    (error,) = errors([str(d)])
    assert error.endswith("nested deeper than 40 levels")


def test_roster_status_and_response_for_the_same_schedule_conflict(write: Write) -> None:
    write(
        "roster.yaml",
        "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n"
        "    team_members:\n      - {person: 111, team: 22, status: C}\n",
    )
    d = write(
        "resp.yaml",
        "provider: planning_center\nperson: 111\nresponses:\n  - {plan: 5678, response: "
        "declined}\n",
    )
    assert errors([str(d)]) == [
        f"{rel(d / 'resp.yaml')}:4:5: person 111's response to plan 5678 team 22 (declined) "
        "contradicts the roster "
        f"`status: C` at {rel(d / 'roster.yaml')}:6; declare it in one place only"
    ]
    write(
        "resp.yaml",
        "provider: planning_center\nperson: 111\nresponses:\n  - {plan: 5678, response: "
        "accepted}\n",
    )
    assert len(load_workspace([str(d)]).files) == 2  # saying the same thing twice is fine


def test_a_schedule_declared_twice_through_a_merge_key_is_caught(write: Write) -> None:
    d = write(
        "a.yaml",
        "provider: guidebook\nguide: 47\nschedules:\n  - &s1 {name: X, attendees: [6]}\n"
        "  - <<: *s1\n    sessions: [13]\n",
    )
    (error,) = errors([str(d)])
    assert "schedule 'X' of guide 47 is declared twice (first at" in error


def test_chained_merge_keys_are_bounded_like_aliases(write: Write) -> None:
    lines = ["provider: guidebook", "guide: 47", "schedules:", "  - &m0 {name: m0}"]
    lines += [f"  - &m{i} {{<<: *m{i - 1}, k{i}: 1}}" for i in range(1, 3000)]
    (error,) = errors([str(write("a.yaml", "\n".join(lines) + "\n"))])
    assert "expands to more than 1000000 values" in error


def test_a_tab_used_for_indentation_is_named(write: Write) -> None:
    (error,) = errors(
        [str(write("a.yaml", "provider: guidebook\nguide: 47\nschedules:\n\t- name: x\n"))]
    )
    assert error.endswith("(a tab: YAML indents with spaces only)")


def test_missing_default_path_says_where_yaml_is_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "schedules:1:1: no such file or directory: schedules/ is where the YAML is "
        "looked for when no path is given;"
    )


def _repo(at: Path) -> Path:
    (at / "schedules" / "sub").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(at)], check=True)
    return at


def test_the_schedules_root_is_found_again_after_a_chdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a test that failed now and then: the git top level was cached by the relative path,
    so `.` asked from a repository's top level answered `schedules` later from inside schedules/sub,
    where no such directory is; the subset then had no root and pruned what another file declares.
    """
    a, b = _repo(tmp_path / "a"), _repo(tmp_path / "b")
    monkeypatch.chdir(a)
    assert schedules_root(Path(".")) is None  # the top level is not inside schedules/
    monkeypatch.chdir(b / "schedules" / "sub")
    root = schedules_root(Path("."))
    assert root is not None and root.resolve() == (b / "schedules").resolve()


def test_a_git_that_does_not_answer_is_an_error_not_outside_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Taken for "outside git", a slow git gave the wrong root, and the subset pruned."""

    def slow(*args: object, **kwargs: object) -> None:
        raise subprocess.TimeoutExpired("git", loader.GIT_TIMEOUT)

    (tmp_path / "slow" / "schedules").mkdir(parents=True)
    monkeypatch.setattr(loader.subprocess, "run", slow)
    with pytest.raises(ConfigError) as e:
        schedules_root(tmp_path / "slow" / "schedules")
    assert str(e.value) == (
        "git did not answer within 10 s to find the schedules root of "
        f"{tmp_path / 'slow' / 'schedules'}: "
        "pass --root DIR (the directory that holds every schedules file) to name it"
    )
