"""The plug-in contract: a :class:`Service` describes one service to the generic modules (its file models,
checks, impact wording, import command); its :class:`Provider` reads live state, resolves declarations and
applies one change.

The engine owns the flow (read → resolve → diff → safety → apply → verify); a provider only translates
between the service's API and plain :class:`Record` values, so the diff and the plan stay generic.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import AmbiguousWriteError, ApiError, HostDownError, NotFoundError
from provisioner.core.outcomes import Finding, Written

if TYPE_CHECKING:  # this module stays light: `provisioner --help` imports every Service
    import click

    from provisioner.core.errors import Diagnostic
    from provisioner.core.records import Change, Loaded, Record, Scope
    from provisioner.files.fields import Strict
    from provisioner.transport.http import HttpClient, RetryPolicy


class Provider(ABC):
    """Subclasses implement the four abstract methods; every keyword argument is keyword-only.

    Contract:
    - ``scopes`` groups validated files into scopes. No I/O.
    - ``read`` returns the live records of one scope, keyed like ``desired`` keys them. Reads use list
      endpoints with pagination, never one request per object. Must be safe to call from several threads.
    - ``desired`` turns a scope's declarations into records, resolving references against live data; it
      raises :class:`~provisioner.core.errors.PlanError` naming file:line for anything unresolvable.
    - ``apply`` carries out exactly one change and raises an ``ApiError`` on failure. It must not duplicate:
      a create that failed ambiguously is re-read and adopted before any retry. It may return a
      :class:`Written` (the created id, a note such as "already gone"); None means nothing to add.
      A DELETE answered 404 by the object's own URL in the service's error format is "already gone" (a note);
      any other 404 (an HTML page: no such route) is a failure.
    """

    name: ClassVar[str]
    title: ClassVar[str] = ""  # the service's name in messages
    # True when the provider itself keeps its read requests within ``set_parallelism`` (its requests wait
    # for a free slot): the engine may then start every scope's read at once, so the first pages of all
    # scopes queue together and the pipe stays full. False: the engine runs ``parallelism`` reads at a time.
    reads_bounded: ClassVar[bool] = False
    account: str | None = (
        None  # set by the registry: the ``account:`` this instance serves (None: the default)
    )

    @abstractmethod
    def scopes(self, files: Sequence[Loaded]) -> list[Scope]: ...

    @abstractmethod
    def read(self, scope: Scope) -> dict[str, Record]: ...

    @abstractmethod
    def desired(
        self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]: ...

    @abstractmethod
    def apply(self, change: Change) -> Written | None: ...

    def resolve(self, files: Sequence[Loaded]) -> Sequence[Loaded]:
        """The files with readable references (names, dates) replaced by ids, before ``scopes`` sees them; may
        read live lists (each at most once a run), and raises
        :class:`~provisioner.core.errors.PlanError` listing every reference that does not resolve. The
        default: the files as they are."""
        return files

    def scope_title(self, scope: Scope) -> str | None:
        """The scope's name for people in review output (``Sunday Services · Dec 13 (plan 5678)``), from what
        was read this run; None to show its plain name. The JSON plan keeps the plain name."""
        return None

    def set_parallelism(self, requests: int) -> None:
        """How many requests this provider may have in flight at once (``--parallelism``); the engine says so
        before the first read. A provider that reads one list with several requests at once stays within it."""
        del requests  # one request at a time per read and write: nothing to limit

    def set_page_progress(self, report: Callable[[int, int], None] | None) -> bool:
        """Where to say ``report(read, ahead)`` after each list page a read gets: ``read`` pages were just read
        and ``ahead`` more pages of that list are now known to follow (a first page's count). The engine
        then shows a read's progress in pages, not scopes (issue 24: one big guide read for seconds showed
        nothing). True when this provider reports pages; the default reports none."""
        del report
        return False

    def labels(self, scope: Scope) -> dict[str, dict[str, str]]:
        """Human names for ids in changes, by field; filled only when ``desired(want_labels=True)`` ran."""
        return {}

    def request_budget(self) -> tuple[int, str] | None:
        """(requests one apply may use, the setting that changes it) for a service that caps requests per day."""
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
        """Per-person meaning of the changes (``{"person", "gain", "lose"}``) when it needs the whole scope;
        None when this provider does not compute it (an empty list means: computed, nobody affected)."""
        return None

    def publish_all(self, scope: Scope, *, desired: dict[str, Record]) -> list[str]:
        """Survey the post-apply step as if every declared object had changed (``apply --republish``)."""
        return []

    def warnings(
        self, scope: Scope, *, desired: dict[str, Record], changes: Sequence[Change] = ()
    ) -> list[str]:
        """Warnings shown with the plan, about what it writes: ``desired`` holds the records it creates or
        updates, ``changes`` are the scope's changes. A warning about people (DESIGN §6) is a
        :class:`~provisioner.core.notice.Notice` with its kind (``blockout``, ``double_booked``,
        ``overlapping_sessions``); the JSON plan lists those under ``warning_details``. Warnings never change
        an exit code. May read live data (each thing at most once a run, and only for what the plan writes)."""
        return []

    def doctor(self, scopes: Sequence[Scope]) -> list[Finding]:
        """Read-only first-contact checks of the service and of the scopes the files name (``provisioner
        doctor``): credentials, reachability, pagination, rate-limit headers, the ids. Never writes."""
        return []

    def explain_unconverged(self, change: Change, *, live: Record | None) -> str | None:
        """The likely cause when ``change`` was applied but the re-read after apply still differs (``live`` is
        the re-read record, None when it is gone), for the message; None when there is nothing to add."""
        return None

    def request_estimate(
        self, scope: Scope, *, live: dict[str, Record], changes: Sequence[Change]
    ) -> int:
        """About how many requests ``apply`` of ``changes`` spends on this scope (its re-read, one write per
        change, post-apply calls, the verify re-read); 0 for a service without a request budget to check."""
        return 0


def create_adopting(
    post: Callable[[], Any],
    adopt: Callable[[], Any],
    *,
    retry: RetryPolicy,
    timeout: float,
    tries: int = 3,
    clock: Clock = SYSTEM,
) -> Written:
    """POST a create (``post`` returns the new id); after an ambiguous failure re-read (``adopt`` returns the id
    of the object when it is there and finished, else None) and only then send it again. Never a blind retry.

    A request that timed out may still be running on the server, so it gets up to three times the request
    ``timeout`` to show up before it is sent again; a dropped connection is looked for once, shortly after.
    An unanswered POST may still commit after that: the result says how many there were and until when to
    wait for them (one more ``timeout`` after the last: the server gives up on a request about when a client
    would), so the check after apply can find and remove a late copy. The waits are slept, and ``settle_until``
    is read, on ``clock`` (the engine's, which waits for it)."""
    unanswered, settle = 0, None
    for attempt in range(tries):
        try:
            return Written(id=post(), unanswered=unanswered, settle_until=settle)
        except AmbiguousWriteError as e:
            if e.status is None:  # no answer at all (a 5xx is an answer: that request is over)
                unanswered += 1
                settle = clock.monotonic() + timeout
            waits = [timeout] * 3 if e.timed_out else [retry.delay(attempt, None)]
            for wait in waits:
                clock.sleep(wait)
                try:
                    found = adopt()
                except HostDownError as down:  # our POST may have landed: not "not started"
                    raise AmbiguousWriteError(
                        f"{e}; whether it was created is unknown: {down}"
                    ) from down
                if found is not None:
                    # The copy found (the lowest id) may be another writer's, made just before ours, with our own
                    # POST still to land: each unanswered POST still counts as possibly this run's copy, and is
                    # waited for before the check after apply. A POST that timed out was already waited for
                    # longer than that while adopting, so only a dropped connection can cost an extra wait.
                    return Written(id=found, unanswered=unanswered, settle_until=settle)
            if attempt + 1 == tries:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def delete_once(client: HttpClient, path: str) -> Written | None:
    """DELETE one object. A 404 in the service's own (JSON) error format from the object's own URL means it is
    already gone: a note, not a failure. A 404 without one (an HTML page: no such route, so the delete may never
    have happened) stays an error."""
    try:
        client.request("DELETE", path)
    except NotFoundError as e:
        if not isinstance(e.body, dict):
            raise ApiError(
                f"{e} — a 404 that is not the API's own answer (no such route?); the delete may not "
                "have happened",
                status=e.status,
                body=e.body,
            ) from e
        return Written(note="already gone (404 from its own URL)")
    return None


def scopes_of(key: str, provider: Provider, files: Sequence[Loaded]) -> list[Scope]:
    """The scopes of one built provider (``key`` is "service" or "service/account"), from its account's files;
    scopes of an account are named after it (``east/guide 47``)."""
    account = key.partition("/")[2] or None
    out = provider.scopes(provider.resolve([f for f in files if f.account == account]))
    for scope in out:
        if account is not None:
            scope.account, scope.name = account, f"{account}/{scope.name}"
    return out


Claim = Callable[[tuple[object, ...], "Loaded", tuple[str | int, ...], str], None]


class Service(ABC):
    """What a service registers (built in, or from another package through the ``provisioner.services``
    entry-point group). Everything the generic modules need to know about a service is asked here, so the
    loader, schema, checks, renderers and CLI never name one.

    Keep the module defining a Service light: it is imported to validate files; the provider, client and
    importer are imported only by the methods that need them.
    """

    name: ClassVar[str]  # the `provider:` value of its files
    title: ClassVar[str]  # the service's name in messages
    describe: ClassVar[str] = ""  # what its files hold, for the schema and help
    # (variable, meaning) for `provisioner --help`; secrets are read from these and nowhere else.
    env_vars: ClassVar[tuple[tuple[str, str], ...]] = ()
    # The KINDs of `--target KIND:ID` its scopes answer to (each scope says which in ``Scope.kind``).
    target_kinds: ClassVar[tuple[str, ...]] = ()
    # A change's field under the name the YAML gives it, where the API's differs ({"decline_reason": "reason"}):
    # review output speaks the YAML's words; the plan file keeps the API's.
    field_names: ClassVar[Mapping[str, str]] = MappingProxyType({})

    @abstractmethod
    def file_models(self) -> Sequence[type[Strict]]:
        """Every model a file of this service may be."""

    def model_for(self, data: Mapping[str, Any]) -> type[Strict]:
        """The model of one file, picked from its keys so errors speak of the right kind of file."""
        return self.file_models()[0]

    def schema_rule(self) -> dict[str, Any]:
        """The JSON Schema applied to a file of this service (references into ``#/$defs/<Model>``)."""
        return {"$ref": f"#/$defs/{self.file_models()[0].__name__}"}

    @abstractmethod
    def provider(self, env: Mapping[str, str], *, clock: Clock = SYSTEM) -> Provider:
        """Build the provider; credentials come from ``env`` only. Whatever it waits for (retries, rate
        pacing, adoption of an ambiguous create) it waits on ``clock``: tests pass a fake one."""

    def checks(self, files: Sequence[Loaded], claim: Claim) -> list[Diagnostic]:
        """Checks across this service's files; ``claim(identity, item, loc, what)`` reports an identity
        declared twice (across every file of every service)."""
        return []

    def impact_lines(
        self, changes: Sequence[Change], exact: list[dict[str, Any]] | None
    ) -> list[str]:
        """Per-person lines for review output of one scope's changes; ``exact`` holds the provider's rows
        (``{"person", "gain", "lose"}``) when its ``impact`` computed them over the whole scope."""
        return []

    def import_command(self) -> click.Command | None:
        """The `provisioner import <name>` subcommand, if the service has one."""
        return None
