"""One self-contained HTML page: inline CSS, images embedded as base64, no external asset.

The sweep, comparison and discovery reports (:mod:`.report`, :mod:`.discovery_report`) are
written with these, so each can be sent as a single file.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

import pandas as pd

from sim.presentation.plot_base import NOTE_GREY

CSS = (
    "body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}"
    "img{max-width:100%;border:1px solid #ddd;margin:.5em 0}"
    "table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:right}th{background:#f0f0f0}.note{color:" + NOTE_GREY + "}"
)


def img(path: Path, alt: str) -> str:
    """An ``<img>`` element holding the PNG at ``path``, embedded."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def html_table(frame: pd.DataFrame, **kwargs: Any) -> str:
    """A table as HTML, numbers to four significant figures, missing values blank."""
    return frame.to_html(float_format=lambda v: f"{v:.4g}", na_rep="", border=0, **kwargs)


def write_html(path: Path, title: str, sections: list[tuple[str, str]]) -> Path:
    """Write one self-contained HTML page: inline CSS and images, no external asset."""
    body = "".join(f"<h2>{html.escape(h)}</h2>\n{content}\n" for h, content in sections)
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n"
        f"<body><h1>{html.escape(title)}</h1>\n{body}</body></html>\n"
    )
    path.write_text(page, encoding="utf-8")
    return path
