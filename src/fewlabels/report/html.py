"""A self-contained HTML page: inline CSS, inline images, every user string escaped."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["Section", "esc", "figure_to_img", "render_page", "table"]


@dataclass
class Section:
    """One titled part of a report; ``body`` is trusted HTML built with :func:`esc`."""

    title: str
    body: str
    anchor: str = ""


def esc(value: Any) -> str:
    """Escape any value for HTML text or attribute use."""
    return html.escape(str(value), quote=True)


def table(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], numeric_cols: Iterable[int] = ()
) -> str:
    """An HTML table; every cell is escaped."""
    right = set(numeric_cols)
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(c)}</td>' if i in right else f"<td>{esc(c)}</td>"
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure_to_img(fig: Any, alt: str) -> str:
    """A matplotlib Figure as an inline PNG ``<img>``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def render_page(title: str, sections: Sequence[Section], subtitle: str = "") -> str:
    """The full HTML document."""
    css = resources.files("fewlabels.report").joinpath("report.css").read_text(encoding="utf-8")
    nav = "".join(
        f'<a href="#{esc(s.anchor or f"s{i}")}">{esc(s.title)}</a>' for i, s in enumerate(sections)
    )
    body = "".join(
        f'<section id="{esc(s.anchor or f"s{i}")}"><h2>{esc(s.title)}</h2>{s.body}</section>'
        for i, s in enumerate(sections)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{css}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p><nav>{nav}</nav></header>"
        f"<main>{body}</main></body></html>"
    )
