"""Progress callbacks: library functions report progress through a plain callable and never draw.

A long library call takes ``progress: Progress = no_progress`` and calls it once per unit of work
(some pass ``(done, total)``); the CLI and :mod:`sselab.runs` turn that into a bar on stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: A callback invoked once per finished unit of work.
Progress = Callable[..., None]


def no_progress(*_: Any, **__: Any) -> None:
    """The silent callback: the default of every library function that reports progress."""
    return None
