"""Self-contained HTML reports."""

from .html import Section, esc, figure_to_img, render_page, table

__all__ = ["Section", "esc", "figure_to_img", "render_page", "table"]
