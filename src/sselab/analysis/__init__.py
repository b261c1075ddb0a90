"""Trajectory analysis: unwrapping, MSD and diffusivity, van Hove correlations, clustering.

The results a script holds: :class:`sselab.analysis.diffusion.DiffusionAnalysis` (D ± σ and the
conductivity of one species) and :class:`sselab.analysis.correlations.VanHoveAnalysis` (G_s, G_d,
τ₁, τ₂, ξ, clustering); the numerics they chain are in ``trajectory``, ``msd`` and ``vanhove``.
"""
