"""``ownership refresh`` and ``ownership runs`` (registered in :mod:`ownership.cli`).

Failures go through :mod:`ownership.commandline` like every other command: a one-line reason
on stderr and exit status 1.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from ownership.commandline import REPO_ROOT, fail, handle_errors
from ownership.config import Settings
from ownership.graph import Graph
from ownership.output import to_json, to_table
from ownership.refresh.ledger import load_reports
from ownership.refresh.report import SUMMARY_COLUMNS, RunReport, render_text, summary_row
from ownership.refresh.runner import run_refresh
from ownership.refresh.schedule import Scheduler, format_duration, parse_duration, stop_on_signals
from ownership.refresh.sources import RefreshConfig, SourcesFileError, load_config

DEFAULT_SOURCES = Path("seed") / "sources.toml"
LOG_FORMAT = "%(asctime)s ownership refresh %(levelname)s %(message)s"


def _sources_file(path: Path) -> Path:
    """The default ``seed/sources.toml`` is looked for here, then beside the package."""
    if path == DEFAULT_SOURCES and not path.exists() and (REPO_ROOT / path).is_file():
        return REPO_ROOT / path
    return path


class _Logging:
    """Log lines of ``ownership.refresh`` on (the current) stderr for the command's duration."""

    def __init__(self, level: int) -> None:
        self.logger = logging.getLogger("ownership.refresh")
        self.handler = logging.StreamHandler(sys.stderr)
        self.handler.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%S"))
        self.level = level

    def __enter__(self) -> None:
        self.saved = (self.logger.level, self.logger.propagate)
        self.logger.addHandler(self.handler)
        self.logger.setLevel(self.level)
        self.logger.propagate = False

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self.saved[0])
        self.logger.propagate = self.saved[1]


def _print_report(report: RunReport, output: str, compact: bool) -> None:
    document = report.as_dict()
    if output == "json":
        text = (
            json.dumps(document, ensure_ascii=False, default=str) if compact else to_json(document)
        )
        click.echo(text)
    else:
        click.echo(render_text(document) + ("\n" if compact else ""))
    sys.stdout.flush()


def _failure_reason(report: RunReport) -> str:
    failed = report.failed_sources
    first = f"{failed[0].name}: {failed[0].error}"
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return f"{len(failed)} of {len(report.sources)} sources failed: {first}{more}"


@click.command("refresh")
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"The sources file (TOML: [[source]] and [[watch]] tables); default {DEFAULT_SOURCES} "
    "on the embedded server; required with NEO4J_URI.",
)
@click.option(
    "--every", metavar="DURATION", help="Run forever, every DURATION (30s, 15m, 6h, 1d) ± 10 %."
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format (with --every, json prints one line per run).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Log progress on stderr (always on with --every)."
)
@handle_errors
def refresh_command(
    sources_file: Path | None, every: str | None, output: str, verbose: bool
) -> None:
    """Import every source of the sources file, retire what they no longer contain, report changes.

    Exits non-zero when any source failed (the others are still imported) or another refresh
    is running.
    """
    settings = Settings.from_env()
    if sources_file is None:
        if not settings.embedded:  # contract section 4: the fictional seed never lands by accident
            raise click.UsageError(
                "--sources is required when NEO4J_URI is set (the default is the fictional "
                f"seed, {DEFAULT_SOURCES})"
            )
        sources_file = DEFAULT_SOURCES
    sources_file = _sources_file(sources_file)

    def open_graph() -> Graph:
        return Graph.open(settings)

    if every is None:
        config = load_config(sources_file)
        with _Logging(logging.INFO if verbose else logging.CRITICAL):
            report = run_refresh(config, settings.home, open_graph)
        _print_report(report, output, compact=False)
        if report.failed_sources:
            fail(_failure_reason(report))
        return

    try:
        interval = parse_duration(every)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--every") from None
    load_config(sources_file)  # a broken file is an error now, not at the first run

    def run_once() -> None:
        try:
            config: RefreshConfig = load_config(sources_file)  # edits apply at the next run
        except SourcesFileError as exc:
            logging.getLogger("ownership.refresh").error("%s", exc)
            return
        report = run_refresh(config, settings.home, open_graph)
        _print_report(report, output, compact=True)

    with _Logging(logging.INFO):
        scheduler = Scheduler(run_once, interval)
        logging.getLogger("ownership.refresh").info(
            "refreshing %s every %s (± 10 %%); OWNERSHIP_HOME %s",
            sources_file,
            format_duration(interval),
            settings.home,
        )
        with stop_on_signals(scheduler.stop):
            scheduler.run()


@click.command("runs")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="Runs shown.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format (json: the full reports).",
)
@handle_errors
def runs_command(limit: int, output: str) -> None:
    """The refresh runs recorded in OWNERSHIP_HOME, newest first."""
    reports = load_reports(Settings.from_env().home, limit)
    if output == "json":
        click.echo(to_json(reports))
    else:
        click.echo(to_table([summary_row(r) for r in reports], SUMMARY_COLUMNS))
