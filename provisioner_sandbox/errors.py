"""The one error the sandbox raises for a bad set-up (seed, data file, port, faults, readings)."""


class SandboxError(ValueError):
    """A set-up mistake, with a message meant for whoever started the sandbox (shown without a
    traceback).

    A ValueError, so callers that validated sandbox input by catching ValueError keep working.
    """
