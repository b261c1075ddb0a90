"""Figures, one module per domain: each function takes a result, draws on ``ax`` (or new axes when
``ax`` is None) and returns the Figure. No function chooses a matplotlib backend; the CLI selects Agg."""
