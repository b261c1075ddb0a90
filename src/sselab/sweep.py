"""Parameter sweeps as Dask tasks: a local cluster by default, an existing one by address.

Each task is a pure function of its item; results come back in the order of ``items``, with a
progress bar on stderr while they complete.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sselab.errors import InputError, SetupError

Item = TypeVar("Item")


def run_tasks(
    function: Callable[[Item], Any],
    items: Sequence[Item],
    scheduler: str | None = None,
    workers: int | None = None,
    description: str = "sweep",
    show_progress: bool = True,
) -> list[Any]:
    """Map ``function`` over ``items`` on Dask (``scheduler``: address of a running cluster)."""
    from dask.distributed import Client, LocalCluster

    if workers is not None and workers < 1:
        raise InputError(f"number of workers must be at least 1, got {workers}")
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as error:
            raise SetupError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        with client:
            return _gather(client, function, items, description, show_progress)
    with (
        LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # workers' shutdown chatter is not the user's business
        ) as cluster,
        Client(cluster) as client,
    ):
        return _gather(client, function, items, description, show_progress)


def _gather(client, function: Callable[[Item], Any], items: Sequence[Item], description: str, show_progress: bool) -> list[Any]:
    from dask.distributed import as_completed

    futures = client.map(function, items, pure=False)
    index = {future.key: i for i, future in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), disable=not show_progress, transient=True,
    ) as progress:
        task = progress.add_task(description, total=len(futures))
        for future in as_completed(futures):
            results[index[future.key]] = future.result()
            progress.advance(task)
    return results
