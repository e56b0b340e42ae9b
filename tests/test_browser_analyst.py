"""Issue 15 in headless Chromium, on the seed (the fixtures of ``test_browser``): what a new
analyst trying the explorer ran into. Screenshots go to each test's tmp_path (``pytest -s``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from test_browser import (  # noqa: F401 - fixtures used by name
    _graph_frame,
    _open,
    _settle,
    _shot,
    browser_context,
    page,
    pytestmark,
    seeded,
    server,
)

SHOTS = Path("/tmp/issue15-shots")


@pytest.fixture()
def shots(tmp_path: Path) -> Path:
    """Screenshots in the test's folder, and copies in /tmp/issue15-shots for review."""
    SHOTS.mkdir(exist_ok=True)
    return tmp_path


def _keep(path: Path) -> None:
    (SHOTS / path.name).write_bytes(path.read_bytes())


def test_search_button_and_did_you_mean(page, shots):  # noqa: F811 - the fixture
    """#12: the Search button runs the search without Enter; a typo gets "Did you mean"."""
    _open(page, "/?view=search&as_of=2022-07-01")
    box = page.get_by_label("Name, alias, record id, registration number or other identifier")
    box.fill("angara hostng")  # no Enter
    # the primary button: the landing page's tables have "Search" toolbar buttons too
    page.get_by_test_id("stBaseButton-primary").filter(has_text="Search").click()
    _settle(page)
    page.get_by_text("No entity matches").wait_for()
    page.get_by_text("Did you mean:").wait_for()
    _keep(_shot(page, shots, "search-did-you-mean"))
    page.get_by_role("button", name="Open profile").click()
    page.get_by_role("heading", name="OOO Angara Hosting").wait_for()


def test_profile_says_blocked_and_why(page, shots):  # noqa: F811 - the fixture
    """#2: the profile states the 50% rule status, the stakes behind it, to the listings."""
    _open(page, "/?entity=ru-sub-07&as_of=2022-07-01")
    page.get_by_role("heading", name="OOO Ust-Ilimsk Hash").wait_for()
    alert = page.locator('[data-testid="stAlert"]').first
    assert "Blocked under the OFAC 50% rule on 2022-07-01: listed or blocked" in alert.inner_text()
    page.get_by_role("heading", name="Why: sanctions and the 50% rule").wait_for()
    page.get_by_text("listed: OFAC RUSSIA-EO14024 since 2022-04-20").first.wait_for()
    _keep(_shot(page, shots, "profile-blocked-why"))
    page.get_by_role("tab", name="Owners & subsidiaries").click()
    page.get_by_text("50% rule").first.wait_for()
    _keep(_shot(page, shots, "profile-owners-status"))


def test_chain_exports_are_named_and_dated_and_printing_hides_the_sidebar(page, shots):  # noqa: F811 - the fixture
    """#17: file names carry the via country and the date; the HTML export says the question,
    the date and the sources; printing shows the page without the sidebar."""
    from playwright.sync_api import expect

    _open(page, "/?view=chains&from=JP&to=RU&via=SG&as_of=2022-07-01")
    page.get_by_role("heading", name="4 chains JP → RU via SG on 2022-07-01").wait_for()
    _graph_frame(page)
    csv_button = page.get_by_role("button", name="Download page (CSV)").first
    expect(csv_button).to_be_enabled(timeout=120_000)
    with page.expect_download() as download:
        csv_button.click()
    # the page of the chain table, named by its first chain's rank
    assert download.value.suggested_filename == "chains-JP-RU-via-SG-2022-07-01-1.csv"
    html_button = page.get_by_role("button", name="HTML")
    expect(html_button).to_be_enabled(timeout=120_000)
    with page.expect_download() as download:
        html_button.click()
    assert download.value.suggested_filename == "chains-JP-RU-via-SG-2022-07-01.html"
    exported = shots / "chains.html"
    download.value.save_as(exported)
    viewer = page.context.new_page()
    viewer.goto(exported.as_uri())
    viewer.wait_for_function("() => window.__graphStable === true", timeout=30_000)
    heading = viewer.locator("h1").inner_text()
    facts = viewer.locator("p").first.inner_text()
    assert heading == "Ownership chains JP → RU via SG"
    assert facts.startswith("as of 2022-07-01 · sources: seed-registry")
    _keep(_shot(viewer, shots, "chains-exported"))
    viewer.close()
    assert page.locator('[data-testid="stSidebar"]').is_visible()
    page.emulate_media(media="print")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    _keep(_shot(page, shots, "chains-print"))
    page.emulate_media(media="screen")


def test_typed_date_applies_on_enter(page, shots):  # noqa: F811 - the fixture
    """#13: a date typed into the as-of field applies when the analyst presses Enter (the
    field took it only on Esc or once focus left the field and its calendar button)."""
    page.set_viewport_size({"width": 1280, "height": 800})
    _open(page, "/?view=chains&from=JP&to=RU&via=SG&as_of=2022-07-01")
    page.get_by_role("heading", name="4 chains JP → RU via SG on 2022-07-01").wait_for()
    field = page.get_by_test_id("stDateInputField")
    field.get_by_role("spinbutton", name="year").click()
    page.keyboard.type("2021-03-15")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="2 chains JP → RU via SG on 2021-03-15").wait_for()
    page.wait_for_function("() => location.search.includes('as_of=2021-03-15')")
    _keep(_shot(page, shots, "as-of-typed-enter"))
    # and Tab past the day (the calendar button would otherwise keep focus in the field)
    field.get_by_role("spinbutton", name="month").click()
    page.keyboard.type("05")
    page.keyboard.press("Tab")  # to the day
    page.keyboard.press("Tab")  # past it
    page.get_by_role("heading", name="JP → RU via SG on 2021-05-15").wait_for()
    # a date field in a form (Compare two dates): Enter applies the date and submits the form
    _open(page, "/?view=compare&from_date=2022-01-01&to_date=2022-07-01&as_of=2022-07-01")
    start = page.get_by_test_id("stDateInputField").filter(
        has=page.get_by_role("spinbutton", name="year, From date")
    )
    start.get_by_role("spinbutton", name="year").click()
    page.keyboard.type("2022-03-01")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.search.includes('from_date=2022-03-01')")


# Every text the tables draw on their canvases (glide-data-grid), with where and how wide.
CANVAS_TEXT = """
window.__texts = [];
(function () {
  var fill = CanvasRenderingContext2D.prototype.fillText, next = 0;
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y) {
    var m = this.getTransform(), r = window.devicePixelRatio || 1;
    if (this.canvas.__n === undefined) { this.canvas.__n = next++; }
    window.__texts.push({canvas: this.canvas.__n, text: String(text), align: this.textAlign,
                         x: (m.a * x + m.e) / r, y: (m.d * y + m.f) / r,
                         w: this.measureText(text).width * m.a / r});
    return fill.apply(this, arguments);
  };
})();
"""
CELL_PAD = 8  # glide's padding left of a cell's text


def _drawn(tab) -> list[dict]:
    """The last drawing of each text at each place (a redraw replaces the earlier ones)."""
    texts = tab.evaluate("() => window.__texts")
    latest = {(t["canvas"], t["text"], round(t["x"]), round(t["y"])): t for t in texts}
    return list(latest.values())


def _column_cells(tab, header: str, row_column: str) -> list[list[dict]]:
    """The lines drawn in column ``header`` of the grid that has it, row by row (rows found
    by the one-line texts of column ``row_column``, drawn where its header is), each line
    marked ``inside`` when it is within the column (left of the next column) and the row."""
    drawn = _drawn(tab)
    heads = {t["text"]: t for t in drawn if t["text"] in (header, row_column)}
    assert header in heads, f"column {header!r} is not on screen"
    head_y = heads[header]["y"]
    left = heads[header]["x"]
    after = [
        t["x"]
        for t in drawn
        if t["canvas"] == heads[header]["canvas"] and abs(t["y"] - head_y) < 1 and t["x"] > left + 1
    ]
    assert after, f"no column right of {header!r}"
    right = min(after) - CELL_PAD  # where the next column starts
    # the body is drawn on another canvas than the header: the one with cells in these columns
    columns = {round(heads[h]["x"]) for h in heads}
    bodies = Counter(
        t["canvas"]
        for t in drawn
        if t["canvas"] != heads[header]["canvas"]
        and t["y"] > head_y + 1
        and any(abs(t["x"] - x) < 1.5 for x in columns)
    )
    canvas = bodies.most_common(1)[0][0]
    marks = sorted(
        t["y"]
        for t in drawn
        if t["canvas"] == canvas
        and abs(t["x"] - heads[row_column]["x"]) < 1.5
        and t["y"] > head_y + 1
    )
    assert len(marks) >= 2, "needs two rows to know the row height"
    height = marks[1] - marks[0]
    rows = []
    for mid in marks:
        top, bottom = mid - height / 2, mid + height / 2
        lines = [
            t
            for t in drawn
            if t["canvas"] == canvas and abs(t["x"] - left) < 1.5 and top < t["y"] < bottom
        ]
        for line in lines:
            line["inside"] = (
                line["x"] + line["w"] <= right + 0.5
                and top <= line["y"] - 9
                and line["y"] + 9 <= bottom
            )
        rows.append(sorted(lines, key=lambda t: t["y"]))
    return rows


def _grid_texts(grid, column: int) -> list[str]:
    """The full texts of a grid's column (its accessible table), whitespace normalised."""
    rows = grid.locator("table tr")
    return [
        " ".join(rows.nth(i).locator("td").nth(column).inner_text().split())
        for i in range(1, rows.count())
    ]


def test_key_columns_whole_at_1280(page, shots):  # noqa: F811 - the fixture
    """#14: at 1280 x 800 the chain (to its Russian end) and the owners' paths are drawn whole:
    every line of the cell inside the column and the row, and the lines are the whole text.
    The effective share is one column; none of the bookkeeping numbers beside it."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.add_init_script(CANVAS_TEXT)
    _open(page, "/?view=chains&from=JP&to=RU&via=SG&as_of=2022-07-01")
    page.get_by_role("heading", name="4 chains JP → RU via SG on 2022-07-01").wait_for()
    grid = page.locator('.st-key-chains_table [data-testid="stDataFrame"]')
    grid.locator("table tr").nth(4).wait_for(state="attached")
    _settle(page)
    _keep(_shot(page, shots, "chains-1280"))
    chains = _grid_texts(grid, 1)
    assert chains[0].endswith("→ OOO Angara Hosting")
    rows = _column_cells(page, "chain", "shares")
    for expected, lines in zip(chains, rows, strict=True):
        assert " ".join(t["text"].strip() for t in lines) == expected
        assert all(t["inside"] for t in lines), [(t["text"], t["inside"]) for t in lines]
    headers = grid.locator("table tr").first.inner_text().split("\n")
    assert not {"effective %", "min %", "max %"} & {h.strip() for h in headers}

    _open(page, "/?entity=ru-dc-01&as_of=2022-07-01")
    page.get_by_role("tab", name="Owners & subsidiaries").click()
    grid = page.locator('[data-testid="stDataFrame"]', has_text="Cantor Reef").first
    grid.locator("table tr").nth(3).wait_for(state="attached")
    _settle(page)
    _keep(_shot(page, shots, "owners-1280"))
    paths = _grid_texts(grid, 3)  # name, 50% rule, effective share, via
    assert paths[0] == "Cantor Reef Holdings Pte. Ltd. → OOO Usolye Data Center"
    rows = _column_cells(page, "via (paths)", "name")
    for expected, lines in zip(paths, rows, strict=False):
        assert " ".join(t["text"].strip() for t in lines) == expected
        assert all(t["inside"] for t in lines), [(t["text"], t["inside"]) for t in lines]


# Where vis-network drew the picture: boxes that overlap, share labels under their own link's
# boxes (the "00%" of a "100%" clipped by a box) or under other boxes, and the zoom.
# The data sets are read from the network, so that it runs in the static picture's page and in
# the explorable graph's component alike.
GRAPH_CHECK = """() => {
  const nodes = network.body.data.nodes, edges = network.body.data.edges;
  const ids = nodes.getIds(), boxes = {};
  ids.forEach(id => { boxes[id] = network.getBoundingBox(id); });
  const meet = (a, b) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const overlaps = [], clipped = [], crossing = [];
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++)
      if (meet(boxes[ids[i]], boxes[ids[j]])) overlaps.push([ids[i], ids[j]]);
  edges.get().forEach(e => {
    if (!e.label) return;
    const s = network.body.edges[e.id].labelModule.size;
    const box = {left: s.left, right: s.left + s.width, top: s.top, bottom: s.top + s.height};
    ids.forEach(id => {
      if (meet(box, boxes[id])) (id === e.from || id === e.to ? clipped : crossing).push([e.label, id]);
    });
  });
  return {scale: network.getScale(), nodes: ids.length, overlaps, clipped, crossing};
}"""
EVERY_HOLDING = "MATCH p=(a:Entity)-[:HOLDS]->(b:Entity) RETURN p"


def test_graphs_stay_readable_at_1280(page, shots):  # noqa: F811 - the fixture
    """#15: at 1280 x 800 a graph's names are drawn at READABLE_SCALE of their size or more
    (a picture too large for that is zoomed on its start, and says so), no box overlaps
    another, and no share label lies under a box: the chain graph (hierarchical), a
    profile's graph and every holding of the seed (70 entities, force layout)."""
    from urllib.parse import urlencode

    from ownership.explorer.graphview import READABLE_SCALE

    page.set_viewport_size({"width": 1280, "height": 800})
    console = urlencode({"view": "console", "cypher": EVERY_HOLDING, "run": "1"})
    pictures = [
        ("graph-chains-jp-ru", "/?view=chains&from=JP&to=RU&as_of=2022-07-01", None),
        ("graph-profile", "/?entity=ru-dc-01&as_of=2022-07-01", "Graph"),
        ("graph-every-holding", f"/?{console}&as_of=2022-07-01", None),
    ]
    for name, path, tab in pictures:
        _open(page, path)
        if tab:
            page.get_by_role("tab", name=tab).click()
        handle, frame = _graph_frame(page)
        handle.scroll_into_view_if_needed()
        drawn = frame.evaluate(GRAPH_CHECK)
        shot = shots / f"{name}.png"
        handle.screenshot(path=str(shot))
        _keep(shot)
        assert drawn["scale"] >= READABLE_SCALE - 1e-9, (name, drawn["scale"])
        assert drawn["overlaps"] == [] and drawn["clipped"] == [], (name, drawn)
        if drawn["nodes"] < 30:  # a dense picture may leave a label crossing a far box
            assert drawn["crossing"] == [], (name, drawn)
        zoomed = abs(drawn["scale"] - READABLE_SCALE) < 1e-6  # the whole would be smaller
        assert frame.locator("#zoom-note").is_visible() == zoomed, name  # and says so
        print(name, drawn["nodes"], "nodes, scale", round(drawn["scale"], 3))
