"""End to end in headless Chromium: ``ownership app`` on the seed scenario (plus one company with
a hostile name), deep links, search, the graph, and no request leaving the machine.

Screenshots go to each test's tmp_path; their paths are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import (
    ENTITY_HEADER,
    OWNERSHIP_HEADER,
    REPO,
    SANCTION_HEADER,
    company,
    owns,
    write_csv,
)

from bench.explorer import explorer
from ownership.loader import import_paths

CHROMIUM = Path("/usr/bin/chromium")
XSS = '<img src=x onerror="window.__xss=1">'
NO_XSS = "() => typeof window.__xss === 'undefined'"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module", autouse=True)
def _playwright_available():
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def seeded(session_graph, tmp_path_factory):
    """The session's graph emptied, the seed imported, and a company named like an attack."""
    session_graph.empty()
    import_paths(session_graph, [REPO / "seed" / "registry"], "seed-registry", "csv")
    folder = tmp_path_factory.mktemp("xss") / "registry"
    folder.mkdir()
    write_csv(
        folder / "entities.csv",
        ENTITY_HEADER,
        [
            company("xss-1", "JP", name=XSS, aliases="<script>window.__xss=2</script>"),
            company("xss-2", "RU", name='"><svg onload="window.__xss=3"> & Co', tags="<b>bold</b>"),
        ],
    )
    write_csv(folder / "ownership.csv", OWNERSHIP_HEADER, [owns("xss-1", "xss-2", 75)])
    write_csv(
        folder / "sanctions.csv",
        SANCTION_HEADER,
        [
            {
                "entity_id": "xss-1",
                "authority": "OFAC",
                "program": "<i>PROG</i>",
                "listed_on": "2022-01-01",
            }
        ],
    )
    import_paths(session_graph, [folder], "xss-test", "csv")
    yield session_graph
    session_graph.empty()


@pytest.fixture(scope="module")
def server(seeded, settings) -> Iterator[str]:
    with explorer(settings.home) as base:  # `ownership app`, as the bench of the pages runs it
        yield base


@pytest.fixture(scope="module")
def browser_context():
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(
            viewport={"width": 1440, "height": 1300}, accept_downloads=True
        )
        context.on("request", lambda request: requests.append(request.url))
        yield context, requests
        context.close()
        browser.close()
    outside = [
        u
        for u in requests
        if urlparse(u).scheme in ("http", "https", "ws", "wss")
        and urlparse(u).hostname not in LOOPBACK
    ]
    assert not outside, f"requests left the machine: {outside[:10]}"


@pytest.fixture()
def page(browser_context, server):
    context, _ = browser_context
    tab = context.new_page()
    tab.base = server  # type: ignore[attr-defined]
    yield tab
    tab.close()


def _open(page, path: str) -> None:
    page.goto(page.base + path)
    page.wait_for_selector('[data-testid="stMain"]')
    _settle(page)


def _settle(page) -> None:
    """Wait until Streamlit has finished the run (no "running" indicator) and the DOM is quiet."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )
    page.wait_for_timeout(300)


def _shot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def _graph_frame(page):
    """The graph iframe that is visible, once vis-network has settled."""
    page.wait_for_selector('iframe[srcdoc*="vis.Network"]', state="attached")
    for handle in page.query_selector_all('iframe[srcdoc*="vis.Network"]'):
        if handle.is_visible():
            frame = handle.content_frame()
            frame.wait_for_selector("#mynetwork canvas")
            frame.wait_for_function("() => window.__graphStable === true", timeout=30_000)
            return handle, frame
    raise AssertionError("no visible graph")


def _hover_first_node(page, handle, frame, uid: str) -> None:
    point = frame.evaluate("(id) => network.canvasToDOM(network.getPositions([id])[id])", uid)
    box = handle.bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    frame.wait_for_selector("div.vis-tooltip", state="visible", timeout=5_000)


def test_entity_deep_link_and_its_graph(page, tmp_path):
    from playwright.sync_api import expect

    started = time.monotonic()
    _open(page, "/?entity=ru-dc-01&as_of=2022-07-01")
    page.get_by_role("heading", name="OOO Usolye Data Center").wait_for()
    print(f"profile of ru-dc-01 shown in {time.monotonic() - started:.2f} s (first visit)")
    metrics = page.locator('[data-testid="stMetric"]')
    # retried until the page has settled: twice in CI the first metric read "Subsidiaries 0"
    # while the run was still replacing the page's elements (never reproduced by hand)
    expect(metrics.first).to_have_text(re.compile(r"^\s*Owners\s*8\s*$"))  # seed README: 8 owners
    _shot(page, tmp_path, "profile-overview")
    page.get_by_role("tab", name="Owners & subsidiaries").click()
    page.get_by_text("Cantor Reef Holdings Pte. Ltd.").first.wait_for(state="attached")
    _shot(page, tmp_path, "profile-owners")
    page.get_by_role("tab", name="Graph").click()
    handle, frame = _graph_frame(page)
    labels = frame.evaluate("() => nodes.get().map(n => n.id)")
    assert "seed-registry:ru-dc-01" in labels and "seed-registry:jp-ex-05" in labels
    assert frame.evaluate("() => network.physics.options.enabled") is False  # settled and stopped
    _hover_first_node(page, handle, frame, "seed-registry:sg-shell-02")
    assert "Cantor Reef Holdings" in frame.inner_text("div.vis-tooltip")
    _shot(page, tmp_path, "profile-graph")
    started = time.monotonic()
    _open(page, "/?entity=ru-dc-01&as_of=2022-07-01")
    page.get_by_role("heading", name="OOO Usolye Data Center").wait_for()
    print(f"profile of ru-dc-01 shown in {time.monotonic() - started:.2f} s (cached)")


def test_search_and_open_a_result(page, tmp_path):
    _open(page, "/?view=search&as_of=2022-07-01")
    box = page.get_by_label("Name, alias, record id, registration number or other identifier")
    box.fill("merbau")
    box.press("Enter")
    _settle(page)
    # the results, not the landing page's tables the empty search box showed before
    grid = page.locator('[data-testid="stDataFrame"]', has_text="Merbau Corporate Services").first
    grid.wait_for()
    rows = grid.locator("table tr")
    assert "Merbau Corporate Services" in rows.nth(1).inner_text()
    _shot(page, tmp_path, "search")
    grid.click(position={"x": 18, "y": 35 + 17})  # the first row's selection box
    page.get_by_role("heading", name="Merbau Corporate Services Pte. Ltd.").wait_for()
    # the address bar follows (written at the end of the run)
    page.wait_for_function("() => location.search.includes('entity=seed-registry%3Asg-cs-01')")
    _settle(page)
    assert "entity=seed-registry%3Asg-cs-01" in page.url and "as_of=2022-07-01" in page.url
    _shot(page, tmp_path, "search-opened")


def test_chains_deep_link(page, tmp_path):
    _open(page, "/?view=chains&from=JP&to=RU&via=SG&as_of=2022-07-01")
    page.get_by_role("heading", name="4 chains JP → RU via SG on 2022-07-01").wait_for()
    page.get_by_text("start entities reach the target").wait_for()
    # the chains (the source statements' table follows it)
    rows = page.locator('.st-key-chains_table [data-testid="stDataFrame"] table tr')
    rows.nth(4).wait_for(state="attached")
    text = [rows.nth(i).inner_text() for i in range(1, rows.count())]
    assert len(text) == 4
    assert [line[0] for line in text] == ["1", "2", "3", "4"]  # the rank, then the chain
    assert (
        text[0]
        .removeprefix("1")
        .strip()
        .startswith(
            "Tsubame Digital Exchange K.K. → Northbridge Lattice Pte. Ltd. → OOO Angara Hosting"
        )
    ), text[0]
    assert (
        text[3]
        .removeprefix("4")
        .strip()
        .startswith(
            "Minato Bit Exchange K.K. → Victoria Crest Holdings Limited → Arakapas Trading Ltd"
        )
    )
    assert "43.2%" in text[3]
    _graph_frame(page)
    _shot(page, tmp_path, "chains")
    page.get_by_text("Source statements of each link").click()
    cited = (
        page.locator('[data-testid="stExpander"]', has_text="Source statements of each link")
        .locator('[data-testid="stDataFrame"]')
        .locator("table tr")
    )
    cited.nth(1).wait_for(state="attached")
    first = cited.nth(1).inner_text()  # chain 1, link 1: the seed's ownership.csv record
    assert "own:jp-ex-01|sg-shell-01|2022-03-10" in first and "seed-registry" in first
    page.mouse.wheel(0, 600)  # the table under the chains' graph
    _settle(page)
    _shot(page, tmp_path, "chains-statements")


def test_hostile_names_stay_text(page, tmp_path):
    _open(page, "/?entity=xss-1&as_of=2022-07-01")
    page.get_by_role("heading", name=XSS).wait_for()
    _shot(page, tmp_path, "xss-profile")
    assert page.evaluate(NO_XSS)
    page.get_by_role("tab", name="Graph").click()
    handle, frame = _graph_frame(page)
    # the label is canvas text: the name as registered (wrapped, shortened: graphview.name_lines)
    assert (
        frame.evaluate("() => nodes.get('xss-test:xss-1').label")
        == '★ <img src=x\nonerror="window.__x…\nJP · LISTED'
    )
    _hover_first_node(page, handle, frame, "xss-test:xss-1")
    assert XSS in frame.inner_text("div.vis-tooltip")  # the tooltip shows it as text
    _hover_first_node(page, handle, frame, "xss-test:xss-2")
    assert '"><svg onload="window.__xss=3"> & Co' in frame.inner_text("div.vis-tooltip")
    _shot(page, tmp_path, "xss-graph")
    assert page.evaluate(NO_XSS) and frame.evaluate(NO_XSS)
    tags = frame.evaluate(
        "() => [...document.querySelectorAll('div.vis-tooltip *')].map(e => e.tagName)"
    )
    assert set(tags) <= {"DIV", "B", "BR"}  # only the tooltip's own markup became elements
    assert frame.evaluate("() => document.querySelectorAll('img, svg, iframe').length") == 0

    # the export buttons are disabled while a rerun is under way: slow on a loaded machine
    from playwright.sync_api import expect

    html_button = page.get_by_role("button", name="HTML")
    expect(html_button).to_be_enabled(timeout=120_000)
    with page.expect_download() as download:
        html_button.click()
    exported = tmp_path / "exported-graph.html"
    download.value.save_as(exported)
    assert XSS not in exported.read_text(encoding="utf-8")
    viewer = page.context.new_page()
    viewer.goto(exported.as_uri())
    viewer.wait_for_function("() => window.__graphStable === true", timeout=30_000)
    point = viewer.evaluate(
        "() => network.canvasToDOM(network.getPositions(['xss-test:xss-1'])['xss-test:xss-1'])"
    )
    canvas = viewer.locator("#mynetwork").bounding_box()  # below the export's heading
    viewer.mouse.move(canvas["x"] + point["x"], canvas["y"] + point["y"])
    viewer.wait_for_selector("div.vis-tooltip", state="visible")
    assert XSS in viewer.inner_text("div.vis-tooltip")
    assert viewer.evaluate(NO_XSS)
    _shot(viewer, tmp_path, "xss-exported")
    viewer.close()

    _open(page, "/?view=blocked&as_of=2022-07-01")
    rows = page.locator('[data-testid="stDataFrame"] table tr')
    rows.nth(1).wait_for(state="attached")
    assert any(XSS in rows.nth(i).inner_text() for i in range(1, rows.count()))
    assert page.evaluate(NO_XSS)
    _open(page, "/?view=search&q=svg&as_of=2022-07-01")
    page.locator('[data-testid="stDataFrame"] table tr').nth(1).wait_for(state="attached")
    _shot(page, tmp_path, "xss-tables")
    assert page.evaluate(NO_XSS)
