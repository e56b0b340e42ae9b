"""Streamlit's own command line, run once the libraries the explorer's pages use are imported.

Streamlit imports a script's modules during the first run of its first session, so the first
analyst after a start waited for pandas, the Neo4j driver, pyvis and the analyses: 0.6 of the
2.4 s the landing page took on a new server at 100k on a quiet machine (``docs/benchmarks.md``).
Imported here, before the server listens, they are already in ``sys.modules`` when that run
starts. The explorer's own modules are left to the run: their ``st.cache_*`` decorators look for
Streamlit's runtime, which does not exist yet (and warn once per function without it).

It then starts the graph and warms it beside the server (:func:`warm_graph`): the embedded
server is otherwise started by the first analyst's page, and a server's first statements are
slow (a cold JVM and plan cache: the first search after a start took 1.2–1.6 s at 100k, 0.15–0.27
s warm).

``ownership app`` runs ``python -m ownership.explorer.serve run …`` with the arguments it would
give ``streamlit``.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading

from ownership import clock
from ownership.config import Settings

# what the pages import besides Streamlit and the explorer's own modules
LIBRARIES = (
    *("pandas", "neo4j", "pyvis.network"),
    *("normality", "rigour.names", "rapidfuzz"),  # a profile's "possibly the same": imported late
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


WARM_SEARCH = "holdings"  # a name fragment: the search's statements, planned and run once


def warm_graph(settings: Settings | None = None) -> str | None:
    """Start the graph (the embedded server, when no ``NEO4J_URI`` is set) and run once what the
    first pages run: the data version, the landing page's facts for today and a search. Their
    answers are thrown away (the pages keep their own, per data version); what stays warm is
    the server (started, its statements planned, its caches filled) and the kept search index,
    read into this process for the pages' sessions (:mod:`ownership.analysis.search_index`).

    Returns why it could not, or None. A failure is only returned: the first page opens the
    graph itself and says why, where the analyst sees it."""
    from ownership.analysis import entities, landing, stats
    from ownership.graph import Graph

    try:
        with Graph.open(settings) as graph:
            stats.data_version(graph)
            landing.landing(graph, clock.today())
            entities.find(graph, WARM_SEARCH)
    except Exception as exc:  # noqa: BLE001 - whatever it is, the page reports it
        return f"{type(exc).__name__}: {exc}"
    return None


if __name__ == "__main__":
    warm()
    threading.Thread(target=warm_graph, name="warm-graph", daemon=True).start()
    from streamlit.web.cli import main

    # the same program name as `python -m streamlit`: Streamlit reads it back from argv
    main(prog_name="streamlit")
