"""The ``sselab`` command line: one Typer app, one module per command group.

User errors (:class:`~sselab.errors.SSELabError`, and Typer's usage errors) print one line on
stderr and exit with status 2.
"""

from __future__ import annotations

import os
import sys

import typer

from sselab.cli import (
    atomistic,
    defects,
    diffusion,
    electronic,
    expansion,
    interface,
    ion_exchange,
    li0,
    md,
    mechanics,
    potential,
    segregation,
    stability,
)
from sselab.errors import SSELabError

app = typer.Typer(
    name="sselab",
    help="Electro-chemo-mechanical design of solid-state battery electrolytes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# one style: every module has its own `app` whose commands are decorated; groups get a name,
# modules of top-level commands are merged into the root
for name, module in (("ion-exchange", ion_exchange), ("li0", li0), ("segregation", segregation), ("diffusion", diffusion),
                     ("md", md), ("defects", defects), ("stability", stability), ("interface", interface),
                     ("potential", potential), ("electronic", electronic)):
    app.add_typer(module.app, name=name)
app.add_typer(atomistic.app)  # surface-energy, adhesion, vacancy-profile, neb
app.add_typer(expansion.app)  # expansion
app.add_typer(mechanics.elastic_app, name="elastic")
app.add_typer(mechanics.fracture_app, name="fracture")
app.add_typer(mechanics.gb_app, name="gb")


INTERRUPTED = 130  # the shell's status for a command stopped by SIGINT (128 + 2)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app; user errors print one line and exit 2, Ctrl-C exits 130.

    Typer (with ``standalone_mode=False``) returns an exit status instead of raising for Ctrl-C and
    for ``typer.Exit``; both are passed on to the shell.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures go to files; the library never picks a backend
    try:
        status = app(args=argv, standalone_mode=False)
    except typer.Exit as stop:
        status = stop.exit_code
    except (typer.Abort, KeyboardInterrupt):
        status = INTERRUPTED
    except typer.TyperException as error:  # usage errors from Typer's own Click
        _fail(error.format_message())
    except SSELabError as error:
        _fail(str(error))
    except MemoryError:
        _fail("out of memory: reduce the request (see 'Inputs and limits' in the README)")
    except OSError as error:  # the environment refused a read or write (disk full, permissions, ...)
        where = f": {error.filename}" if error.filename else ""
        _fail(f"{error.strerror or error}{where}")
    if status:
        _discard_empty_run_directories()
    if status == INTERRUPTED:
        print("sselab: interrupted; finished calculations stay in the result cache (--db) and a rerun resumes from them",
              file=sys.stderr)
    if isinstance(status, int) and status != 0:
        sys.exit(status)


def _discard_empty_run_directories() -> None:
    """A command that stopped before writing leaves no empty run directory behind."""
    if "sselab.runs" in sys.modules:  # only a command that opened one has any
        sys.modules["sselab.runs"].discard_empty_run_directories()


def _fail(message: str) -> None:
    """One line on stderr (passwords in URLs hidden, long values cut), exit status 2; no empty run directory left."""
    from sselab.validation import redact

    _discard_empty_run_directories()
    line = redact(" ".join(message[:2000].split()))  # redact before cutting: a cut could split a URL's password
    line = line if len(line) <= 300 else line[:297] + "..."
    print(f"sselab: error: {line}", file=sys.stderr)
    sys.exit(2)
