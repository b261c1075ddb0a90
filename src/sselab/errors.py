"""The package's error types, grouped by cause.

Anything a user can cause raises a subclass of :class:`SSELabError`; the CLI prints its message on
one line and exits with status 2, and a traceback means a bug in sselab, never a user mistake.

- :class:`InputError`: a value, file or option the user gave is wrong (unparseable, out of range,
  inconsistent with another input).
- :class:`SetupError`: the environment lacks something the request needs (an optional dependency,
  a calculator's weights or executable, a reachable scheduler or database).
- :class:`ConvergenceError`: a numerical method did not converge for inputs that are otherwise valid.

``SSELabError`` itself stays raisable (and catchable) for anything that fits none of these.
"""


class SSELabError(ValueError):
    """A problem with the user's input or request, explained in one line (CLI exit status 2)."""


class InputError(SSELabError):
    """A value, file or option given by the user is invalid."""


class SetupError(SSELabError):
    """The environment lacks what the request needs: a package, model weights, an executable, a service."""


class ConvergenceError(SSELabError):
    """A numerical method did not converge for the given inputs."""
