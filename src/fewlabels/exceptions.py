"""Exceptions raised by fewlabels.

Every problem with a user's input is a :class:`InputError`: its message is one line that
names the problem and the fix, which the CLI prints as is (exit code 2, no traceback).
"""

from __future__ import annotations

__all__ = [
    "FewLabelsError",
    "InputError",
    "MissingDependencyError",
    "ModelFileError",
    "UnlabeledScoreError",
]


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


class UnlabeledScoreError(BaseException):
    """A fewlabels classifier was asked to ``score`` a target that holds unlabeled rows.

    Scoring predictions against the unlabeled marker (-1, or a missing value) measures
    nothing, so the estimators refuse it and point to :mod:`fewlabels.model_selection`.
    It derives from ``BaseException``, as ``KeyboardInterrupt`` does, on purpose:
    scikit-learn's ``cross_val_score``, ``cross_validate`` and ``GridSearchCV`` turn any
    ``Exception`` raised while scoring into a NaN score and a warning
    (``error_score=np.nan``), and a search would then go on choosing among NaNs; this
    error stops it with its message instead.
    """
