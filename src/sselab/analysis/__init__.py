"""Trajectory analysis: unwrapping, MSD and diffusivity, van Hove correlations, clustering."""
