"""Colours and markers shared by the figures of several domains."""

ION_COLORS = {"Na": "#2a9d4b", "Ag": "#e08a1e", "K": "#1f3b73"}
BOUND_COLOR = "#c62828"
SITE_MARKERS = {"Na": "^", "Ag": "s", "K": "o"}

#: Longest calculator-model label a figure title shows (a LAMMPS hybrid pair style can run to 300 characters).
MODEL_LABEL_CHARS = 40


def model_label(model: str, limit: int = MODEL_LABEL_CHARS) -> str:
    """``model`` for a figure title: unchanged when short, else its first and last words around an ellipsis
    ("LAMMPS … lzo_pod"); the run directory keeps the full identity."""
    words = model.split()
    if len(model) <= limit or len(words) < 2:
        return model if len(model) <= limit else model[: limit - 1] + "…"
    return f"{words[0]} … {words[-1]}"
