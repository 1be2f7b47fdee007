"""The classroom app in real browsers: click to updated page, with 1 and many tabs at once.

Starts ``python -m sim app`` on a free port (this tree, and with ``--baseline REV`` also the
tree of commit REV, unpacked with ``git archive``, served the same way) and drives Debian's
Chromium with async Playwright: one browser, one context and page per tab, every tab working
the same lesson at once (open the page, step, move a slider, flip a switch and back, run to
the end, reset, step, compare), with a random think time between actions; the tabs open the
page ``--stagger`` seconds apart, as a class arrives. Each action is
timed in the page itself: from the click or key press (a capture listener on ``document``)
to the first DOM change that shows its result, plus two animation frames (a frame painted)
and, for the old app's PNGs, the images decoded. The server's memory is the resident set of
its process tree, sampled every 0.25 s.

``--remote N`` adds N students whose browsers run elsewhere (the page's websocket messages,
no drawing: :class:`RemoteStudent`), as in a classroom, where only the server shares the
teacher's cores.

``--draw`` also times, in this process, the server's drawing per click: the matplotlib path
the app used (two figures to PNG) against the ECharts options it sends now.

Usage (from the project root):
    .venv/bin/python benchmarks/bench_app.py --tabs 1 30 --baseline ca83662 --draw
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil
import websockets
from playwright.async_api import Page, async_playwright

ROOT = Path(__file__).resolve().parents[1]
# --draw and --sessions import this tree's sim (or the baseline's), not an installed one.
sys.path.insert(0, os.environ.get("BENCH_APP_TREE", str(ROOT)))
CHROMIUM = "/usr/bin/chromium"
# As tests/test_browser.py launches it.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: In-page timing: the last click or key press, and a promise for the first DOM state that
#: passes a check, painted (two animation frames) with its images decoded.
TIMING = """
window.__t0 = 0;
for (const kind of ['click', 'keydown']) {
  document.addEventListener(kind, () => { window.__t0 = performance.now(); }, true);
}
window.__until = (check) => new Promise((resolve) => {
  const test = new Function('return (' + check + ')');
  let observer = null;
  const finish = () => {
    Promise.all([...document.images].map((img) => img.decode().catch(() => null))).then(() =>
      requestAnimationFrame(() => requestAnimationFrame(() =>
        resolve(performance.now() - window.__t0))));
  };
  const look = () => {
    if (!test()) return false;
    if (observer) observer.disconnect();
    finish();
    return true;
  };
  if (!look()) {
    observer = new MutationObserver(look);
    observer.observe(document.body,
      {subtree: true, childList: true, characterData: true, attributes: true});
  }
});
window.__ran = (expect) => {
  if (!document.querySelector('[data-query]')) return true;
  const fresh = document.querySelector('.fresh[data-query]');
  if (!fresh || document.querySelector('.stale')) return false;
  const query = new URLSearchParams(fresh.dataset.query);
  return Object.entries(expect).every(([key, want]) => {
    const have = query.get(key) ?? '';
    return typeof want === 'number' ? Math.abs(parseFloat(have) - want) < 1e-6 : have === want;
  });
};
"""
SLIDER_LABEL = "Turkey → Azerbaijan"
#: The switch of Israel's arms: "… arms deliveries: ON" now (on = it happens), "… arms cut"
#: before; a click turns the deliveries off either way.
SWITCHES = ("Israel → Azerbaijan arms deliveries", "Israel → Azerbaijan arms cut")
#: The tie ids of the slider's and the switch's arms ties, as the page's address names them.
SLIDER_TIE, SWITCH_TIE = "arms.tur_aze_arms", "arms.isr_aze_arms"


def ran(expect: dict[str, str | float]) -> str:
    """A check that the page shows the run of the controls' settings, and that run's address
    has these values (``""``: not in the address, the scenario's own; a number: that number).

    A page that marks its run (``data-query`` on it, class ``stale`` while it is not the
    controls' own, ``fresh`` once it is) must show a fresh run of exactly these settings: a
    check on the heading or a label alone passes on the page of a moment between two
    messages, the new heading beside the previous run not yet marked stale. A page without
    the marks (an older app) shows its results when it shows the controls.
    """
    return f"window.__ran({json.dumps(expect)})"


def heading(week: int, steps: int = 8, **expect: str | float) -> str:
    """A check that the page says it is at ``week`` and shows that week's run."""
    run = ran({"week": str(week) if week else "", **expect})
    return f"document.body.innerText.includes('Week {week} of {steps}') && {run}"


def israel_supplies(yes: bool) -> str:
    """A check on the outcome list of the run with Israel's arms on (or off): Israel supplied
    arms (or not)."""
    found = (
        "[...document.querySelectorAll('li')].some(li => (li.innerText.startsWith('Israel ')"
        " && li.innerText.includes('supplied arms')) || (li.innerText.startsWith('Arms "
        "delivered') && li.innerText.includes('Israel')))"
    )
    return f"{ran({SWITCH_TIE: '' if yes else '0.0'})} && " + (found if yes else f"!{found}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(tree: Path) -> Iterator[tuple[str, psutil.Process]]:
    """``python -m sim app`` of the package in ``tree``, until the block ends."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(tree)}
    log = Path(tempfile.mkdtemp(prefix="bench-app-")) / "server.log"
    with log.open("wb") as out:  # a file, not a pipe: a pipe nobody reads stalls the server
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "app", "--port", str(port)],
            cwd=tree,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"app did not start: see {log}") from None
                time.sleep(0.3)
        yield url, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def tree_cpu(root: psutil.Process) -> float:
    """CPU seconds (user and system) a process and its children have used so far."""
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        with suppress(psutil.NoSuchProcess):  # a child that ended while we looked
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def browser_cpu() -> float:
    """CPU seconds of the Chromium processes this script started (through Playwright)."""
    mine = psutil.Process().children(recursive=True)
    total = 0.0
    for proc in mine:
        with suppress(psutil.NoSuchProcess):
            if "chromium" in proc.name():
                times = proc.cpu_times()
                total += times.user + times.system
    return total


def tree_rss(root: psutil.Process) -> int:
    """Resident bytes of a process and its children."""
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        with suppress(psutil.NoSuchProcess):  # a child that ended while we looked
            total += proc.memory_info().rss
    return total


class MemoryWatch:
    """Peak resident memory of a process tree, sampled in a thread."""

    def __init__(self, root: psutil.Process) -> None:
        self.root, self.peak, self.stop = root, 0, threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self) -> None:
        while not self.stop.wait(0.25):
            self.peak = max(self.peak, tree_rss(self.root))

    def __enter__(self) -> MemoryWatch:
        self.peak = tree_rss(self.root)
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()


async def timed(page: Page, action: Any, check: str, timeout: float = 300) -> float:
    """Milliseconds from the click or key press ``action`` makes to ``check`` painted."""
    await page.evaluate("window.__t0 = 0")
    await action()
    waited = asyncio.ensure_future(page.evaluate("check => window.__until(check)", check))
    return float(await asyncio.wait_for(waited, timeout))


class TabStudent:
    """A student in a Chromium tab: clicks and key presses, each timed in the page until the
    result is painted (:func:`timed`)."""

    def __init__(self, page: Page, url: str) -> None:
        self.page, self.url = page, url
        self.slider: Any = None

    async def open(self) -> float:
        """Milliseconds from asking for the page to its heading at week 0."""
        start = time.perf_counter()
        await self.page.goto(self.url)
        await self.page.wait_for_function(heading(0), polling=50)
        return 1000 * (time.perf_counter() - start)

    async def press(self, button: str, check: str) -> float:
        return await timed(self.page, self.page.get_by_role("button", name=button).click, check)

    async def step(self, week: int) -> float:
        return await self.press("Step one week", heading(week))

    async def run_to_end(self) -> float:
        return await self.press("Run to the end", heading(8))

    async def reset(self) -> float:
        return await self.press("Reset", heading(0, **{SLIDER_TIE: "", SWITCH_TIE: ""}))

    async def compare(self) -> float:
        table = "document.body.innerText.includes('weeks at war (mean)')"
        return await self.press("Compare with the scenario as it is", table)

    async def slide(self, value: float) -> float:
        """Move the arms slider one notch down (a key press), to ``value``."""
        if self.slider is None:  # found by its label at the scenario's value, then focused
            label = self.page.get_by_text(f"{SLIDER_LABEL}: 1.00×")
            self.slider = label.locator("xpath=following::*[@role='slider'][1]")
            await self.slider.focus()
        shown = f"document.body.innerText.includes('{SLIDER_LABEL}: {value:.2f}×')"
        check = f"{shown} && {ran({SLIDER_TIE: value})}"
        return await timed(self.page, lambda: self.page.keyboard.press("ArrowLeft"), check)

    async def flip(self, cut: bool) -> float:
        """Cut Israel's arms deliveries (or restore them) with their switch."""
        switch = self.page.get_by_label(SWITCHES[0]).or_(self.page.get_by_label(SWITCHES[1]))
        return await timed(self.page, switch.click, israel_supplies(not cut))

    async def close(self) -> None:
        """Nothing to do: the browser closes its tabs."""


async def lesson(
    student: TabStudent | RemoteStudent,
    seed: int,
    think: float,
    late: float,
    out: dict[str, list[float]],
) -> None:
    """One student's lesson, ``late`` seconds after the first; milliseconds to ``out`` by kind.

    Open the page, step three weeks, move the arms slider three notches, cut Israel's arms and
    restore them, run to the end, reset, step, compare; a random think time between actions.
    """
    rng = random.Random(seed)
    await asyncio.sleep(late)

    async def pause() -> None:
        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    out["open"].append(await student.open())
    for week in (1, 2, 3):
        await pause()
        out["step"].append(await student.step(week))
    for value in (0.95, 0.90, 0.85):
        await pause()
        out["slider"].append(await student.slide(value))
    for cut in (True, False):
        await pause()
        out["switch"].append(await student.flip(cut))
    await pause()
    out["run to the end"].append(await student.run_to_end())
    await pause()
    out["step"].append(await student.reset())
    await pause()
    out["step"].append(await student.step(1))
    await pause()
    out["compare"].append(await student.compare())
    await student.close()


def _message(session: str, msg_type: str, content: dict[str, Any]) -> str:
    """A Jupyter message on the shell channel, as Solara's page sends it over its websocket."""
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session}
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "buffers": [],
            "channel": "shell",
        }
    )


def _decoded(frame: str | bytes) -> dict[str, Any]:
    """A message from the server: JSON text, or Solara's binary form (part count, offsets,
    the JSON message first, then its buffers, which a remote student does not need)."""
    if isinstance(frame, str):
        return dict(json.loads(frame))
    parts = struct.unpack("!i", frame[:4])[0]
    offsets = struct.unpack("!" + "I" * parts, frame[4 : 4 * (parts + 1)])
    end = offsets[1] if parts > 1 else len(frame)
    return dict(json.loads(frame[offsets[0] : end]))


#: A browser asks for compressed files; the server's compressing them is part of its work.
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br, zstd"}


class RemoteStudent:
    """A student whose browser runs on another machine: the page's websocket, no page drawn.

    It opens a session as Solara's page does (a ``solara.control`` comm asked to run the app
    at ``/``), keeps every widget's state as the server's ``comm_open``, ``update`` and
    ``comm_close`` messages give it, and clicks or sets a widget by sending the message the
    page would send. So the server does for it what it does for a tab, and only its drawing
    (on the student's own machine in a classroom) is missing from the 2 cores measured.
    """

    def __init__(self, url: str, assets: list[str]) -> None:
        self.url, self.assets, self.session = url, assets, str(uuid.uuid4())
        self.models: dict[str, dict[str, Any]] = {}
        self.root = ""
        self.changed = asyncio.Event()
        # The page as last walked, and the number of messages it had taken in: the checks
        # walk it once per message at most (their cost is this script's, on the same cores).
        self.messages, self.walked = 0, (-1, list[dict[str, Any]]())
        self.slider = ""  # the arms slider's widget, once found

    async def open(self) -> float:
        """Milliseconds to load the page's address (for its cookie) and the files a page loads,
        as a browser without a cache does, and to have the server run the app to its heading at
        week 0."""
        start = time.perf_counter()

        def cookies() -> str:
            page = urllib.request.Request(self.url, headers=BROWSER_HEADERS)
            with urllib.request.urlopen(page, timeout=60) as reply:
                reply.read()
                sent = reply.headers.get_all("Set-Cookie") or []
                cookie = "; ".join(c.split(";", 1)[0] for c in sent)
            for asset in self.assets:  # serving them is part of a page's cost to the server
                ask = urllib.request.Request(asset, headers={"Cookie": cookie, **BROWSER_HEADERS})
                with urllib.request.urlopen(ask, timeout=300) as reply:
                    reply.read()
            return cookie

        cookie = await asyncio.to_thread(cookies)
        kernel = uuid.uuid4()
        where = urllib.parse.urlsplit(self.url).netloc
        self.socket = await websockets.connect(
            f"ws://{where}/jupyter/api/kernels/{kernel}/channels?session_id={self.session}",
            additional_headers={"Cookie": cookie} if cookie else None,
            max_size=None,
            open_timeout=300,
        )
        self.reader = asyncio.ensure_future(self._read())
        control = str(uuid.uuid4())
        opened = {"comm_id": control, "target_name": "solara.control", "data": {}}
        await self.socket.send(_message(self.session, "comm_open", opened))
        args = {"path": "/", "dark": False, "themes": {}, "appName": None}
        run = {"comm_id": control, "data": {"method": "run", "args": args}}
        await self.socket.send(_message(self.session, "comm_msg", run))
        await self.until(self.at(0))
        await self.located()
        return 1000 * (time.perf_counter() - start)

    async def located(self) -> None:
        """Tell the page's router the address, as a page does once it is shown."""
        router = self.widget("VuetifyTemplateModel", "", lambda s: "location" in s)
        update = {"method": "update", "state": {"location": "/"}, "buffer_paths": []}
        content = {"comm_id": router, "data": update}
        await self.socket.send(_message(self.session, "comm_msg", content))

    async def close(self) -> None:
        self.reader.cancel()
        await self.socket.close()

    async def _read(self) -> None:
        async for frame in self.socket:
            message = _decoded(frame)
            kind, content = message["header"]["msg_type"], message.get("content", {})
            data = content.get("data", {})
            if kind == "comm_open":
                self.models[content["comm_id"]] = dict(data.get("state", {}))
            elif kind == "comm_close":
                self.models.pop(content["comm_id"], None)
            elif kind == "comm_msg" and content["comm_id"] in self.models:
                if data.get("method") in ("update", "echo_update"):
                    self.models[content["comm_id"]].update(data.get("state", {}))
            elif kind == "comm_msg" and data.get("method") == "finished":
                self.root = data.get("widget_id", "")
            self.messages += 1
            self.changed.set()

    def shown(self) -> list[dict[str, Any]]:
        """The state of every widget on the page (reachable from its root), in page order."""
        if self.walked[0] == self.messages:
            return self.walked[1]
        seen: set[str] = set()
        out: list[dict[str, Any]] = []

        def visit(value: Any) -> None:
            if isinstance(value, str) and value.startswith("IPY_MODEL_"):
                key = value.removeprefix("IPY_MODEL_")
                if key in self.models and key not in seen:
                    seen.add(key)
                    out.append(self.models[key] | {"_id": key})
                    for name, child in self.models[key].items():
                        if name not in ("layout", "style"):
                            visit(child)
            elif isinstance(value, list):
                for item in value:
                    visit(item)
            elif isinstance(value, dict):
                for item in value.values():
                    visit(item)

        if self.root:
            visit("IPY_MODEL_" + self.root)
        self.walked = (self.messages, out)
        return out

    def text(self) -> str:
        """The page's words: every widget's text children, value and label."""
        words = []
        for state in self.shown():
            for name in ("children", "value", "label"):
                value = state.get(name)
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and not item.startswith("IPY_MODEL_"):
                        words.append(item)
        return "\n".join(words)

    def ran(self, expect: dict[str, str | float]) -> bool:
        """As the page's ``window.__ran``: the one run shown is fresh, of these settings."""
        runs = [s for s in self.shown() if "data-query" in (s.get("attributes") or {})]
        fresh = [s for s in runs if s.get("class_") == "fresh"]
        if len(fresh) != 1 or len(runs) != 1:
            return False
        query = urllib.parse.parse_qs(fresh[0]["attributes"]["data-query"])
        for key, want in expect.items():
            have = query.get(key, [""])[0]
            if isinstance(want, float) and not (have and abs(float(have) - want) < 1e-6):
                return False
            if isinstance(want, str) and have != want:
                return False
        return True

    def widget(self, model: str, says: str, test: Any = lambda state: True) -> str:
        """The id of the first widget of kind ``model`` whose label or children hold ``says``
        (and whose state passes ``test``)."""
        for state in self.shown():
            words = json.dumps([state.get("label"), state.get("children")], ensure_ascii=False)
            if state.get("_model_name") == model and test(state) and says in words:
                return str(state["_id"])
        raise LookupError(f"no {model} saying {says!r} on the page")

    def slider_after(self, label: str) -> str:
        """The id of the first slider after the widget whose text is ``label``."""
        shown = self.shown()
        at = next(i for i, s in enumerate(shown) if s.get("children") == [label])
        return str(next(s["_id"] for s in shown[at:] if s.get("_model_name") == "SliderModel"))

    async def until(self, done: Callable[[], bool]) -> None:
        """Wait for the server's messages until ``done()`` holds."""
        while not done():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 300)

    async def timed(self, model: str, data: dict[str, Any], done: Callable[[], bool]) -> float:
        """Milliseconds from sending ``data`` to widget ``model`` until ``done()`` holds."""
        start = time.perf_counter()
        content = {"comm_id": model, "data": data}
        await self.socket.send(_message(self.session, "comm_msg", content))
        await self.until(done)
        return 1000 * (time.perf_counter() - start)

    def at(self, week: int, **expect: str | float) -> Callable[[], bool]:
        """A check: the page says it is at ``week`` and shows that week's run (as
        :func:`heading`)."""
        run = {"week": str(week) if week else "", **expect}
        return lambda: f"Week {week} of 8" in self.text() and self.ran(run)

    async def press(self, button: str, done: Callable[[], bool]) -> float:
        return await self.timed(self.widget("BtnModel", button), CLICK, done)

    async def step(self, week: int) -> float:
        return await self.press("Step one week", self.at(week))

    async def run_to_end(self) -> float:
        return await self.press("Run to the end", self.at(8))

    async def reset(self) -> float:
        return await self.press("Reset", self.at(0, **{SLIDER_TIE: "", SWITCH_TIE: ""}))

    async def compare(self) -> float:
        return await self.press(
            "Compare with the scenario as it is", lambda: "weeks at war (mean)" in self.text()
        )

    async def slide(self, value: float) -> float:
        """Set the arms slider (found after its label at the scenario's 1.00×) to ``value``."""
        if not self.slider:
            self.slider = self.slider_after(f"{SLIDER_LABEL}: 1.00×")

        def moved() -> bool:
            shown = f"{SLIDER_LABEL}: {value:.2f}×" in self.text()
            return shown and self.ran({SLIDER_TIE: value})

        return await self.timed(self.slider, set_to(value), moved)

    async def flip(self, cut: bool) -> float:
        """Cut Israel's arms deliveries (or restore them) with their switch."""
        says = next(words for words in SWITCHES if words in self.text())
        value = cut if says == SWITCHES[1] else not cut  # the older page's switch said "cut"
        done = lambda: self.ran({SWITCH_TIE: "0.0" if cut else ""})  # noqa: E731
        return await self.timed(self.widget("SwitchModel", says), set_to(value), done)


CLICK = {"method": "custom", "content": {"event": "click", "data": {}}}


def set_to(value: Any) -> dict[str, Any]:
    """The message a page sends when a slider or switch takes ``value``."""
    return {"method": "update", "state": {"v_model": value}, "buffer_paths": []}


async def page_files(browser: Any, url: str) -> list[str]:
    """The files (scripts, styles, fonts) a page of the app asks its server for when it opens,
    the page's own address excepted, found by opening one in a context of its own."""
    asked: list[str] = []
    context = await browser.new_context()
    page = await context.new_page()
    await page.add_init_script(TIMING)
    page.on("request", lambda r: asked.append(r.url))
    await page.goto(url)
    await page.wait_for_function(heading(0), polling=50)
    # The charts' script is asked for after the heading shows: wait until they are drawn.
    await page.wait_for_selector("canvas")
    await page.wait_for_load_state("networkidle")
    await context.close()
    return [a for a in asked if a.startswith(url) and a != url]


async def classroom(
    url: str, tabs: int, remote: int, think: float, stagger: float, seed: int
) -> dict[str, Any]:
    """``tabs`` students in Chromium tabs and ``remote`` whose browsers run elsewhere
    (:class:`RemoteStudent`), at once on one server; times by action, and outside requests.

    Students arrive ``stagger`` seconds apart; the tabs are spread evenly among them (one tab
    in a class of 30 arrives 15th), so that a tab's actions meet the class at work.
    """
    kinds = ("open", "step", "slider", "switch", "run to the end", "compare")
    out: dict[str, list[float]] = {k: [] for k in kinds}
    elsewhere: dict[str, list[float]] = {k: [] for k in kinds}
    outside: list[str] = []
    everyone = tabs + remote
    in_tabs = {int((k + 0.5) * everyone / tabs) for k in range(tabs)}  # all, if no remote
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        assets = await page_files(browser, url) if remote else []
        cpu, own = browser_cpu(), time.process_time()
        students = []
        for i in range(everyone):
            if i not in in_tabs:
                student = RemoteStudent(url, assets)
                students.append(lesson(student, seed + i, think, i * stagger, elsewhere))
                continue
            context = await browser.new_context(viewport={"width": 1920, "height": 1080})
            page = await context.new_page()
            # 30 tabs of Chromium share the 2 cores with the server: actions wait their turn.
            page.set_default_timeout(300_000)
            await page.add_init_script(TIMING)
            page.on(
                "request",
                lambda r: (
                    None
                    if r.url.startswith(("http://127.0.0.1", "blob:", "data:"))
                    else outside.append(r.url)
                ),
            )
            students.append(lesson(TabStudent(page, url), seed + i, think, i * stagger, out))
        start = time.perf_counter()
        await asyncio.gather(*students)
        wall = time.perf_counter() - start
        used = browser_cpu() - cpu  # before closing: a closed tab's CPU is no longer counted
        await browser.close()
    return {
        "times": out,
        "remote_times": elsewhere,
        "outside": outside,
        "wall": wall,
        "browser_cpu": used,
        "bench_cpu": time.process_time() - own,
    }


def summary(times: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {
        kind: {
            "n": len(ms),
            "median": statistics.median(ms),
            "p90": sorted(ms)[int(0.9 * (len(ms) - 1))],
            "max": max(ms),
        }
        for kind, ms in times.items()
        if ms
    }


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def unpack(rev: str, into: Path) -> Path:
    """The tree of commit ``rev``, unpacked into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def draw_times(repeats: int) -> dict[str, float]:
    """Median ms per click of the two ways of drawing, on the classroom scenario at week 4."""
    import matplotlib as mpl

    from sim.loading.builtin import builtin_scenarios
    from sim.loading.scenarios import load_scenario
    from sim.presentation.classroom import (
        apply_settings,
        default_settings,
        live_figure,
        network_now,
        new_model,
        stored_from_model,
    )
    from sim.presentation.live_view import network_option, weekly_option
    from sim.presentation.plot_base import STYLE

    loaded = load_scenario(builtin_scenarios()["classroom"])
    applied = apply_settings(loaded, default_settings(loaded))
    model = new_model(applied)
    for _ in range(4):
        model.step()
    stored = stored_from_model(applied, model)

    def png() -> None:  # what app.py did, and solara.FigureMatplotlib(format="png") does
        with mpl.rc_context(STYLE):
            network = network_now(stored)
            network.supxlabel("")
            for figure in (network, live_figure(stored)):
                figure.savefig(io.BytesIO(), format="png", dpi=100)

    def echarts() -> None:  # what the app does now: two options, sent as JSON
        json.dumps([network_option(stored), weekly_option(stored)])

    times: dict[str, list[float]] = {"matplotlib png": [], "echarts option": []}
    for _ in range(repeats):  # interleaved, so both see the same load
        for name, draw in (("matplotlib png", png), ("echarts option", echarts)):
            start = time.perf_counter()
            draw()
            times[name].append(1000 * (time.perf_counter() - start))
    return {name: statistics.median(ms) for name, ms in times.items()}


def measure(key: str, tree: Path, tabs: int, args: argparse.Namespace) -> dict[str, Any]:
    """One lesson of ``tabs`` tabs (and ``args.remote`` remote students) on a fresh server of
    ``tree``; prints and returns its figures."""
    with server(tree) as (url, proc), MemoryWatch(proc) as memory:
        idle, cpu, before = tree_rss(proc), tree_cpu(proc), load()
        run = asyncio.run(classroom(url, tabs, args.remote, args.think, args.stagger, args.seed))
        run["server_cpu"] = tree_cpu(proc) - cpu
    stats = summary(run["times"])
    remote = summary(run["remote_times"]) if args.remote else {}
    actions = sum(s["n"] for kind, s in [*stats.items(), *remote.items()] if kind != "open")
    print(f"\n{key}: load {before} -> {load()}, lesson wall {run['wall']:.1f} s")
    print(
        f"  CPU seconds: server {run['server_cpu']:.1f} ({tabs + args.remote} opens and"
        f" {actions:.0f} actions), Chromium {run['browser_cpu']:.1f},"
        f" this script {run['bench_cpu']:.1f}"
    )
    print(f"  server RSS idle {idle / 2**20:.0f} MB, peak {memory.peak / 2**20:.0f} MB")
    print(f"  requests leaving 127.0.0.1: {len(run['outside'])} {run['outside'][:3]}")
    for title, figures in (("in Chromium", stats), ("browsers elsewhere", remote)):
        if figures and args.remote:
            print(f"  {title}:")
        for kind, s in figures.items():
            print(
                f"  {kind:15} n={s['n']:3.0f}  median {s['median']:7.0f} ms"
                f"  p90 {s['p90']:7.0f}  max {s['max']:7.0f}"
            )
    return {**run, "summary": stats, "remote_summary": remote, "peak_rss_mb": memory.peak / 2**20}


def session_clicks(sessions: int, rounds: int) -> dict[str, float]:
    """The server's side alone: ``sessions`` pages rendered in this process, stepped in turn.

    Solara's test renderer (``solara.render``) builds each page as the server does for a tab,
    without a browser or websocket; each session then clicks "Step one week" once per round,
    round after round, and each click is timed until the page shows the new week's run (a
    page that works its run out in a thread marks it ``fresh`` with its address), or to the
    end of the click's render on a page without the marks. The memory is this process's
    resident set: before, with every page open, and at the end. ``REACTON_FAST=1`` in the
    environment gives the renderer ``alliance-sim app`` serves with.
    """
    import ipyvuetify as v
    import solara
    from solara.routing import Router, router_context

    from sim.presentation.app import Page

    @solara.component
    def Routed() -> None:  # the page sets its address: it needs a router, as the server gives
        location = solara.use_reactive("/")
        router_context.provide(Router(location.value, [], location.set))
        Page()

    me = psutil.Process()
    rss = [me.memory_info().rss]
    start = time.perf_counter()
    pages = [solara.render(Routed(), handle_error=False)[1] for _ in range(sessions)]
    opened = time.perf_counter() - start
    rss.append(me.memory_info().rss)
    buttons = [page.find(v.Btn, children=["Step one week"]).widget for page in pages]

    def shown(page: Any, week: int) -> bool:
        runs = [w for w in page.find(v.Html, tag="div").widgets if w.class_ in ("fresh", "stale")]
        return not runs or (
            runs[0].class_ == "fresh" and f"week={week}" in runs[0].attributes["data-query"]
        )

    ms = []
    for week in range(1, rounds + 1):
        for page, button in zip(pages, buttons, strict=True):
            start = time.perf_counter()
            button.click()
            while not shown(page, week):
                time.sleep(0.001)
            ms.append(1000 * (time.perf_counter() - start))
    rss.append(me.memory_info().rss)
    return {
        "open_s_per_page": opened / sessions,
        "click_median_ms": statistics.median(ms),
        "click_p90_ms": sorted(ms)[int(0.9 * (len(ms) - 1))],
        "rss_mb_before": rss[0] / 2**20,
        "rss_mb_open": rss[1] / 2**20,
        "rss_mb_end": rss[2] / 2**20,
    }


def sessions_of(tree: Path, sessions: int, rounds: int) -> dict[str, float]:
    """:func:`session_clicks` in a fresh interpreter that imports ``tree``'s package."""
    env = {**os.environ, "BENCH_APP_TREE": str(tree)}
    command = [sys.executable, __file__, "--sessions-only", str(sessions), str(rounds)]
    out = subprocess.run(command, env=env, cwd=tree, check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, nargs="*", default=[1, 30], help="none: no browser")
    parser.add_argument("--baseline", help="also serve this commit's tree (e.g. ca83662)")
    parser.add_argument("--baseline-tabs", type=int, nargs="+", help="default: --tabs")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between actions")
    parser.add_argument(
        "--stagger", type=float, default=1.0, help="seconds between two tabs' first visit"
    )
    parser.add_argument(
        "--remote",
        type=int,
        default=0,
        help="add N students whose browsers run elsewhere (the page's messages, no drawing)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--draw", action="store_true", help="time the two drawing paths")
    parser.add_argument("--json", type=Path, help="write every time here")
    parser.add_argument(
        "--sessions", type=int, default=0, help="also time the server alone with N sessions"
    )
    parser.add_argument("--sessions-only", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sessions_only:  # the child process of sessions_of
        print(json.dumps(session_clicks(*args.sessions_only)))
        return
    print(f"{psutil.cpu_count()} cores; load {load()}")
    results: dict[str, Any] = {}
    if args.draw:
        drawn = draw_times(15)
        ratio = drawn["matplotlib png"] / drawn["echarts option"]
        print(f"drawing per click (median of 15): {drawn}; ratio {ratio:.0f}x; load {load()}")
        results["draw"] = drawn
    with tempfile.TemporaryDirectory(prefix="bench-app-baseline-") as tmp:
        apps = [("this tree", ROOT, args.tabs)]
        if args.baseline:
            tabs = args.baseline_tabs or args.tabs
            apps.append((f"baseline {args.baseline}", unpack(args.baseline, Path(tmp)), tabs))
        if args.sessions:
            for name, tree, _ in apps:
                figures = sessions_of(tree, args.sessions, 3)
                results[f"{name}, {args.sessions} sessions without a browser"] = figures
                print(f"\n{name}, {args.sessions} sessions in one process (load {load()}):")
                print("  " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()))
        # By number of tabs, each app in turn: a comparison sees about the same machine load.
        for tabs in sorted({n for _, _, counts in apps for n in counts}):
            for name, tree, counts in apps:
                if tabs in counts:
                    key = f"{name}, {tabs} tab{'s' * (tabs > 1)}"
                    if args.remote:
                        key += f" and {args.remote} students' browsers elsewhere"
                    results[key] = measure(key, tree, tabs, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
