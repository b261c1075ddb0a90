"""The ``sselab`` command line: one Typer app, one module per command group.

User errors (:class:`~sselab.errors.SSELabError`, and Typer's usage errors) print one line on
stderr and exit with status 2.
"""

from __future__ import annotations

import os
import sys

import typer

from sselab.cli import atomistic, defects, diffusion, expansion, interface, ion_exchange, li0, md, segregation, stability
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
                     ("md", md), ("defects", defects), ("stability", stability), ("interface", interface)):
    app.add_typer(module.app, name=name)
app.add_typer(atomistic.app)  # surface-energy, adhesion, vacancy-profile, neb
app.add_typer(expansion.app)  # expansion


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, turning user errors into one line and exit status 2."""
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures go to files; the library never picks a backend
    try:
        app(args=argv, standalone_mode=False)
    except typer.Exit as stop:
        sys.exit(stop.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("sselab: interrupted; finished calculations stay in the result cache (--db) and a rerun resumes from them",
              file=sys.stderr)
        sys.exit(130)
    except typer.TyperException as error:  # usage errors from Typer's own Click
        print(f"sselab: error: {error.format_message()}", file=sys.stderr)
        sys.exit(2)
    except SSELabError as error:
        print(f"sselab: error: {error}", file=sys.stderr)
        sys.exit(2)
