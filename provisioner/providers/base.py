"""The plug-in classes: a :class:`Service` describes one service to the generic modules (its file
models, checks, impact wording, import command); its :class:`Provider` reads live state, resolves
declarations and applies one change (one :class:`KindHandler` per kind of scope, routed by
:class:`ByKind`).

Plug-in authors import these from ``providers/contract.py``, whose docstring is the written
contract. The engine owns the flow (read → resolve → diff → safety → apply → verify); a provider
only translates between the service's API and plain :class:`Record` values, so the diff and the plan
stay generic.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import ConfigError, ProvisionerError
from provisioner.core.outcomes import Finding, Written
from provisioner.providers.writes import create_adopting, delete_once

if TYPE_CHECKING:  # this module stays light: `provisioner --help` imports every Service
    import click

    from provisioner.core.errors import Diagnostic
    from provisioner.core.records import Change, Loaded, Record, Scope
    from provisioner.files.fields import Strict


class Provider(ABC):
    """Reads a service's live objects, resolves declarations and carries out one change at a time.

    Subclasses implement the four abstract methods and may override the hooks below them (every hook
    has a default that does nothing); every keyword argument is keyword-only. ``read``, ``desired``
    and ``apply`` run on several threads at once (``providers/contract.py``: Threads); whatever they
    raise that is not a :class:`~provisioner.core.errors.ProvisionerError` is a bug, caught at the
    boundary (Errors).
    """

    name: ClassVar[str]  # the Service's name: the `provider:` value of its files
    title: ClassVar[str] = ""  # the service's name in messages
    # True when the provider itself keeps its read requests within ``set_parallelism`` (its requests
    # wait for a free slot): the engine may then start every scope's read at once, so the first
    # pages of all scopes queue together and the pipe stays full. False: the engine runs
    # ``parallelism`` reads at a time.
    reads_bounded: ClassVar[bool] = False
    # Set by the registry: the ``account:`` this instance serves (None: the default account).
    account: str | None = None

    @abstractmethod
    def scopes(self, files: Sequence[Loaded]) -> list[Scope]:
        """Group validated files (this provider's account's, after :meth:`resolve`) into scopes,
        sorted.

        Must not do I/O. Each scope gets a ``name`` unique within the service (``shelf 3``), a
        ``target`` (the ids its changes need), a ``kind`` of the Service's ``target_kinds`` (for
        ``--target``) and its declarations as ``Declared`` items; files declaring one scope are
        merged with ``Scope.include``."""

    @abstractmethod
    def read(self, scope: Scope) -> dict[str, Record]:
        """The live objects of one scope, keyed as :meth:`desired` keys the declarations (add them
        with ``add_live``, which keys a second object of one identity apart as a duplicate).

        Must read through list endpoints with pagination, never one request per object; must be safe
        to call from several threads at once, also while changes of the scope are applied. Raises an
        ``ApiError`` when the service answers with an error; a ``PlanError`` (at ``scope.anchor``)
        when the scope itself does not exist."""

    @abstractmethod
    def desired(
        self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        """The scope's declarations as records, keyed and identified as :meth:`read` keys live
        objects.

        References (``email:``, ``name:``) are resolved against ``live`` or the service's lists; a
        declaration that cannot be resolved is a ``PlanError`` listing every such one
        (``file:line:col``, what to do). A field the YAML leaves out stays out of ``values`` (not
        managed). With ``want_labels`` it may remember names of ids for :meth:`labels`. Runs on
        several threads (one scope each)."""

    @abstractmethod
    def apply(self, change: Change) -> Written | None:
        """Carry out exactly one change; called for several changes at once (also of one scope).

        Raises an ``ApiError`` when the service refuses it (the change fails, the others carry on).
        Must never duplicate: a create that failed ambiguously is re-read and adopted before any
        retry (:func:`create_adopting`). May return a :class:`Written`: the id the server gave a
        created object, how many POSTs went unanswered, or a note ("already gone" for a DELETE
        answered 404 by the object's own URL: :func:`delete_once`); None when there is nothing to
        add. The object's id is ``change.live_id``; the scope's ids are ``change.target``."""

    def resolve(self, files: Sequence[Loaded]) -> Sequence[Loaded]:
        """The files with readable references (names, dates) replaced by ids, before ``scopes`` sees
        them; may read live lists (each at most once a run), and raises
        :class:`~provisioner.core.errors.PlanError` listing every reference that does not resolve.
        The default: the files as they are."""
        return files

    def moves(self, scope: Scope, *, changes: Sequence[Change]) -> list[dict[str, Any]]:
        """People the changes move from one object to another (``{"person", "from", "to"}``), listed
        under the scope's impact as ``moves`` in the JSON plan. The default: none."""
        return []

    def conflicts(
        self, scope: Scope, *, live: dict[str, Record], changes: Sequence[Change]
    ) -> tuple[list[str], list[str]]:
        """Live states the service's own rules forbid (an attendee on two Guidebook schedules):
        (warnings about those ``changes`` repair, those left in place). What is left in place makes
        ``drift`` and ``plan --detailed-exitcode`` exit 2, as a duplicate left in place does. The
        default: none."""
        return [], []

    def first_writes(self, changes: Sequence[Change]) -> Sequence[tuple[Change, Change | None]]:
        """Writes that must be sent, and answered, before the rest of this provider's ``changes``
        start (the service refuses or undoes the rest otherwise). ``(change, None)``: the whole
        change goes first; ``(change, part)``: ``part`` (the same object, with fewer fields changed)
        goes first, and the whole change later with the others, its precondition taken as confirmed.
        The default: none (updates and deletes, then creates). Guidebook: an attendee leaves the old
        schedule before joining the new one."""
        return ()

    def scope_title(self, scope: Scope) -> str | None:
        """The scope's name for people in review output (``Sunday Services · Dec 13 (plan 5678)``),
        from what was read this run; None to show its plain name. The JSON plan keeps the plain
        name."""
        return None

    def set_parallelism(self, requests: int) -> None:
        """How many requests this provider may have in flight at once (``--parallelism``); the
        engine says so before the first read. A provider that reads one list with several requests
        at once stays within it."""
        del requests  # one request at a time per read and write: nothing to limit

    def set_page_progress(self, report: Callable[[int, int], None] | None) -> bool:
        """Where to say ``report(read, ahead)`` after each list page a read gets: ``read`` pages
        were just read and ``ahead`` more pages of that list are now known to follow (a first page's
        count). The engine then shows a read's progress in pages, not scopes (issue 24: one big
        guide read for seconds showed nothing). True when this provider reports pages; the default
        reports none."""
        del report
        return False

    def labels(self, scope: Scope) -> dict[str, dict[str, str]]:
        """Human names for ids in changes, by field; filled only when ``desired(want_labels=True)``
        ran."""
        return {}

    def request_budget(self) -> tuple[int, str] | None:
        """(requests one apply may use, the setting that changes it) for a service that caps
        requests per day."""
        return None

    def post_apply_step(self, scope: Scope) -> str | None:
        """What ``after_apply`` does for this scope (e.g. "publish"), or None when nothing."""
        return None

    def after_apply(self, scope: Scope, *, applied: Sequence[Change]) -> list[str]:
        """Post-apply hook (e.g. publishing); returns notes for the user."""
        return []

    def impact(
        self, scope: Scope, *, live: dict[str, Record], changes: Sequence[Change]
    ) -> list[dict[str, Any]] | None:
        """Per-person meaning of the changes (``{"person", "gain", "lose"}``) when it needs the
        whole scope; None when this provider does not compute it (an empty list means: computed,
        nobody affected)."""
        return None

    def publish_all(self, scope: Scope, *, desired: dict[str, Record]) -> list[str]:
        """Survey the post-apply step as if every declared object had changed (``apply
        --republish``)."""
        return []

    def warnings(
        self, scope: Scope, *, desired: dict[str, Record], changes: Sequence[Change] = ()
    ) -> list[str]:
        """Warnings shown with the plan, about what it writes: ``desired`` holds the records it
        creates or updates, ``changes`` are the scope's changes. A warning about people (DESIGN §6)
        is a :class:`~provisioner.core.notice.Notice` with its kind (``blockout``,
        ``double_booked``, ``overlapping_sessions``); the JSON plan lists those under
        ``warning_details``. Warnings never change an exit code. May read live data (each thing at
        most once a run, and only for what the plan writes)."""
        return []

    def doctor(self, scopes: Sequence[Scope]) -> list[Finding]:
        """Read-only first-contact checks of the service and of the scopes the files name
        (``provisioner doctor``): credentials, reachability, pagination, rate-limit headers, the
        ids. Never writes."""
        return []

    def unsettled_until(self) -> float:
        """Until when (its clock's monotonic time) a write this provider sent whose answer was lost
        may still be carried out by the server; the check after apply waits for it (0: nothing
        pending). The default asks the provider's ``client`` (an HttpClient), when it has one."""
        return float(getattr(getattr(self, "client", None), "unsettled_until", 0.0))

    def explain_unconverged(self, change: Change, *, live: Record | None) -> str | None:
        """The likely cause when ``change`` was applied but the re-read after apply still differs
        (``live`` is the re-read record, None when it is gone), for the message; None when there is
        nothing to add."""
        return None

    def request_estimate(
        self, scope: Scope, *, live: dict[str, Record], changes: Sequence[Change]
    ) -> int:
        """About how many requests ``apply`` of ``changes`` spends on this scope (its re-read, one
        write per change, post-apply calls, the verify re-read); 0 for a service without a request
        budget to check."""
        return 0


ItemT = TypeVar("ItemT")


class KindHandler(ABC, Generic[ItemT]):
    """One kind of scope of a service (a plan's roster, a person's responses): the provider's four
    methods for that kind alone, on scopes of its own item type, so that no method branches on the
    kind.

    ``kind`` is the scope's ``kind`` and the name under which its ``target`` (and so every change's
    ``target``) holds the scope's id; :class:`ByKind` routes by it. The same thread rules hold as
    for :class:`Provider`."""

    kind: ClassVar[str]

    @abstractmethod
    def read(self, scope: Scope[ItemT]) -> dict[str, Record]:
        """:meth:`Provider.read` for a scope of this kind."""

    @abstractmethod
    def desired(
        self, scope: Scope[ItemT], live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        """:meth:`Provider.desired` for a scope of this kind."""

    @abstractmethod
    def apply(self, change: Change) -> Written | None:
        """:meth:`Provider.apply` for a change of a scope of this kind."""

    def warnings(
        self, scope: Scope[ItemT], *, desired: dict[str, Record], changes: Sequence[Change] = ()
    ) -> list[str]:
        """:meth:`Provider.warnings` for a scope of this kind."""
        return []

    def scope_title(self, scope: Scope[ItemT]) -> str | None:
        """:meth:`Provider.scope_title` for a scope of this kind."""
        return None


class ByKind(Provider):
    """A provider of several kinds of scope, each served by its :class:`KindHandler` (``handlers``,
    keyed by kind, set by the subclass's ``__init__``). It still implements ``scopes`` and may
    override any hook."""

    handlers: Mapping[str, KindHandler[Any]]

    def handler(self, scope: Scope) -> KindHandler[Any]:
        """The handler of a scope: its ``kind``'s (a scope made without one: as for a change)."""
        held = self.handlers.get(scope.kind)
        return held if held is not None else self._by_target(scope.target)

    def handler_of(self, change: Change) -> KindHandler[Any]:
        """The handler of a change: the kind whose id its ``target`` holds (exactly one does)."""
        return self._by_target(change.target)

    def _by_target(self, target: Mapping[str, Any]) -> KindHandler[Any]:
        kinds = [kind for kind in self.handlers if kind in target]
        if len(kinds) != 1:
            raise ProvisionerError(f"internal error: target {dict(target)} names kinds {kinds}")
        return self.handlers[kinds[0]]

    def read(self, scope: Scope) -> dict[str, Record]:
        return self.handler(scope).read(scope)

    def desired(
        self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        return self.handler(scope).desired(scope, live, want_labels=want_labels)

    def apply(self, change: Change) -> Written | None:
        return self.handler_of(change).apply(change)

    def warnings(
        self, scope: Scope, *, desired: dict[str, Record], changes: Sequence[Change] = ()
    ) -> list[str]:
        return self.handler(scope).warnings(scope, desired=desired, changes=changes)

    def scope_title(self, scope: Scope) -> str | None:
        return self.handler(scope).scope_title(scope)


def scopes_of(key: str, provider: Provider, files: Sequence[Loaded]) -> list[Scope]:
    """The scopes of one built provider (``key`` is "service" or "service/account"), from its
    account's files; scopes of an account are named after it (``east/guide 47``)."""
    account = key.partition("/")[2] or None
    out = provider.scopes(provider.resolve([f for f in files if f.account == account]))
    for scope in out:
        if account is not None:
            scope.account, scope.name = account, f"{account}/{scope.name}"
    return out


Claim = Callable[[tuple[object, ...], "Loaded", tuple[str | int, ...], str], None]


class Service:
    """What a service registers (built in, or from another package through the
    ``provisioner.services`` entry-point group): data the generic modules read, so the loader,
    schema, checks, renderers and CLI never name a service.

    Declarative: a subclass sets the class attributes below. What needs heavy imports (pydantic
    models, the provider and its HTTP client, the importer) is named as ``"module:attribute"`` and
    imported only when first asked for, so that the module defining the Service stays light
    (``provisioner --help`` imports it). ``model_for`` and ``schema_rule`` are hooks for a service
    with several kinds of file; any method may be overridden instead of naming an attribute (a
    test's in-memory service does).
    """

    name: ClassVar[str]  # the `provider:` value of its files
    title: ClassVar[str]  # the service's name in messages
    describe: ClassVar[str] = ""  # what its files hold, for the schema and help
    # (variable, meaning) for `provisioner --help`; secrets are read from these and nowhere else.
    env_vars: ClassVar[tuple[tuple[str, str], ...]] = ()
    # The KINDs of `--target KIND:ID` its scopes answer to (each scope says which in
    # ``Scope.kind``).
    target_kinds: ClassVar[tuple[str, ...]] = ()
    # A change's field under the name the YAML gives it, where the API's differs ({"decline_reason":
    # "reason"}): review output speaks the YAML's words; the plan file keeps the API's.
    field_names: ClassVar[Mapping[str, str]] = MappingProxyType({})
    # Where the rest is, as "module:attribute" (imported when first used):
    models_at: ClassVar[tuple[str, ...]] = ()  # every model a file may be (``Strict`` subclasses)
    # ``(env, *, clock) -> Provider``: builds the provider; credentials come from ``env`` only, and
    # whatever it waits for (retries, pacing, adoption of an ambiguous create) it waits on
    # ``clock``.
    provider_at: ClassVar[str] = ""
    checks_at: ClassVar[str] = ""  # ``(files, claim) -> [Diagnostic]``: checks across its files
    impact_lines_at: ClassVar[str] = ""  # ``(changes, exact) -> [str]``: per-person review lines
    import_command_at: ClassVar[str] = ""  # a click command: ``provisioner import <name>``

    def undeclared(self) -> list[str]:
        """The parts a Service must have that this one neither names nor implements (the registry
        refuses such a Service with their names)."""
        own = type(self)
        return [
            name
            for name, method in (("models_at", "file_models"), ("provider_at", "provider"))
            if not getattr(self, name) and getattr(own, method) is getattr(Service, method)
        ]

    def file_models(self) -> Sequence[type[Strict]]:
        """Every model a file of this service may be."""
        return tuple(_load(spec) for spec in self.models_at)

    def model_for(self, data: Mapping[str, Any]) -> type[Strict]:
        """The model of one file, picked from its keys so errors speak of the right kind of file."""
        return self.file_models()[0]

    def schema_rule(self) -> dict[str, Any]:
        """The JSON Schema applied to a file of this service (references into ``#/$defs/<Model>``;
        the schema namespaces them when another service defines a model of the same name)."""
        return {"$ref": f"#/$defs/{self.file_models()[0].__name__}"}

    def provider(self, env: Mapping[str, str], *, clock: Clock = SYSTEM) -> Provider:
        """Build the provider (``provider_at``); ConfigError for missing or wrong credentials."""
        built: Provider = _load(self.provider_at)(env, clock=clock)
        return built

    def checks(self, files: Sequence[Loaded], claim: Claim) -> list[Diagnostic]:
        """Checks across this service's files; ``claim(identity, item, loc, what)`` reports an
        identity declared twice (across every file of every service)."""
        return list(_load(self.checks_at)(files, claim)) if self.checks_at else []

    def impact_lines(
        self, changes: Sequence[Change], exact: list[dict[str, Any]] | None
    ) -> list[str]:
        """Per-person lines for review output of one scope's changes; ``exact`` holds the provider's
        rows (``{"person", "gain", "lose"}``) when its ``impact`` computed them over the whole
        scope."""
        return list(_load(self.impact_lines_at)(changes, exact)) if self.impact_lines_at else []

    def import_command(self) -> click.Command | None:
        """The `provisioner import <name>` subcommand, if the service has one."""
        command: click.Command | None = (
            _load(self.import_command_at) if self.import_command_at else None
        )
        return command


def _load(spec: str) -> Any:
    """The object ``"package.module:Name.attribute"`` names (imported now); ConfigError when it
    cannot be imported (a plug-in's typo, or a dependency it lacks): one message, not a traceback.
    """
    module, colon, path = spec.partition(":")
    try:
        if not colon:
            raise ValueError("not 'module:attribute'")
        found: Any = import_module(module)
        for part in path.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError, ValueError) as e:
        raise ConfigError(f"cannot load {spec!r}: {type(e).__name__}: {e}") from e
    return found


__all__ = [
    "ByKind",
    "Claim",
    "Finding",
    "KindHandler",
    "Provider",
    "Service",
    "Written",
    "create_adopting",
    "delete_once",
    "scopes_of",
]
