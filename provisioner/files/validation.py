"""Validating one parsed YAML document against its service's file model (the loader's last step):
every pydantic error becomes a Diagnostic at the file:line:col of the key or value it is about,
unknown keys get a "did you mean", and a file invalid only in some list items still yields the rest.
"""

from __future__ import annotations

import copy
import difflib
from array import array
from collections.abc import MutableSequence
from typing import Any

import pydantic

from provisioner.core.errors import Diagnostic
from provisioner.core.records import Loaded, position
from provisioner.files.fields import Strict
from provisioner.files.yamlnodes import Pos
from provisioner.providers import registry


def validate_document(
    name: str,
    data: dict[str, Any],
    tree: Pos,
    diags: list[Diagnostic],
    partial: list[Loaded] | None = None,
) -> Loaded | None:
    """The parsed document ``data`` (positions in ``tree``) validated by its service's file model;
    each problem a located Diagnostic in ``diags``. When only some list items are invalid, the rest
    of the file goes to ``partial`` (if given), so the cross-file checks still see it."""
    provider = data.get("provider")
    known = registry.names()
    if "provider" not in data:
        diags.append(
            Diagnostic(
                name, tree.line, tree.col, f"missing required key `provider` ({_either(known)})"
            )
        )
        return None
    if not isinstance(provider, str) or provider not in known:
        line, col = position(tree, ("provider",))
        diags.append(
            Diagnostic(name, line, col, f"`provider` must be {_either(known)}, got {provider!r}")
        )
        return None
    # A known name whose plug-in fails to load is a broken installation, not a mistake in this file.
    service = registry.get(provider)
    model = service.model_for(data)
    try:
        doc = model.model_validate(data)
    except pydantic.ValidationError as e:
        for err in e.errors():
            if (
                err["type"] != "none_required"
            ):  # the "left out" branch of an optional list: the list error says it
                diags.append(_diagnostic(name, tree, model, err))
        rest = _without_bad_items(data, tree, model, e.errors()) if partial is not None else None
        if rest is not None and partial is not None:
            partial.append(Loaded(name, *rest))
        return None
    return Loaded(name, doc, tree)


def _without_bad_items(
    data: dict[str, Any], tree: Pos, model: type[Strict], errors: list[Any]
) -> tuple[Any, Pos] | None:
    """The document validated without the list items that hold errors (and their positions), or None
    when an error is not inside a list item. Type errors then no longer hide the duplicates among
    the other items."""
    drops: dict[tuple[Any, ...], set[int]] = {}
    for err in errors:
        if (
            err["type"] == "none_required"
        ):  # the "left out" branch of an optional list: its list error is enough
            continue
        loc = _data_loc(data, err["loc"])
        last = max((i for i, part in enumerate(loc) if isinstance(part, int)), default=None)
        if last is None:
            return None
        drops.setdefault(loc[:last], set()).add(loc[last])
    data, tree = copy.deepcopy(data), copy.deepcopy(tree)
    for path, indexes in sorted(drops.items(), key=lambda kv: len(kv[0]), reverse=True):
        items, places = _at_path(data, tree, path)
        if items is None or places is None:
            return None
        for i in sorted(indexes, reverse=True):
            if i < len(items) and i < len(places):
                del items[i], places[i]
    try:
        return model.model_validate(data), tree
    except pydantic.ValidationError:
        return None


def _data_loc(data: Any, loc: Any) -> tuple[Any, ...]:
    """An error's location as keys and indexes of the document: a union's branch label (pydantic's
    ``list[...]`` of an optional list) is not one, and would hide the item that holds the error."""
    out: list[Any] = []
    for part in loc:
        in_dict = isinstance(data, dict) and part in data
        if in_dict or (isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)):
            data = data[part]
            out.append(part)
        elif not isinstance(part, str):
            break
    return tuple(out)


def _at_path(
    data: Any, tree: Pos, path: tuple[Any, ...]
) -> tuple[list[Any] | None, MutableSequence[Any] | None]:
    node: Any = tree
    for part in path:
        try:
            data = data[part]
            node = node.values[part]
        except (
            KeyError,
            IndexError,
            TypeError,
            AttributeError,
        ):  # AttributeError: a scalar's packed position
            return None, None
    places = getattr(node, "values", None)
    if isinstance(data, list) and isinstance(
        places, list | array
    ):  # a list of scalars keeps an array
        return data, places
    return None, None


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _diagnostic(name: str, tree: Any, model: type[Strict], err: Any) -> Diagnostic:
    # An optional field's errors name the union branch too ("list[...]"): not a place in the file.
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
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
