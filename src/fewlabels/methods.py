"""The registry of methods the CLI, the report and the benchmark can name.

A :class:`Method` says how to build its estimator and which encoding it wants;
:func:`make_model` turns a name into a ready pipeline ``TableEncoder -> estimator``.
Later capabilities register themselves here with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .exceptions import InputError

__all__ = ["METHODS", "Method", "get_method", "make_model", "register"]


@dataclass(frozen=True)
class Method:
    """A named way to learn from a partially labeled table."""

    name: str
    summary: str
    encoding: str
    build: Callable[[Any], Any]
    semi_supervised: bool = True


METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add ``method`` to the registry (a name may be registered once)."""
    if method.name in METHODS:
        raise ValueError(f"a method named {method.name!r} is already registered")
    METHODS[method.name] = method
    return method


def get_method(name: str) -> Method:
    """The registered method called ``name`` (an ``InputError`` lists the choices)."""
    try:
        return METHODS[name]
    except KeyError:
        raise InputError(
            f"unknown method {name!r}; choose one of: {', '.join(sorted(METHODS))}"
        ) from None


def make_model(name: str, random_state: Any = None, max_categories: int = 100) -> Any:
    """A pipeline that encodes a raw table and fits the method called ``name``."""
    from sklearn.pipeline import Pipeline

    from .data.encoder import TableEncoder

    method = get_method(name)
    return Pipeline(
        [
            ("encode", TableEncoder(output=method.encoding, max_categories=max_categories)),
            ("model", method.build(random_state)),
        ]
    )


def _supervised(random_state: Any) -> Any:
    from .supervised import SupervisedClassifier

    return SupervisedClassifier(random_state=random_state)


def _label_spreading(random_state: Any) -> Any:
    from .graph import LabelSpreadingClassifier

    return LabelSpreadingClassifier(random_state=random_state)


def _label_propagation(random_state: Any) -> Any:
    from .graph import LabelPropagationClassifier

    return LabelPropagationClassifier(random_state=random_state)


def _graph_pseudo_label(random_state: Any) -> Any:
    from .graph import GraphPseudoLabelClassifier

    return GraphPseudoLabelClassifier(random_state=random_state)


register(
    Method(
        "supervised",
        "LightGBM on the labeled rows only (the baseline)",
        "native",
        _supervised,
        semi_supervised=False,
    )
)
register(
    Method(
        "label-spreading",
        "label spreading on a sparse kNN graph of the standardized table",
        "numeric",
        _label_spreading,
    )
)
