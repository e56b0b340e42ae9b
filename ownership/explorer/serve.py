"""Streamlit's own command line, run once the libraries the explorer's pages use are imported.

Streamlit imports a script's modules during the first run of its first session, so the first
analyst after a start waited for pandas, the Neo4j driver, pyvis and the analyses: 0.6 of the
2.4 s the landing page took on a new server at 100k on a quiet machine (``docs/benchmarks.md``).
Imported here, before the server listens, they are already in ``sys.modules`` when that run
starts. The explorer's own modules are left to the run: their ``st.cache_*`` decorators look for
Streamlit's runtime, which does not exist yet (and warn once per function without it).

``ownership app`` runs ``python -m ownership.explorer.serve run …`` with the arguments it would
give ``streamlit``.
"""

from __future__ import annotations

import importlib
import pkgutil

# what the pages import besides Streamlit and the explorer's own modules
LIBRARIES = (
    *("pandas", "neo4j", "pyvis.network", "normality"),  # normality: name keys, imported late
    *("ownership.graph", "ownership.analysis"),
)


def warm() -> list[str]:
    """Import :data:`LIBRARIES` and every analysis module; their names."""
    names = list(LIBRARIES)
    for name in LIBRARIES:
        importlib.import_module(name)
    analysis = importlib.import_module("ownership.analysis")
    for module in pkgutil.iter_modules(analysis.__path__, "ownership.analysis."):
        importlib.import_module(module.name)
        names.append(module.name)
    return names


if __name__ == "__main__":
    warm()
    from streamlit.web.cli import main

    # the same program name as `python -m streamlit`: Streamlit reads it back from argv
    main(prog_name="streamlit")
