"""Issue 24 #2: a fresh import is written by importing/emit.py, byte for byte what ruamel writes
(importer.dump), or by ruamel itself when the document leaves the shape the fast writer knows."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from provisioner.importing import importer
from provisioner.importing.emit import emit
from provisioner.importing.merge import eol_comment
from tests.conftest import Cli
from tests.helpers import examples


def fast(doc: Any) -> str | None:
    yaml = importer._round_trip()
    yaml.indent(mapping=2, sequence=4, offset=2)
    return emit(doc, yaml)


def same_as_ruamel(doc: Any) -> str | None:
    """The fast writer's text (None: it hands the document to ruamel), checked against ruamel's."""
    text = fast(doc)
    assert text is None or text == importer.dump(doc)
    return text


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str | None]]:
    """Every fresh document the CLI writes in the test, with what the fast writer made of it."""
    seen: list[tuple[Any, str | None]] = []

    def spy(doc: Any, yaml: Any) -> str | None:
        text = emit(doc, yaml)
        seen.append((doc, text))
        return text

    monkeypatch.setattr(importer, "emit", spy)
    return seen


@pytest.mark.parametrize(
    ("args", "fast_path"),
    [
        (("guidebook", "--guide", "47"), True),
        (("planning-center", "--service-type", "1234"), True),
        (("planning-center", "--person", "114"), False),  # pending plans: a comment above a key
    ],
)
def test_imports_write_what_ruamel_writes(
    cli: Cli,
    tmp_path: Path,
    written: list[tuple[Any, str | None]],
    args: tuple[str, ...],
    fast_path: bool,
) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "provisioner.schema.json").write_text("{}", encoding="utf-8")
    out = tmp_path / "schedules" / "x.yaml"
    assert cli("import", *args, "-o", str(out)).exit_code == 0
    [(doc, text)] = written
    assert (text is not None) is fast_path
    assert out.read_text(encoding="utf-8") == importer.dump(doc)
    assert out.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")


def test_ids_with_comments_and_quoted_values() -> None:
    refs = CommentedSeq([CommentedMap([("email", "carol@example.com")]), 8, 9])
    eol_comment(refs, 1, "Bob <bob@example.com>")
    doc = CommentedMap([("provider", "guidebook"), ("guide", 47)])
    eol_comment(doc, "guide", "Summit: 2026 #1")
    doc["schedules"] = CommentedSeq(
        [
            CommentedMap([("name", "Sales: Team"), ("attendees", refs), ("sessions", [])]),
            CommentedMap([("name", "007"), ("notes", DoubleQuotedScalarString(""))]),
        ]
    )
    doc["schedules"][0]["sessions"] = CommentedSeq()
    assert same_as_ruamel(doc) == (
        "provider: guidebook\nguide: 47  # Summit: 2026 #1\nschedules:\n  - name: 'Sales: Team'\n"
        "    attendees:\n      - email: carol@example.com\n      - 8  # Bob <bob@example.com>\n"
        "      - 9\n    sessions: []\n  - name: '007'\n    notes: \"\"\n"
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc["schedules"][0].yaml_set_anchor("a", always_dump=True),
        lambda doc: doc["schedules"].fa.set_flow_style(),
        lambda doc: doc["schedules"].yaml_add_eol_comment("# other", 0),
        lambda doc: doc.__setitem__("again", doc["schedules"][0]),
        lambda doc: doc.__setitem__("long", "word " * 40),
        lambda doc: doc["schedules"].append(CommentedSeq([1])),
        lambda doc: doc.yaml_set_comment_before_after_key("schedules", before="above"),
    ],
)
def test_other_shapes_go_to_ruamel(change: Callable[[CommentedMap], None]) -> None:
    doc = CommentedMap([("provider", "guidebook"), ("guide", 47)])
    doc["schedules"] = CommentedSeq(
        [CommentedMap([("name", "A"), ("attendees", CommentedSeq([1]))])]
    )
    assert same_as_ruamel(doc) is not None
    change(doc)
    assert same_as_ruamel(doc) is None


scalars = st.one_of(
    st.integers(-(10**12), 10**12),
    st.text(max_size=30),
    st.text(alphabet="ab :#'\"-?&*!|>{}[],%@`0123456789.eEx+\\ \t", max_size=12),
    st.sampled_from(
        ["yes", "no", "null", "~", "true", "1e3", "0x1F", "0o7", "2026-12-06", ".inf", "-", ""]
    ),
    st.none(),
    st.booleans(),
    st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 1, 1)),
    st.floats(allow_nan=False),
)
keys = st.sampled_from(["name", "email", "import_id", "person", "team", "status", "notes"])


def documents() -> st.SearchStrategy[CommentedMap]:
    leaf = scalars
    tree = st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(st.tuples(inner, st.none() | st.text(max_size=20)), max_size=4).map(_seq),
            st.dictionaries(
                keys, st.tuples(inner, st.none() | st.text(max_size=20)), max_size=4
            ).map(_map),
        ),
        max_leaves=12,
    )
    return st.dictionaries(keys, st.tuples(tree, st.none() | st.text(max_size=20)), min_size=1).map(
        _map
    )


def _seq(items: list[tuple[Any, str | None]]) -> CommentedSeq:
    out = CommentedSeq(v for v, _ in items)
    for i, (_, comment) in enumerate(items):
        if comment is not None and "\n" not in comment:
            eol_comment(out, i, comment)
    return out


def _map(pairs: dict[str, tuple[Any, str | None]]) -> CommentedMap:
    out = CommentedMap((k, v) for k, (v, _) in pairs.items())
    for k, (_, comment) in pairs.items():
        if comment is not None and "\n" not in comment:
            eol_comment(out, k, comment)
    return out


@settings(max_examples=examples(300), deadline=None)
@given(documents())
def test_any_document_is_written_as_ruamel_writes_it_or_handed_to_ruamel(doc: CommentedMap) -> None:
    same_as_ruamel(doc)


@pytest.mark.parametrize("text", ["\x85", "a\x85", "\u2028", "\u2029", "x\ry"])
def test_a_line_break_python_does_not_count_is_written_as_ruamel_writes_it(text: str) -> None:
    """Found by the property test: NEL (and LS, PS, CR) in a list item was written with the
    continuation indented as at the probe's column, not the item's ('\\x85  ' where ruamel writes
    '\\x85    ')."""
    same_as_ruamel(CommentedMap({"name": CommentedSeq([text])}))  # ruamel's bytes, or ruamel itself
