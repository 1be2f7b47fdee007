"""Text on the classroom pages as plain HTML elements: headings, paragraphs, lists, tables.

Not ``solara.Markdown``: it loads KaTeX and Mermaid from a content network each time a text
is shown, a request that leaves the machine (or fails offline). These build the elements
directly, and every text goes in as a text node, so a scenario's name or question from an
uploaded file is shown as it is, never read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import solara
from solara.alias import rv as v


@solara.component
def Heading(text: str, level: int = 2) -> None:
    """A heading ``<h1>`` to ``<h6>``."""
    v.Html(tag=f"h{level}", children=[text])


@solara.component
def Paragraph(text: str, bold: bool = False) -> None:
    """A paragraph, all of it bold if ``bold``."""
    v.Html(tag="p", children=[v.Html(tag="strong", children=[text]) if bold else text])


@solara.component
def Bullets(lines: Sequence[str]) -> None:
    """A bulleted list, one item per line."""
    v.Html(tag="ul", children=[v.Html(tag="li", children=[line]) for line in lines])


@solara.component
def Table(table: pd.DataFrame, index_name: str, cells: Sequence[Sequence[str]]) -> None:
    """A table: the index as its first column, ``cells`` the texts of the other columns."""
    head = v.Html(
        tag="tr",
        children=[v.Html(tag="th", children=[str(name)]) for name in (index_name, *table.columns)],
    )
    rows = [
        v.Html(
            tag="tr",
            children=[
                v.Html(tag="td", children=[str(name)]),
                *(v.Html(tag="td", children=[cell], class_="number") for cell in row),
            ],
        )
        for name, row in zip(table.index, cells, strict=True)
    ]
    v.Html(tag="table", children=[v.Html(tag="thead", children=[head]), *rows])


@solara.component
def Grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A table of texts: a header row, then one row per entry."""
    head = v.Html(tag="tr", children=[v.Html(tag="th", children=[str(h)]) for h in header])
    body = [
        v.Html(tag="tr", children=[v.Html(tag="td", children=[str(cell)]) for cell in row])
        for row in rows
    ]
    v.Html(tag="table", children=[v.Html(tag="thead", children=[head]), *body])
