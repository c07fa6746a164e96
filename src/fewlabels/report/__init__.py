"""Self-contained HTML reports."""

from .html import Section, beside, esc, figure_layout, figure_to_img, render_page, table

__all__ = ["Section", "beside", "esc", "figure_layout", "figure_to_img", "render_page", "table"]
