"""``sselab electronic``: band gaps, projected DOS, gap states and excess-charge localization with GPAW.

The library behind it is :mod:`sselab.studies.electronic` (``DOSStudy``, ``ExcessChargeStudy``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from sselab.cli.common import DEFAULT_DB, emit, progress_bar
from sselab.cli.options import DbOption, JsonOption, OutOption, OverwriteOption, StructureArgument

app = typer.Typer(help="Electronic structure with GPAW: gaps, DOS, gap states, excess electrons (seeds 000, 003, 004).")

CalculatorDFTOption = Annotated[str, typer.Option("--calculator", help="gpaw, or gpaw:KEY=VALUE,... (see 'sselab --help' of calculators); the options below override it.")]
ModeOption = Annotated[str | None, typer.Option("--mode", help="pw (plane waves, default) or lcao (atomic orbitals, dzp: faster for large cells).")]
KptsOption = Annotated[str | None, typer.Option("--kpts", help="Monkhorst-Pack grid, Gamma-centred, e.g. 4x4x4 (default: 2.5 k-points per 1/A).")]
EcutOption = Annotated[float | None, typer.Option("--ecut", help="Plane-wave cut-off, eV (default 600: the Li2O gap is converged to 0.01 eV there, 0.1 eV low at 400).")]
SpinOption = Annotated[bool | None, typer.Option("--spin/--no-spin", help="Spin polarisation (default: on exactly when the electron count is odd).")]
HubbardOption = Annotated[list[str] | None, typer.Option("--hubbard", help="Dudarev +U as ELEMENT:ORBITAL:U_eV, e.g. Co:d:3.3; repeatable.")]


def _settings(calculator: str, mode: str | None, kpts: str | None, ecut: float | None, spin: bool | None,
              hubbard: list[str] | None, charge: int | None = None):
    from sselab.atomistic.electronic.settings import parse_gpaw_options, parse_hubbard, parse_kpts
    from sselab.errors import InputError

    name, _, options = calculator.strip().partition(":")
    if name.lower() != "gpaw":
        raise InputError(f"--calculator {calculator!r}: electronic structure needs a DFT code; use gpaw or gpaw:KEY=VALUE,...")
    settings = parse_gpaw_options(options)
    changes = {"mode": mode.lower() if mode is not None else None, "kpts": parse_kpts(kpts) if kpts is not None else None, "ecut_eV": ecut,
               "spin_polarized": spin, "hubbard_u": tuple(parse_hubbard(h) for h in hubbard) if hubbard else None, "charge": charge}
    return replace(settings, **{key: value for key, value in changes.items() if value is not None})


def _layers(text: str | None) -> tuple[int | None, int]:
    from sselab.atomistic.electronic.density import AXES
    from sselab.errors import InputError

    if not text:
        return None, 0
    axis, _, count = text.partition(":")
    if axis.strip().lower() not in AXES or not count.strip().isdigit():
        raise InputError(f"--layers {text!r}: expected AXIS:N, e.g. c:8")
    return AXES[axis.strip().lower()], int(count)


@app.command("dos")
def dos_command(
    structure: StructureArgument,
    calculator: CalculatorDFTOption = "gpaw",
    mode: ModeOption = None,
    kpts: KptsOption = None,
    ecut: EcutOption = None,
    charge: Annotated[int, typer.Option("--charge", help="Net charge of the cell in e (-1: one extra electron).")] = 0,
    spin: SpinOption = None,
    hubbard: HubbardOption = None,
    width: Annotated[float, typer.Option("--width", help="Gaussian broadening of the DOS, eV.")] = 0.1,
    layers: Annotated[str | None, typer.Option("--layers", help="Layer-resolved DOS: AXIS:N slabs, e.g. c:8.")] = None,
    reference: Annotated[Path | None, typer.Option("--reference", help="An 'electronic dos' run of the host cell: gap states are found against its aligned gap.")] = None,
    far: Annotated[float, typer.Option("--far", help="With --reference: align on the atoms farther than this from every changed site, A.")] = 4.0,
    db: DbOption = DEFAULT_DB,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Band gap, VBM/CBM and their character, total and projected DOS (element, layer), gap states against a host."""
    from sselab.runs import RunDirectory
    from sselab.studies.electronic import DOS_COMMAND, DOSStudy

    axis, count = _layers(layers)
    study = DOSStudy(dft=_settings(calculator, mode, kpts, ecut, spin, hubbard, charge), width_eV=width, layer_axis=axis,
                     layers=count, reference=reference, far_A=far)
    run = RunDirectory.open(out, DOS_COMMAND, {"structure": structure, "db": db}, overwrite=overwrite)
    with progress_bar(1, "DFT ground state", not json_output) as advance:
        result = study.run(structure, db=db, progress=advance)
    run = result.write(run)
    s = run.summary
    rows = [("band gap", f"{s['band_gap_eV']:.3f} eV ({'direct' if s['direct_gap'] else 'indirect'})"),
            ("VBM / CBM", f"{s['vbm_eV']:.3f} / {s['cbm_eV']:.3f} eV"),
            ("VBM character", _shares(s["vbm_character"]["elements"])), ("CBM character", _shares(s["cbm_character"]["elements"]))]
    if s["reference"]:
        ref = s["reference"]
        rows += [("host gap", f"{ref['band_gap_eV']:.3f} eV (aligned by {ref['alignment_eV']:+.3f} eV over {ref['alignment_atoms']} atoms)"),
                 ("gap states", ", ".join(f"{g['energy_above_vbm_eV']:.2f} eV ({_shares(g['weights'], 2)})" for g in s["gap_states"]) or "none")]
    rows.append(("wall time", f"{s['wall_time_s']:.1f} s{' (from the cache)' if s['cached'] else ''}"))
    emit(s, json_output, f"Electronic structure of {structure} (GPAW {result.states.settings.get('xc', '')} {result.states.settings.get('mode', '')})",
         rows, [f"run directory: {run.path}"])


def _shares(shares: dict[str, float], count: int = 3) -> str:
    return ", ".join(f"{name} {value:.0%}" for name, value in list(shares.items())[:count])


@app.command("excess-charge")
def excess_charge_command(
    structure: StructureArgument,
    charge: Annotated[int, typer.Option("--charge", help="Charge of the second cell: -1 adds one electron, +1 removes one.")] = -1,
    window: Annotated[list[str] | None, typer.Option("--window", help="NAME:AXIS=LO:HI in A along that axis' normal, e.g. gb:c=0:6; repeatable.")] = None,
    calculator: CalculatorDFTOption = "gpaw",
    mode: ModeOption = None,
    kpts: KptsOption = None,
    ecut: EcutOption = None,
    hubbard: HubbardOption = None,
    db: DbOption = DEFAULT_DB,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Where an extra electron (or hole) goes: Δn = n(charged) − n(neutral) at one geometry, by window, with cube files."""
    from sselab.runs import RunDirectory
    from sselab.studies.electronic import EXCESS_COMMAND, ExcessChargeStudy

    study = ExcessChargeStudy(dft=_settings(calculator, mode, kpts, ecut, None, hubbard), charge=charge, windows=tuple(window or ()))
    run = RunDirectory.open(out, EXCESS_COMMAND, {"structure": structure, "db": db}, overwrite=overwrite)
    with progress_bar(2, "DFT ground states", not json_output) as advance:
        result = study.run(structure, db=db, progress=advance)
    run = result.write(run)
    s = run.summary
    rows = [("excess charge", f"{s['excess_charge_e']:.4f} e"),
            *((f"window {name}", f"{value:.1%}") for name, value in s["fraction_by_window"].items()),
            ("localization volume", f"{s['localization_volume_A3']:.1f} A^3 ({s['participation_ratio']:.1%} of the cell)")]
    if s["proxy"]:
        rows.append((s["proxy"]["label"], _shares(s["proxy"]["fraction_by_window"], 10)))
    rows.append(("wall time", f"{s['wall_time_s']:.1f} s{' (from the cache)' if s['cached'] else ''}"))
    emit(s, json_output, f"Excess charge in {structure}", rows, [f"run directory: {run.path}"])
