"""ownership: a corporate-ownership network investigator.

Registry records are normalized (:mod:`ownership.records`), loaded into a Neo4j-compatible graph
over Bolt (:mod:`ownership.loader`), and questioned with the named Cypher of
:mod:`ownership.cypher` through the analysis functions that the CLI and the explorer share.
"""

__version__ = "0.1.0"
