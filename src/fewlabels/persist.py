"""Saving and loading models securely, with skops.

A model file is a skops archive (no pickle) with a ``fewlabels.json`` header that carries
the library version, the format version and what the CLI knows of the data (target, schema,
classes). Loading checks the header first, then accepts only trusted types: scikit-learn's
and numpy's (skops' own list), fewlabels' classes and LightGBM's models. Anything else, and
any pickle file, is refused with an explanation: unpickling can run arbitrary code.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._version import __version__
from .data.io import atomic_path
from .exceptions import ModelFileError

__all__ = ["FORMAT_VERSION", "LoadedModel", "load_model", "save_model", "TRUSTED_TYPES"]

FORMAT = "fewlabels-model"
FORMAT_VERSION = 1
HEADER = "fewlabels.json"
#: Types outside scikit-learn and numpy that a model file may hold.
TRUSTED_TYPES = frozenset(
    {
        "collections.OrderedDict",
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "lightgbm.sklearn.LGBMRegressor",
        # the trees of random forests and extra trees (auto's members): arrays, no code
        "sklearn.tree._tree.Tree",
    }
)
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
        **(metadata or {}),
    }
    dest = Path(path)
    with atomic_path(dest) as tmp:
        sio.dump(model, tmp)
        with zipfile.ZipFile(tmp, "a") as zf:
            zf.writestr(HEADER, json.dumps(header, indent=1, default=str))
    return dest


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
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged archive
        raise ModelFileError(
            f"{path} cannot be read as a model ({exc}); re-fit the model"
        ) from None
    refused = [t for t in untrusted if not (t.startswith("fewlabels.") or t in TRUSTED_TYPES)]
    if refused:
        raise ModelFileError(
            f"{path} holds types fewlabels does not trust ({', '.join(refused[:5])}); "
            "load it only if you trust its author, with skops.io.load(path, trusted=[...])"
        )
    try:
        model = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelFileError(
            f"{path} cannot be loaded ({type(exc).__name__}: {exc}); re-fit the model"
        ) from None
    return LoadedModel(model=model, metadata=header)
