"""The package's error types.

Anything a user can cause (bad input, a missing parameter, a request with no solution) raises
:class:`SSELabError`. The CLI prints its message on one line and exits with status 2; a traceback
means a bug in sselab, never a user mistake.
"""


class SSELabError(ValueError):
    """A problem with the user's input or request, explained in one line."""


class ConvergenceError(SSELabError):
    """A numerical method did not converge for the given inputs."""
