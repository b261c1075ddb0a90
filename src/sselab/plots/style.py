"""Colours and markers shared by the figures of several domains."""

ION_COLORS = {"Na": "#2a9d4b", "Ag": "#e08a1e", "K": "#1f3b73"}
BOUND_COLOR = "#c62828"
SITE_MARKERS = {"Na": "^", "Ag": "s", "K": "o"}
