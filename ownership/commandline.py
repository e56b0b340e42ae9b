"""The command line's shared plumbing: one-line failures, common options, output.

Every ``ownership`` command (in :mod:`ownership.cli` and :mod:`ownership.refresh.command`) fails
the same way — exit 1 and a one-line reason on stderr, never a traceback — and renders through
:func:`emit`, so ``--format json`` always prints exactly one document.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence, Sized
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from ownership import clock
from ownership.analysis.entities import AmbiguousEntity, EntityNotFound
from ownership.analysis.stats import EMPTY_GRAPH, is_empty
from ownership.config import ConfigError, Settings
from ownership.cypher import MAX_HOPS_LIMIT
from ownership.embedded import EmbeddedServerError
from ownership.graph import Graph, GraphUnavailable, QueryFailed
from ownership.locks import Busy
from ownership.output import to_csv, to_json, to_table
from ownership.problems import InvalidData
from ownership.readonly import NotReadOnly
from ownership.refresh.lock import RefreshLocked
from ownership.sources import UnknownFormat

F = TypeVar("F", bound=Callable[..., Any])
EXPECTED_ERRORS = (
    Busy,
    RefreshLocked,
    ConfigError,
    EntityNotFound,
    AmbiguousEntity,
    NotReadOnly,
    EmbeddedServerError,
    GraphUnavailable,
    QueryFailed,
    UnknownFormat,
    ValueError,
    OSError,
)
REPO_ROOT = Path(__file__).resolve().parent.parent


def fail(message: str, details: str | None = None, status: int = 1) -> NoReturn:
    """Exit ``status`` with a one-line reason (details, if any, on the lines after it)."""
    click.echo(f"ownership: error: {message}", err=True)
    if details:
        click.echo(details, err=True)
    sys.exit(status)


class OneLineGroup(click.Group):
    """Click's usage errors (a bad option value, a missing argument) in the project's one line,
    ``ownership: error: …``, instead of click's usage block; exit status 2 as click's."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            outcome = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "ownership"
            fail(f"{exc.format_message()} (see `{where} --help`)", status=2)
        except click.ClickException as exc:
            fail(exc.format_message(), status=exc.exit_code)
        except click.Abort:
            fail("interrupted", status=130)
        sys.exit(outcome if isinstance(outcome, int) else 0)


def _quiet_broken_pipe() -> NoReturn:
    """The reader of our output went away (``ownership show X | head``): not an error to report.

    Exit as a process killed by SIGPIPE would (141), and point stdout at /dev/null so that the
    interpreter's final flush does not complain either.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(128 + signal.SIGPIPE)


def handle_errors(command: F) -> F:
    """Turn the project's expected failures into a one-line message and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            outcome = command(*args, **kwargs)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
            return outcome
        except BrokenPipeError:
            _quiet_broken_pipe()
        except InvalidData as exc:
            fail(exc.summary(), exc.report())
        except EXPECTED_ERRORS as exc:
            fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, _rest(exc))

    return wrapper  # type: ignore[return-value]


def _rest(exc: Exception) -> str | None:
    lines = str(exc).splitlines()
    return "\n".join(lines[1:]) or None


@contextmanager
def open_graph() -> Iterator[Graph]:
    """The graph of the environment's settings, closed after the block."""
    graph = Graph.open(Settings.from_env())
    try:
        yield graph
    finally:
        graph.close()


class DateParam(click.ParamType):
    """A calendar date written YYYY-MM-DD; anything else is "… is not a date", in one line."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        try:
            if len(text) != 10:
                raise ValueError(text)
            return dt.date.fromisoformat(text)
        except ValueError:
            self.fail(f"{text} is not a date (YYYY-MM-DD)", param, ctx)


def note_if_empty(graph: Graph, found: Sized) -> None:
    """Say on stderr that an empty answer comes from an empty graph (nothing imported, or a
    mistyped ``OWNERSHIP_HOME``); the answer itself (``[]``, "(no results)") stays as it is."""
    if len(found) == 0 and is_empty(graph):
        settings = Settings.from_env()
        where = (
            f"OWNERSHIP_HOME={settings.home}" if settings.embedded else f"NEO4J_URI={settings.uri}"
        )
        click.echo(f"ownership: note: {EMPTY_GRAPH} ({where})", err=True)


def as_of_option(command: F) -> F:
    return click.option(
        "--as-of",
        type=DateParam(),
        default=None,
        help="Date the question is asked for, YYYY-MM-DD (default: today).",
    )(command)


def output_option(*choices: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "output",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


def max_hops_option(default: int) -> Callable[[F], F]:
    return click.option(
        "--max-hops",
        type=click.IntRange(1, MAX_HOPS_LIMIT),
        default=default,
        show_default=True,
        help="Longest chain followed.",
    )


class LazyChoice(click.Choice):
    """A choice whose values are looked up when the option is parsed or its command's help is
    shown, not when the command line is built (the list may need costly imports)."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load
        self._choices: tuple[str, ...] | None = None
        self.case_sensitive = True

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        if self._choices is None:
            self._choices = tuple(self._load())
        return self._choices


def page_options(what: str) -> Callable[[F], F]:
    """``--limit N [--offset K]``: one page of the command's fixed order."""

    def decorate(command: F) -> F:
        command = click.option(
            "--offset",
            type=click.IntRange(min=0),
            default=0,
            show_default=True,
            help=f"Skip this many {what} of the fixed order first.",
        )(command)
        return click.option(
            "--limit",
            type=click.IntRange(min=0),
            default=None,
            help=f"Print only this many {what} (default: all).",
        )(command)

    return decorate


@contextmanager
def progress_bar(
    label: str, enabled: bool = True, min_total: int = 0
) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a bar on stderr when it is a terminal (and
    the total reaches ``min_total``); silent otherwise, so pipes and scripts see nothing."""
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and enabled and sys.stderr.isatty() and total >= min_total:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def as_of_date(value: dt.date | None) -> dt.date:
    """The date of an ``--as-of`` option; today when it was not given."""
    return value or clock.today()


def emit(output: str, document: Any, rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Print ``document`` as JSON, or ``rows`` as a table or CSV."""
    if output == "json":
        click.echo(to_json(document))
    elif output == "csv":
        click.echo(to_csv(rows, columns), nl=False)
    else:
        click.echo(to_table(rows, columns))
