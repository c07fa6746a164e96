"""Saving and loading models securely, with skops.

A model file is a skops archive (no pickle) with a ``fewlabels.json`` header that carries
the library version, the format version, the versions of the numerical libraries it was
written with, and what the CLI knows of the data (target, schema, classes).

Loading checks the header first, then audits the archive's object tree *before anything is
constructed*. A type is accepted only if skops trusts it by default (scikit-learn's
estimators, numpy's and scipy's containers and ufuncs) or it is on the allow-list
:data:`TRUSTED_TYPES`: the exact classes that fewlabels' models hold, and LightGBM's
models. No function, bound method, partial or reduce-constructed call may come from
fewlabels or from outside those lists: a model file that would call one (for instance
``fewlabels.data.io.write_text``) is refused, as is any pickle file, since unpickling can
run arbitrary code.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._version import __version__
from .data.io import atomic_path
from .exceptions import ModelFileError

__all__ = ["FORMAT_VERSION", "TRUSTED_TYPES", "LoadedModel", "load_model", "save_model"]

logger = logging.getLogger(__name__)

FORMAT = "fewlabels-model"
FORMAT_VERSION = 1
HEADER = "fewlabels.json"
#: The classes of fewlabels that its model files hold: the public estimators, encoders,
#: policies and confidence measures, and the fitted helpers they keep. Exact names: a new
#: class must be added here (a test checks that every public estimator is listed).
FEWLABELS_TYPES = frozenset(
    {
        "fewlabels.auto._knn.SmallKNN",
        "fewlabels.auto.classifier.AutoClassifier",
        "fewlabels.data.encoder.NumericView",
        "fewlabels.data.sampling.SelectionBias",
        "fewlabels.data.encoder.TableEncoder",
        "fewlabels.deep.estimators.DeepSupervisedClassifier",
        "fewlabels.deep.estimators.DiverseEnsembleClassifier",
        "fewlabels.deep.estimators.EmbeddingFeaturesClassifier",
        "fewlabels.deep.estimators.FixMatchClassifier",
        "fewlabels.deep.estimators.FlexMatchClassifier",
        "fewlabels.deep.estimators.FreeMatchClassifier",
        "fewlabels.deep.estimators.HeadsTSimilarity",
        "fewlabels.deep.estimators.MeanTeacherClassifier",
        "fewlabels.deep.estimators.MetaPseudoLabelClassifier",
        "fewlabels.deep.estimators.MixupPseudoLabelClassifier",
        "fewlabels.deep.estimators.PretrainedClassifier",
        "fewlabels.deep.estimators.PretrainedEmbedding",
        "fewlabels.deep.estimators.PseudoLabelClassifier",
        "fewlabels.deep.estimators.SCARFClassifier",
        "fewlabels.deep.estimators.TJEPAClassifier",
        "fewlabels.deep.estimators.VIMEClassifier",
        "fewlabels.deep.inputs.TabularInputs",
        "fewlabels.discovery.estimator.NovelClassDiscovery",
        "fewlabels.evidence.Evidence",
        "fewlabels.graph.estimators.GraphPseudoLabelClassifier",
        "fewlabels.graph.estimators.LabelPropagationClassifier",
        "fewlabels.graph.estimators.LabelSpreadingClassifier",
        "fewlabels.selftrain._boosting.BoostingChain",
        "fewlabels.selftrain.classifier.SelfTrainingClassifier",
        "fewlabels.noise.cleaning.LabelCleaningClassifier",
        "fewlabels.noise.proportions.ProportionsClassifier",
        "fewlabels.noise.pu.PUClassifier",
        "fewlabels.weak.estimator.WeakSupervisionClassifier",
        "fewlabels.weak.label_models.LabelModel",
        "fewlabels.weak.lfs.ThresholdLF",
        "fewlabels.selftrain.confidence.CommitteeAgreement",
        "fewlabels.selftrain.confidence.Entropy",
        "fewlabels.selftrain.confidence.Margin",
        "fewlabels.selftrain.confidence.MaxProbability",
        "fewlabels.selftrain.confidence.TSimilarity",
        "fewlabels.selftrain.multiview.CoTrainingClassifier",
        "fewlabels.selftrain.multiview.TriTrainingClassifier",
        "fewlabels.selftrain.policies.ClassBalancedTopK",
        "fewlabels.selftrain.policies.Curriculum",
        "fewlabels.selftrain.policies.MSLA",
        "fewlabels.selftrain.policies.Threshold",
        "fewlabels.supervised.SupervisedClassifier",
        "fewlabels.regression.auto.AutoRegressor",
        "fewlabels.regression.auto.RegressorBlend",
        "fewlabels.regression.estimators.COREGRegressor",
        "fewlabels.regression.estimators.LabelPropagationRegressor",
        "fewlabels.regression.estimators.SelfTrainingRegressor",
        "fewlabels.regression.estimators.SupervisedRegressor",
        "fewlabels.regression.evidence.RegressionEvidence",
        "fewlabels.regression.features.ClassifierFeatures",
        "fewlabels.regression.features.ClassifierFeaturesRegressor",
        "fewlabels.regression.gbnn.GBNNClassifier",
        "fewlabels.regression.gbnn.GBNNRegressor",
        "fewlabels.scale.graph.AnchorSpreadingClassifier",
        "fewlabels.scale.selftrain.ScaledSelfTrainingClassifier",
    }
)
#: Every type outside skops' defaults that a model file may hold.
TRUSTED_TYPES = FEWLABELS_TYPES | frozenset(
    {
        "collections.OrderedDict",
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "lightgbm.sklearn.LGBMRegressor",
        # the trees of random forests and extra trees (auto's members): arrays, no code
        "sklearn.tree._tree.Tree",
    }
)
#: skops loaders that call or return a callable: refused for anything but numpy's and
#: scipy's ufuncs (which skops trusts by default), whatever the name.
_CALLING_LOADERS = frozenset(
    {"ConstructorFromReduceNode", "FunctionNode", "MethodNode", "OperatorFuncNode", "PartialNode"}
)
_SAFE_CALLABLE_MODULES = ("numpy", "scipy")
#: Libraries whose versions the header records; a different version at load time warns.
_VERSIONED = ("numpy", "scipy", "sklearn", "lightgbm", "skops")
_PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".sav"}


@dataclass
class LoadedModel:
    """A model loaded from a file, with the header it was saved with."""

    model: Any
    metadata: dict[str, Any] = field(default_factory=dict)


def _compatible(version: str) -> bool:
    ours = __version__.split(".")
    theirs = str(version).split(".")
    # Before 1.0 every minor release may change the format; from 1.0 on, the major one.
    width = 2 if ours[0] == "0" else 1
    return ours[:width] == theirs[:width]


def save_model(
    model: Any, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None
) -> Path:
    """Save ``model`` to ``path`` (a ``.skops`` archive), atomically.

    ``metadata`` must hold JSON types only; it is stored in the file's header beside the
    library and format versions.
    """
    import skops.io as sio

    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "fewlabels_version": __version__,
        "library_versions": _library_versions(),
        **(metadata or {}),
    }
    dest = Path(path)
    with atomic_path(dest) as tmp:
        sio.dump(model, tmp)
        with zipfile.ZipFile(tmp, "a") as zf:
            zf.writestr(HEADER, json.dumps(header, indent=1, default=str))
    return dest


def _library_versions() -> dict[str, str]:
    import importlib

    out = {}
    for name in _VERSIONED:
        try:
            out[name] = str(importlib.import_module(name).__version__)
        except ImportError:
            continue
    return out


def _warn_on_versions(path: Any, header: dict[str, Any]) -> None:
    saved = header.get("library_versions") or {}
    now = _library_versions()
    differ = [f"{k} {v} (now {now[k]})" for k, v in saved.items() if k in now and now[k] != v]
    if differ:
        logger.warning(
            "%s was written with %s; its predictions may differ slightly, re-fit the model "
            "to be sure",
            path,
            ", ".join(differ),
        )


def _nodes(tree: Any) -> Any:
    """Every node (a dict with ``__class__``) of a skops object tree."""
    if isinstance(tree, dict):
        if "__class__" in tree:
            yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _audit(path: Any) -> tuple[list[str], list[str]]:
    """``(refused, untrusted)``: the names in the archive's object tree that are refused
    (types outside skops' defaults and :data:`TRUSTED_TYPES`, and callables that are not
    numpy's or scipy's), and the types skops does not trust by default; nothing is
    constructed."""
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
        with zipfile.ZipFile(path) as zf:
            tree = json.loads(zf.read("schema.json"))
    except Exception as exc:  # a damaged archive
        raise ModelFileError(
            f"{path} cannot be read as a model ({exc}); re-fit the model"
        ) from None
    refused = [t for t in untrusted if t not in TRUSTED_TYPES]
    for node in _nodes(tree):
        module = str(node.get("__module__", ""))
        if node.get("__loader__") in _CALLING_LOADERS and not module.startswith(
            _SAFE_CALLABLE_MODULES
        ):
            name = f"{module}.{node.get('__class__')}"
            if name not in refused:
                refused.append(name)
    return refused, untrusted


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The header of a model file, checked for format and version; nothing is unpickled."""
    p = Path(path)
    if not p.exists():
        raise ModelFileError(
            f"{p} does not exist; give the path of a model written by 'fewlabels fit'"
        )
    if p.is_dir():
        candidate = p / "model.skops"
        hint = f" (did you mean {candidate}?)" if candidate.exists() else ""
        raise ModelFileError(f"{p} is a folder, not a model file{hint}")
    with open(p, "rb") as fh:
        head = fh.read(4)
    if head[:1] == b"\x80" or p.suffix.lower() in _PICKLE_SUFFIXES:
        raise ModelFileError(
            f"{p} is a pickle file; fewlabels refuses pickles because loading one can run "
            "arbitrary code. Save models with fewlabels.save_model (a .skops file) instead"
        )
    if not zipfile.is_zipfile(p):
        raise ModelFileError(
            f"{p} is not a fewlabels model file; give a .skops file written by 'fewlabels fit'"
        )
    with zipfile.ZipFile(p) as zf:
        try:
            header = json.loads(zf.read(HEADER))
        except KeyError:
            raise ModelFileError(
                f"{p} was not written by fewlabels (it has no {HEADER} header); "
                "save models with fewlabels.save_model"
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ModelFileError(f"{p} has a damaged header; re-fit the model") from None
    if header.get("format") != FORMAT or header.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{p} uses model format {header.get('format_version')!r}, this fewlabels reads format "
            f"{FORMAT_VERSION}; re-fit the model with fewlabels {__version__}"
        )
    written = header.get("fewlabels_version", "unknown")
    if not _compatible(written):
        raise ModelFileError(
            f"{p} was written by fewlabels {written}, which is not compatible with this "
            f"fewlabels {__version__}; re-fit the model, or install fewlabels=={written} to use it"
        )
    return header


def load_model(path: str | os.PathLike[str]) -> LoadedModel:
    """Load a model saved by :func:`save_model`, refusing anything untrusted."""
    import skops.io as sio

    header = read_header(path)
    refused, untrusted = _audit(path)
    if refused:
        raise ModelFileError(
            f"{path} holds types or calls fewlabels does not trust ({', '.join(refused[:5])}); "
            "it was not written by fewlabels' save_model: do not load it unless you trust its "
            "author (then skops.io.load(path, trusted=[...]))"
        )
    _warn_on_versions(path, header)
    try:
        model = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelFileError(
            f"{path} cannot be loaded ({type(exc).__name__}: {exc}); re-fit the model"
        ) from None
    return LoadedModel(model=model, metadata=header)
