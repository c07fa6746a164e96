"""Every public estimator of fewlabels, found by walking the package.

The test suite runs scikit-learn's common checks on what :func:`all_estimators` finds, so
a new public estimator cannot skip them. An estimator is public when its class is listed
in the ``__all__`` of a public module (no part of the module's path starts with ``_``),
derives from scikit-learn's ``BaseEstimator`` and is not a base class (``Base*``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

__all__ = ["all_estimators"]


def all_estimators(skip_missing: bool = True) -> list[tuple[str, type[Any]]]:
    """``(name, class)`` of every public fewlabels estimator, sorted by name.

    Parameters
    ----------
    skip_missing : bool, default=True
        Skip modules whose optional dependency (torch, say) is not installed; when False,
        the ImportError propagates.

    Examples
    --------
    >>> names = [name for name, _ in all_estimators()]
    >>> "SelfTrainingClassifier" in names and "TableEncoder" in names
    True
    """
    from sklearn.base import BaseEstimator

    import fewlabels

    found: dict[str, type[Any]] = {}
    for info in pkgutil.walk_packages(fewlabels.__path__, prefix="fewlabels."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:
            if skip_missing:
                continue
            raise
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and obj.__module__.startswith("fewlabels.")
                and not name.startswith("Base")
                and not inspect.isabstract(obj)
            ):
                found[name] = obj
    return sorted(found.items())
