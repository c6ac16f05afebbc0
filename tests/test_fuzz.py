"""Hostile input: random documents and random bytes never crash validate."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from provisioner.core.errors import Diagnostic
from provisioner.files.loader import load_bytes
from tests.helpers import examples

KEYS = [
    "provider",
    "guide",
    "schedules",
    "name",
    "attendees",
    "sessions",
    "email",
    "import_id",
    "prune",
    "ignore",
    "protect",
    "publish",
    "safety",
    "service_type",
    "rosters",
    "plan",
    "team_members",
    "person",
    "team",
    "status",
    "position",
    "notes",
    "responses",
    "response",
    "reason",
    "bogus",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["guidebook", "planning_center", "C", "declined", "47"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=30,
)


def dump(value: object) -> bytes:
    out = io.StringIO()
    YAML(typ="safe").dump(value, out)
    return out.getvalue().encode()


def check(raw: bytes) -> None:
    diags: list[Diagnostic] = []
    loaded = load_bytes("f.yaml", raw, diags)
    assert (loaded is None) == bool(diags)
    for d in diags:
        assert str(d).startswith("f.yaml:") and d.message and "Traceback" not in d.message


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_documents_never_crash(doc: object) -> None:
    check(dump(doc))


@settings(max_examples=examples(200), deadline=None)
@given(
    documents.filter(lambda d: isinstance(d, dict)).map(lambda d: {"provider": "guidebook", **d})
)
def test_random_guidebook_shaped_documents_never_crash(doc: object) -> None:
    check(dump(doc))


@settings(max_examples=examples(300), deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(raw: bytes) -> None:
    check(raw)


@settings(max_examples=examples(200), deadline=None)
@given(st.text(alphabet="{}[]:-&*!|>'\"#%@`, \n\tab01", max_size=80))
def test_random_yaml_syntax_never_crashes(text: str) -> None:
    check(text.encode())
