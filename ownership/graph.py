"""Graph access: one driver, the named queries of :mod:`ownership.cypher`, native Python values.

This is the only module that talks to the database. It does not care whether the server is a
production Neo4j (``NEO4J_URI`` set) or the embedded ArcadeDB server: both speak Bolt and the
same Cypher, so there is one code path.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ownership import cypher, readonly
from ownership.config import Settings
from ownership.cypher import Query
from ownership.embedded import DATABASE, EmbeddedServer

# The driver logs each retry of a failed transaction as a warning. A command reports the final
# failure in one line instead; a program that configures logging (the scheduler) still sees them.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    import neo4j
    from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable, SessionExpired
    from neo4j.graph import Node, Path, Relationship


def _load_driver() -> None:
    """Import the driver when a graph is first opened, not when this module is imported: it
    costs about a second, which ``ownership --help`` and every command's start-up would pay.
    Everything below that uses these names runs on a graph, so after this."""
    global neo4j, AuthError, Neo4jError, ServiceUnavailable, SessionExpired, Node, Path
    global Relationship
    with _without(*_DRIVER_EXTRAS):
        import neo4j
        from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable, SessionExpired
        from neo4j.graph import Node, Path, Relationship


# The driver imports these, when installed, only for Result.to_df() and for numpy/pyarrow
# values as parameters; the project uses neither, and pandas with numpy cost a command's
# start-up about 0.8 s (`python -X importtime`). Whoever needs them later (the explorer's
# tables, the NTA importer's index) imports them as usual.
_DRIVER_EXTRAS = ("pandas", "numpy", "pyarrow")


@contextlib.contextmanager
def _without(*names: str) -> Iterator[None]:
    """Hide the modules ``names`` (those not imported yet) while the block imports."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


RETRY_SECONDS = 10.0  # how long a managed transaction is retried on a lost connection
TIMEOUT_GRACE_S = 2.0  # beyond an analyst query's timeout, for the server's own report of it


class GraphUnavailable(Exception):
    """The graph server cannot be reached or refused the credentials."""


class QueryFailed(Exception):
    """The server rejected a statement; the message is the server's, without parameters."""


class QueryTimeout(QueryFailed):
    """An analyst's query ran past its timeout and was stopped."""


_SCALARS = frozenset({str, int, float, bool})


def native(value: Any) -> Any:
    """Driver values to plain Python (dates, lists, dicts); nodes and paths to dicts."""
    if value is None or type(value) in _SCALARS:  # most values: one check, not nine
        return value
    if isinstance(value, neo4j.time.Date):
        return value.to_native()
    if isinstance(value, neo4j.time.DateTime):
        return value.to_native()
    if isinstance(value, Node):
        return {"_labels": sorted(value.labels), **{k: native(v) for k, v in value.items()}}
    if isinstance(value, Relationship):
        return {"_type": value.type, **{k: native(v) for k, v in value.items()}}
    if isinstance(value, Path):
        return {
            "nodes": [native(n) for n in value.nodes],
            "relationships": [native(r) for r in value.relationships],
        }
    if isinstance(value, list | tuple):
        return [v if v is None or type(v) in _SCALARS else native(v) for v in value]
    if isinstance(value, Mapping):
        return {k: native(v) for k, v in value.items()}
    return value


class Graph:
    """A connection to the graph with the project's queries."""

    def __init__(
        self,
        driver: neo4j.Driver,
        database: str | None,
        embedded: bool,
        connect: Callable[[], neo4j.Driver] | None = None,
    ) -> None:
        self.driver = driver
        self.database = database
        self.embedded = embedded
        self._connect = connect  # a second driver for queries that may have to be cut off

    @classmethod
    def open(cls, settings: Settings | None = None, retry_s: float = RETRY_SECONDS) -> Graph:
        """Connect, starting the embedded server first when no ``NEO4J_URI`` is set.

        ``retry_s``: how long a read or write is retried on a lost connection (the explorer
        uses less than batch commands: a person is waiting, and Reconnect is one click away).
        """
        _load_driver()
        settings = settings or Settings.from_env()
        if settings.embedded:
            server = EmbeddedServer(settings.home)
            status = server.ensure_running()
            uri, auth, database = status.uri, ("root", server.password()), DATABASE
        else:
            uri, auth, database = (
                settings.uri,
                (settings.user, settings.password),
                settings.database,
            )
        assert uri is not None

        def connect() -> neo4j.Driver:
            return neo4j.GraphDatabase.driver(
                uri,
                auth=auth,
                connection_acquisition_timeout=30,
                max_transaction_retry_time=retry_s,
            )

        driver = connect()
        graph = cls(driver, database, settings.embedded, connect)
        try:
            driver.verify_connectivity()
        except AuthError as exc:
            driver.close()
            raise GraphUnavailable(f"the graph server at {uri} refused the credentials") from exc
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            driver.close()
            raise GraphUnavailable(
                f"cannot reach the graph server at {uri}: {_reason(exc)}"
            ) from exc
        return graph

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running queries -----------------------------------------------------------------------

    def read(self, query: Query, max_hops: int | None = None, **params: Any) -> list[dict]:
        """Run a read query in a managed read transaction; rows as plain dicts."""
        text = query.render(max_hops)

        def work(tx: neo4j.ManagedTransaction) -> list[dict]:
            # record.data() would first copy every nested list with the driver's own transform
            # (a third of the time of a 4,000-edge step); native() converts in one pass.
            return [{k: native(v) for k, v in record.items()} for record in tx.run(text, params)]

        with self._errors(query.name):
            with self.driver.session(database=self.database) as session:
                return session.execute_read(work)

    def stream(
        self, query: Query, batch: int = 10_000, max_hops: int | None = None, **params: Any
    ) -> Iterator[dict]:
        """The rows of a read query one at a time (plain dicts, as :meth:`read`), fetched from
        the server ``batch`` at a time: for answers too large to hold whole, so that only what
        the caller makes of each row stays (every entity and holding of a million companies:
        :meth:`ownership.analysis.timelines.DatedGraph.read`). One read transaction, open
        until the rows run out or the caller stops. Not retried, unlike :meth:`read`: rows
        already handed out cannot be taken back, so a lost connection raises
        :class:`GraphUnavailable`."""
        text = query.render(max_hops)
        with self._errors(query.name):
            with self.driver.session(
                database=self.database, default_access_mode=neo4j.READ_ACCESS, fetch_size=batch
            ) as session:
                with session.begin_transaction() as tx:
                    for record in tx.run(text, params):
                        yield {k: native(v) for k, v in record.items()}

    def write(self, query: Query, **params: Any) -> dict[str, int]:
        """Run one write statement in its own transaction; returns the update counters."""
        with self._errors(query.name):
            with self.driver.session(database=self.database) as session:
                return session.execute_write(lambda tx: _counters(tx.run(query.text, params)))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One explicit write transaction: all statements in it commit together or not at all
        (unless the caller commits part of it with :meth:`Transaction.checkpoint`)."""
        with self._errors("transaction"):
            with self.driver.session(database=self.database) as session:
                tx = Transaction(session)
                try:
                    yield tx
                except BaseException:
                    tx.rollback()
                    raise
                tx.commit()

    def run_read_only(
        self, text: str, params: dict[str, Any], limit: int = 1000, timeout: float = 30.0
    ) -> ReadResult:
        """Run an analyst's query that must not write (see :mod:`ownership.readonly`).

        Checked lexically, then by EXPLAIN, then executed in a READ transaction that is always
        rolled back; at most ``limit`` rows are kept, and after ``timeout`` seconds it is
        stopped (:class:`QueryTimeout`).
        """
        readonly.check(text)
        text = readonly.strip_terminator(text)
        with self._errors("query"):
            with self.driver.session(
                database=self.database, default_access_mode=neo4j.READ_ACCESS
            ) as session:
                summary = session.run("EXPLAIN " + text, params).consume()
                if self.is_arcadedb:
                    plan = str(
                        (summary.plan or {}).get("args", {}).get("string-representation", "")
                    )
                    if readonly.plan_writes(plan):
                        raise readonly.NotReadOnly("refused: the query plan writes to the graph")
                elif summary.query_type != "r":
                    raise readonly.NotReadOnly(
                        f"refused: the server classifies this query as {summary.query_type!r}, not read-only"
                    )
        keys, data, truncated, graph_items = self._run_with_timeout(text, params, limit, timeout)
        nodes: dict[str, dict[str, Any]] = {}
        rels: dict[str, dict[str, Any]] = {}
        for found_nodes, found_rels in graph_items:
            nodes.update(found_nodes)
            rels.update(found_rels)
        return ReadResult(keys, data, truncated, list(nodes.values()), list(rels.values()))

    def _run_with_timeout(
        self, text: str, params: dict[str, Any], limit: int, timeout: float
    ) -> tuple[list[str], list[dict[str, Any]], bool, list[Any]]:
        """Run a checked read-only query and stop it after ``timeout`` seconds.

        Neo4j stops it itself (the transaction timeout). ArcadeDB's Bolt plugin ignores that
        timeout, so the query runs on a connection of its own that is closed when the time is
        up: the command returns then, and the server's work for it is abandoned.
        """
        driver = self._connect() if self._connect else self.driver
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                with driver.session(
                    database=self.database, default_access_mode=neo4j.READ_ACCESS
                ) as session:
                    outcome["value"] = _read_rolled_back(session, text, params, limit, timeout)
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="read-only query", daemon=True)
        worker.start()
        # Neo4j reports its own timeout; the grace lets its answer arrive first.
        worker.join(timeout + (0.0 if self.is_arcadedb else TIMEOUT_GRACE_S))
        stopped = worker.is_alive()
        if driver is not self.driver:
            driver.close()  # on a timeout: closes the connection under the running query
        if stopped:
            worker.join(TIMEOUT_GRACE_S)
            raise QueryTimeout(
                f"query stopped at its {timeout:g} s timeout: its connection was closed; "
                "this server cannot cancel a running query, so it may go on computing it "
                "for a while"
            )
        error = outcome.get("error")
        if isinstance(error, Neo4jError) and "TransactionTimedOut" in (error.code or ""):
            raise QueryTimeout(
                f"query stopped at its {timeout:g} s timeout: the server ended it"
            ) from error
        if error is not None:
            with self._errors("query"):
                raise error
        return outcome["value"]

    @property
    def is_arcadedb(self) -> bool:
        """The embedded server (or another ArcadeDB) rather than Neo4j."""
        return "ArcadeDB" in (self.driver.get_server_info().agent or "")

    def empty(self, batch: int = 10_000) -> None:
        """Delete everything, ``batch`` nodes per transaction (the test suite between tests)."""
        while self.write(cypher.DELETE_ALL, limit=batch)["written"]:
            pass

    def ensure_schema(self) -> None:
        """Create constraints and indexes; idempotent (IF NOT EXISTS) on both servers."""
        for statement in cypher.SCHEMA:
            self.write(statement)

    @contextlib.contextmanager
    def _errors(self, name: str) -> Iterator[None]:
        try:
            yield
        except (ServiceUnavailable, SessionExpired) as exc:
            raise GraphUnavailable(f"lost the graph server during {name}: {_reason(exc)}") from exc
        except Neo4jError as exc:
            raise QueryFailed(f"{name}: {exc.message or exc}") from exc


def _read_rolled_back(
    session: neo4j.Session, text: str, params: dict[str, Any], limit: int, timeout: float
) -> tuple[list[str], list[dict[str, Any]], bool, list[Any]]:
    """Rows of a read-only query in a transaction that is always rolled back."""
    tx = session.begin_transaction(timeout=timeout)
    try:
        result = tx.run(text, params)
        keys = list(result.keys())
        rows = []
        truncated = False
        for record in result:
            if len(rows) >= limit:
                truncated = True
                break
            rows.append(record)
        graph_items = [_graph_items(record) for record in rows]
        data = [{k: native(v) for k, v in record.items()} for record in rows]
        if not truncated and result.consume().counters.contains_updates:
            raise readonly.NotReadOnly("refused: the query wrote to the graph (rolled back)")
    finally:
        tx.rollback()
    return keys, data, truncated, graph_items


def _reason(exc: BaseException) -> str:
    """The cause of a failed connection in a few words: the driver's message spans lines and
    repeats the address ("Couldn't connect to … (reason [Errno 111] Connection refused)")."""
    text = str(exc)
    found = re.search(r"\(reason (?:\[Errno -?\d+\] )?([^()]+)\)", text)
    if found:
        return found.group(1).strip().lower()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class ReadResult:
    """What an ad hoc query returned, with the nodes and relationships found in its rows."""

    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool
    nodes: list[dict[str, Any]] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)


def _graph_items(
    record: neo4j.Record,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Nodes and relationships anywhere in a record (also inside paths and lists)."""
    nodes: dict[str, dict[str, Any]] = {}
    rels: dict[str, dict[str, Any]] = {}

    def visit(value: Any) -> None:
        if isinstance(value, Node):
            nodes[value.element_id] = {"element_id": value.element_id, **native(value)}
        elif isinstance(value, Relationship):
            rels[value.element_id] = {
                "element_id": value.element_id,
                "start": value.start_node.element_id if value.start_node else None,
                "end": value.end_node.element_id if value.end_node else None,
                **native(value),
            }
            for end in (value.start_node, value.end_node):
                if end is not None and end.element_id not in nodes:
                    nodes[end.element_id] = {"element_id": end.element_id, **native(end)}
        elif isinstance(value, Path):
            for item in (*value.nodes, *value.relationships):
                visit(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)
        elif isinstance(value, Mapping):
            for item in value.values():
                visit(item)

    for value in record.values():
        visit(value)
    return nodes, rels


class Transaction:
    """A write transaction handed out by :meth:`Graph.transaction`."""

    def __init__(self, session: neo4j.Session) -> None:
        self._session = session
        self._tx = session.begin_transaction()
        self.checkpoints = 0

    def checkpoint(self) -> None:
        """Commit what was written so far and go on in a new transaction.

        For first loads too large for one transaction (:mod:`ownership.unload` undoes them
        if they fail): the server holds a transaction's changes in memory until it commits.
        """
        self._tx.commit()
        self._tx = self._session.begin_transaction()
        self.checkpoints += 1

    def commit(self) -> None:
        self._tx.commit()

    def rollback(self) -> None:
        with contextlib.suppress(Exception):
            self._tx.rollback()

    def run(self, query: Query, **params: Any) -> dict[str, int]:
        return self.execute(query, **params)[1]

    def execute(self, query: Query, **params: Any) -> tuple[list[dict], dict[str, int]]:
        """Run a write statement; its rows (plain values) and its update counters."""
        with _released(params) as sent:
            result = self._tx.run(query.text, sent)
            rows = [native(record.data()) for record in result]
            return rows, _counters(result, rows)

    def read(self, query: Query, **params: Any) -> list[dict]:
        """Rows of a query run inside this transaction (it sees the transaction's writes)."""
        with _released(params) as sent:
            return [native(record.data()) for record in self._tx.run(query.text, sent)]

    def stream(self, query: Query, **params: Any) -> Iterator[dict]:
        """The rows of a read inside this transaction one at a time, as the driver fetches them
        (a refresh reads every key of a source this way, millions of rows at a million
        companies); consume them before running the next statement."""
        for record in self._tx.run(query.text, params):
            yield {k: native(v) for k, v in record.items()}


@contextlib.contextmanager
def _released(params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Parameters to send, whose row lists are emptied once the statement has run.

    The driver keeps every result of an open explicit transaction, parameters included, until
    it ends; an import is one transaction, so without this it would hold the whole dataset
    (859 MB at 100k companies, against 268 MB with it: ``docs/benchmarks.md``). The caller's
    own lists are copied, never emptied.
    """
    sent = {k: list(v) if isinstance(v, list) else v for k, v in params.items()}
    try:
        yield sent
    finally:
        for value in sent.values():
            if isinstance(value, list):
                value.clear()


def _counters(result: neo4j.Result, rows: list[dict] | None = None) -> dict[str, int]:
    """Update counters of a result, and the sum of its ``written`` column (read here unless
    the caller already read the rows)."""
    if rows is None:
        rows = [record.data() for record in result]
    counters = result.consume().counters
    written = sum(int(row.get("written", 0) or 0) for row in rows)
    return {
        "written": written,
        "nodes_created": counters.nodes_created,
        "relationships_created": counters.relationships_created,
        "nodes_deleted": counters.nodes_deleted,
        "relationships_deleted": counters.relationships_deleted,
        "properties_set": counters.properties_set,
    }
