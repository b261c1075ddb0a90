"""Studies: multi-step chains, each a keyword-only settings dataclass with one verb.

The shape every study follows (matcalc's and atomate2's, with sselab's run directories)::

    settings = SomeStudy(option=..., ...)          # keyword-only, SI units (eV/Å for atomistic)
    result = settings.run(inputs..., calculator="chgnet", db="team.db")
    result.to_dict()        # the CLI's --json summary (without "run_directory")
    SomeResult.from_dict(d) # back from that dict
    result.write("runs/x")  # run.json, NetCDF arrays and PNG figures; returns the RunDirectory

``calculator=`` takes a name, an ASE calculator or an :class:`~sselab.atomistic.engine.Engine`.
A CLI command is parse → settings → ``.run`` → ``.write`` → print.
"""
