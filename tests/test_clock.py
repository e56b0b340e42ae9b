"""``OWNERSHIP_TODAY`` fixes the day every command takes as today (:mod:`ownership.clock`).

A run that crosses midnight must keep asking about one day: the suite's own refresh tests kept
answers for one day and looked for them under the next when CI ran across midnight.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ownership import clock
from ownership.analysis import upkeep
from ownership.cli import main
from ownership.config import ConfigError
from ownership.loader import import_paths

SEED = Path(__file__).resolve().parent.parent / "seed" / "registry"
STORY = ("chains", "--from-country", "JP", "--to-country", "RU", "--via-country", "SG")


def test_today_is_the_pinned_day_or_the_machines(monkeypatch):
    monkeypatch.setenv(clock.TODAY_VARIABLE, "2022-07-01")
    assert clock.today() == dt.date(2022, 7, 1)
    monkeypatch.delenv(clock.TODAY_VARIABLE)
    assert clock.today() in {dt.date.today(), dt.date.today() - dt.timedelta(days=1)}
    assert clock.now().tzinfo is dt.UTC and clock.now().microsecond == 0


@pytest.mark.parametrize("value", ["2022-02-30", "yesterday", "01/07/2022"])
def test_a_pinned_day_that_is_not_a_date_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv(clock.TODAY_VARIABLE, value)
    with pytest.raises(ConfigError, match=f"OWNERSHIP_TODAY={value} is not a date"):
        clock.today()


def test_the_pinned_day_is_every_commands_default_as_of(graph, cli_env):
    """On the seed the JP → RU chains through Singapore are other chains in March and in July
    2022 (the shell appears, a miner exits); with the day pinned, a question without ``--as-of``
    is asked for that day."""
    import_paths(graph, [SEED], "seed-registry")
    runner = CliRunner()

    def chains(today: str, *args: str) -> list[dict]:
        env = {**cli_env, clock.TODAY_VARIABLE: today}
        result = runner.invoke(main, [*STORY, "--format", "json", *args], env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    march = chains("2022-03-01")
    july = chains("2022-07-01")
    assert march and july and march != july
    assert march == chains("2030-01-01", "--as-of", "2022-03-01")
    assert july == chains("2030-01-01", "--as-of", "2022-07-01")
    refused = runner.invoke(main, list(STORY), env={**cli_env, clock.TODAY_VARIABLE: "2022-13-01"})
    assert refused.exit_code != 0
    assert refused.stderr.strip().splitlines() == [
        "ownership: error: OWNERSHIP_TODAY=2022-13-01 is not a date: write it as YYYY-MM-DD, "
        "or unset it"
    ]


def test_answers_are_kept_for_the_pinned_day(graph, monkeypatch):
    """What an import keeps is kept for the run's today, and found current for it the next
    time, whatever the machine's date has become meanwhile."""
    import_paths(graph, [SEED], "seed-registry")
    monkeypatch.setenv(clock.TODAY_VARIABLE, "2022-07-01")
    upkeep.maintain(graph)
    assert upkeep.not_current_because(graph, dt.date(2022, 7, 1)) is None
    assert "kept for 2022-07-01, not for" in (
        upkeep.not_current_because(graph, dt.date(2022, 7, 2)) or ""
    )
