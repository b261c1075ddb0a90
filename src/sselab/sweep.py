"""Parameter sweeps as Dask tasks: a local cluster by default, an existing one by address.

Each task is a pure function of its item; results come back in the order of ``items``, with a
progress bar on stderr while they complete.

The cluster settings are checked before any cluster starts (:func:`check_cluster`): a scheduler
address must read ``[protocol://]host:port``, and local workers number between 1 and the machine's
cores (each worker is one single-threaded process, so more workers than cores only compete for
them). Ctrl-C stops the sweep quietly: local workers ignore SIGINT (they are started with it
ignored, so a terminal's Ctrl-C, sent to every process, reaches this one only), Dask's own loggers
are silenced, the client and the cluster are closed by their ``with`` blocks, and the
KeyboardInterrupt goes on to the caller (the CLI exits with status 130). A Ctrl-C during the few
seconds the local workers take to start is ignored.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sselab.errors import InputError, SetupError
from sselab.validation import require_count, require_text

Item = TypeVar("Item")

#: Protocols a Dask scheduler address may name.
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx")
#: Loggers of Dask and the libraries under it whose messages a user never needs (shutdown chatter, interrupted comms).
DASK_LOGGERS = ("distributed", "dask", "tornado", "asyncio", "bokeh")


def local_worker_limit() -> int:
    """The most local workers :func:`check_cluster` accepts: the machine's cores."""
    return os.cpu_count() or 1


def check_cluster(scheduler: str | None, workers: int | None) -> None:
    """Refuse a malformed scheduler address or a number of local workers outside [1, cores], before any work.

    The address is checked for its form only (``tcp://10.0.0.5:8786``, ``10.0.0.5:8786``); whether a
    scheduler answers there is found out on connecting (a :class:`SetupError`).
    """
    if workers is not None:
        require_count(workers, "number of workers", low=1, high=local_worker_limit())
    if scheduler is None:
        return
    from distributed.comm import parse_address, parse_host_port

    require_text(scheduler, "scheduler address")
    shape = "expected [protocol://]host:port, e.g. tcp://10.0.0.5:8786"
    try:
        protocol, location = parse_address(scheduler.strip())
        host, port = parse_host_port(location)
    except (ValueError, TypeError):
        raise InputError(f"scheduler address {scheduler!r}: {shape}") from None
    if protocol not in SCHEDULER_PROTOCOLS:
        raise InputError(f"scheduler address {scheduler!r}: unknown protocol {protocol!r} (one of {', '.join(SCHEDULER_PROTOCOLS)})")
    if not host or not 0 < int(port) < 65536:
        raise InputError(f"scheduler address {scheduler!r}: {shape}")


def quieten_dask() -> None:
    """Silence Dask's loggers (used on an interrupt, whose shutdown would otherwise print tracebacks of cancelled tasks)."""
    for name in DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


@contextmanager
def _quiet_on_interrupt() -> Iterator[None]:
    """On Ctrl-C: quieten Dask and re-raise; the enclosing ``with`` blocks then close the client and the cluster
    (the client's own exit also restores the dask config it set, which a close from inside its block would not)."""
    try:
        yield
    except KeyboardInterrupt:
        quieten_dask()
        raise


def worker_path(source: Any) -> Any:
    """A path that exists here as an absolute path (a worker may run in another directory); names, Atoms and model
    objects as they are."""
    if isinstance(source, str | Path) and Path(source).exists():
        return str(Path(source).resolve())
    return source


def point_or_failure(run_point: Callable[[Any], dict[str, Any]], task: Any) -> dict[str, Any]:
    """``run_point(task)``'s row, or status ``failed`` with a one-line error instead of raising: on a worker one
    point's failure, whatever its kind, must not end the whole campaign."""
    from sselab.errors import SSELabError

    try:
        return run_point(task)
    except SSELabError as error:
        return {"status": "failed", "error": str(error)}
    except Exception as error:  # noqa: BLE001 - see the docstring
        first_line = (str(error).strip().splitlines() or [""])[0]
        return {"status": "failed", "error": f"{type(error).__name__}: {first_line}"}


def run_tasks(
    function: Callable[[Item], Any],
    items: Sequence[Item],
    scheduler: str | None = None,
    workers: int | None = None,
    description: str = "sweep",
    show_progress: bool = True,
) -> list[Any]:
    """Map ``function`` over ``items`` on Dask (``scheduler``: address of a running cluster; ``workers``: local processes)."""
    check_cluster(scheduler, workers)
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler.strip(), timeout="10s")
        except (OSError, TimeoutError, ValueError) as error:
            raise SetupError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        with client, _quiet_on_interrupt():
            return _gather(client, function, items, description, show_progress)
    with _workers_ignore_ctrl_c():
        cluster = LocalCluster(
            n_workers=workers or local_worker_limit(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # workers' shutdown chatter is not the user's business
        )
    with cluster, Client(cluster) as client, _quiet_on_interrupt():
        return _gather(client, function, items, description, show_progress)


@contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """SIGINT ignored while the local workers start, so that they inherit the ignoring (a terminal's Ctrl-C reaches
    every process of the group, and each worker would print its own KeyboardInterrupt traceback); only this process
    then handles Ctrl-C and closes them. Outside the main thread, where signals cannot be set, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
