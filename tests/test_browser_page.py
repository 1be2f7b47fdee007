"""The classroom page in a real browser: never stale, offline, shareable, readable.

Uses the server of ``tests/test_browser.py`` (its ``app_url`` fixture) and Debian's Chromium.
Screenshots go to pytest's temporary folder; with ``ALLIANCE_SIM_SCREENSHOTS=FOLDER`` the
800 px and 1920 px ones are copied there too (docs/figures/ holds those of the guide).
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
from test_browser import (  # noqa: F401 (app_url is a fixture)
    CHROMIUM,
    LAUNCH_ARGS,
    app_url,
    generated_upload,
    outcome,
    patient_expect,
    playwright_api,
)

from sim.loading.builtin import builtin_scenarios
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.presentation.classroom import apply_settings, default_settings, outcome_summary
from sim.presentation.live_plot import stored_from_model
from sim.presentation.run_view import run_to
from sim.presentation.share import settings_query

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium (apt-get install chromium)"
)


def expected_lines(loaded: LoadedScenario, settings, weeks: int, replicate: int) -> list[str]:
    """The account the page must show for these settings, worked out here."""
    applied = apply_settings(loaded, settings)
    model = run_to(applied, weeks, replicate)
    return outcome_summary(applied, stored_from_model(applied, model, replicate))


def settled(page, query: str) -> None:
    """Wait until the page shows the run of ``query`` (settings as the address gives them)."""
    page.wait_for_function(
        "query => { const run = document.querySelector('.fresh');"
        " return run && run.dataset.query === query && !document.querySelector('.stale')"
        " && !document.querySelector('.computing'); }",
        arg=query,
        timeout=60_000,
    )


#: Records, from now on, whether the page showed the "working out" line and a dimmed run.
SEEN_WHILE_COMPUTING = """() => {
  window.__seen = {computing: false, stale: false};
  const look = () => {
    if (document.querySelector('.computing')) window.__seen.computing = true;
    if (document.querySelector('.stale')) window.__seen.stale = true;
  };
  new MutationObserver(look).observe(document.body,
    {subtree: true, childList: true, attributes: true, characterData: true});
}"""


def slide(page, label: str, key: str) -> None:
    """Move the slider under ``label`` with one key (Home: to 0, End: to its top)."""
    page.get_by_text(label).locator("xpath=following::*[@role='slider'][1]").focus()
    page.keyboard.press(key)


def whole_page(page, width: int, path: Path) -> None:
    """A screenshot of the whole page at ``width`` px (the page scrolls an inner element)."""
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(1500)
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": width, "height": min(height, 8000)})
    page.wait_for_timeout(1500)
    page.screenshot(path=path)
    keep = os.environ.get("ALLIANCE_SIM_SCREENSHOTS")
    if keep:
        shutil.copy(path, Path(keep) / path.name)


@pytest.mark.slow
def test_the_page_is_never_stale_and_stays_on_this_machine(app_url: str, tmp_path: Path) -> None:  # noqa: F811
    expect = patient_expect()
    classroom = load_scenario(builtin_scenarios()["classroom"])
    base = default_settings(classroom)
    host = urlsplit(app_url).hostname
    requests: list[str] = []

    def query(settings, week: int, run: int = 0) -> str:
        return settings_query("classroom", classroom, settings, week, run)

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.on("request", lambda request: requests.append(request.url))
            page.goto(app_url)
            expect(page.get_by_text("Week 0 of 8")).to_be_visible()
            settled(page, "scenario=classroom")

            # A click changes the week at once; the previous run is dimmed until the new one.
            # The new run may be ready within tens of milliseconds, sooner than a look at the
            # page could catch the dimmed one, so the page records what it showed meanwhile.
            page.evaluate(SEEN_WHILE_COMPUTING)
            page.get_by_role("button", name="Run to the end").click()
            expect(page.get_by_text("Week 8 of 8")).to_be_visible()
            settled(page, query(base, 8))
            assert page.evaluate("window.__seen") == {"computing": True, "stale": True}
            assert outcome(page).splitlines() == expected_lines(classroom, base, 8, 0)

            # A comparison is for the settings it was made with: moving a slider clears it.
            page.get_by_role("button", name="Compare with the scenario as it is").click()
            cell = page.get_by_role("cell", name="weeks at war (mean)")
            expect(cell).to_be_visible(timeout=90_000)
            slide(page, "Russia: 0.75", "End")
            expect(page.get_by_text("Russia: 1.00")).to_be_visible()
            expect(cell).to_have_count(0, timeout=5_000)
            what_if = dataclasses.replace(base, commitment={**base.commitment, "Russia": 1.0})
            settled(page, query(what_if, 8))
            assert outcome(page).splitlines() == expected_lines(classroom, what_if, 8, 0)

            # The address holds the settings: a reload shows the same page.
            expect(page).to_have_url(re.compile(r"week=8&commitment\.Russia=1\.0$"))
            lines = outcome(page)
            page.reload()
            expect(page.get_by_text("Russia: 1.00")).to_be_visible()
            expect(page.get_by_text("Week 8 of 8")).to_be_visible()
            settled(page, query(what_if, 8))
            assert outcome(page) == lines

            # Another random run: the next replicate, named on the page and in the address.
            page.get_by_role("button", name="New random run").click()
            expect(page.get_by_text("Random run 2 (replicate 1 of seed 7)")).to_be_visible()
            settled(page, query(what_if, 8, 1))
            expect(page).to_have_url(re.compile(r"&run=1&"))
            assert outcome(page).splitlines() == expected_lines(classroom, what_if, 8, 1)

            # The downloads: the what-if as a scenario file runs to the page's account.
            with page.expect_download() as download:
                page.get_by_text("Download the what-if (scenario file)").click()
            toml = tmp_path / "what_if.toml"
            shutil.copy(download.value.path(), toml)
            again = load_scenario(toml)
            model = run_to(again, 8, 1)
            assert outcome_summary(again, stored_from_model(again, model, 1)) == (
                outcome(page).splitlines()
            )
            with page.expect_download() as download:
                page.get_by_text("Download the run's tables (CSV)").click()
            with zipfile.ZipFile(download.value.path()) as archive:
                steps = pd.read_csv(io.BytesIO(archive.read("steps.csv")))
            assert steps["step"].tolist() == list(range(9)) and set(steps["replicate"]) == {1}

            # Reset: the scenario as it is, sliders too, week 0 of the first run.
            page.get_by_role("button", name="Reset").click()
            expect(page.get_by_text("Russia: 0.75")).to_be_visible()
            expect(page.get_by_text("Week 0 of 8")).to_be_visible()
            expect(page.get_by_text("Random run 1 (replicate 0 of seed 7)")).to_be_visible()
            settled(page, "scenario=classroom")
            expect(page).to_have_url(re.compile(r"/\?scenario=classroom$"))

            # Play goes on by itself, Pause stops it.
            # The longest pause, so that the test sees week 2 and pauses before the end (with
            # no pause the run may reach week 8 between two looks).
            slide(page, "Pause between weeks when playing: 1.0 s", "End")
            expect(page.get_by_text("Pause between weeks when playing: 3.0 s")).to_be_visible()
            page.get_by_role("button", name="Play").click()
            expect(page.get_by_text("Week 2 of 8")).to_be_visible(timeout=60_000)
            page.get_by_role("button", name="Pause").click()
            expect(page.get_by_role("button", name="Play")).to_be_visible()
            page.wait_for_timeout(1000)
            stopped = page.get_by_role("heading", name="of 8").inner_text()
            settled(page, query(base, int(stopped.split()[1])))
            page.wait_for_timeout(3000)
            assert page.get_by_role("heading", name="of 8").inner_text() == stopped
            page.get_by_role("button", name="Play").click()
            expect(page.get_by_text("Week 8 of 8")).to_be_visible(timeout=90_000)
            expect(page.get_by_role("button", name="Play")).to_be_visible()

            # The upload button (not only a drop zone) loads a scenario with its world.
            world, scenario = generated_upload()
            expect(page.get_by_role("button", name="Upload scenario file…")).to_be_visible()
            page.locator("input[type=file]").set_input_files(
                [
                    {"name": "mine.toml", "mimeType": "text/plain", "buffer": scenario.encode()},
                    {"name": "generated.toml", "mimeType": "text/plain", "buffer": world.encode()},
                ]
            )
            expect(page.get_by_text("Week 0 of 6")).to_be_visible()
            settled(page, "scenario=mine")
            # An upload is not in the address: no link claims to show it.
            expect(page).to_have_url(re.compile(r":\d+/$"))
            assert "Traceback" not in page.locator("body").inner_text()
        finally:
            browser.close()
    outside = [url for url in requests if urlsplit(url).hostname not in (host, None)]
    assert not outside, f"requests left the machine: {outside[:5]}"
    assert not [url for url in requests if "katex" in url or "mermaid" in url]


@pytest.mark.slow
def test_the_page_reads_at_800_and_1920_px(app_url: str, tmp_path: Path) -> None:  # noqa: F811
    expect = patient_expect()
    print(f"\nscreenshots in {tmp_path}")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 900})
            page.goto(app_url + "?scenario=classroom&week=8&arms.tur_aze_arms=0.0")
            expect(page.get_by_text("Week 8 of 8")).to_be_visible()
            settled(page, "scenario=classroom&week=8&arms.tur_aze_arms=0.0")
            for width in (800, 1920):
                whole_page(page, width, tmp_path / f"classroom-page-{width}px.png")
                # Nothing wider than the screen: no sideways scrolling, the week counter whole.
                assert page.evaluate("() => document.documentElement.scrollWidth") <= width
                box = page.get_by_role("heading", name="Week 8 of 8").bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
                for image in page.get_by_role("img").all():
                    shape = image.bounding_box()
                    assert shape is not None and shape["x"] + shape["width"] <= width
        finally:
            browser.close()
