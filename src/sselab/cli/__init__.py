"""The ``sselab`` command line: one Typer app, one module per command group.

User errors (:class:`~sselab.errors.SSELabError`, and Typer's usage errors) print one line on
stderr and exit with status 2.
"""

from __future__ import annotations

import os
import sys

import typer

from sselab.cli import atomistic, defects, diffusion, interface, ion_exchange, li0, md, segregation, stability
from sselab.errors import SSELabError

app = typer.Typer(
    name="sselab",
    help="Electro-chemo-mechanical design of solid-state battery electrolytes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(ion_exchange.app, name="ion-exchange")
app.add_typer(li0.app, name="li0")
app.add_typer(segregation.app, name="segregation")
app.add_typer(diffusion.app, name="diffusion")
app.add_typer(md.app, name="md")
app.add_typer(defects.app, name="defects")
defects.app.command("sites")(defects.sites_command)
defects.app.command("formation-energy")(defects.formation_energy_command)
defects.app.command("configurations")(defects.configurations_command)
app.command("expansion")(defects.expansion_command)
app.add_typer(stability.app, name="stability")
stability.app.command("entries")(stability.entries_command)
stability.app.command("materials-project")(stability.materials_project_command)
stability.app.command("hull")(stability.hull_command)
stability.app.command("reactivity")(stability.reactivity_command)
app.add_typer(interface.app, name="interface")
interface.app.command("build")(interface.build_command)
interface.app.command("search")(interface.search_command)
interface.app.command("neb")(interface.neb_command)
app.command("surface-energy")(atomistic.surface_energy_command)
app.command("adhesion")(atomistic.adhesion_command)
app.command("vacancy-profile")(atomistic.vacancy_profile_command)
app.command("neb")(atomistic.neb_command)


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
