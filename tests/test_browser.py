"""The classroom app in a real browser: load, run, move a lever, see the outcome change.

Starts ``alliance-sim app`` on a free port and drives Debian's Chromium with Playwright.
Screenshots go to pytest's temporary folder; the test prints where.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium (apt-get install chromium)"
)
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(command: str, folder: Path, *args: str) -> Iterator[str]:
    """``alliance-sim COMMAND ARGS --port P`` on a free port, until the block ends; its URL.

    On exit the command alone gets SIGTERM, and must stop the Solara server it started too.
    """
    port = free_port()
    # A file, not a pipe: a pipe nobody reads would stall the server once full.
    log = folder / "server.log"
    with log.open("wb") as out:
        # Its own session, so anything left of it can be found (and killed) as one group.
        server = subprocess.Popen(
            [sys.executable, "-m", "sim", command, *args, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{command} did not start on {url}:\n{log.read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while group_alive(server.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        left_over = group_alive(server.pid)
        if left_over:
            os.killpg(server.pid, signal.SIGKILL)
        assert not left_over, f"the Solara server outlived 'alliance-sim {command}'"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving("app", tmp_path_factory.mktemp("app")) as url:
        yield f"{url}/"


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def patient_expect():
    """Playwright's ``expect``, waiting long enough for a run drawn on a busy machine."""
    expect = playwright_api.expect
    expect.set_options(timeout=40_000)
    return expect


def outcome(page) -> str:
    return "\n".join(page.locator("li").all_inner_texts())


@pytest.mark.slow
def test_a_what_if_changes_the_outcome(app_url: str, tmp_path: Path) -> None:
    expect = patient_expect()
    print(f"\nscreenshots in {tmp_path}")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(app_url)
            expect(page.get_by_text("Week 0 of 8")).to_be_visible(timeout=20_000)
            page.get_by_role("button", name="Run to the end").click()
            expect(page.get_by_text("Week 8 of 8")).to_be_visible()
            expect(page.get_by_text("Azerbaijan attacked Armenia in karabakh")).to_be_visible()
            before = outcome(page)
            page.screenshot(path=tmp_path / "1-run.png")

            # A second visitor gets a page of their own, not the first one's run.
            other = browser.new_page()
            other.goto(app_url)
            expect(other.get_by_text("Week 0 of 8")).to_be_visible(timeout=20_000)
            other.close()
            expect(page.get_by_text("Week 8 of 8")).to_be_visible()

            # What if Turkey sent no arms? Slide its arms support from 1x to 0x.
            label = page.get_by_text("Turkey → Azerbaijan: 1.00×")
            label.locator("xpath=following::*[@role='slider'][1]").focus()
            page.keyboard.press("Home")
            expect(page.get_by_text("Turkey → Azerbaijan: 0.00× (none)")).to_be_visible()
            expect(page.get_by_text("Week 8 of 8")).to_be_visible()
            # The arms slider at 0x turned its switch off: one setting, two controls.
            expect(page.get_by_label("Turkey → Azerbaijan arms deliveries")).not_to_be_checked()
            # Not while the account is being replaced: for a moment the page has no list items.
            page.wait_for_function(
                "before => !document.querySelector('.stale') && document.querySelectorAll('li')"
                ".length && [...document"
                ".querySelectorAll('li')].map(li => li.innerText).join('\\n') !== before",
                arg=before,
            )
            after = outcome(page)
            assert after != before
            assert "Azerbaijan holds" in after
            page.screenshot(path=tmp_path / "2-what-if.png")

            page.get_by_role("button", name="Compare with the scenario as it is").click()
            expect(page.get_by_role("cell", name="weeks at war (mean)")).to_be_visible()
            page.get_by_role("cell", name="weeks at war (mean)").scroll_into_view_if_needed()
            page.screenshot(path=tmp_path / "3-compare.png")

            # A bad file is one line on the page, never a stack trace.
            page.get_by_label("…or the path of a scenario file").fill("no-such-scenario.toml")
            page.get_by_role("button", name="Load file").click()
            expect(page.get_by_text("no-such-scenario.toml: (file): cannot read")).to_be_visible()
            assert "Traceback" not in page.locator("body").inner_text()

            # On = it happens: switched off, Israel's arms to Azerbaijan stop (as 0x would).
            assert "Israel showed force for Azerbaijan from week 1; stepped up arms" in before
            page.get_by_label("Israel → Azerbaijan arms deliveries").click()
            expect(page.get_by_text("Israel → Azerbaijan: 0.00× (none)")).to_be_visible()
            page.wait_for_function(
                "() => { const lines = [...document.querySelectorAll('li')]"
                ".map(li => li.innerText); return lines.some(line => line.startsWith("
                "'Azerbaijan holds')) && !lines.some(line => line.startsWith('Israel ') "
                "&& line.includes('arms')) && !document.querySelector('.stale'); }"
            )
            assert "Israel $" not in outcome(page)
            expect(page.get_by_text("Week 8 of 8")).to_be_visible()
            page.screenshot(path=tmp_path / "4-switch.png")

            # Another built-in scenario starts from its own week 0.
            page.locator(".v-select").click()
            page.get_by_text("karabakh_2020", exact=True).click()
            expect(page.get_by_text("Week 0 of 12")).to_be_visible()
            page.screenshot(path=tmp_path / "5-other-scenario.png")

            # Uploads: a world elsewhere on the server is refused, one dropped with it is used.
            world, scenario = generated_upload()
            drop(page, [("mine.toml", scenario.replace('"generated.toml"', '"/etc/passwd"'))])
            expect(
                page.get_by_text("mine.toml: world: an uploaded scenario may use only")
            ).to_be_visible()
            expect(page.get_by_text("Week 0 of 12")).to_be_visible()  # karabakh_2020 stays
            page.screenshot(path=tmp_path / "6-upload-refused.png")
            drop(page, [("mine.toml", scenario), ("generated.toml", world)])
            # A second upload on a page takes Solara's drop zone a few seconds more to read.
            expect(page.get_by_text("Week 0 of 6")).to_be_visible(timeout=20_000)
            expect(page.get_by_text("S000 busy elsewhere")).to_be_visible()
            assert page.get_by_text("Russia busy elsewhere").count() == 0
            page.get_by_label("S000 busy elsewhere").click()
            expect(page.get_by_label("S000 busy elsewhere")).to_be_checked()
            page.get_by_role("button", name="Run to the end").click()
            expect(page.get_by_text("Week 6 of 6")).to_be_visible(timeout=20_000)
            attack = re.compile(r"^S\d+ attacked S\d+ in T\d+ in week \d+\.$")
            expect(page.get_by_text(attack).first).to_be_visible()
            assert "Traceback" not in page.locator("body").inner_text()
            page.screenshot(path=tmp_path / "7-upload-with-world.png")

            # The same files dropped again after an edit (same names, same sizes) load afresh.
            assert "seed = 3" in scenario
            drop(
                page,
                [
                    ("mine.toml", scenario.replace("seed = 3", "seed = 4")),
                    ("generated.toml", world),
                ],
            )
            expect(page.get_by_text("Week 0 of 6")).to_be_visible(timeout=20_000)
            expect(page.get_by_label("S000 busy elsewhere")).not_to_be_checked()
        finally:
            browser.close()


def generated_upload() -> tuple[str, str]:
    """A generated world file and a scenario on it (by file name) with its wars."""
    from sim.loading.generate import generate_events, generate_world, world_to_toml

    world = generate_world(8, 3)
    events = [e.model_dump() for e in generate_events(world, 6, 1, wars=2, crises=0)]
    tables = ", ".join(
        "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in e.items()) + " }" for e in events
    )
    scenario = (
        f'name = "mine"\nworld = "generated.toml"\nsteps = 6\nseed = 3\nevents = [{tables}]\n'
    )
    return world_to_toml(world), scenario


def drop(page, files: list[tuple[str, str]]) -> None:
    """Drop text files on the page's drop zone.

    Playwright cannot start a drag from the desktop, so the drop event carries a DataTransfer
    made in the page. Such items have no file-system entry (``webkitGetAsEntry`` gives null,
    which Solara's drop zone asks for), so each is given one that hands over its file.
    """
    page.evaluate(
        """() => { DataTransferItem.prototype.webkitGetAsEntry = function () {
            const file = this.getAsFile();
            return { isFile: true, file: (resolve) => resolve(file) };
        }; }"""
    )
    transfer = page.evaluate_handle(
        """files => { const transfer = new DataTransfer();
            for (const [name, text] of files) transfer.items.add(new File([text], name));
            return transfer; }""",
        files,
    )
    page.locator(".solara-file-drop").dispatch_event("drop", {"dataTransfer": transfer})


@pytest.mark.slow
def test_live_pictures_are_drawn_in_the_browser_offline(app_url: str) -> None:
    """ECharts draws the network and the weekly charts from the app's own server, no CDN."""
    outside: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.on(
                "request",
                lambda r: (
                    None if r.url.startswith((app_url, "blob:", "data:")) else outside.append(r.url)
                ),
            )
            page.goto(app_url)
            network = page.locator("[aria-label^='Network at week']")
            # ECharts loads after the page (3 MB of JavaScript, from the app's server).
            playwright_api.expect(network).to_have_attribute(
                "aria-label",
                re.compile(r"^Network at week 0\. Fighting: none\. Wars: none\."),
                timeout=30_000,
            )
            for _ in range(3):
                page.get_by_role("button", name="Step one week").click()
            # The classroom scenario's war began in week 0: both sides fight in week 3.
            playwright_api.expect(network).to_have_attribute(
                "aria-label",
                re.compile(r"^Network at week 3\. Fighting: Armenia, Azerbaijan\. Wars: "),
            )
            weekly = page.locator("[aria-label^='Week by week']")
            playwright_api.expect(weekly).to_have_attribute("aria-label", re.compile("to week 3"))
            assert network.locator("canvas").count() >= 1
            assert page.locator("img[src^='data:image/png']").count() == 0
        finally:
            browser.close()
    assert outside == []


def test_the_pages_files_are_compressed_once_and_sent_whole(app_url: str) -> None:
    """The charting library comes compressed; the second time from what the server kept."""
    address = f"{app_url}_solara/cdn/echarts@5.4.0/dist/echarts.js"
    shipped = Path(sys.prefix, "share/solara/cdn/echarts@5.4.0/dist/echarts.js").read_bytes()
    replies = []
    for _ in range(2):
        ask = urllib.request.Request(address, headers={"Accept-Encoding": "gzip, br"})
        with urllib.request.urlopen(ask, timeout=60) as reply:
            replies.append((reply.headers, reply.read()))
    (_, first), (headers, again) = replies
    assert gzip.decompress(first) == gzip.decompress(again) == shipped
    assert headers["Content-Encoding"] == "gzip"
    # Sent from what was kept: in one piece, with its length (Solara streams it in chunks).
    assert int(headers["Content-Length"]) == len(again)
