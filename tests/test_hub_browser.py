"""A class session in real browsers: a teacher and six students, each playing one state.

Starts ``alliance-sim hub classroom`` on a free port and drives Debian's Chromium with
Playwright: one browser context for the teacher and one per student, as on seven computers.
Screenshots go to pytest's temporary folder; the test prints where.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import CHROMIUM, LAUNCH_ARGS, serving

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium (apt-get install chromium)"
)
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")

#: What each student picks in week 1 of the classroom scenario, decision by decision: the
#: belligerents settle or fight on, the others stay out, mediate or surge arms.
WEEK_ONE = {
    "Armenia": ["Seek a ceasefire"],
    "Azerbaijan": ["Fight on"],
    "Iran": ["Stay out"],
    "Israel": ["Stay out", "Surge arms to Azerbaijan"],
    "Russia": ["Mediate", "No extra arms"],
    "Turkey": ["Stay out", "No extra arms"],
}


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving("hub", tmp_path_factory.mktemp("hub"), "classroom") as url:
        yield url


def week_shown(page, week: int) -> None:
    playwright_api.expect(page.get_by_text(f"Week {week} of 8").first).to_be_visible(timeout=20_000)


@pytest.mark.slow
def test_a_class_of_six_plays_the_states_and_gets_a_debrief(hub_url: str, tmp_path: Path) -> None:
    expect = playwright_api.expect
    print(f"\nscreenshots in {tmp_path}")
    requests: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:

            def new_page(width: int = 1280, height: int = 900):
                context = browser.new_context(viewport={"width": width, "height": height})
                context.on("request", lambda request: requests.append(request.url))
                return context.new_page()

            # The teacher opens a class of the scenario the command was given.
            teacher = new_page(1600, 1000)
            teacher.goto(f"{hub_url}/")
            teacher.get_by_role("button", name="I am the teacher: open a class").click()
            expect(teacher).to_have_url(f"{hub_url}/teacher", timeout=20_000)
            expect(teacher.get_by_text("classroom", exact=True)).to_be_visible(timeout=20_000)
            expect(teacher.get_by_label("Students per state (a team shares one)")).to_have_value(
                "1"
            )
            teacher.get_by_label("Model runs for the debrief").fill("10")
            teacher.get_by_role("button", name="Open the class").click()
            code_box = teacher.locator(".join-code")
            expect(code_box).to_be_visible(timeout=20_000)
            code = code_box.inner_text().strip()
            week_shown(teacher, 0)
            teacher.screenshot(path=tmp_path / "1-teacher-open.png")

            # A wrong code is one line; then six students join, one state each.
            students = {}
            first = new_page()
            first.goto(f"{hub_url}/join")
            first.get_by_label("Class code (on the projector)").fill("ZZZZ")
            expect(first.get_by_text("no class has the code 'ZZZZ'")).to_be_visible(timeout=20_000)
            for number, state in enumerate(WEEK_ONE):
                page = first if number == 0 else new_page()
                if number:
                    page.goto(f"{hub_url}/join")
                page.get_by_label("Class code (on the projector)").fill(code)
                page.get_by_label("Your name").fill(f"Student {number + 1}")
                page.get_by_role("button", name=state, exact=True).click()
                expect(page.get_by_text(f"You are {state}")).to_be_visible(timeout=20_000)
                students[state] = page
            # A state already held cannot be taken from another computer.
            late = new_page()
            late.goto(f"{hub_url}/join")
            late.get_by_label("Class code (on the projector)").fill(code)
            late.get_by_label("Your name").fill("Late")
            expect(late.get_by_role("button", name="Armenia (Student 1)")).to_be_disabled(
                timeout=20_000
            )
            expect(teacher.get_by_role("cell", name="Student 6")).to_be_visible(timeout=20_000)

            # Week 0 has nothing to decide (the offensive comes with it): the teacher moves on.
            expect(students["Iran"].get_by_text("Iran has nothing to decide")).to_be_visible()
            teacher.get_by_role("button", name="Next week").click()
            week_shown(teacher, 1)
            for page in students.values():
                week_shown(page, 1)
            armenia = students["Armenia"]
            expect(armenia.get_by_role("button", name="Seek a ceasefire")).to_be_visible()
            expect(armenia.get_by_text("model: utility").first).to_be_visible()
            # A student sees their own state's options only.
            assert armenia.get_by_role("button", name="Mediate").count() == 0
            armenia.screenshot(path=tmp_path / "2-student-options.png")

            # Everyone but Turkey chooses: the teacher sees their choices, Turkey still choosing.
            for state, options in WEEK_ONE.items():
                if state == "Turkey":
                    continue
                for option in options:
                    students[state].get_by_role("button", name=option).click()
                    # The pick shows at once on the student's page.
                    picked = students[state].locator(".picked", has_text=option)
                    expect(picked).to_be_visible()
                expect(students[state].get_by_text("Chosen by").first).to_be_visible()
            # The teacher's page catches up within a look or two at the class.
            expect(teacher.get_by_role("cell", name="choosing…")).to_have_count(1)
            expect(teacher.get_by_role("row").filter(has_text="Turkey").first).to_contain_text(
                "choosing…"
            )
            expect(teacher.get_by_role("cell", name="Mediate; No extra arms")).to_be_visible()
            assert "Mediate" not in armenia.locator("body").inner_text()
            teacher.screenshot(path=tmp_path / "3-teacher-choices.png")
            # Turkey chooses last, and the week advances by itself.
            turkey = students["Turkey"]
            turkey.get_by_role("button", name="Stay out").click()
            expect(turkey.locator(".picked", has_text="Stay out")).to_be_visible()
            turkey.get_by_role("button", name="No extra arms").click()
            week_shown(teacher, 2)
            expect(teacher.get_by_role("cell", name="Seek a ceasefire").first).to_be_visible()
            expect(teacher.get_by_role("cell", name="Mediate", exact=True)).to_be_visible()

            # Paused, a class that has chosen waits for the teacher.
            teacher.get_by_role("button", name="Pause").click()
            week_shown(armenia, 2)
            expect(armenia.get_by_text("(paused)")).to_be_visible(timeout=20_000)
            armenia.get_by_role("button", name="Fight on").click()
            expect(armenia.get_by_text("Chosen by Student 1")).to_be_visible()
            time.sleep(2 * 0.5 + 0.5)  # a few polls of the teacher's page
            week_shown(teacher, 2)
            teacher.get_by_role("button", name="Next week").click()
            week_shown(teacher, 3)
            teacher.get_by_role("button", name="Resume").click()

            # The teacher plays the rest; the model decides for whoever has not chosen.
            for week in range(4, 9):
                teacher.get_by_role("button", name="Next week").click()
                week_shown(teacher, week)
            expect(teacher.get_by_role("cell", name="weeks at war")).to_be_visible(timeout=30_000)
            expect(teacher.get_by_text("10 runs of the same scenario")).to_be_visible()
            expect(teacher.get_by_text("In your class's run").first).to_be_visible()
            teacher.set_viewport_size({"width": 1600, "height": 3000})
            teacher.screenshot(path=tmp_path / "4-debrief.png")
            for page in students.values():
                expect(page.get_by_text("The class has played every week")).to_be_visible(
                    timeout=20_000
                )
            # A student who leaves hands the state back to the model.
            students["Iran"].get_by_role("button", name="Leave the class").click()
            expect(students["Iran"].get_by_text("Join a class")).to_be_visible(timeout=20_000)
            iran = teacher.get_by_role("row").filter(has_text="Iran").first
            expect(iran).to_contain_text("the model decides", timeout=20_000)
            for page in [teacher, *students.values()]:
                assert "Traceback" not in page.locator("body").inner_text()
        finally:
            browser.close()
    # Offline: every request went to the hub on this computer (a blob: URL is the page's own
    # data, named after the page's origin).
    elsewhere = {url for url in requests if not url.removeprefix("blob:").startswith(hub_url)}
    assert requests and not elsewhere, elsewhere
    # Nor through the hub: the server fetches what solara-assets lacks (KaTeX, Mermaid, which
    # Markdown text asks for) from a public content network.
    fetched_outside = [url for url in requests if "katex" in url or "mermaid" in url]
    assert not fetched_outside, fetched_outside
