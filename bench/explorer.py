"""Time to first content of every explorer page, in headless Chromium, on an imported graph.

```sh
cp -a /work/data/home-100k /tmp/me/home      # a copy: the explorer writes into its home
python -m bench.explorer --home /tmp/me/home --label 100k --shots /tmp/me/shots
```

It starts ``ownership app`` on ``--home`` (embedded server; with ``NEO4J_URI`` set, that
server), then opens each page in a new browser (nothing cached: the explorer's scripts are
fetched too; a new Streamlit session, the explorer's first run of that page) and once more in
another tab of that browser (another new session; the server's caches are warm then). It
measures from ``goto`` to the sidebar's title (the floor of every page: Streamlit's scripts,
the session, the run up to the page's own work), to the page's first content (``pages``: the
element that carries its answer) and to the end of its run (what it draws last is there and
Streamlit's "running" indicator is gone). The report is a file download: from the click on
"Report" on a loaded profile to the file. Each figure carries the load average at its start;
the run writes a JSON file and prints a Markdown table (``render``). The target of issue 16
is 2 s of first content per page at 100k.

Before the explorer, the same is measured on ``bench/floor_app.py`` served by plain Streamlit (a
title and a table of 50 rows, no work): Streamlit's own share of every page on this machine.

Subjects: the largest group's head (``ownership.analysis.landing``: the landing page's first
"largest group") for the profile, its history and its report.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parent.parent
TARGET_S = 2.0
PAGE_CAP_MS = 180_000  # a page that takes longer is reported as not measured


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


@dataclass(frozen=True)
class Page:
    """One explorer page: its path, what to do once it is open (a tab to click), and the
    selector of its first content."""

    name: str
    path: str
    first: str  # a Playwright selector: the element that carries the page's answer
    last: str = "text=Link to this view"  # what the page draws last (most: the share box)
    # a chain question (from, to) whose kept answer and reach are dropped before the page is
    # first visited: the first question into a country nobody has asked about yet
    unasked: tuple[str, str] | None = None


HISTORY_PICTURE = "[data-testid=\"stMain\"] svg:has-text('as of')"  # the history's timeline


def pages(head: str) -> list[Page]:
    """Every view of the explorer (issue 16: none over 2 s at 100k), the profile and its history
    for the group head ``head`` (a uid)."""
    entity = quote(head, safe="")
    main = '[data-testid="stMain"]'
    return [
        Page(
            "landing",
            "/",
            f'{main} [data-testid="stDataFrame"] >> nth=1',
            last="text=Watched chains",
        ),
        Page(
            "chain finder JP → RU",
            "/?view=chains&from=JP&to=RU",
            f"{main} h3:has-text('JP → RU on')",
        ),
        Page(
            "chain finder JP → HK, asked for the first time",
            "/?view=chains&from=JP&to=HK",
            f"{main} h3:has-text('JP → HK on')",
            unasked=("JP", "HK"),
        ),
        Page(  # its first content: the verdicts above the sections, then the Overview
            "profile of the largest group's head",
            f"/?entity={entity}",
            f"{main} h3:has-text('Identity')",
        ),
        Page("red flags", "/?view=flags", f'{main} [data-testid="stDataFrame"]'),
        Page("ownership gaps", "/?view=gaps", f'{main} [data-testid="stDataFrame"]'),
        Page(
            "compare 2022-03-01 → 2022-07-01",
            "/?view=compare&from_date=2022-03-01&to_date=2022-07-01",
            f'{main} [data-testid="stMetric"]',
        ),
        Page(  # the link to the profile's History section (the share box's link)
            "history of the group's head",
            f"/?entity={entity}&section=history",
            HISTORY_PICTURE,
        ),
        Page(  # a name fragment that fills the first page of results
            "search 'holdings'",
            "/?view=search&q=holdings",
            f'{main} [data-testid="stDataFrame"]',
            last=f'{main} [data-testid="stDataFrame"]',  # no share box: the run's end is the mark
        ),
        Page("50% rule", "/?view=blocked", f'{main} [data-testid="stMetric"]'),
        Page(
            "what the graph holds",
            "/?view=overview",
            f'{main} [data-testid="stMetric"]',
            last="text=Connected to the",
        ),
        Page(
            "changes",
            "/?view=changes",
            f'{main} [data-testid="stDataFrame"], {main} [data-testid="stAlert"]',
            last=f"{main} h2",
        ),
        Page("Cypher console", "/?view=console", f"{main} textarea"),
    ]


FLOOR = Page(  # bench/floor_app.py, served by plain Streamlit
    "Streamlit's floor: a title and a 50-row table, no work",
    "/",
    '[data-testid="stMain"] [data-testid="stDataFrame"]',
    last='[data-testid="stMain"] [data-testid="stDataFrame"]',
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _served(command: Callable[[int], list[str]], env: dict[str, str]) -> Iterator[str]:
    """A Streamlit server run by ``command(port)``, stopped with its children."""
    port = _free_port()
    process = subprocess.Popen(
        command(port),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(command(port))} did not start")
            time.sleep(0.3)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def explorer(home: Path) -> contextlib.AbstractContextManager[str]:
    """``ownership app`` on ``home``, stopped (with its streamlit child) afterwards."""
    env = {**os.environ, "OWNERSHIP_HOME": str(home)}
    env.pop("OWNERSHIP_BROWSER_URL", None)  # no Neo4j Browser links to a server of the caller
    return _served(
        lambda port: [
            *(sys.executable, "-m", "ownership", "app"),
            *("--port", str(port), "--address", "127.0.0.1"),
        ],
        env,
    )


def floor() -> contextlib.AbstractContextManager[str]:
    """Streamlit serving ``bench/floor_app.py``: Streamlit's own share of every page."""
    return _served(
        lambda port: [
            *(sys.executable, "-m", "streamlit", "run", str(REPO / "bench" / "floor_app.py")),
            *("--server.port", str(port), "--server.address", "127.0.0.1"),
            *("--server.headless", "true", "--browser.gatherUsageStats", "false"),
        ],
        dict(os.environ),
    )


def group_head(home: Path) -> dict[str, Any]:
    """The landing page's largest group today: its head's uid, name and direct holdings."""
    os.environ["OWNERSHIP_HOME"] = str(home)
    from ownership import clock
    from ownership.analysis.landing import landing
    from ownership.graph import Graph

    graph = Graph.open()
    try:
        return dict(landing(graph, clock.today()).groups[0])
    finally:
        graph.close()


def forget_question(home: Path, from_country: str, to_country: str) -> None:
    """Drop today's kept answer to the chain question ``from_country`` → ``to_country`` (6
    hops, no via) and its target's kept reach: the next ask is a first one."""
    os.environ["OWNERSHIP_HOME"] = str(home)
    from ownership import clock
    from ownership.analysis import kept_chains, kept_reach, maintained
    from ownership.graph import Graph

    question = kept_chains.Question(from_country, to_country, (), 6, clock.today())
    graph = Graph.open()
    try:
        maintained.forget(graph, kept_chains.KIND, question.key)
        maintained.forget(graph, kept_reach.KIND, kept_reach.key(to_country, clock.today(), 6))
    finally:
        graph.close()


def _running_done(tab: Any) -> None:
    """Streamlit's run finished: no "running" indicator for a moment."""
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=PAGE_CAP_MS
    )


def _timed(
    open_page: Callable[[], None], first: Callable[[], None], last: Callable[[], None], tab: Any
) -> dict[str, Any]:
    load = load_average()
    started = time.monotonic()
    try:
        open_page()
        shell_s = time.monotonic() - started
        first()
        first_s = time.monotonic() - started
        last()
        _running_done(tab)
        done_s = time.monotonic() - started
    except Exception as exc:  # noqa: BLE001 - a page that fails is reported, the rest goes on
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}", "load": load}
    return {
        "shell_s": round(shell_s, 2),
        "first_s": round(first_s, 2),
        "done_s": round(done_s, 2),
        "load": load,
    }


def measure_page(context: Any, base: str, page: Page, shots: Path | None, run: str) -> dict:
    tab = context.new_page()
    tab.set_default_timeout(PAGE_CAP_MS)

    def open_page() -> None:
        """Until the explorer's own first element, the sidebar's title: the floor of every
        page (Streamlit's scripts, the session, the run up to the page's own work)."""
        tab.goto(base + page.path)
        tab.get_by_role("heading", name="Ownership explorer").wait_for()

    found = _timed(
        open_page,
        lambda: tab.locator(page.first).first.wait_for(),
        lambda: tab.locator(page.last).first.wait_for(state="attached"),
        tab,
    )
    if shots is not None:
        tab.screenshot(path=str(shots / f"{_slug(page.name)}-{run}.png"))
    tab.close()
    return found


def _loaded_profile(context: Any, base: str, head: str) -> Any:
    """A new tab on the profile of ``head``, its run finished."""
    tab = context.new_page()
    tab.set_default_timeout(PAGE_CAP_MS)
    tab.goto(base + f"/?entity={quote(head, safe='')}")
    tab.get_by_role("button", name="Report").wait_for()
    tab.get_by_text("Link to this view").wait_for(state="attached")
    _running_done(tab)
    return tab


def measure_history_click(context: Any, base: str, head: str, shots: Path | None) -> dict:
    """From the click on the History tab (the profile loaded) to its picture: the section's
    own run, which the link (``section=history``) measures together with the page's."""
    tab = _loaded_profile(context, base, head)
    found = _timed(
        lambda: tab.get_by_role("tab", name="History").click(),
        lambda: tab.locator(HISTORY_PICTURE).first.wait_for(),
        lambda: tab.get_by_text("Link to this view").first.wait_for(state="attached"),
        tab,
    )
    if shots is not None:
        tab.screenshot(path=str(shots / "history-click.png"))
    tab.close()
    return found


def measure_report(context: Any, base: str, head: str, shots: Path | None) -> dict[str, Any]:
    """From the click on "Report" (the profile loaded) to the downloaded file."""
    tab = _loaded_profile(context, base, head)
    load = load_average()
    started = time.monotonic()
    try:
        with tab.expect_download(timeout=PAGE_CAP_MS) as info:
            tab.get_by_role("button", name="Report").click()
        size = len(Path(info.value.path()).read_bytes())
    except Exception as exc:  # noqa: BLE001
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}", "load": load}
    found = {"first_s": round(time.monotonic() - started, 2), "load": load, "bytes": size}
    if shots is not None:
        tab.screenshot(path=str(shots / "report-button.png"))
    tab.close()
    return found


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def measure(
    home: Path,
    shots: Path | None = None,
    log: Callable[[str], None] = print,
    only: tuple[str, ...] = (),
) -> dict:
    """Every page (or those whose names contain one of ``only``), in a new browser and in
    another tab of it (warm caches), then the report."""
    from playwright.sync_api import sync_playwright

    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    head = group_head(home)
    log(f"group head: {head}")
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "home": str(home),
        "head": head,
        "load_start": load_average(),
        "pages": [],
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        with floor() as base:
            _both(browser, base, FLOOR, None, lambda _: None)  # Chromium's own first start
            if not only or "floor" in only:
                result["pages"].append(_both(browser, base, FLOOR, shots, log))
        with explorer(home) as base:
            for page in pages(head["uid"]):
                if not only or any(word in page.name for word in only):
                    if page.unasked:
                        forget_question(home, *page.unasked)
                    result["pages"].append(_both(browser, base, page, shots, log))
            if not only or "history" in only:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                click = {"page": "History tab (click → picture)", "path": "History tab"}
                click["again"] = measure_history_click(context, base, head["uid"], shots)
                log(f"history click: {click['again']}")
                result["pages"].append(click)
                context.close()
            if not only or "report" in only:
                context = browser.new_context(
                    viewport={"width": 1280, "height": 800}, accept_downloads=True
                )
                report = {"page": "report (click → file)", "path": "Report button on the profile"}
                report["again"] = measure_report(context, base, head["uid"], shots)
                log(f"report: {report['again']}")
                result["pages"].append(report)
                context.close()
        browser.close()
    result["load_end"] = load_average()
    return result


def _both(browser: Any, base: str, page: Page, shots: Path | None, log: Callable) -> dict:
    """``page`` in a browser that has not seen the server (its scripts not cached), then in
    another tab of it: a new Streamlit session each time, the server's caches warm the second."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    row: dict[str, Any] = {"page": page.name, "path": page.path}
    for run in ("new", "again"):
        row[run] = measure_page(context, base, page, shots, run)
        log(f"{page.name} [{run}]: {row[run]}")
    context.close()
    return row


def _cell(found: dict[str, Any] | None, key: str = "first_s") -> str:
    if not found:
        return "—"
    if "error" in found:
        return f"not measured ({found['error'][:60]})"
    value = found.get(key)
    if value is None:
        return "—"
    mark = " ✗" if key == "first_s" and value > TARGET_S else ""
    return f"{value:.1f} s{mark} [{found['load']:.0f}]"


def render(result: dict[str, Any]) -> str:
    """The figures as a Markdown table (load average at each measurement in brackets)."""
    lines = [
        f"Explorer pages in headless Chromium, {result['date']}, load {result['load_start']} → "
        f"{result['load_end']}; group head {result['head'].get('name')} "
        f"({result['head'].get('uid')}):",
        "",
        "| page | new browser: sidebar | first content | run done | another tab: sidebar | "
        "first content | run done |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result["pages"]:
        cells = [
            _cell(row.get(run), key)
            for run in ("new", "again")
            for key in ("shell_s", "first_s", "done_s")
        ]
        lines.append(f"| {row['page']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.explorer", description=__doc__)
    parser.add_argument("--home", type=Path, required=True, help="OWNERSHIP_HOME (a copy)")
    parser.add_argument("--label", default="100k", help="names the JSON result (bench/out/)")
    parser.add_argument("--shots", type=Path, default=None, help="folder for screenshots")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument(
        "--pages",
        default="",
        help="only the pages whose names contain one of these, and 'report' and 'floor'",
    )
    args = parser.parse_args(argv)
    only = tuple(w.strip() for w in args.pages.split(",") if w.strip())
    result = measure(
        args.home, args.shots, log=lambda m: print(m, file=sys.stderr, flush=True), only=only
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"explorer-{args.label}.json").write_text(json.dumps(result, indent=2))
    print(render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
