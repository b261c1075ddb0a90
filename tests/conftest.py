import pytest

from sselab.params.ions import load_host, load_ion


@pytest.fixture(scope="session")
def llzo():
    return load_host("llzo")


@pytest.fixture(scope="session")
def sodium():
    return load_ion("Na")


@pytest.fixture(scope="session")
def silver():
    return load_ion("Ag")


@pytest.fixture(scope="module")
def one_torch_thread():
    """Torch models on one thread for a module: on a 2-core machine shared with other jobs, two OpenMP threads
    stall at every barrier (a CHGNet study took 350 s instead of 20 s in such a run); one thread is steady."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def run_cli(argv, capsys):
    """Run ``sselab argv`` in-process: (exit status, stdout, stderr). Pass ``capfd`` instead of ``capsys`` to read
    what child processes (Dask workers) wrote too."""
    from sselab.cli import main

    try:
        main(argv)
        code = 0
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


#: a two-species core-shell force field (Li rigid, O core-shell; Bush-type Li-O and O-O) for LAMMPS tests
LI2O_FORCEFIELD_TOML = """
name = "test"
cutoff_A = 8.0
kspace = "ewald 1e-6"
reference_formulas = ["Li2O"]
[species.Li]
charge = 1.0
[species.O]
core_charge = 0.86902
shell_charge = -2.86902
spring_eV_per_A2 = 74.92
shell_mass_amu = 0.4
[pairs."Li-O"]
A_eV = 426.48
rho_A = 0.3
C_eVA6 = 0.0
[pairs."O-O"]
A_eV = 22764.0
rho_A = 0.149
C_eVA6 = 27.879
"""


#: a rigid-ion Li2O model (partial charges, Buckingham + D/r^8, reference energies) that teaches the fitters in tests
LI2O_RIGID_TOML = """
name = "known"
cutoff_A = 9.0
short_range_cutoff_A = 6.0
kspace = "ewald 1e-7"
reference_formulas = ["Li2O"]
[species.Li]
charge = 0.8
reference_energy_eV = -1.0
[species.O]
charge = -1.6
reference_energy_eV = -4.0
[pairs."Li-O"]
A_eV = 426.48
rho_A = 0.3
C_eVA6 = 0.0
D_eVA8 = 40.0
[pairs."O-O"]
A_eV = 22764.0
rho_A = 0.149
C_eVA6 = 27.879
D_eVA8 = 100.0
"""
