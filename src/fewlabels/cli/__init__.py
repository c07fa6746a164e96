"""The ``fewlabels`` command line: a thin layer over :mod:`fewlabels.workflow`."""

from .app import app, main, run

__all__ = ["app", "main", "run"]
