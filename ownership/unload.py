"""Take one source's data out of the graph again: the undo of a first load that failed.

An import is one transaction, so a failure leaves the graph as it was, except for a source's
*first* load when it is too large for one transaction (the server holds a transaction's
changes in memory until it commits; see ``docs/scaling.md``). Such a load commits in chunks
(:func:`ownership.loader.import_paths`), and everything it wrote belongs to that source: its
records, the entities only they describe, its edges and listings, identifier and address nodes
nothing else links to. If the load fails, this module takes all of it out again; if the
importer is killed, the ``loading`` mark it left on the ``Source`` node tells the next import
to do so (:func:`recover_interrupted_loads`).

Entities that the source's records joined (a shared LEI or register number) stay, recomputed
from the records that remain, as the import found them.
"""

from __future__ import annotations

import logging

from ownership import cypher, holdings
from ownership.graph import Graph
from ownership.records import address_uid

log = logging.getLogger(__name__)

UNLOAD_BATCH = 5000  # records per transaction: small enough for any server's memory


def unload_source(graph: Graph, source: str, batch: int = UNLOAD_BATCH) -> int:
    """Remove everything ``source`` brought into the graph; the number of records removed.

    Works through the source's records ``batch`` at a time, each batch in its own
    transaction, so it can itself be interrupted and run again.
    """
    removed = 0
    while True:
        with graph.transaction() as tx:
            rows = tx.read(cypher.UNLOAD_RECORDS_BATCH, source=source, limit=batch)
            if not rows:
                break
            entities = sorted({row["entity"] for row in rows if row["entity"]})
            tx.run(cypher.UNLOAD_SANCTIONS, entities=entities, source=source)
            owners = tx.read(cypher.UNLOAD_OWNERS, entities=entities, source=source)[0]["owners"]
            tx.run(cypher.UNLOAD_EDGES, entities=entities, source=source)
            tx.run(cypher.UNLOAD_RECORDS, uids=[row["uid"] for row in rows])
            tx.run(cypher.UNLOAD_ORPHAN_ENTITIES, entities=entities)
            tx.run(cypher.MERGE_RECORDS, uids=entities)
            tx.run(cypher.UNLOAD_STALE_IDENTIFIERS, entities=entities)
            tx.run(cypher.UNLOAD_STALE_ADDRESSES, entities=entities)
            keys = sorted({key for row in rows for key in row["identifiers"]})
            tx.run(cypher.UNLOAD_LOOSE_IDENTIFIERS, keys=keys)
            addresses = sorted({address_uid(row["address"]) for row in rows if row["address"]})
            tx.run(cypher.UNLOAD_LOOSE_ADDRESSES, keys=addresses)
            holdings.recompute(tx, owners)
        removed += len(rows)
    graph.write(cypher.UNLOAD_SOURCE, name=source)
    log.info("source %s: unloaded %d records", source, removed)
    return removed


def recover_interrupted_loads(graph: Graph) -> list[str]:
    """Unload every source whose chunked first load never finished; their names.

    Only safe while no import is running: callers hold the import lock
    (:func:`ownership.locks.exclusive`), as ``ownership import`` and ``refresh`` do.
    """
    names = [row["name"] for row in graph.read(cypher.INTERRUPTED_LOADS)]
    for name in names:
        log.warning("source %s: its last load was interrupted; taking it out again", name)
        unload_source(graph, name)
    return names
