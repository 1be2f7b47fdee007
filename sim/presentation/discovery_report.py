"""Scenario discovery's figures and pages, and its sections in a sweep's report.

``alliance-sim discover`` (:mod:`sim.experiments.discovery`) writes its tables into a folder, by
default ``SWEEP/discovery/<condition>/``; the figures and ``discovery.html`` drawn here go in with
them. Each such folder also holds ``section.html``, a short account that the sweep's
``report.html`` shows under "Scenario discovery: <condition>" (added when discover runs, and
again whenever :func:`sim.presentation.report.sweep_report` rewrites the report).

Figures follow :mod:`sim.presentation.plots`: the object API, Okabe-Ito colours, large fonts.
"""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from sim.experiments.discovery import FOLDER, Discovery, format_qp, write_discovery
from sim.experiments.results import output_error
from sim.presentation.html_page import html_table, img, write_html
from sim.presentation.plot_base import CYCLE, NOTE_GREY, STYLE, save_png

#: Parameters shown in the feature-score figure (the table lists them all).
MAX_SCORE_BARS = 20
#: Rows of the trajectory table shown in discovery.html (trajectory.csv has them all).
MAX_TRAJECTORY_ROWS = 80
#: Marks around each discovery's block in the sweep's report.html.
DISCOVERY_START, DISCOVERY_END = "<!-- discovery -->", "<!-- /discovery -->"
#: What boxes mean, and do not, at the foot of every discovery page.
READING_BOXES = (
    "<ul>"
    "<li><b>Coverage</b>: the share of all runs meeting the condition that lie inside the box. "
    "<b>Density</b>: the share of the runs inside the box that meet it (the whole sweep's "
    "density is the share of all runs that do). <b>Mass</b>: the share of all runs inside "
    "the box. Peeling trades coverage for density: the analyst picks the box.</li>"
    "<li><b>Restricted parameters</b> are those whose range the box narrows; the others may "
    "take any value of the sweep's range. A restriction that keeps most of a range, or whose "
    "quasi-p-value is large, adds little and is usually dropped.</li>"
    "<li><b>Quasi-p-value</b> of a limit: the one-sided binomial probability of the box's "
    "density, or more, if that limit were lifted (Bryant &amp; Lempert 2010). Small means the "
    "limit matters. It is not a p-value of a test planned in advance (PRIM chose the limit "
    "from the same runs), and the replicates of a design point share its parameters and, by "
    "the sweep's common random numbers, their draws, so the runs are not independent cases.</li>"
    "<li><b>The ranges are the sweep's assumptions</b>, not evidence: a box says where, in the "
    "space the sweep chose to explore, the model gives the outcome; not how likely that "
    "region is in the world, nor that the model's mechanism is the world's.</li>"
    "<li><b>CART</b> asks the same question as a tree of if-then splits; its leaves are boxes "
    "too. <b>Feature scores</b> (extra-trees importances, summing to 1) rank the parameters by "
    "how much they tell the runs apart, interactions included; they give no direction.</li>"
    "</ul>"
)


def trajectory_figure(discovery: Discovery) -> Figure:
    """PRIM's peeling trajectory: coverage against density of every box, the chosen one ringed."""
    d = discovery
    trajectory = d.trajectory
    figure = Figure(figsize=(9, 6.5), layout="constrained")
    ax = figure.subplots()
    most = int(trajectory["restricted"].max())
    colours = mpl.colormaps["viridis"].resampled(most + 1)
    points = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["restricted"],
        cmap=colours,
        vmin=-0.5,
        vmax=most + 0.5,
        s=45,
        zorder=3,
    )
    figure.colorbar(points, ax=ax, label="restricted parameters", ticks=range(most + 1))
    chosen = trajectory.loc[d.chosen]
    ax.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=380,
        facecolors="none",
        edgecolors=CYCLE[1],
        linewidths=3,
        zorder=4,
        label=f"box {d.chosen} ({d.chosen_by})",
    )
    ax.axhline(d.share, color=NOTE_GREY, linestyle=":", linewidth=2, label="all runs")
    if d.settings.get("box") is None:
        ax.axvline(
            float(d.settings.get("min_coverage", 0.5)),
            color=NOTE_GREY,
            linestyle="--",
            linewidth=2,
            label="minimum coverage",
        )
    ax.set_xlim(0, 1.03)
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("coverage (share of the matching runs in the box)")
    ax.set_ylabel("density (share of the box's runs that match)")
    ax.legend(fontsize=11, loc="lower left")
    ax.set_title(f"PRIM: {d.condition}")
    return figure


def box_figure(discovery: Discovery, i: int | None = None) -> Figure:
    """The limits of box ``i`` (default: the chosen one) on each restricted parameter's range.

    Each parameter's bar is the sweep's range scaled to [0, 1]; the coloured part is what the
    box keeps, solid when a limit's quasi-p-value is below 0.05 and pale when not; the
    quasi-p-values of the low and the high limit are written on the right.
    """
    d = discovery
    i = d.chosen if i is None else i
    table = d.box(i).sort_values("qp", na_position="last")
    stats = d.stats(i)
    rows = max(1, len(table))
    figure = Figure(figsize=(11, 1.6 + 0.75 * rows), layout="constrained")
    ax = figure.subplots()
    for y, (_, row) in enumerate(table.iloc[::-1].iterrows()):
        span = (row["range_high"] - row["range_low"]) or 1.0
        low = (row["low"] - row["range_low"]) / span
        high = (row["high"] - row["range_low"]) / span
        ax.barh(y, 1.0, left=0.0, height=0.5, color="#e6e6e6")
        ax.barh(
            y,
            high - low,
            left=low,
            height=0.5,
            color=CYCLE[0],
            alpha=1.0 if row["significant"] else 0.35,
        )
        ax.text(low, y + 0.3, f"{row['low']:.3g}", ha="center", va="bottom", fontsize=11)
        ax.text(high, y + 0.3, f"{row['high']:.3g}", ha="center", va="bottom", fontsize=11)
        qps = [format_qp(row[f"qp_{side}"]) for side in ("low", "high")]
        ax.text(1.02, y, " | ".join(qps), ha="left", va="center", fontsize=12)
    ax.set_yticks(range(len(table)), [str(p) for p in table.index[::-1]], fontsize=12)
    ax.set_xlim(0, 1.3)
    ax.text(1.02, rows - 0.45, "qp: low | high", ha="left", va="center", fontsize=12)
    ax.set_ylim(-0.6, rows - 0.2)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("share of the sweep's range (0: its low end, 1: its high end)")
    ax.grid(False)
    if table.empty:
        ax.text(0.5, 0, "no restriction: this box holds every run", ha="center", va="center")
        ax.set_yticks([])
    ax.set_title(
        f"box {i}: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, "
        f"mass {stats['mass']:.3f}",
        fontsize=15,
    )
    figure.suptitle(f"{d.condition}", fontsize=17)
    return figure


def scores_figure(discovery: Discovery) -> Figure:
    """Feature scores (extra-trees importances) of the parameters, largest at the top."""
    scores = discovery.feature_scores.head(MAX_SCORE_BARS).iloc[::-1]
    figure = Figure(figsize=(10, 1.5 + 0.45 * len(scores)), layout="constrained")
    ax = figure.subplots()
    ax.barh(range(len(scores)), scores["score"], color=CYCLE[2])
    ax.set_yticks(range(len(scores)), list(scores["parameter"]), fontsize=12)
    ax.set_xlabel("importance (extra trees; all parameters sum to 1)")
    shown = len(discovery.feature_scores)
    more = "" if shown <= MAX_SCORE_BARS else f" (the {MAX_SCORE_BARS} of {shown} largest)"
    ax.set_title(f"Feature scores: {discovery.condition}{more}", fontsize=16)
    return figure


def cart_figure(discovery: Discovery) -> Figure:
    """The CART tree: each node's split, runs and runs meeting the condition (``value``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from sklearn.tree import plot_tree

    figure = Figure(figsize=(17, 8.5), layout="constrained")
    FigureCanvasAgg(figure)  # plot_tree measures its text with the canvas's renderer
    ax = figure.subplots()
    plot_tree(
        discovery.cart_model,
        ax=ax,
        feature_names=discovery.parameters,
        class_names=["no", "yes"],
        filled=True,
        impurity=False,
        rounded=True,
        precision=3,
        fontsize=11,
    )
    ax.set_title(
        f"CART: {discovery.condition} (value = [runs that do not meet it, runs that do])",
        fontsize=16,
    )
    return figure


def _box_table(discovery: Discovery, i: int | None = None) -> str:
    table = discovery.box(i)
    if table.empty:
        return "<p class='note'>No restriction: the box holds every run.</p>"
    return html_table(table.drop(columns=["qp"]))


def discovery_section(discovery: Discovery, images: dict[str, Path]) -> str:
    """The short account of a discovery that the sweep's report shows: box and trajectory."""
    d = discovery
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in d.describe_box())
    simpler = f"<p>The same box {html.escape(d.simpler())}.</p>" if d.simpler() else ""
    return (
        f"<p>{html.escape(d.summary())}</p>"
        + (f"<ul>{lines}</ul>" if lines else "")
        + simpler
        + img(images["box"], "box limits")
        + img(images["trajectory"], "PRIM trajectory")
    )


def discovery_page(discovery: Discovery, images: dict[str, Path]) -> list[tuple[str, str]]:
    """The sections of ``discovery.html``."""
    d = discovery
    settings = ", ".join(f"{k} {v}" for k, v in d.settings.items() if v is not None)
    items = {
        "sweep": f"{d.name}: {d.folder}",
        "condition": d.condition,
        "runs meeting it": f"{d.matches:,} of {d.runs:,} ({d.share:.1%})",
        "parameters": ", ".join(d.parameters),
        "chosen box": f"{d.chosen} ({d.chosen_by}) of {len(d.trajectory)} on the trajectory",
        "settings": settings,
        **({"notes": "; ".join(d.notes)} if d.notes else {}),
    }
    described = "".join(
        f"<tr><th>{html.escape(k)}</th><td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in items.items()
    )
    trajectory = d.trajectory.head(MAX_TRAJECTORY_ROWS)
    more = len(d.trajectory) - len(trajectory)
    return [
        ("Scenario discovery", f"<table>{described}</table>"),
        (
            f"Chosen box: {d.chosen}",
            f"<p>{html.escape(d.summary())}</p>"
            + img(images["box"], "box limits")
            + _box_table(d)
            + (f"<p>The same box {html.escape(d.simpler())}.</p>" if d.simpler() else ""),
        ),
        (
            "PRIM peeling trajectory",
            img(images["trajectory"], "PRIM trajectory")
            + html_table(trajectory)
            + (f"<p class='note'>{more} more box(es) in trajectory.csv.</p>" if more > 0 else "")
            + "<p class='note'>The limits of every box are in boxes.csv; pick another with "
            "--box N.</p>",
        ),
        (
            f"CART tree (depth {d.settings.get('cart_depth')})",
            img(images["cart"], "CART tree")
            + f"<pre>{html.escape(d.cart_rules)}</pre>"
            + html_table(d.cart_leaves),
        ),
        (
            "Feature scores",
            img(images["scores"], "feature scores") + html_table(d.feature_scores, index=False),
        ),
        ("Reading the boxes", READING_BOXES),
    ]


def discovery_report(
    discovery: Discovery, out: Path | None = None, *, force: bool = False
) -> tuple[Path, bool]:
    """Write a discovery's folder: its tables, PNGs, ``discovery.html`` and ``section.html``.

    Args:
        discovery: What :func:`sim.experiments.discovery.discover` found.
        out: The folder (default: ``SWEEP/discovery/<slug of the condition>``).
        force: Replace a folder that holds something.

    Returns:
        The folder, and whether the sweep's ``report.html`` now shows the discovery (it does
        when the folder is in ``SWEEP/discovery/`` and the sweep has a report).

    Raises:
        InputError: on ``out`` if it holds something and ``force`` is not given, or if it or
            the sweep's report cannot be written.
    """

    def draw(staging: Path) -> None:
        with mpl.rc_context(STYLE):
            images = {
                "trajectory": save_png(trajectory_figure(discovery), staging / "trajectory.png"),
                "box": save_png(box_figure(discovery), staging / "box.png"),
                "scores": save_png(scores_figure(discovery), staging / "feature_scores.png"),
                "cart": save_png(cart_figure(discovery), staging / "cart.png"),
            }
        title = f"Scenario discovery: {discovery.condition} ({discovery.name})"
        write_html(staging / "discovery.html", title, discovery_page(discovery, images))
        (staging / "section.html").write_text(
            discovery_section(discovery, images), encoding="utf-8"
        )

    folder = write_discovery(discovery, out, force=force, extra=draw)
    shown = False
    if (folder.resolve().parent == (discovery.folder / FOLDER).resolve()) and (
        discovery.folder / "report.html"
    ).is_file():
        shown = add_discoveries(discovery.folder)
    return folder, shown


def add_discoveries(folder: Path) -> bool:
    """Show every discovery stored in ``folder/discovery/`` in the sweep's ``report.html``.

    Replaces the discovery sections the report held before (they are marked), so that running
    it again, or after a discovery is redone or deleted, leaves one section per stored
    discovery, in the order of their folder names. The report is rewritten atomically.

    Returns:
        Whether the report exists (and was updated).

    Raises:
        InputError: if the report cannot be written.
    """
    import json
    import os
    import re

    report = folder / "report.html"
    try:
        page = report.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    page = re.sub(
        re.escape(DISCOVERY_START) + r".*?" + re.escape(DISCOVERY_END) + r"\n?",
        "",
        page,
        flags=re.DOTALL,
    )
    blocks = []
    for section in sorted((folder / FOLDER).glob("*/section.html")):
        try:
            content = section.read_text(encoding="utf-8")
            about = json.loads((section.parent / "discovery.json").read_text(encoding="utf-8"))
            condition = str(about["condition"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a discovery folder, or a damaged one: leave it out
        link = f"{FOLDER}/{section.parent.name}/discovery.html"
        blocks.append(
            f"{DISCOVERY_START}\n<h2>Scenario discovery: {html.escape(condition)}</h2>\n"
            f"{content}\n<p><a href='{html.escape(link)}'>The full analysis: trajectory, every "
            f"box, CART tree and feature scores</a></p>\n{DISCOVERY_END}\n"
        )
    end = page.rfind("</body>")
    if end < 0:
        return False
    page = page[:end] + "".join(blocks) + page[end:]
    temporary = report.with_name(f".{report.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, report)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise output_error(report, error, field="report.html") from None
    return True
