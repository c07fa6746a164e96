"""A self-contained HTML page: inline CSS, inline images, every user string escaped."""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["Section", "beside", "esc", "figure_layout", "figure_to_img", "render_page", "table"]


@dataclass
class Section:
    """One titled part of a report; ``body`` is trusted HTML built with :func:`esc`."""

    title: str
    body: str
    anchor: str = ""


def esc(value: Any) -> str:
    """Escape any value for HTML text or attribute use."""
    return html.escape(str(value), quote=True)


#: a table of more rows scrolls within a box of about that height
TALL_ROWS = 25


def table(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], numeric_cols: Iterable[int] = ()
) -> str:
    """An HTML table; every cell is escaped."""
    right = set(numeric_cols)
    rows = list(rows)
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
    # in a scroll wrapper: a table wider than the page scrolls inside it, the page does not;
    # a long one scrolls down too, under its header, so it does not push the rest away
    wrapper = "scroll tall" if len(rows) > TALL_ROWS else "scroll"
    return (
        f'<div class="{wrapper}"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def beside(ax: Any, **kwargs: Any) -> Any:
    """``ax``'s legend to the right of the plot, top-aligned, never over the data
    (``bbox_inches="tight"`` widens the saved picture to hold it). Keyword arguments go
    to :meth:`~matplotlib.axes.Axes.legend`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> _ = ax.plot([0, 1], [0, 1], label="model")
    >>> beside(ax, fontsize=8).get_texts()[0].get_text()
    'model'
    """
    options = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0}
    return ax.legend(**{**options, **kwargs})


#: resolution of the inline figures, and the padding ``bbox_inches="tight"`` leaves around them
FIGURE_DPI = 110
FIGURE_PAD_INCHES = 0.1


def figure_layout(fig: Any) -> dict[str, Any]:
    """Where the axes and legends of ``fig`` lie in the PNG that :func:`figure_to_img` saves.

    Boxes are ``[left, top, right, bottom]`` as fractions of the image (top-left origin, as
    in a browser), so a test can check the layout of a rendered report: a legend outside
    its plot, nothing cut off, legend text large enough once the page scales the image.
    ``width`` and ``height`` are the image's size in pixels; ``fontsize_px`` is the size of
    the legend's smallest text in image pixels; ``covers`` counts the data marks (line
    vertices, scatter points, bars) the legend hides.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(4, 3))
    >>> _ = fig.add_subplot().plot([0, 1], label="a line")
    >>> _ = fig.axes[0].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    >>> layout = figure_layout(fig)
    >>> (plot,), (legend,) = layout["axes"], layout["legends"]
    >>> legend["entries"], legend["covers"], legend["box"][0] > plot[2]  # right of the plot
    (1, 0, True)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    dpi = fig.dpi
    fig.set_dpi(FIGURE_DPI)  # text is measured at the saved resolution, as savefig does
    try:
        renderer = canvas.get_renderer()
        tight = fig.get_tightbbox(renderer).padded(FIGURE_PAD_INCHES)  # inches

        def box(extent: Any) -> list[float]:
            x0, y0 = extent.x0 / FIGURE_DPI, extent.y0 / FIGURE_DPI  # pixels -> inches
            x1, y1 = extent.x1 / FIGURE_DPI, extent.y1 / FIGURE_DPI
            return [
                round(float(v), 4)
                for v in (
                    (x0 - tight.x0) / tight.width,
                    (tight.y1 - y1) / tight.height,
                    (x1 - tight.x0) / tight.width,
                    (tight.y1 - y0) / tight.height,
                )
            ]

        axes, legends = [], []
        for i, ax in enumerate(fig.axes):
            axes.append(box(ax.get_window_extent(renderer)))
            legend = ax.get_legend()
            if legend is not None and legend.get_visible() and legend.get_texts():
                size = min(t.get_fontsize() for t in legend.get_texts())  # points
                legends.append(
                    {
                        "axes": i,
                        "box": box(legend.get_window_extent(renderer)),
                        "fontsize_px": round(size * FIGURE_DPI / 72, 2),
                        "entries": len(legend.get_texts()),
                        "covers": _data_under(ax, legend.get_window_extent(renderer)),
                    }
                )
    finally:
        fig.set_dpi(dpi)
    return {
        "width": round(float(tight.width) * FIGURE_DPI),
        "height": round(float(tight.height) * FIGURE_DPI),
        "axes": axes,
        "legends": legends,
    }


def _data_under(ax: Any, box: Any) -> int:
    """How many of ``ax``'s data marks lie under ``box`` (display pixels): the vertices of
    its lines, the points of its scatters and error bars, and its bars. Spans across the
    whole plot (``axvspan``, ``axhspan``) are background, not data."""
    import numpy as np
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.patches import Rectangle

    def inside(xy: Any) -> int:
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        xy = xy[np.isfinite(xy).all(axis=1)]
        return int(
            (
                (xy[:, 0] >= box.x0)
                & (xy[:, 0] <= box.x1)
                & (xy[:, 1] >= box.y0)
                & (xy[:, 1] <= box.y1)
            ).sum()
        )

    n = 0
    for line in ax.get_lines():
        if line.get_visible() and len(line.get_xydata()):
            n += inside(line.get_transform().transform(line.get_xydata()))
    for coll in ax.collections:
        if not coll.get_visible():
            continue
        if isinstance(coll, PathCollection):  # scatter points
            n += inside(coll.get_offset_transform().transform(coll.get_offsets()))
        elif isinstance(coll, LineCollection):  # error bars
            for seg in coll.get_segments():
                n += inside(coll.get_transform().transform(seg))
    plot = ax.get_window_extent()
    for patch in ax.patches:
        if not (patch.get_visible() and isinstance(patch, Rectangle)):
            continue
        ext = patch.get_window_extent()
        if ext.width >= 0.99 * plot.width or ext.height >= 0.99 * plot.height:
            continue  # a span
        if ext.width > 0 and ext.height > 0 and ext.overlaps(box):
            n += 1
    return n


def figure_to_img(fig: Any, alt: str) -> str:
    """A matplotlib Figure as an inline PNG ``<img>``; its ``data-layout`` attribute holds
    :func:`figure_layout`, for the browser test of the report's layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(
        buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight", pad_inches=FIGURE_PAD_INCHES
    )
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    layout = json.dumps(figure_layout(fig), separators=(",", ":"))
    return f'<img alt="{esc(alt)}" data-layout="{esc(layout)}" src="data:image/png;base64,{data}">'


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
