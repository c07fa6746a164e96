"""Exceptions raised by fewlabels.

Every problem with a user's input is a :class:`InputError`: its message is one line that
names the problem and the fix, which the CLI prints as is (exit code 2, no traceback).
"""

from __future__ import annotations

__all__ = ["FewLabelsError", "InputError", "MissingDependencyError", "ModelFileError"]


class FewLabelsError(Exception):
    """Base class of every error fewlabels raises on purpose."""


class InputError(FewLabelsError, ValueError):
    """The data or the arguments cannot be used; the message says why and what to do."""


class MissingDependencyError(FewLabelsError, ImportError):
    """An optional part of fewlabels needs a package that is not installed."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the '{package}' package, which is not installed; "
            f"install it with: pip install 'fewlabels[{extra}]'"
        )
        self.package = package
        self.extra = extra


class ModelFileError(FewLabelsError):
    """A model file cannot be loaded safely (untrusted content, wrong format or version)."""
