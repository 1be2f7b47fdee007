"""The classroom page rendered in this process by Solara's test renderer, without a browser.

A click must change the widgets already on the page, not build them anew: every new widget is
a message to the browser, and a new chart is a new ECharts instance set up there, which made
each click cost the browser several hundred milliseconds of work.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import ipyvuetify as v
import pytest
import solara
from solara.components.echarts import EchartsWidget
from solara.routing import Router, router_context

from sim.presentation.app import Page
from sim.presentation.controls import Lever


@solara.component
def Routed() -> None:
    """The page under a router, as the server gives it one; the address the page sets is kept."""
    location = solara.use_reactive("/")
    router_context.provide(Router(location.value, [], location.set))
    Page()


def shown_query(rc: solara.RenderContext) -> str | None:
    """The address of the run on the page if it is the controls' own (None while stale)."""
    runs = [w for w in rc.find(v.Html, tag="div").widgets if w.class_ in ("fresh", "stale")]
    if len(runs) != 1 or runs[0].class_ != "fresh":
        return None
    return str(runs[0].attributes["data-query"])


def settle(rc: solara.RenderContext, done: Callable[[str], bool], timeout: float = 60) -> None:
    """Wait for the run the page works out in a thread, until its address passes ``done``."""
    deadline = time.monotonic() + timeout
    while (query := shown_query(rc)) is None or not done(query):
        if time.monotonic() > deadline:
            pytest.fail(f"the page did not show the run asked for; it shows {query!r}")
        time.sleep(0.01)


@pytest.fixture(params=["default", "fast"], autouse=True)
def renderer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reacton's default renderer, and the one ``alliance-sim app`` serves with."""
    monkeypatch.setenv("REACTON_FAST", "1" if request.param == "fast" else "0")


def charts(rc: solara.RenderContext) -> list[EchartsWidget]:
    return list(rc.find(EchartsWidget).widgets)


def test_a_click_updates_the_pictures_in_place() -> None:
    rc = solara.render(Routed(), handle_error=False)[1]
    settle(rc, lambda query: "week=" not in query)
    before = charts(rc)
    assert len(before) == 2
    rc.find(v.Btn, children=["Step one week"]).widget.click()
    settle(rc, lambda query: "week=1" in query)
    titles = [str(chart.option["title"]) for chart in before]
    assert sum("Network at week 1" in title for title in titles) == 1
    israel = [w for w in rc.find(v.Switch).widgets if w.label.startswith("Israel → Azerbaijan")]
    israel[0].v_model = False
    settle(rc, lambda query: "arms.isr_aze_arms=0.0" in query)
    # The same two chart widgets, given the new options: not two new charts.
    assert [id(chart) for chart in charts(rc)] == [id(chart) for chart in before]
    rc.close()


def test_a_step_leaves_the_controls_alone() -> None:
    rc = solara.render(Routed(), handle_error=False)[1]
    settle(rc, lambda query: "week=" not in query)
    levers = Lever.render_count
    rc.find(v.Btn, children=["Step one week"]).widget.click()
    settle(rc, lambda query: "week=1" in query)
    # The sliders' settings did not change: none of them was rendered again.
    assert Lever.render_count == levers
    rc.close()
