"""Deciding whether an analyst's Cypher may run: read-only, with an allow-list of procedures.

Three independent checks guard ``ownership query`` and the explorer's console, because no
single one is enough on both servers:

1. this lexical check, before anything is sent: write clauses, schema and admin commands,
   ``LOAD CSV``, ``CALL … IN TRANSACTIONS`` and procedures outside :data:`ALLOWED_PROCEDURES`
   are refused (string literals, comments and quoted names are ignored, so a company called
   ``"Robert'); MATCH (n) DETACH DELETE n; //"`` in a parameter or literal is harmless);
2. ``EXPLAIN`` on the server: Neo4j must report query type ``r``; ArcadeDB reports ``w`` for
   every EXPLAIN, so there the plan text is searched for write operators instead;
3. execution in a READ-mode transaction that is always rolled back and whose counters must show
   no update (ArcadeDB ignores READ mode; the rollback still discards anything written).
"""

from __future__ import annotations

import re

# Clauses that write, wherever they stand.
WRITE_KEYWORDS = frozenset(
    {"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "FOREACH", "LOAD", "INSERT"}
)
# Administration commands: only as the first word of a statement (``start`` and ``use`` are
# also ordinary variable names).
ADMIN_KEYWORDS = frozenset(
    {
        "ALTER",
        "GRANT",
        "REVOKE",
        "DENY",
        "RENAME",
        "START",
        "STOP",
        "TERMINATE",
        "ENABLE",
        "DEALLOCATE",
        "REALLOCATE",
        "USE",
        "SHOW",
    }
)
# SHOW is refused as well: it lists users, privileges and settings on Neo4j; the schema a
# reader needs is in the allowed db.* procedures.
ALLOWED_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.schema.visualization",
        "db.schema.nodetypeproperties",
        "db.schema.reltypeproperties",
        "dbms.components",
    }
)
_TOKEN = re.compile(
    r"""
    (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`(?:[^`]|``)*`)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)
_PLAN_WRITES = re.compile(r"^\s*\+\s*(CREATE|MERGE|SET|DELETE|DETACH|REMOVE|FOREACH)\b", re.M)


class NotReadOnly(ValueError):
    """The statement could change the graph, or calls something not on the allow-list."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("comment", "string", "quoted"):
            continue
        tokens.append((kind, match.group()))
    return tokens


def check(text: str) -> None:
    """Raise :class:`NotReadOnly` when ``text`` is not a read-only query."""
    if not text.strip():
        raise NotReadOnly("empty query")
    tokens = _tokens(text)
    for index, (kind, value) in enumerate(tokens):
        if kind != "word":
            continue
        word = value.upper()
        if index == 0 and word in ADMIN_KEYWORDS:
            raise NotReadOnly(f"refused: {word} is an administration command")
        if word in WRITE_KEYWORDS:
            raise NotReadOnly(
                f"refused: {word} would change the graph (queries here are read-only)"
            )
        if word == "CALL":
            following = tokens[index + 1] if index + 1 < len(tokens) else ("other", "")
            if following[0] == "word":
                name = re.sub(r"\s+", "", following[1]).lower()
                if name not in ALLOWED_PROCEDURES:
                    raise NotReadOnly(f"refused: procedure {following[1]} is not on the allow-list")
        if word == "TRANSACTIONS" and index > 0 and tokens[index - 1][1].upper() == "IN":
            raise NotReadOnly("refused: CALL … IN TRANSACTIONS writes in batches")
    if any(value == ";" for _, value in tokens[:-1]):
        raise NotReadOnly("refused: one statement at a time")


def strip_terminator(text: str) -> str:
    """The statement without a final semicolon (Browser habit; Bolt wants none)."""
    stripped = text.strip()
    return stripped[:-1].rstrip() if stripped.endswith(";") else stripped


def plan_writes(plan_text: str) -> bool:
    """True when an ArcadeDB plan description lists a write operator."""
    return bool(_PLAN_WRITES.search(plan_text))
