"""Figures of the fracture domain: a tensile curve with its elastic fit, peak and failure marked."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np


def plot_stress_strain(curve, properties: dict[str, Any], *, ax=None):
    """σ (GPa) against engineering strain (%) of a :class:`~sselab.analysis.tensile.TensileCurve`, with the elastic
    line E ε over the fitted window, the peak and (if reached) the failure strain; returns the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    strain = 100 * np.asarray(curve.strain)
    ax.plot(strain, curve.stress_GPa, color="0.2", lw=1.2, label="MD")
    window = np.asarray(curve.strain) <= properties["elastic_max_strain"]
    offset = float(np.mean(curve.stress_GPa[window] - properties["youngs_modulus_GPa"] * np.asarray(curve.strain)[window]))
    fit = np.linspace(0, 1.5 * properties["elastic_max_strain"], 20)
    ax.plot(100 * fit, offset + properties["youngs_modulus_GPa"] * fit, color="tab:blue", lw=2,
            label=f"E = {properties['youngs_modulus_GPa']:.0f} GPa, ν = {properties['poisson_ratio']:.2f}")
    ax.plot(100 * properties["peak_strain"], properties["peak_stress_GPa"], "o", color="tab:red",
            label=f"peak {properties['peak_stress_GPa']:.1f} GPa")
    if properties.get("failure_strain") is not None:
        ax.axvline(100 * properties["failure_strain"], color="tab:red", ls=":", label=f"failure at {100 * properties['failure_strain']:.1f} %")
    ax.set_xlabel(f"engineering strain along {curve.axis} (%)")
    ax.set_ylabel("tensile stress (GPa)")
    ax.axhline(0, color="0.7", lw=0.6)
    ax.legend(frameon=False, fontsize=8)
    return ax
