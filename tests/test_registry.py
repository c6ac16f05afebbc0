"""The registry's names: one service per `provider:` value, whoever registers it (built in, an
installed plug-in's entry point, or a test), and JSON Schema definitions kept apart per service."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

import jsonschema
import pytest
from click.testing import CliRunner, Result
from pydantic import Field

from provisioner.cli import main
from provisioner.core.errors import ConfigError
from provisioner.files.fields import IntId, Strict, Text
from provisioner.files.schema import json_schema, schema_text
from provisioner.providers import registry
from provisioner.providers.base import Service
from tests.test_plugin import ToyService

MISNAMED = ToyService()  # name = "toy"


class Declared(Service):
    name = "toy"
    title = "Toy"
    models_at = ("tests.test_plugin:ToyFile",)
    provider_at = "tests.test_registry:nowhere"


class Undeclared(Service):
    name = "bare"
    title = "Bare"


LISTED, BARE = Declared(), Undeclared()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path for installed distributions (as pip leaves them), read afresh."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    registry._owners.cache_clear()
    yield path
    registry._owners.cache_clear()


def install(site: Path, dist: str, entry_points: str) -> None:
    info = site / f"{dist}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{registry.ENTRY_POINT_GROUP}]\n{entry_points}\n")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_plug_in_with_a_built_in_services_name_is_refused_naming_both(
    site: Path, tmp_path: Path
) -> None:
    install(site, "gb_clone", "guidebook = gb_clone:SERVICE")
    (tmp_path / "a.yaml").write_text("provider: guidebook\nguide: 1\n")
    result = run("validate", str(tmp_path / "a.yaml"))
    assert (result.exit_code, result.output) == (
        1,
        "error: plug-in gb_clone:SERVICE (distribution gb_clone) registers service 'guidebook', "
        "the "
        "name of the built-in service provisioner.providers.guidebook:SERVICE; rename the "
        "plug-in's "
        "entry point (and its `provider:` value) or uninstall it\n",
    )


def test_two_plug_ins_of_one_name_are_refused_naming_both(site: Path, tmp_path: Path) -> None:
    install(site, "toy_a", "toy = toy_a:SERVICE")
    install(site, "toy_b", "toy = toy_b.service:SERVICE")
    (tmp_path / "a.yaml").write_text("provider: toy\nshelf: 1\n")
    for command in (["validate", str(tmp_path / "a.yaml")], ["schema"]):
        result = run(*command)
        assert (result.exit_code, result.output) == (
            1,
            "error: plug-ins toy_a:SERVICE (distribution toy_a) and toy_b.service:SERVICE "
            "(distribution toy_b) both register service 'toy'; uninstall one of them\n",
        ), command
    assert "error: plug-ins toy_a:SERVICE" in run("--help").output  # help still shows, with why


def test_registering_a_taken_name_at_run_time_is_refused() -> None:
    class Impostor(ToyService):
        name = "planning_center"

    with pytest.raises(ConfigError) as caught:
        registry.register(Impostor())
    assert str(caught.value) == (
        f"cannot register {__name__}.Impostor as service 'planning_center': the built-in "
        "service provisioner.providers.planning_center:SERVICE already has that name; give one of "
        "them another `name`"
    )
    toy = ToyService()
    registry.register(toy)
    try:
        with pytest.raises(ConfigError, match="the registered ToyService already has that name"):
            registry.register(ToyService())
        registry.register(toy)  # the same service again is no clash
    finally:
        registry.unregister("toy")


def test_an_entry_point_must_name_a_service_of_its_own_name(site: Path, tmp_path: Path) -> None:
    install(
        site,
        "toy_plugin",
        "shelves = tests.test_plugin:ToyService\nshadow = tests.test_registry:MISNAMED",
    )
    (tmp_path / "a.yaml").write_text("provider: shelves\nshelf: 1\n")
    (tmp_path / "b.yaml").write_text("provider: shadow\nshelf: 1\n")
    assert run("validate", str(tmp_path / "a.yaml")).output == (
        "error: tests.test_plugin:ToyService (provider 'shelves') is not a provisioner Service\n"
    )  # a class, not an instance
    assert run("validate", str(tmp_path / "b.yaml")).output == (
        "error: tests.test_registry:MISNAMED is registered as service 'shadow' but its Service "
        "says "
        "name = 'toy'; the two must be the same (the `provider:` value of its files)\n"
    )


def test_a_service_must_say_where_its_models_and_provider_are(site: Path, tmp_path: Path) -> None:
    install(site, "bare_plugin", "bare = tests.test_registry:BARE")
    (tmp_path / "a.yaml").write_text("provider: bare\nshelf: 1\n")
    assert run("validate", str(tmp_path / "a.yaml")).output == (
        "error: tests.test_registry:BARE (service 'bare') names no models_at and no provider_at: a "
        "Service says where its file models and its provider are (docs/plugins.md)\n"
    )
    with pytest.raises(ConfigError, match=r"^Undeclared names no models_at and no provider_at$"):
        registry.register(Undeclared())


def test_a_part_that_cannot_be_imported_is_one_error_line(site: Path, tmp_path: Path) -> None:
    install(site, "listed_plugin", "toy = tests.test_registry:LISTED")
    (tmp_path / "a.yaml").write_text("provider: toy\nshelf: 1\n")
    assert run("validate", str(tmp_path / "a.yaml")).output == "1 file valid.\n"
    result = run("plan", str(tmp_path / "a.yaml"))
    assert (result.exit_code, result.output) == (
        1,
        "error: cannot load 'tests.test_registry:nowhere': AttributeError: module "
        "'tests.test_registry' has no attribute 'nowhere'\n",
    )


# -- schema: definitions namespaced per service
# ------------------------------------------------------


class Safety(Strict):  # the name of the built-in files' Safety, another meaning
    fragile: bool = False


class GuidebookFile(Strict):  # a built-in model's class name
    provider: Literal["shadow"]
    shelf: IntId
    safety: Safety = Field(default_factory=Safety)
    label: Text | None = None


class ShadowService(ToyService):
    name = "shadow"

    def file_models(self) -> Sequence[type[Strict]]:
        return (GuidebookFile,)


@pytest.fixture
def shadow() -> Iterator[ShadowService]:
    service = ShadowService()
    registry.register(service)
    yield service
    registry.unregister("shadow")


def test_a_plug_in_model_with_a_built_in_class_name_gets_its_own_definitions(
    shadow: ShadowService,
) -> None:
    schema = json_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    defs = schema["definitions"]
    rules = {
        rule["if"]["properties"]["provider"]["const"]: rule["then"] for rule in schema["allOf"]
    }
    assert rules["guidebook"] == {"$ref": "#/definitions/guidebook.GuidebookFile"}
    assert rules["shadow"] == {"$ref": "#/definitions/shadow.GuidebookFile"}
    assert defs["guidebook.GuidebookFile"]["properties"]["safety"]["$ref"] == (
        "#/definitions/guidebook.Safety"
    )
    assert (
        defs["shadow.GuidebookFile"]["properties"]["safety"]["$ref"]
        == "#/definitions/shadow.Safety"
    )
    assert "GuidebookFile" not in defs and "Safety" not in defs
    assert "RostersFile" in defs  # unclashing names stay plain
    # planning_center's Safety is the built-in one too: its references follow the rename
    assert defs["planning_center.Safety"] == defs["guidebook.Safety"]
    validator = jsonschema.Draft7Validator(schema)
    guide = {"provider": "guidebook", "guide": 1, "safety": {"max_delete_percent": 50}}
    assert list(validator.iter_errors(guide)) == []
    assert list(validator.iter_errors({**guide, "safety": {"fragile": True}}))
    shelf = {"provider": "shadow", "shelf": 1, "safety": {"fragile": True}}
    assert list(validator.iter_errors(shelf)) == []
    assert list(validator.iter_errors({**shelf, "safety": {"max_delete_percent": 50}}))


def test_without_a_clash_the_built_in_schema_is_unchanged(shadow: ShadowService) -> None:
    registry.unregister("shadow")
    committed = Path(__file__).resolve().parent.parent / "schema" / "provisioner.schema.json"
    assert schema_text() == committed.read_text(encoding="utf-8")
