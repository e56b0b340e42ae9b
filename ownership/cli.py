"""The ``ownership`` command line (contract section 3).

Each command parses its options, calls one function of the analysis or loading layers, and
renders the result. Every failure ends with a non-zero exit and a one-line reason on stderr;
``--format json`` prints exactly one JSON document on stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from ownership import __version__, cypher
from ownership.analysis import (
    catalog,
    connections,
    flags,
    gaps,
    history,
    kept_holdings,
    matching,
    owners,
    sanctions,
    statements,
    upkeep,
)
from ownership.analysis.chains import DEFAULT_MAX_HOPS, Chain, ChainAnswer, LookedUp
from ownership.analysis.countries import country_code
from ownership.analysis.counts import graph_counts
from ownership.analysis.entities import resolve
from ownership.analysis.kept_chains import Later, Question, answer, keep_now
from ownership.analysis.profile import SUCCESSION_COLUMNS, entity_profile
from ownership.bulk import ARGUMENTS_FILE, export_neo4j_admin
from ownership.commandline import (
    REPO_ROOT,
    F,
    LazyChoice,
    OneLineGroup,
    as_of_date,
    as_of_option,
    emit,
    fail,
    handle_errors,
    max_hops_option,
    note_if_empty,
    open_graph,
    output_option,
    page_options,
    progress_bar,
)
from ownership.config import ConfigError, Settings
from ownership.embedded import EmbeddedServer
from ownership.graph import Graph, GraphUnavailable
from ownership.loader import COMMIT_EVERY, NEO4J_COMMIT_EVERY, finish_bulk_loads, import_paths
from ownership.locks import exclusive
from ownership.output import cell, terminal_width, to_csv, to_json, to_json_line, to_table
from ownership.readonly import NotReadOnly
from ownership.refresh import state as kept_state
from ownership.refresh.command import refresh_command, runs_command
from ownership.refresh.report import chain_text, entity_text
from ownership.refresh.runner import run_refresh
from ownership.refresh.sources import load_config
from ownership.sources import FORMATS
from ownership.text import closest

wait_option = click.option(
    "--wait",
    type=click.FloatRange(0),
    default=600.0,
    show_default=True,
    help="Seconds to wait for another import of this OWNERSHIP_HOME to finish.",
)


@click.group(cls=OneLineGroup)
@click.version_option(__version__, prog_name="ownership")
def main() -> None:
    """Investigate corporate-ownership networks stored in Neo4j (or the embedded server)."""


main.add_command(refresh_command)
main.add_command(runs_command)


# -- db --------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """The embedded graph server for OWNERSHIP_HOME (start, stop), and the schema of any (init)."""


def _server() -> EmbeddedServer:
    settings = Settings.from_env()
    if not settings.embedded:
        raise ConfigError("NEO4J_URI is set: the embedded server is not used")
    return EmbeddedServer(settings.home)


@db.command("start")
@output_option("table", "json")
@handle_errors
def db_start(output: str) -> None:
    """Start the embedded server (no-op when it already runs)."""
    status = _server().ensure_running()
    _print_status(output, status.as_dict())


@db.command("stop")
@output_option("table", "json")
@handle_errors
def db_stop(output: str) -> None:
    """Stop the embedded server."""
    stopped = _server().stop()
    if output == "json":
        click.echo(to_json({"stopped": stopped}))
    else:
        click.echo("stopped" if stopped else "not running")


@db.command("status")
@output_option("table", "json")
@handle_errors
def db_status(output: str) -> None:
    """Say whether the embedded server runs, and where."""
    settings = Settings.from_env()
    if settings.embedded:
        status = EmbeddedServer(settings.home).status()
        _print_status(output, status.as_dict())
        if not status.running:  # as LSB init scripts: 3 = not running
            what = "is not running" if status.started_before else "has never been started"
            fail(
                f"the embedded server {what} for OWNERSHIP_HOME={settings.home} "
                "(`ownership db start` starts it; any command does too)",
                status=3,
            )
    else:
        with open_graph():
            _print_status(output, {"running": True, "uri": settings.uri, "embedded": False})


@db.command("init")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.option(
    "--maintain/--no-maintain",
    default=True,
    show_default=True,
    help="After completing a bulk load, compute and keep today's red flags, ownership gaps, "
    "landing page and 50 % rule findings, as `import` does (off: computed when asked).",
)
@wait_option
@handle_errors
def db_init(as_json: bool, maintain: bool, wait: float) -> None:
    """Create the graph's constraints and indexes, and complete a first load made by
    neo4j-admin from `ownership export --neo4j-admin` (docs/bulk-load.md). Also for NEO4J_URI."""
    kept, failed, states = (None, None, None)
    with exclusive(Settings.from_env().home, "import", wait_s=wait), open_graph() as graph:
        done = finish_bulk_loads(graph, keep_state=maintain)
        if maintain and done.sources:
            kept, failed = upkeep.maintain_after_import(graph)
            unnoted = [name for name in done.sources if name not in done.states_kept]
            states = keep_refresh_states(graph, unnoted) if unnoted else done.seconds["state"]
    if failed:
        click.echo(
            f"ownership: note: today's whole-graph answers were not kept: {failed}", err=True
        )
    if as_json:
        click.echo(
            to_json({**done.as_dict(), "maintained_seconds": kept, "state_kept_seconds": states})
        )
        return
    click.echo("constraints and indexes are in place")
    for name in done.sources:
        click.echo(
            f"source {name}: bulk load completed ({done.lists_filled} nodes given their empty "
            f"lists, {done.entities_merged} entities described by several records recomputed)"
        )
    if kept:
        click.echo(
            f"today's red flags, gaps, landing page and 50 % rule kept in {sum(kept.values()):.1f} s"
        )


def _print_status(output: str, status: dict[str, Any]) -> None:
    if output == "json":
        click.echo(to_json(status))
    else:
        for key, value in status.items():
            if value is not None:  # a stopped server has no pid or port: no blank lines
                click.echo(f"{key}: {value}")


# -- import ----------------------------------------------------------------------------------


def source_options(command: F) -> F:
    """PATHS, --source, --format and --json: what `import` and `export` read, said alike."""
    for decorate in reversed(
        (
            click.argument(
                "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
            ),
            click.option(
                "--source", help="Source name for provenance (default: the first path's name)."
            ),
            click.option(
                "--format",
                "fmt",
                type=LazyChoice(lambda: ["auto", *sorted(FORMATS)]),
                default="auto",
                show_default=True,
                help="Input format.",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON."),
        )
    ):
        command = decorate(command)
    return command


@main.command("import")
@source_options
@click.option(
    "--maintain/--no-maintain",
    default=True,
    show_default=True,
    help="Then compute and keep today's red flags, ownership gaps, landing page and 50 % rule "
    "findings, so that reading them is immediate (off: they are computed when asked).",
)
@wait_option
@click.option(
    "--commit-every",
    type=click.IntRange(0),
    default=None,
    help="A source's first load larger than this commits every so many records (undone as a "
    f"whole if it fails); 0: always one transaction. Default: {COMMIT_EVERY:,} on the "
    f"embedded server, {NEO4J_COMMIT_EVERY:,} on Neo4j (its transaction memory cap).",
)
@handle_errors
def import_command(
    paths: tuple[Path, ...],
    source: str | None,
    fmt: str,
    as_json: bool,
    maintain: bool,
    wait: float,
    commit_every: int | None,
) -> None:
    """Validate PATHS completely, then load them; nothing is written if anything is wrong."""
    name = source or paths[0].resolve().name
    settings = Settings.from_env()
    with (
        exclusive(settings.home, "import", wait_s=wait),
        open_graph() as graph,
        progress_bar(f"importing {name}", min_total=5001) as progress,
    ):
        written = kept_state.Written() if maintain else None
        summary = import_paths(
            graph, paths, name, fmt, progress=progress, commit_every=commit_every, written=written
        )
        merged = matching.apply_decisions(graph)
        kept = states = None
        if written and summary.imported_at is not None:
            written.merged = merged
            kept = keep_answers(graph)
            states = keep_refresh_states(graph, [name], written)
    if as_json:
        click.echo(
            to_json({**summary.as_dict(), "maintained_seconds": kept, "state_kept_seconds": states})
        )
        return
    if summary.imported_at is None:
        click.echo(
            f"source {name}: no records in {', '.join(summary.paths)} (a header only?); "
            "nothing was written"
        )
        return
    read = ", ".join(f"{n} {k}" for k, n in sorted(summary.read.items())) or "nothing"
    written = ", ".join(f"{n} {k}" for k, n in sorted(summary.written.items()) if n) or "nothing"
    click.echo(f"source {name}: read {read}; created or changed {written}")
    click.echo(
        f"{summary.created['entities']} entities and {summary.created['relationships']} "
        f"relationships created in {summary.seconds:.1f} s"
    )
    if kept:
        click.echo(
            f"today's red flags, gaps, landing page and 50 % rule kept in {sum(kept.values()):.1f} s"
        )


@main.command("export")
@source_options
@click.option(
    "--neo4j-admin",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="New folder for the CSV files of `neo4j-admin database import full`.",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 2),
    default=None,
    help="2: read and normalize the source in a process of its own, beside the export's work "
    "(default: 2 when a core is free, load average + 2 <= cores; else 1).",
)
@handle_errors
def export_command(
    paths: tuple[Path, ...],
    out: Path,
    source: str | None,
    fmt: str,
    as_json: bool,
    processes: int | None,
) -> None:
    """Write the graph a first `ownership import PATHS` would build as CSV files for Neo4j's
    bulk importer (docs/bulk-load.md); nothing is written if anything is wrong."""
    name = source or paths[0].resolve().name
    summary = export_neo4j_admin(paths, name, out, fmt, processes=processes)
    if as_json:
        click.echo(to_json(summary.as_dict()))
        return
    read = ", ".join(f"{n} {k}" for k, n in sorted(summary.read.items()))
    click.echo(
        f"source {name}: read {read}; wrote {summary.nodes.total()} nodes and "
        f"{summary.relationships.total()} relationships to {out} in {summary.seconds:.1f} s"
    )
    click.echo(
        "To load them as the whole graph of a Neo4j server (docs/bulk-load.md):\n"
        "  1. stop the server (`neo4j stop`);\n"
        f"  2. neo4j-admin database import full neo4j @{out.resolve() / ARGUMENTS_FILE}\n"
        "     (--overwrite-destination, in that file, replaces everything database neo4j holds);\n"
        "  3. start the server (`neo4j start`);\n"
        "  4. ownership db init   (constraints and indexes; completes the load)\n"
        "Later imports and refreshes of the source are incremental, as after `ownership import`."
    )


# -- chains ----------------------------------------------------------------------------------

CHAIN_COLUMNS = ["chain", "shares", "effective_share", "hops", "ids"]
STARTS_COLUMNS = ["id", "name", "jurisdiction", "chains", "max_effective_share"]


def chain_rows(chains: Iterable[Chain]) -> list[dict[str, Any]]:
    """Chains as table and CSV rows."""
    return [
        {
            "chain": " -> ".join(f"{e['name']} ({e['jurisdiction'] or '?'})" for e in c.entities),
            "ids": " > ".join(e["id"] for e in c.entities),
            "shares": c.shares,
            "effective_share": c.effective_share,
            "hops": len(c.links),
            "sources_disagree": "; ".join(c.disagreements()),
            "merged_into": "; ".join(c.successions()),
            "records": " > ".join(c.records()),
        }
        for c in chains
    ]


RECORDS_MIN_WIDTH = 160  # a narrower terminal's table leaves the records out (CSV, JSON keep them)


def chain_columns(found: ChainAnswer, merged: bool, terminal: bool = False) -> list[str]:
    """The table and CSV columns: ``sources_disagree`` when the sources disagree on a link of
    some chain, ``merged_into`` when an entity of the chains shown was absorbed, and last the
    source records each link rests on (``>`` between links, ``;`` between a link's sources),
    except in a ``terminal`` table narrower than :data:`RECORDS_MIN_WIDTH`, where they would
    squeeze the chain itself into a column of a few letters."""
    optional = [
        ("sources_disagree", found.disagree),
        ("merged_into", merged),
    ]
    width = terminal_width()
    records = not terminal or width is None or width >= RECORDS_MIN_WIDTH
    return [*CHAIN_COLUMNS, *(name for name, present in optional if present)] + (
        ["records"] if records else []
    )


EXPORT_PAGE = 1000  # chains built and written at a time by an export


def export_chains(found: ChainAnswer, path: Path, fmt: str) -> None:
    """Every chain of ``found`` into ``path`` as it is rendered, in the fixed order: a JSON list
    (the document ``--format json`` prints) or CSV (the rows ``--format csv`` prints). Chains
    are built a thousand at a time (:meth:`ChainAnswer.pages`: each link and entity looked up
    once for the whole export), so the file grows while the bar moves; a CSV's columns are
    known first (:meth:`ChainAnswer.merged`)."""
    step = EXPORT_PAGE
    known = LookedUp()
    columns = chain_columns(found, fmt == "csv" and found.merged(known))
    with (
        path.open("w", encoding="utf-8", newline="") as out,
        progress_bar(f"writing {path.name}") as progress,
    ):
        if fmt == "json":
            out.write("[")
        pages = found.pages(step, known=known)
        for first, chains in zip(range(0, found.total, step), pages, strict=True):
            if fmt == "json":
                out.write(
                    ("," if first else "")
                    + ",".join("\n" + to_json_line(c.as_dict()) for c in chains)
                )
            else:
                text = to_csv(chain_rows(chains), columns)
                out.write(text if first == 0 else text.split("\n", 1)[1])
            progress(first + len(chains), found.total)
        if fmt == "json":
            out.write("\n]\n")
        elif not found.total:
            out.write(to_csv([], columns))
    click.echo(f"{found.total} chains written to {path}", err=True)


@main.command("chains")
@click.option("--from-country", required=True, help="Start at companies registered here.")
@click.option("--to-country", required=True, help="End at entities registered or operating here.")
@click.option("--via-country", multiple=True, help="An inner entity must be registered here.")
@max_hops_option(DEFAULT_MAX_HOPS)
@as_of_option
@output_option("table", "json", "csv")
@click.option(
    "--summary",
    is_flag=True,
    help="Print the number of chains and the start entities that reach the target instead.",
)
@page_options("chains")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every chain to this file (JSON, or CSV for --format csv or a .csv name), "
    "streaming, with a progress bar on stderr.",
)
@handle_errors
def chains_command(
    from_country: str,
    to_country: str,
    via_country: tuple[str, ...],
    max_hops: int,
    as_of: dt.datetime | None,
    output: str,
    summary: bool,
    limit: int | None,
    offset: int,
    out: Path | None,
) -> None:
    """Ownership chains from one country to another, as of a date, strongest first."""
    origin, target = country_code(from_country), country_code(to_country)
    via = tuple(country_code(c) for c in via_country)
    # the graph stays open while chains are built: a page looks up the sources' statements
    # and the successions of what it shows
    with open_graph() as graph:
        later: Later = []  # the answer is printed first, then kept for the next reader
        with progress_bar("chains", out is not None) as progress:
            question = Question(origin, target, via, max_hops, as_of_date(as_of))
            found = answer(graph, question, progress, later)
        note_if_empty(graph, range(found.total))
        if out is not None:
            export_chains(found, out, "csv" if output == "csv" or out.suffix == ".csv" else "json")
        elif summary:
            starts = found.starts()
            if output == "table":
                click.echo(f"{found.total} chains from {len(starts)} start entities")
            emit(output, found.summary(), starts, STARTS_COLUMNS)
        else:
            chains = found.page(limit, offset)
            rows = chain_rows(chains)
            merged = any(row["merged_into"] for row in rows)
            columns = chain_columns(found, merged, terminal=output == "table")
            emit(output, [c.as_dict() for c in chains], rows, columns)
        sys.stdout.flush()
        keep_now(later)


# -- sources ---------------------------------------------------------------------------------


@main.group("sources", invoke_without_command=True)
@output_option("table", "json", "csv")
@click.pass_context
@handle_errors
def sources_command(ctx: click.Context, output: str) -> None:
    """The sources in the graph: records, entities, relationships, last import or refresh."""
    if ctx.invoked_subcommand is not None:
        return
    with open_graph() as graph:
        found = catalog.list_sources(graph)
    documents = [s.as_dict() for s in found]
    rows = [
        {
            **doc,
            "paths": ", ".join(doc["paths"]) or doc["url"] or "",
            "last_change": s.last_change,
            "state": "loading (interrupted?)" if s.loading else "",
        }
        for s, doc in zip(found, documents, strict=True)
    ]
    columns = ["name", "format", "records", "entities", "relationships", "last_change", "paths"]
    if any(row["state"] for row in rows):
        columns.append("state")
    emit(output, documents, rows, columns)


@sources_command.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Really remove it (there is no undo but re-importing).")
@wait_option
@handle_errors
def sources_remove(name: str, yes: bool, wait: float) -> None:
    """Take source NAME out of the graph completely (entities only it describes go)."""
    if not yes:
        raise click.UsageError(f"removing source {name!r} cannot be undone: add --yes")
    settings = Settings.from_env()
    with exclusive(settings.home, "import", wait_s=wait), open_graph() as graph:
        removed = catalog.remove_source(graph, name)
        keep_answers(graph)
    click.echo(f"source {name}: removed {removed} records and everything only they stated")


def keep_answers(graph: Graph) -> dict[str, float] | None:
    """Keep the whole-graph answers for the data as it now is (upkeep.maintain); the seconds
    each took, or None with a note on stderr when they could not be kept (then they are
    computed when asked)."""
    kept, failed = upkeep.maintain_after_import(graph)
    if failed:
        click.echo(f"ownership: note: the whole-graph answers were not kept: {failed}", err=True)
    return kept


def keep_refresh_states(
    graph: Graph, sources: list[str], written: kept_state.Written | None = None
) -> float | None:
    """Keep what the graph holds of ``sources`` for the next refresh, which would otherwise
    read it: what a first load noted as it wrote (``written``), else one read of every item
    (ownership/refresh/state.py); the seconds it took, or None with a note on stderr when it
    could not (the next refresh reads the graph)."""
    started = time.perf_counter()
    try:
        for source in sources:
            kept_state.keep_after_import(graph, source, written)
    except GraphUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 — the data is in; only the next refresh is slower
        click.echo(f"ownership: note: the refresh state was not kept: {exc}", err=True)
        return None
    return round(time.perf_counter() - started, 3)


# -- stats -----------------------------------------------------------------------------------


@main.command("stats")
@output_option("table", "json")
@handle_errors
def stats_command(output: str) -> None:
    """Counts of nodes per label and relationships per type."""
    with open_graph() as graph:
        stats = graph_counts(graph)
        note_if_empty(graph, stats["nodes"])
    rows = [{"kind": "node", "name": k, "count": v} for k, v in stats["nodes"].items()]
    rows += [
        {"kind": "relationship", "name": k, "count": v} for k, v in stats["relationships"].items()
    ]
    emit(output, stats, rows, ["kind", "name", "count"])


# -- explorer --------------------------------------------------------------------------------


def _app_file() -> Path:
    return Path(__file__).resolve().parent / "explorer" / "entry.py"


@main.command("app")
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--address", default="127.0.0.1", show_default=True)
@handle_errors
def app_command(port: int, address: str) -> None:
    """Serve the Streamlit explorer."""
    check_port_free(address, port)
    os.execv(sys.executable, _explorer_command(port, address))


def check_port_free(address: str, port: int) -> None:
    """Refuse a port something already listens on, before saying where the explorer is: on a
    shared machine the address printed would otherwise open someone else's explorer."""
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
        try:
            probe.bind((address, port))
        except OSError as exc:
            raise OSError(
                f"port {port} on {address} is taken ({exc.strerror.lower()}): another explorer "
                "or program uses it; choose another with --port (make demo PORT=…)"
            ) from None


def _explorer_command(port: int, address: str) -> list[str]:
    """Streamlit serving the explorer; says where, on stderr, first."""
    click.echo(f"explorer on http://{address}:{port}/", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    return [
        sys.executable,
        "-m",
        "ownership.explorer.serve",  # Streamlit's command line, the pages' libraries imported
        "run",
        str(_app_file()),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.showErrorDetails",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]


@main.command("demo")
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--address", default="127.0.0.1", show_default=True)
@handle_errors
def demo_command(port: int, address: str) -> None:
    """Start the embedded server, import the seed scenario (a refresh of seed/sources.toml, so
    its report shows on the Changes page) and serve the explorer; Ctrl-C stops the explorer and
    the embedded server, if the demo started it."""
    check_port_free(address, port)
    sources = seed_sources()
    settings = Settings.from_env()
    server = EmbeddedServer(settings.home) if settings.embedded else None
    started = server is not None and not server.status().running
    try:
        report = run_refresh(load_config(sources), settings.home, lambda: Graph.open(settings))
        click.echo(f"seed imported from {sources} (run {report.run_id}: {report.status})", err=True)
        if report.status != "ok":
            raise OSError(f"the seed import failed: see `ownership runs` for run {report.run_id}")
        _serve_until_stopped(_explorer_command(port, address))
    finally:
        if server is not None and started:
            server.stop()
            click.echo("ownership: stopped the embedded server the demo started", err=True)
        elif server is not None:
            click.echo(
                "ownership: the embedded server was running before the demo and still runs "
                "(`ownership db stop` stops it)",
                err=True,
            )


def _serve_until_stopped(command: list[str]) -> None:
    """Run the explorer as a child until it ends or this process is interrupted (Ctrl-C, which
    reaches both, or SIGTERM, which is passed on), so that the caller can clean up after it.
    ``ownership app`` replaces itself with Streamlit instead: it has nothing to clean up."""
    child = subprocess.Popen(command)

    def forward(signum: int, frame: object) -> None:
        child.send_signal(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        child.wait()
    except KeyboardInterrupt:
        try:  # Ctrl-C in a terminal reached the explorer too; a lone SIGINT (`kill -INT`) did not
            child.wait(timeout=2)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)


def seed_sources() -> Path:
    """The seed scenario's sources file: beside the package in a checkout or an image."""
    for base in (Path.cwd(), REPO_ROOT):
        candidate = base / "seed" / "sources.toml"
        if candidate.is_file():
            return candidate
    raise OSError("cannot find seed/sources.toml (run from the repository folder)")


# -- owners, subsidiaries --------------------------------------------------------------------

HOLDING_COLUMNS = [
    "id",
    "name",
    "jurisdiction",
    "effective_share",
    "effective_share_min",
    "effective_share_max",
    "hops",
    "paths",
    "ultimate",
]


def _holdings_command(direction: str) -> Callable[..., None]:
    @click.argument("entity")
    @max_hops_option(owners.DEFAULT_MAX_HOPS)
    @as_of_option
    @output_option("table", "json", "csv")
    @page_options("entities")
    @handle_errors
    def command(
        entity: str,
        max_hops: int,
        as_of: dt.date | None,
        output: str,
        limit: int | None,
        offset: int,
    ) -> None:
        with open_graph() as graph:
            subject = resolve(graph, entity)
            upward = direction == "owners"
            total, shown = kept_holdings.ranked(
                graph, subject, upward, as_of_date(as_of), max_hops, limit, offset
            )
        if output == "table" and (limit is not None or offset):
            click.echo(f"{total} {direction}; {shown_range(offset, len(shown))} shown")
        rows = [h.as_dict() for h in shown]
        emit(output, rows, rows, HOLDING_COLUMNS)

    return command


main.command(
    "owners", help="Everyone who owns ENTITY, directly or indirectly, with effective shares."
)(_holdings_command("owners"))
main.command(
    "subsidiaries", help="Everything ENTITY owns, directly or indirectly, with effective shares."
)(_holdings_command("subsidiaries"))


# -- blocked ---------------------------------------------------------------------------------


@main.command("blocked")
@click.option(
    "--rule",
    type=click.Choice(sorted(sanctions.RULES)),
    default="ofac",
    show_default=True,
    help="ofac: 50 percent or more of shares; eu: more than 50 percent, or control.",
)
@click.option(
    "--authority", multiple=True, help="Count only these listing authorities (e.g. OFAC)."
)
@as_of_option
@output_option("table", "json", "csv")
@handle_errors
def blocked_command(
    rule: str, authority: tuple[str, ...], as_of: dt.date | None, output: str
) -> None:
    """Listed entities and those the 50 percent rule blocks, with the stakes that justify it."""
    with open_graph() as graph:
        found = sanctions.blocked_entities(graph, as_of_date(as_of), rule, authority)
        note_if_empty(graph, found)
    rows = [
        {
            **f.as_dict(),
            "because": "; ".join(
                f"{b['owner_name']} ({b['owner_status']}) {b['share'] if b['share'] is not None else _band(b)}%"
                if "owner" in b
                else f"{b['authority']} {b.get('program') or ''} {b.get('listed_on') or ''}".strip()
                for b in f.because
            ),
        }
        for f in found
    ]
    emit(
        output,
        [f.as_dict() for f in found],
        rows,
        ["id", "name", "status", "blocked_share_min", "blocked_share_max", "because"],
    )


def _band(stake: dict[str, Any]) -> str:
    low = stake["share_min"] if stake["share_min"] is not None else "?"
    high = stake["share_max"] if stake["share_max"] is not None else "?"
    return f"{low}-{high}"


# -- flags -----------------------------------------------------------------------------------


@main.command("flags")
@click.option(
    "--address-threshold",
    type=click.IntRange(2),
    default=3,
    show_default=True,
    help="Companies at one registered address.",
)
@click.option(
    "--officer-threshold",
    type=click.IntRange(2),
    default=3,
    show_default=True,
    help="Companies served by one officer.",
)
@click.option(
    "--days",
    type=click.IntRange(1),
    default=90,
    show_default=True,
    help="Window for new intermediaries and restructuring after a listing.",
)
@click.option("--watch-country", multiple=True, help="Watched countries (default RU).")
@click.option(
    "--secrecy",
    help="Comma-separated secrecy/transit jurisdictions "
    f"(default {','.join(flags.DEFAULT_SECRECY)}).",
)
@click.option(
    "--only", multiple=True, type=click.Choice(sorted(flags.DETECTORS)), help="Only these flags."
)
@as_of_option
@output_option("table", "json", "csv")
@click.option(
    "--summary",
    is_flag=True,
    help="Print how many flags of each kind there are instead of the flags.",
)
@page_options("flags")
@handle_errors
def flags_command(
    address_threshold: int,
    officer_threshold: int,
    days: int,
    watch_country: tuple[str, ...],
    secrecy: str | None,
    only: tuple[str, ...],
    as_of: dt.date | None,
    output: str,
    summary: bool,
    limit: int | None,
    offset: int,
) -> None:
    """Red flags: mass registration, nominee officers, cycles, hurried restructuring and more,
    sorted by flag, name and uid; --limit/--offset print one page, --summary how many of each
    kind."""
    settings = flags.FlagSettings(
        address_threshold=address_threshold,
        officer_threshold=officer_threshold,
        new_intermediary_days=days,
        restructuring_days=days,
        watched_countries=tuple(c.upper() for c in watch_country) or ("RU",),
        secrecy_jurisdictions=tuple(c.strip().upper() for c in secrecy.split(","))
        if secrecy
        else flags.DEFAULT_SECRECY,
    )
    with open_graph() as graph:
        found = flags.flag_page(
            graph, settings, as_of_date(as_of), only, 0 if summary else limit, offset
        )
        note_if_empty(graph, range(found.total))
    if summary:
        counts = [{"flag": flag, "count": n} for flag, n in found.counts.items()]
        emit(output, found.summary(), counts, ["flag", "count"])
        return
    if output == "table" and (limit is not None or offset):
        click.echo(f"{found.total} flags; {shown_range(offset, len(found.flags))} shown")
    rows = [f.as_dict() for f in found.flags]
    emit(output, rows, rows, ["id", "name", "flag", "detail"])


# -- connect ---------------------------------------------------------------------------------


@main.command("connect")
@click.argument("first")
@click.argument("second")
@max_hops_option(connections.DEFAULT_MAX_HOPS)
@click.option(
    "--hub-limit",
    type=click.IntRange(1),
    default=connections.DEFAULT_HUB_LIMIT,
    show_default=True,
    help="Do not walk through nodes with more links than this.",
)
@click.option("--include-hubs", is_flag=True, help="Walk through hubs too.")
@as_of_option
@output_option("table", "json")
@handle_errors
def connect_command(
    first: str,
    second: str,
    max_hops: int,
    hub_limit: int,
    include_hubs: bool,
    as_of: dt.date | None,
    output: str,
) -> None:
    """Shortest connections between two entities by ownership, officers or shared addresses."""
    with open_graph() as graph:
        a, b = resolve(graph, first), resolve(graph, second)
        found = connections.connect(
            graph, a.uid, b.uid, as_of_date(as_of), max_hops, None if include_hubs else hub_limit
        )
    rows = [{"hops": len(c.links), "connection": c.describe()} for c in found]
    emit(output, [c.as_dict() for c in found], rows, ["hops", "connection"])


# -- query -----------------------------------------------------------------------------------


def parse_param(text: str) -> tuple[str, Any]:
    """NAME=VALUE; VALUE is JSON when it parses as JSON, a date when YYYY-MM-DD, else text."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise click.BadParameter(f"{text!r} is not NAME=VALUE")
    try:
        parsed: Any = json.loads(value)
    except ValueError:
        parsed = value
    if isinstance(parsed, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", parsed):
        try:
            parsed = dt.date.fromisoformat(parsed)
        except ValueError as exc:
            raise click.BadParameter(f"{name}: {parsed} is not a real date") from exc
    return name.strip(), parsed


@main.command("query")
@click.argument("cypher_text", metavar="CYPHER")
@click.option("--param", "params", multiple=True, help="NAME=VALUE (JSON, YYYY-MM-DD or text).")
@click.option("--limit", type=click.IntRange(1), default=1000, show_default=True, help="Rows kept.")
@click.option(
    "--timeout",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds before it is stopped (Neo4j ends it; on the embedded server, which cannot, "
    "its connection is closed).",
)
@max_hops_option(DEFAULT_MAX_HOPS)
@as_of_option
@output_option("table", "json", "csv")
@handle_errors
def query_command(
    cypher_text: str,
    params: tuple[str, ...],
    limit: int,
    timeout: float,
    max_hops: int,
    as_of: dt.date | None,
    output: str,
) -> None:
    """Run a read-only Cypher query: ad hoc, or a named query of the library (see `queries`)."""
    named = cypher.LIBRARY.get(cypher_text)
    if named is None and re.fullmatch(r"\w+", cypher_text.strip()):
        raise ValueError(_no_query_named(cypher_text.strip()))
    if named is not None and named.write:
        raise NotReadOnly(f"refused: {named.name} is a write statement of the loader")
    text = named.render(max_hops) if named else cypher_text
    values: dict[str, Any] = dict(named.params) if named else {}
    if named and "as_of" in values:
        values["as_of"] = as_of_date(as_of)
    values.update(parse_param(p) for p in params)
    with open_graph() as graph:
        result = graph.run_read_only(text, values, limit=limit, timeout=timeout)
        note_if_empty(graph, result.rows)
    if result.truncated:
        click.echo(f"ownership: only the first {limit} rows are shown (--limit)", err=True)
    emit(output, result.rows, result.rows, result.columns)


def _no_query_named(name: str) -> str:
    """A bare word that is no query of the library is a typo, not Cypher to send."""
    near = closest(name, cypher.LIBRARY)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    return f"no named query {name!r}{hint} (see `ownership queries`)"


@main.command("queries")
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the library as a Neo4j Browser script to this file.",
)
@click.option("--show", "show_name", help="Print one query as a Neo4j Browser script.")
@output_option("table", "json")
@handle_errors
def queries_command(export_path: Path | None, show_name: str | None, output: str) -> None:
    """The named query library (every query the CLI and the explorer run)."""
    if export_path:
        export_path.write_text(cypher.library_script(), encoding="utf-8")
        click.echo(f"wrote {export_path}", err=True)
        return
    if show_name:
        if show_name not in cypher.LIBRARY:
            raise ValueError(_no_query_named(show_name))
        click.echo(cypher.browser_script(cypher.LIBRARY[show_name]))
        return
    rows = [
        {
            "name": q.name,
            "kind": "write" if q.write else "read",
            "params": ", ".join(q.params),
            "doc": q.doc,
        }
        for q in sorted(cypher.LIBRARY.values(), key=lambda q: q.name)
    ]
    emit(output, rows, rows, ["name", "kind", "params", "doc"])


# -- show ------------------------------------------------------------------------------------


@main.command("show")
@click.argument("entity")
@as_of_option
@output_option("table", "json")
@handle_errors
def show_command(entity: str, as_of: dt.date | None, output: str) -> None:
    """Everything known about ENTITY, and the source record behind every fact."""
    with open_graph() as graph:
        found = entity_profile(graph, resolve(graph, entity), as_of_date(as_of))
    document = {
        "entity": found.facts(),
        "records": found.records,
        "conflicts": {
            k: [{"record": uid, "value": v} for uid, v in values]
            for k, values in found.conflicts().items()
        },
        "sanctions": found.sanctions,
        "officers": found.officers,
        "roles": found.roles,
        "addresses": found.addresses,
        "owners": [h.as_dict() for h in found.owners],
        "subsidiaries": [h.as_dict() for h in found.subsidiaries],
        "flags": [f.as_dict() for f in found.flags],
        "rule_status": found.rule.as_dict() if found.rule else None,
        "possibly_same_as": [c.as_dict() for c in found.possibly_same],
        "sources_disagree": [
            {
                "owner": group[0].owner,
                "owned": group[0].owned,
                "text": statements.disagreement(group),
                "statements": [c.as_dict() for c in group],
            }
            for group in found.disagreements
        ],
        "merged_into": found.successors,
        "absorbed": found.predecessors,
    }
    if output == "json":
        click.echo(to_json(document))
        return
    facts = found.facts()
    click.echo(
        f"{facts.get('name')}  [{facts.get('kind')}, {facts.get('jurisdiction') or '?'}]  {found.uid}"
    )
    if found.rule:
        click.echo(f"  {found.rule.summary()}")
        for line in found.rule.lines():
            click.echo(f"    {line}")
    for key in (
        "registration_number",
        "incorporation_date",
        "dissolution_date",
        "address",
        "identifiers",
        "aliases",
        "tags",
        "operates_in",
    ):
        if facts.get(key):
            click.echo(f"  {key}: {cell(facts[key])}")
    click.echo("\nsources:")
    for record in found.records:
        click.echo(
            f"  {record.get('uid')}  {record.get('file') or ''}  imported {cell(record.get('imported_at'))}"
        )
    for key, values in found.conflicts().items():
        click.echo(f"  conflict on {key}: " + "; ".join(f"{uid}={cell(v)}" for uid, v in values))
    for item in document["sources_disagree"]:
        click.echo(f"  sources disagree: {item['text']}")
    for candidate in found.possibly_same:
        other = candidate.b
        click.echo(
            f"  possibly the same as: {other['name']} ({other['jurisdiction'] or '?'}) "
            f"{other['uid']}: {', '.join(candidate.evidence) or candidate.reason}"
            f" (decide with: ownership matches --accept|--reject {found.uid} {other['uid']})"
        )
    sections = [
        (
            "sanctions",
            found.sanctions,
            ["authority", "program", "listed_on", "delisted_on", "sources"],
        ),
        ("officers", found.officers, ["id", "name", "role", "start_date", "end_date", "sources"]),
        ("roles", found.roles, ["id", "name", "role", "start_date", "end_date", "sources"]),
        ("owners", document["owners"], HOLDING_COLUMNS),
        ("subsidiaries", document["subsidiaries"], HOLDING_COLUMNS),
        ("flags", document["flags"], ["flag", "detail"]),
        ("merged into", found.successors, SUCCESSION_COLUMNS),
        ("absorbed", found.predecessors, SUCCESSION_COLUMNS),
    ]
    for title, rows, columns in sections:
        if rows:
            click.echo(f"\n{title}:")
            click.echo(to_table(rows, columns))


# -- matches ---------------------------------------------------------------------------------


@main.command("matches")
@click.option(
    "--threshold",
    type=click.FloatRange(0.5, 1.0),
    default=matching.DEFAULT_THRESHOLD,
    show_default=True,
    help="Name similarity needed to propose a pair.",
)
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True)
@click.option(
    "--accept", nargs=2, metavar="A B", help="Accept: entities A and B are one (they are merged)."
)
@click.option(
    "--reject",
    nargs=2,
    metavar="A B",
    help="Reject: A and B are different; never propose them again.",
)
@click.option(
    "--accept-obvious",
    is_flag=True,
    help="Accept every obvious proposal (same name, same country or date of birth, a company "
    "in common), round after round: for a source that repeats another.",
)
@click.option("--note", help="Why (kept with the decision).")
@output_option("table", "json", "csv")
@handle_errors
def matches_command(
    threshold: float,
    limit: int,
    accept: tuple[str, str] | None,
    reject: tuple[str, str] | None,
    accept_obvious: bool,
    note: str | None,
    output: str,
) -> None:
    """Entities that may be the same by name (never merged without an analyst's decision).

    The obvious proposals come first (same name, same country or date of birth, linked to
    the same companies)."""
    with open_graph() as graph:
        if accept_obvious:
            accepted = matching.accept_obvious(graph, threshold)
            click.echo(f"accepted {accepted} obvious matches", err=True)
            return
        if accept or reject:
            verdict, pair = ("accept", accept) if accept else ("reject", reject)
            assert pair is not None
            a, b = resolve(graph, pair[0]), resolve(graph, pair[1])
            key = matching.decide(graph, a.uid, b.uid, verdict, note)
            click.echo(f"{verdict}ed {a.uid} and {b.uid} ({key})", err=True)
            return
        found = matching.candidates(graph, threshold, limit)
        note_if_empty(graph, found)
    rows = [c.as_dict() for c in found]
    table = [{**row, "evidence": ", ".join(row["evidence"])} for row in rows]
    emit(output, rows, table, ["score", "a", "a_name", "b", "b_name", "evidence", "reason"])


# -- history, diff ---------------------------------------------------------------------------

HISTORY_COLUMNS = [
    "direction",
    "id",
    "name",
    "jurisdiction",
    "share",
    "start_date",
    "end_date",
    "sources",
    "in_force",
]


@main.command("history")
@click.argument("entity")
@as_of_option
@output_option("table", "json", "csv")
@handle_errors
def history_command(entity: str, as_of: dt.datetime | None, output: str) -> None:
    """Every holding into and out of ENTITY over time, one line per period in which the
    holding was stated the same way (shares, dates, the sources that say so)."""
    with open_graph() as graph:
        found = history.history(graph, resolve(graph, entity))
    day = as_of_date(as_of)
    rows = [
        {
            **h.as_dict(),
            "share": h.stated.text(),
            "in_force": "yes" if h.in_force(day) else "",
        }
        for h in found
    ]
    emit(output, [h.as_dict() for h in found], rows, HISTORY_COLUMNS)


@main.command("diff")
@click.option("--from-date", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--to-date", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--from-country", help="Chains from companies registered here (with --to-country).")
@click.option("--to-country", help="Chains to entities registered or operating here.")
@click.option("--via-country", multiple=True, help="An inner entity must be registered here.")
@max_hops_option(DEFAULT_MAX_HOPS)
@output_option("table", "json")
@click.option(
    "--summary",
    is_flag=True,
    help="Print how many changes of each kind there are instead of the changes.",
)
@page_options("changes of each kind")
@handle_errors
def diff_command(
    from_date: dt.datetime,
    to_date: dt.datetime,
    from_country: str | None,
    to_country: str | None,
    via_country: tuple[str, ...],
    max_hops: int,
    output: str,
    summary: bool,
    limit: int | None,
    offset: int,
) -> None:
    """What changed between two dates: holdings started, ended or changed, chains new or gone
    (for a --from-country/--to-country question), entities newly or no longer blocked, red
    flags raised or cleared. Each list in a fixed order (the changes of holdings in the order
    they happened); --limit/--offset print one page of each, --summary only how many."""
    if bool(from_country) != bool(to_country):
        raise click.UsageError("--from-country and --to-country go together")
    if via_country and not from_country:
        raise click.UsageError("--via-country needs --from-country and --to-country")
    question = (
        Question(
            from_country.upper(),
            to_country.upper(),
            tuple(c.upper() for c in via_country),
            max_hops,
        )
        if from_country and to_country
        else None
    )
    with open_graph() as graph:
        found = history.compare_dates(
            graph, from_date.date(), to_date.date(), question, 0 if summary else limit, offset
        )
    if output == "json":
        click.echo(to_json(found.summary() if summary else found.as_dict()))
        return
    click.echo(diff_text(found, summary))


def shown_range(offset: int, count: int) -> str:
    """Which items of a list a page shows: '51–100', or 'none'."""
    return f"{offset + 1}–{offset + count}" if count else "none"


def flag_text(flag: dict[str, Any]) -> str:
    """'Lion Gate Ventures (sg-shell-01): shared address: 6 companies at …'."""
    return f"{flag['name']} ({flag['id']}): {flag['flag']}: {flag['detail']}"


def diff_text(found: history.Comparison, summary: bool = False) -> str:
    """A comparison for a terminal: one titled list per kind of change, with how many there
    are (and which of them are shown, for a page); only the counts with ``summary``."""
    lines = [f"changes from {found.from_date} to {found.to_date}"]
    sections: list[tuple[str, str, list[str]]] = [
        ("holdings started", "holdings_started", [h.text() for h in found.holdings_started]),
        ("holdings ended", "holdings_ended", [h.text() for h in found.holdings_ended]),
        ("holdings changed", "holdings_changed", [h.text() for h in found.holdings_changed]),
    ]
    if found.question:
        sections += [
            ("chains new", "chains_new", [chain_text(c) for c in found.chains_new]),
            ("chains gone", "chains_gone", [chain_text(c) for c in found.chains_gone]),
        ]
    sections += [
        ("newly blocked", "newly_blocked", [entity_text(f) for f in found.newly_blocked]),
        (
            "no longer blocked",
            "no_longer_blocked",
            [entity_text(f) for f in found.no_longer_blocked],
        ),
        ("red flags raised", "flags_raised", [flag_text(f) for f in found.flags_raised]),
        ("red flags cleared", "flags_cleared", [flag_text(f) for f in found.flags_cleared]),
    ]
    for title, name, items in sections:
        count = found.counts[name]
        shown = ""
        if not summary and len(items) < count:
            shown = f" ({found.offset + 1}–{found.offset + len(items)} shown)" if items else ""
            shown = shown or " (none of them shown)"
        lines.append(f"\n{title}: {count}{shown}")
        if not summary:
            lines.extend(f"  {item}" for item in items)
    return "\n".join(lines)


# -- report ----------------------------------------------------------------------------------


@main.command("report")
@click.argument("entity")
@as_of_option
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The HTML file to write.",
)
@handle_errors
def report_command(entity: str, as_of: dt.datetime | None, out: Path) -> None:
    """Write one self-contained HTML report on ENTITY (question, date, answer, pictures,
    justifications, every source record), printable and readable offline."""
    from ownership.explorer.report import report_html  # pandas and pyvis: only when asked

    with open_graph() as graph:
        page = report_html(graph, resolve(graph, entity), as_of_date(as_of))
    out.write_text(page, encoding="utf-8")
    click.echo(f"wrote {out}", err=True)


# -- gaps ------------------------------------------------------------------------------------


@main.command("gaps")
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Every company, not only those no natural person reaches.",
)
@as_of_option
@output_option("table", "json", "csv")
@click.option("--summary", is_flag=True, help="Print how many companies there are instead of them.")
@page_options("companies")
@handle_errors
def gaps_command(
    show_all: bool,
    as_of: dt.datetime | None,
    output: str,
    summary: bool,
    limit: int | None,
    offset: int,
) -> None:
    """Companies with no ultimate owner found (no natural person reaches them), with how much
    of each its known direct owners account for; largest unaccounted share first, then name;
    --limit/--offset print one page, --summary how many there are."""
    with open_graph() as graph:
        found = gaps.gap_page(
            graph,
            as_of_date(as_of),
            None if show_all else False,
            0 if summary else limit,
            offset,
        )
    if summary:
        emit(output, found.summary(), [found.summary()], ["as_of", "total"])
        return
    if output == "table" and (limit is not None or offset):
        click.echo(f"{found.total} companies; {shown_range(offset, len(found.gaps))} shown")
    rows = [c.as_dict() for c in found.gaps]
    emit(
        output,
        rows,
        rows,
        [
            "id",
            "name",
            "jurisdiction",
            "known_min",
            "known_max",
            "unaccounted_max",
            "direct_owners",
            "person_reached",
        ],
    )
