"""Tables in and out: CSV (also compressed), Parquet, Arrow IPC / Feather, pandas, polars and
Arrow objects.

Every table is read into a pandas DataFrame with native dtypes kept (Arrow dictionary columns
become pandas categoricals). Problems with a file are reported as one-line
:class:`~fewlabels.exceptions.InputError` messages. Outputs are written to a temporary file
in the destination folder and renamed into place, so an interrupted run never leaves a
half-written file.

Missing values in a CSV
-----------------------
An empty cell is missing in every column. pandas' other missing-value markers (``NA``,
``N/A``, ``NaN``, ``null``, ``None``, ``#N/A``, ... see :data:`PANDAS_NA_MARKERS`) are
missing only in a column whose other values are all numbers, true/false or dates; in a text
column they are kept as values, so a class ``NA`` (North America) stays a class. Each marker
kept as a value is logged (INFO) and listed in ``frame.attrs["fewlabels_kept_markers"]``
(:data:`KEPT_MARKERS_ATTR`), a dict ``{column: [marker, ...]}``, empty when none was kept.
``read_table(..., missing_values=[...])`` replaces this rule by an exact list of markers.

Compression and encodings
-------------------------
``.gz``, ``.bz2``, ``.xz`` and ``.zst`` CSV/TSV files are read (recognised by their first
bytes, so the name does not matter; zstd needs the ``zstandard`` package). Text is read as
UTF-8; a file that starts with a byte-order mark may also be UTF-16 or UTF-32 (mostly-ASCII
UTF-16 without one is recognised too). Legacy 8-bit
encodings (Latin-1, Windows-1252) are not guessed: the same bytes mean different letters in
each of them, and a wrong guess would silently rename classes and categories (and differ
between the table a model was fitted on and the one it predicts). Such a file gets a
one-line error with the line of the first byte that is not UTF-8.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import importlib.util
import io
import logging
import lzma
import os
import re
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

import pandas as pd

from ..exceptions import InputError

__all__ = [
    "KEPT_MARKERS_ATTR",
    "PANDAS_NA_MARKERS",
    "as_pandas",
    "atomic_path",
    "is_parquet_dataset",
    "read_parquet_dataset",
    "read_table",
    "write_table",
]

logger = logging.getLogger(__name__)

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
ARROW_SUFFIXES = {".arrow", ".feather", ".ipc"}
_PARQUET_MAGIC = b"PAR1"
_ARROW_MAGIC = b"ARROW1"
_ZIP_MAGIC = b"PK\x03\x04"

#: Compression method by suffix, and by the first bytes of the file (which win).
COMPRESSION_SUFFIXES = {
    ".gz": "gzip",
    ".gzip": "gzip",
    ".bz2": "bz2",
    ".xz": "xz",
    ".zst": "zstd",
    ".zstd": "zstd",
}
_COMPRESSION_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}

#: The strings pandas reads as missing by default (``pandas.read_csv``'s ``na_values``),
#: without the empty cell. In a CSV they are missing only in a column that is otherwise
#: numbers, true/false or dates.
PANDAS_NA_MARKERS: frozenset[str] = frozenset(
    {
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)

#: The ``DataFrame.attrs`` key of the markers a CSV read kept as values: ``{column: [...]}``.
KEPT_MARKERS_ATTR = "fewlabels_kept_markers"

_TRUE_STRINGS = {"True": True, "TRUE": True, "true": True}
_FALSE_STRINGS = {"False": False, "FALSE": False, "false": False}
_DATE_LIKE = re.compile(r"\d{1,4}[-/:.]\d{1,2}")
_CHUNK = 1 << 20


def _check_unique_columns(columns: Any, where: str) -> None:
    counts = Counter(str(c) for c in columns)
    dupes = [c for c, n in counts.items() if n > 1]
    if dupes:
        raise InputError(
            f"{where} has duplicate column names ({', '.join(repr(d) for d in dupes[:5])}); "
            "rename them so that every column name is unique"
        )


def as_pandas(table: Any) -> pd.DataFrame:
    """Return ``table`` as a pandas DataFrame without flattening categoricals.

    Accepts pandas, polars (DataFrame or LazyFrame), pyarrow Table / RecordBatch, any object
    with the dataframe interchange protocol, a dict of columns, or a 2-D array. The input is
    never modified; a pandas input is returned as is (callers copy before changing it).
    """
    if isinstance(table, pd.DataFrame):
        _check_unique_columns(table.columns, "the table")
        return table
    module = type(table).__module__.split(".")[0]
    if module == "polars":
        if hasattr(table, "collect"):
            table = table.collect()
        _check_unique_columns(table.columns, "the table")
        return table.to_pandas()
    if module == "pyarrow":
        _check_unique_columns(table.schema.names, "the table")
        return table.to_pandas()
    if hasattr(table, "__dataframe__"):
        return pd.api.interchange.from_dataframe(table)
    if isinstance(table, dict):
        return pd.DataFrame(table)
    try:
        frame = pd.DataFrame(table)
    except Exception as exc:
        raise InputError(
            f"cannot read a table from a {type(table).__name__}; "
            "pass a file path, a pandas, polars or Arrow table, or a 2-D array"
        ) from exc
    frame.columns = [f"x{i}" for i in range(frame.shape[1])]
    return frame


def _sniff_kind(suffix: str, head: bytes) -> str:
    if head.startswith(_PARQUET_MAGIC) or suffix in PARQUET_SUFFIXES:
        return "parquet"
    if head.startswith(_ARROW_MAGIC) or suffix in ARROW_SUFFIXES:
        return "arrow"
    return "csv"


def _compression(raw: bytes) -> str | None:
    """The compression method named by a file's first bytes, or None."""
    for magic, method in _COMPRESSION_MAGIC.items():
        if raw.startswith(magic):
            return method
    return None


def _inner_suffix(path: Path) -> str:
    """The suffix that names the format: ``.tsv`` for ``x.tsv.gz``."""
    suffix = path.suffix.lower()
    if suffix in COMPRESSION_SUFFIXES:
        return Path(path.stem).suffix.lower()
    return suffix


def _open_binary(path: Path, compression: str | None) -> IO[bytes]:
    """Open ``path`` for reading its (decompressed) bytes."""
    if compression is None:
        return open(path, "rb")
    if compression == "gzip":
        return cast(IO[bytes], gzip.open(path, "rb"))
    if compression == "bz2":
        return cast(IO[bytes], bz2.open(path, "rb"))
    if compression == "xz":
        return cast(IO[bytes], lzma.open(path, "rb"))
    import zstandard

    return cast(IO[bytes], zstandard.open(path, "rb"))


def _decompression_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError, EOFError, lzma.LZMAError, zlib.error]
    if importlib.util.find_spec("zstandard") is not None:
        import zstandard

        errors.append(zstandard.ZstdError)
    return tuple(errors)


def _damaged(path: Path, compression: str) -> InputError:
    return InputError(
        f"{path} is not a readable {compression} file (it is damaged or truncated); "
        "check that the file is complete, or give it uncompressed"
    )


def _read_head(path: Path, compression: str | None) -> bytes:
    """The first 64 KiB of the file's (decompressed) content."""
    if compression == "zstd" and importlib.util.find_spec("zstandard") is None:
        raise InputError(
            f"{path} is zstd-compressed, which needs the 'zstandard' package; "
            "install it with: pip install zstandard (or decompress the file)"
        )
    try:
        with _open_binary(path, compression) as fh:
            return fh.read(65536)
    except _decompression_errors():
        if compression is None:
            raise
        raise _damaged(path, compression) from None


def _text_encoding(head: bytes) -> str:
    """The encoding of a text file: UTF-8 unless a byte-order mark (or the NUL pattern of
    ASCII text in UTF-16) says otherwise."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) >= 8:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
            return "utf-16-be"
    return "utf-8"


def _encoding_name(encoding: str) -> str:
    return "UTF-8" if encoding.startswith("utf-8") else encoding.upper()


def _not_decodable(path: Path, compression: str | None, encoding: str) -> InputError:
    """The one-line error for a file that is not text in ``encoding``, naming the line of
    the first byte that cannot be decoded (the whole file is scanned, in chunks)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines_before = 0
    where = detail = ""
    name = _encoding_name(encoding)
    try:
        with _open_binary(path, compression) as fh:
            while chunk := fh.read(_CHUNK):
                try:
                    lines_before += decoder.decode(chunk).count("\n")
                except UnicodeDecodeError as exc:
                    done = bytes(exc.object[: exc.start])
                    line = lines_before + done.decode(exc.encoding, errors="replace").count("\n")
                    where = f" (line {line + 1})"
                    detail = f"; byte 0x{exc.object[exc.start]:02X} on that line is not {name}"
                    if name == "UTF-8":
                        detail += " (Latin-1 or Windows-1252 text?)"
                    break
    except _decompression_errors():
        if compression is None:
            raise
        raise _damaged(path, compression) from None
    return InputError(
        f"{path} is not {name}{where}: save it as UTF-8 (in Excel: Save As, 'CSV UTF-8') "
        f"and read it again{detail}"
    )


def _csv_header(path: Path, compression: str | None, encoding: str, sep: str) -> list[str]:
    with _open_binary(path, compression) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        return next(csv.reader(text, delimiter=sep), [])


def _not_text_kind(values: pd.Series) -> str | None:
    """``"numeric"``, ``"boolean"`` or ``"datetime"`` when every (present, string) value is
    a number, a true/false or a date; None for text (or no values at all)."""
    unique = pd.Series(pd.unique(values.dropna()), dtype=object)
    if unique.empty:
        return None
    if pd.to_numeric(unique, errors="coerce").notna().all():
        return "numeric"
    if set(unique) <= set(_TRUE_STRINGS) | set(_FALSE_STRINGS):
        return "boolean"
    text = unique.astype(str)
    if text.str.contains(_DATE_LIKE).all():
        parsed = pd.to_datetime(text.head(200), errors="coerce", format="mixed")
        if parsed.notna().all():
            return "datetime"
    return None


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)


def _resolve_markers(frame: pd.DataFrame, missing_values: list[str] | None) -> dict[str, list[str]]:
    """Blank pandas' missing-value markers where they mean "missing" (``frame`` is the
    freshly read table; changed in place) and return the ones kept as values, by column."""
    kept: dict[str, list[str]] = {}
    for name in frame.columns:
        s = frame[name]
        if not _is_text(s):
            continue
        present = s.isin(PANDAS_NA_MARKERS).to_numpy(dtype=bool)
        if not present.any():
            continue
        if missing_values is None:
            kind = _not_text_kind(s[~present])
            if kind is not None:
                blanked = s.mask(present)
                if kind == "numeric":
                    frame[name] = pd.to_numeric(blanked)
                elif kind == "boolean":
                    frame[name] = blanked.astype(object).map(
                        {**_TRUE_STRINGS, **_FALSE_STRINGS}, na_action="ignore"
                    )
                else:
                    frame[name] = blanked
                continue
        counts = s[present].value_counts()
        kept[str(name)] = sorted(str(m) for m in counts.index)
        shown = ", ".join(
            f"{m!r} ({n} row{'' if n == 1 else 's'})" for m, n in sorted(counts.items())
        )
        logger.info(
            "column %r: %s kept as a value, not as missing, because %s; pass "
            "missing_values=[...] to read_table to choose the missing-value markers",
            str(name),
            shown,
            "the column holds text" if missing_values is None else "missing_values omits it",
        )
    return kept


def _read_csv(
    path: Path,
    head: bytes,
    compression: str | None,
    missing_values: list[str] | None,
) -> pd.DataFrame:
    encoding = _text_encoding(head)
    if encoding.startswith("utf-8") and b"\x00" in head:
        raise InputError(
            f"{path} is not a text table (it holds binary data); give a CSV, Parquet or Arrow file"
        )
    sep = "\t" if _inner_suffix(path) in {".tsv", ".tab"} else None
    if sep is None:
        try:
            sample = head[: len(head) - len(head) % 4] if encoding.startswith("utf-32") else head
            text = sample.decode(encoding, errors="replace")
            sep = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t|").delimiter
        except (csv.Error, IndexError):
            sep = ","
    try:
        header = _csv_header(path, compression, encoding, sep)
    except UnicodeDecodeError:
        raise _not_decodable(path, compression, encoding) from None
    except _decompression_errors():
        if compression is None:
            raise
        raise _damaged(path, compression) from None
    _check_unique_columns(header, str(path))
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            encoding=encoding,
            compression=compression,
            low_memory=False,
            keep_default_na=False,
            na_values=[""] + list(missing_values or []),
        )
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty; give a table with a header row and data rows") from None
    except UnicodeDecodeError:
        raise _not_decodable(path, compression, encoding) from None
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(
            f"{path} is not a readable table ({first}); check the delimiter and quoting"
        ) from None
    except _decompression_errors():
        if compression is None:
            raise
        raise _damaged(path, compression) from None
    frame.attrs[KEPT_MARKERS_ATTR] = _resolve_markers(frame, missing_values)
    return frame


def _markers_list(missing_values: Any) -> list[str] | None:
    if missing_values is None:
        return None
    if isinstance(missing_values, str):
        return [missing_values]
    if not isinstance(missing_values, Iterable) or not all(
        isinstance(m, str) for m in missing_values
    ):
        raise InputError(
            "missing_values must be a list of strings, for example ['?', 'n/a']; "
            f"got {missing_values!r}"
        )
    return list(missing_values)


def _blank_markers(frame: pd.DataFrame, markers: list[str]) -> pd.DataFrame:
    """``frame`` with ``markers`` blanked in its text and categorical columns (a copy when
    anything changes; the input is never modified)."""
    out = frame
    for name in frame.columns:
        s = frame[name]
        if not (_is_text(s) or isinstance(s.dtype, pd.CategoricalDtype)):
            continue
        present = s.isin(markers).to_numpy(dtype=bool)
        if not present.any():
            continue
        if out is frame:
            out = frame.copy()
        if isinstance(s.dtype, pd.CategoricalDtype):
            out[name] = s.cat.remove_categories([c for c in s.cat.categories if c in markers])
        else:
            out[name] = s.mask(present)
    return out


def read_table(source: Any, *, missing_values: list[str] | None = None) -> pd.DataFrame:
    """Read a table from a path or an in-memory object.

    Parameters
    ----------
    source : str, os.PathLike or table
        A CSV/TSV (plain or ``.gz``, ``.bz2``, ``.xz``, ``.zst`` compressed), Parquet or
        Arrow IPC/Feather file (the format comes from the file's first bytes, then its
        suffix), a folder or glob of Parquet files (:func:`read_parquet_dataset`), or
        anything :func:`as_pandas` accepts.
    missing_values : list of str, optional
        The exact strings that mark a missing value, in every column (an empty CSV cell is
        always missing). By default a CSV's ``NA``, ``N/A``, ``null``, ``NaN``, ... (see
        :data:`PANDAS_NA_MARKERS`) are missing only in columns that are otherwise numbers,
        true/false or dates, and kept as values in text columns. Given, the markers are
        also blanked in the text and categorical columns of Parquet, Arrow and in-memory
        tables (a copy is returned then).

    Returns
    -------
    pandas.DataFrame
        With at least one row; the source is never modified. For a CSV,
        ``frame.attrs["fewlabels_kept_markers"]`` (:data:`KEPT_MARKERS_ATTR`) maps each
        column where pandas' default missing-value markers were kept as values to those
        markers, e.g. ``{"region": ["NA"]}``; it is ``{}`` when none was kept. Each kept
        marker is also logged at INFO level.

    Raises
    ------
    InputError
        For a missing, unreadable, empty, damaged or non-table file, a file that is not
        UTF-8 (or UTF-16/32 with a byte-order mark), a zstd file without the ``zstandard``
        package, or duplicate column names.

    Examples
    --------
    >>> import pandas as pd
    >>> read_table(pd.DataFrame({"y": ["a", "?", "b"]}), missing_values=["?"])["y"].tolist()
    ['a', nan, 'b']
    """
    markers = _markers_list(missing_values)
    if not isinstance(source, (str, os.PathLike)):
        frame = as_pandas(source)
        if markers:
            frame = _blank_markers(frame, markers)
    elif is_parquet_dataset(source):
        frame = read_parquet_dataset(source)
        if markers:
            frame = _blank_markers(frame, markers)
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path} does not exist; check the path")
        if path.is_dir():
            raise InputError(f"{path} is a folder, not a file; give the path of a table file")
        try:
            with open(path, "rb") as fh:
                raw = fh.read(65536)
        except OSError as exc:
            raise InputError(
                f"cannot read {path} ({exc.strerror}); check the file's permissions"
            ) from None
        if raw.startswith(_ZIP_MAGIC):
            raise InputError(
                f"{path} is a ZIP archive (or an Excel workbook), not a table file; unzip it, "
                "or save the sheet as CSV UTF-8"
            )
        compression = _compression(raw)
        head = raw if compression is None else _read_head(path, compression)
        if not head.strip():
            raise InputError(f"{path} is empty; give a table with a header row and data rows")
        kind = _sniff_kind(_inner_suffix(path), head)
        if kind == "csv":
            frame = _read_csv(path, head, compression, markers)
        elif compression is not None:
            raise InputError(
                f"{path} is a {compression}-compressed {kind.capitalize()} file, which is not "
                f"read; decompress it first ({kind.capitalize()} files compress their data "
                "themselves)"
            )
        else:
            frame = _read_binary(path, kind)
            if markers:
                frame = _blank_markers(frame, markers)
    if frame.shape[0] == 0:
        raise InputError("the table has a header but no rows; give a table with data rows")
    if frame.shape[1] == 0:
        raise InputError("the table has no columns; give a table with a header row")
    return frame


def is_parquet_dataset(source: str | os.PathLike[str]) -> bool:
    """Whether a path names a partitioned Parquet dataset: a folder, or a glob pattern
    (``data/*.parquet``) that is not itself the name of a file."""
    import glob

    path = Path(source)
    return path.is_dir() or (not path.exists() and glob.has_magic(os.fspath(source)))


def _natural_key(text: str) -> list[Any]:
    """``part-2`` before ``part-10``: the order Dask reads a dataset's files in."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


def read_parquet_dataset(source: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a partitioned Parquet dataset (a folder, hive-style ``key=value`` folders
    included, or a glob of files) into one pandas DataFrame.

    The files are read in natural order (``part-2`` before ``part-10``), the order the Dask
    engine reads them in, so a row has the same position in one process as on the engine.
    In a folder, names starting with ``.`` or ``_`` are skipped.

    Raises
    ------
    InputError
        For a folder without Parquet files, a glob that matches nothing, a file that is
        not Parquet, or files whose columns disagree.
    """
    import glob

    import pyarrow as pa
    import pyarrow.dataset as pads

    text = os.fspath(source)
    try:
        if Path(text).is_dir():
            files = sorted(
                pads.dataset(text, format="parquet", partitioning="hive").files, key=_natural_key
            )
            if not files:
                raise InputError(
                    f"{text} is a folder with no Parquet file in it; give the path of a table "
                    "file, or a folder or glob of Parquet files"
                )
            dataset = pads.dataset(
                files, format="parquet", partitioning="hive", partition_base_dir=text
            )
        else:
            files = sorted(glob.glob(text), key=_natural_key)
            if not files:
                raise InputError(
                    f"no file matches {text!r}; check the pattern (and quote it, as in "
                    "'data/*.parquet', so that the shell passes it on)"
                )
            dataset = pads.dataset(files, format="parquet")
        table = dataset.to_table()
    except (pa.ArrowException, OSError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise InputError(
            f"{text} cannot be read as a Parquet dataset ({detail}); a folder or glob must "
            "hold Parquet files with the same columns"
        ) from None
    _check_unique_columns(table.schema.names, text)
    return table.to_pandas()


def _read_binary(path: Path, kind: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    try:
        if kind == "parquet":
            table = pq.read_table(path)
        else:
            try:
                table = feather.read_table(path)
            except pa.ArrowInvalid:
                with pa.memory_map(str(path)) as source:
                    table = pa.ipc.open_stream(source).read_all()
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError):
        raise InputError(
            f"{path} is not a readable {kind} file (it is damaged, truncated or of another format); "
            "check that the file is complete"
        ) from None
    _check_unique_columns(table.schema.names, str(path))
    return table.to_pandas()


@contextmanager
def atomic_path(destination: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; rename it into place on success.

    On any error the temporary file is removed and ``destination`` is left untouched.
    """
    dest = Path(destination)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(destination: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``destination`` atomically (UTF-8)."""
    with atomic_path(destination) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(destination)


def _writer_for(dest: Path) -> Callable[[pd.DataFrame, Path], None]:
    suffix = dest.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return lambda df, p: df.to_parquet(p, index=False)
    if suffix in ARROW_SUFFIXES:
        return lambda df, p: df.reset_index(drop=True).to_feather(p)
    if suffix in CSV_SUFFIXES:
        sep = "\t" if suffix in {".tsv", ".tab"} else ","
        return lambda df, p: df.to_csv(p, index=False, sep=sep)
    raise InputError(
        f"cannot tell the output format from '{dest.name}'; end the name with .csv, .parquet or .arrow"
    )


def write_table(frame: pd.DataFrame, destination: str | os.PathLike[str]) -> Path:
    """Write ``frame`` atomically, in the format named by the destination's suffix."""
    dest = Path(destination)
    writer = _writer_for(dest)
    with atomic_path(dest) as tmp:
        writer(frame, tmp)
    return dest
