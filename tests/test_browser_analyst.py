"""Issue 15 in headless Chromium, on the seed (the fixtures of ``test_browser``): what a new
analyst trying the explorer ran into. Screenshots go to each test's tmp_path (``pytest -s``)."""

from __future__ import annotations

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
