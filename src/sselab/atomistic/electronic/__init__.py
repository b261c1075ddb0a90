"""Electronic structure with GPAW: settings and checks, Kohn–Sham states and their analysis, densities."""

from sselab.atomistic.electronic.calculation import GroundState, ground_state
from sselab.atomistic.electronic.density import DensityGrid, Window, parse_window
from sselab.atomistic.electronic.settings import DFTSettings, parse_gpaw_options
from sselab.atomistic.electronic.states import BandEdges, ElectronicStructure, band_edges

__all__ = ["BandEdges", "DFTSettings", "DensityGrid", "ElectronicStructure", "GroundState", "Window", "band_edges",
           "ground_state", "parse_gpaw_options", "parse_window"]
