"""Building blocks of the YAML file models: strict models, ids, names, references, the safety
override.

Each service's own file models live in its package (``providers/<service>/models.py``). Unknown keys
are errors everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)

# Control characters (tabs and newlines included) and bidirectional overrides: in review output they
# hide or rewrite what a name says.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
MAX_ID = 2**63 - 1
MAX_NAME = 255


def int_id(value: Any) -> int:
    """An id as YAML gives it: a whole number from 1 to MAX_ID, or a string of digits; ValueError in
    words for anything else (``true`` included)."""
    # bool is an int subclass; `true` as an id is always a mistake.
    if isinstance(value, bool):
        raise ValueError("an id must be a whole number, not true/false")
    if isinstance(value, int):
        if not 1 <= value <= MAX_ID:
            raise ValueError(f"an id must be a whole number from 1 to {MAX_ID}, got {value}")
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int_id(int(value.strip()))
    raise ValueError(f"an id must be a whole number or a string of digits, got {value!r}")


def text(value: Any) -> str:
    """A name as YAML gives it: non-empty text without control characters or padding, at most
    MAX_NAME characters, NFC-normalised; ValueError in words otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__} {value!r}")
    if _CONTROL.search(value):
        raise ValueError(
            f"control characters (tabs, newlines, direction overrides) are not allowed in {value!r}"
        )
    if not value.strip():
        raise ValueError("must not be empty")
    if value != value.strip():
        # The services trim names (Django REST Framework's CharField does by default [G]): a padded
        # name would never match live and every plan would try again.
        raise ValueError(f"{value!r} has leading or trailing spaces; remove them")
    if len(value) > MAX_NAME:
        raise ValueError(f"longer than {MAX_NAME} characters")
    return nfc(value)


def nfc(value: str) -> str:
    """Names compared as people see them: "Café" typed with a combining accent (NFD, as macOS file
    names and some editors write it) is the same name as the precomposed one. Live names go through
    this too."""
    return unicodedata.normalize("NFC", value)


def account_name(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", value):
        raise ValueError(
            f"an account is a name of letters, digits and _ starting with a letter (it becomes the "
            f"suffix of the service's environment variables, e.g. ..._EAST), got {value!r}"
        )
    return value


Account = Annotated[
    str,
    BeforeValidator(account_name),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[A-Za-z][A-Za-z0-9_]{0,39}$",
            "examples": ["east"],
            "description": "The service account of this file: credentials and URL come from the "
            "same "
            "variables with _ACCOUNT appended (e.g. ..._API_KEY_EAST); "
            "scopes of different accounts are different scopes, even with the same ids.",
        }
    ),
]

IntId = Annotated[
    int,
    BeforeValidator(int_id),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": r"^\s*\d+\s*$"},
            ],
            "description": "A numeric id, as an integer or a string of digits.",
        }
    ),
]
Text = Annotated[
    str,
    BeforeValidator(text),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": r"\S"}),
]


@dataclass(frozen=True)
class Ref:
    """A reference to a live object by a unique attribute resolved at plan time. A reference by id
    is the plain int (files hold millions of them: one object each was most of the memory)."""

    kind: str  # the attribute name: email, import_id, name ("id" only where built by hand)
    value: int | str

    def __str__(self) -> str:
        return str(self.value) if self.kind == "id" else f"{self.kind}={self.value}"


def ref_parser(noun: str, kinds: tuple[str, ...]) -> BeforeValidator:
    """One reference: an id (the int) or a one-key mapping (a Ref)."""
    expected = ", ".join(f"{{{k}: ...}}" for k in kinds)

    def parse(value: Any) -> int | Ref:
        if isinstance(value, Ref):
            return int_id(value.value) if value.kind == "id" else value
        if isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in kinds:
                raise ValueError(
                    f"{noun} reference must be an id or one of {expected}, got {dict(value)!r}"
                )
            kind, inner = next(iter(value.items()))
            return Ref(
                kind,
                text(inner) if not isinstance(inner, int) or kind != "import_id" else str(inner),
            )
        try:
            return int_id(value)
        except ValueError:
            raise ValueError(
                f"{noun} reference must be an id or one of {expected}, got {value!r}"
            ) from None

    return BeforeValidator(parse)


def _ids_only(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A list of plain ids in range is kept as it is, without a call per item; anything else (a
    reference by email, an id as a string, a mistake) goes through the per-item parser, which names
    the item at fault."""
    if (
        type(value) is list
        and value
        and set(map(type, value)) == {int}
        and min(value) >= 1
        and max(value) <= MAX_ID
    ):
        return value
    return handler(value)


# The list form of a reference type: ``list[AttendeeRef]`` checked item by item only when it has to
# be.
REF_LIST = WrapValidator(_ids_only)


def ref_schema(
    noun: str, kinds: tuple[str, ...], help: dict[str, str], examples: dict[str, str]
) -> WithJsonSchema:
    """The JSON Schema (for editors only) of a reference to a ``noun``: an id, a string of digits,
    or one of ``kinds`` as text or a one-key mapping, each with its ``help`` and ``examples``."""
    # JSON Schema only (editors): mirrors what the parser accepts, including ids written as digit
    # strings.
    options: list[dict[str, Any]] = [
        {"type": "integer", "minimum": 1, "description": f"{noun} id"},
        {
            "type": "string",
            "pattern": r"^\s*\d+\s*$",
            "description": f"{noun} id as a string of digits",
        },
    ]
    for k in kinds:
        value: dict[str, Any] = {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_NAME,
            "pattern": r"\S",
            "description": help[k].format(noun=noun),
            "examples": [examples[k]],
        }
        if k == "import_id":
            value = {"anyOf": [value, {"type": "integer"}], "description": value["description"]}
        options.append(
            {
                "type": "object",
                "additionalProperties": False,
                "required": [k],
                "properties": {k: value},
                "description": f"{noun} by {k}",
            }
        )
    return WithJsonSchema({"anyOf": options})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Safety(Strict):
    """Per-file override of the mass-delete guard."""

    max_delete_percent: float = Field(
        30.0,
        ge=0,
        le=100,
        examples=[30],
        description="apply refuses (without --force) to delete more than this percentage of a "
        "scope's live objects.",
    )
    min_existing: int = Field(
        10,
        ge=0,
        examples=[10],
        description="The percentage applies only when the scope has at least this many live "
        "objects.",
    )
