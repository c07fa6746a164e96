"""The one place that imports torch, with an error naming the extra when it is missing."""

from __future__ import annotations

import importlib.util
from typing import Any

from ..exceptions import MissingDependencyError

__all__ = ["have_torch", "import_torch"]


def have_torch() -> bool:
    return importlib.util.find_spec("torch") is not None


def import_torch(purpose: str = "fewlabels' deep methods") -> Any:
    """``torch``, or a :class:`MissingDependencyError` saying ``pip install 'fewlabels[deep]'``."""
    if not have_torch():
        raise MissingDependencyError("torch", "deep", purpose)
    import torch

    return torch
