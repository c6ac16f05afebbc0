"""The plug-in contract: everything a service's author imports, from this one module.

A service is two classes (a complete example: ``docs/plugins.md``):

- a :class:`Service`, the light description the generic modules ask about it (its file models,
  checks across files, review wording, ``--target`` kinds, environment variables), registered under
  its ``provider:`` name;
- a :class:`Provider`, which reads live objects, resolves declarations and carries out one change at
  a time, translating between the service's API and plain values (:class:`Record`, :class:`Change`).

The engine owns the flow (load → select → read → resolve → diff → safety → apply → verify); a
provider never diffs, prints, prompts or exits. Below, *must* is what the engine relies on, *may*
what it allows.

Registration
    Built in: ``BUILTIN`` in ``providers/registry.py``. From another distribution: an entry point in
    the ``provisioner.services`` group whose name is the service's ``name`` and whose value is a
    :class:`Service` *instance* (``shelves = shelves_plugin:SERVICE``). A name must be unique: a
    plug-in with the name of a built-in service or of another plug-in is refused (every command
    fails with one error naming both), so is an entry point whose Service says another ``name``, and
    a Service that names no ``models_at`` or ``provider_at`` (nor overrides ``file_models`` or
    ``provider``); a part that cannot be imported is one error line naming it. The module defining
    the Service must import fast (``provisioner --help`` imports it): the ``..._at`` attributes name
    the provider and the pydantic models, which are imported when first used.

Threads
    ``read`` runs for several scopes at once, ``apply`` for several changes of one scope at once (up
    to ``--parallelism``, default 8), and ``read`` of a scope may run while changes of it are
    applied (each change's precondition is a fresh read). A provider *must* therefore keep whatever
    it shares between calls (caches, counters, a session, a state file) safe to use from several
    threads: guard it with a ``threading.Lock``, or keep state per call. So too ``desired`` and
    ``scope_title`` (several scopes at once); write any other hook as if it could be. ``scopes``,
    ``resolve`` and the Service's methods run on one thread. A provider *may* limit itself further
    (``set_parallelism`` says the user's figure); one that keeps every request of its reads within
    that figure itself *may* say ``reads_bounded = True``, and the engine then starts every scope's
    read at once (their first pages queue together for its slots). A provider *may* report a read's
    pages as they arrive (``set_page_progress``): progress then counts pages.

What may be raised
    A provider *must* raise the project's errors for what the user can act on: :class:`PlanError` (a
    list of :class:`Diagnostic`, each ``file:line:col`` and what to do) for declarations that cannot
    be resolved, :class:`ConfigError` for set-up (credentials, URLs), :class:`ApiError` and its
    subclasses for what the service answered (:class:`NotFoundError`, :class:`AmbiguousWriteError`
    for a write whose outcome is unknown...). Anything else (a bug: ``KeyError``, ``RuntimeError``)
    is caught at the boundary: while applying, that change becomes a FAILED row of the outcome table
    (``create 'X' failed unexpectedly: RuntimeError: ...``), the other changes carry on and
    ``apply`` exits 1; a failing post-apply step is a FAILED step; while reading or resolving, the
    command stops with one error line. The traceback goes to the debug log (``-vv``), never to the
    user.

Targets, items and ids
    A :class:`Scope` is one unit of ownership (a shelf, a guide, a plan). Its ``target`` holds the
    ids that locate it in the service, as JSON scalars under names the provider chooses; they are
    copied into every :class:`Change` of the scope (``change.target``) and saved in the plan file,
    so ``apply`` needs nothing else. The id ``--target KIND:ID`` matches is ``target[kind]``. The
    live object's own id, for an update or delete, is :attr:`Change.live_id` (it is whatever
    ``read`` put in :attr:`Record.id`); never parse it from the key. ``Scope[M]`` holds its
    declarations as ``Declared[M]`` items: ``(file, loc, item)``, the item a validated model ``M``
    (``file.where(*loc)`` is its ``file:line`` for :attr:`Record.source`, ``file.diagnostic(loc,
    message)`` an error pointing at it). A record's identity is typed fields
    (:attr:`Record.identity`), which is what code reads; its ``key`` is for display and matching.

Kinds
    A service whose files declare several kinds of scope (Planning Center: a plan's roster, a
    person's responses) writes one :class:`KindHandler` per kind and a :class:`ByKind` provider that
    routes each scope and change to its handler, so no method branches on the kind. Adding a kind: a
    file model (or a section of one), a handler with its ``kind``, the kind in
    ``Service.target_kinds`` and in the handlers.

Fields
    A record's ``values`` are the fields the YAML manages, under the API's names; a field the YAML
    leaves out is left out of the desired record (not managed: never reverted, never drift). Lists
    compare as sets. Adding a field: the model's field (with a ``description``: it is the JSON
    Schema's), the value in ``read`` and ``desired``, the body in ``apply``; ``Service.field_names``
    maps an API name to the YAML's where they differ, for review output.

Accounts
    A file's ``account: NAME`` (the :data:`Account` field type) is handled by the engine: it builds
    one provider per (service, account) from the service's ``env_vars`` with ``_NAME`` appended,
    hands each only its account's files and prefixes its scope names. A provider need not read
    ``account`` itself; its ``Service.provider(env)`` *must* read credentials from ``env`` alone
    (never ``os.environ``).

File policy
    ``prune``, ``ignore``, ``protect`` and ``safety`` of the files that declare one scope are merged
    by :meth:`Scope.include` (the most careful setting wins: prune only if every file prunes, every
    ``ignore`` and ``protect`` pattern, the lowest delete guard), and applied by the engine (diff
    and safety). A provider's ``scopes`` calls it once per file and scope; it *may* merge settings
    of its own after it (Guidebook's ``publish``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import (
    AmbiguousWriteError,
    ApiError,
    ConfigError,
    Diagnostic,
    NotFoundError,
    PlanError,
    ProvisionerError,
)
from provisioner.core.outcomes import Finding, Written
from provisioner.providers.base import (
    ByKind,
    Claim,
    KindHandler,
    Provider,
    Service,
    create_adopting,
    delete_once,
)

if TYPE_CHECKING:  # imported when first used, so that a module defining a Service stays light
    from provisioner.core.records import Change, Declared, Loaded, Record, Scope, add_live
    from provisioner.files.fields import Account, IntId, Ref, Safety, Strict, Text

__all__ = [
    "SYSTEM",
    "Account",
    "AmbiguousWriteError",
    "ApiError",
    "ByKind",
    "Change",
    "Claim",
    "Clock",
    "ConfigError",
    "Declared",
    "Diagnostic",
    "Finding",
    "IntId",
    "KindHandler",
    "Loaded",
    "NotFoundError",
    "PlanError",
    "Provider",
    "ProvisionerError",
    "Record",
    "Ref",
    "Safety",
    "Scope",
    "Service",
    "Strict",
    "Text",
    "Written",
    "add_live",
    "create_adopting",
    "delete_once",
]
# The names whose modules cost time to import (json and hashlib for plans; pydantic for the field
# types).
_LAZY = {
    **dict.fromkeys(
        ("Change", "Declared", "Loaded", "Record", "Scope", "add_live"), "provisioner.core.records"
    ),
    **dict.fromkeys(
        ("Account", "IntId", "Ref", "Safety", "Strict", "Text"), "provisioner.files.fields"
    ),
}


def __getattr__(name: str) -> Any:
    """A lazily imported name of ``__all__`` (PEP 562): imported when first used, not with the
    Service."""
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
