"""Tables in and out: CSV, Parquet, Arrow IPC / Feather, pandas, polars and Arrow objects.

Every table is read into a pandas DataFrame with native dtypes kept (Arrow dictionary columns
become pandas categoricals). Problems with a file are reported as one-line
:class:`~fewlabels.exceptions.InputError` messages. Outputs are written to a temporary file
in the destination folder and renamed into place, so an interrupted run never leaves a
half-written file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import InputError

__all__ = ["as_pandas", "atomic_path", "read_table", "write_table"]

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
ARROW_SUFFIXES = {".arrow", ".feather", ".ipc"}
_PARQUET_MAGIC = b"PAR1"
_ARROW_MAGIC = b"ARROW1"


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


def _sniff_kind(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(_PARQUET_MAGIC) or suffix in PARQUET_SUFFIXES:
        return "parquet"
    if head.startswith(_ARROW_MAGIC) or suffix in ARROW_SUFFIXES:
        return "arrow"
    return "csv"


def _csv_header(path: Path, sep: str) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh, delimiter=sep), [])


def _read_csv(path: Path, head: bytes) -> pd.DataFrame:
    if b"\x00" in head:
        raise InputError(
            f"{path} is not a text table (it holds binary data); give a CSV, Parquet or Arrow file"
        )
    sep = "\t" if path.suffix.lower() in {".tsv", ".tab"} else None
    if sep is None:
        try:
            sample = head.decode("utf-8-sig", errors="replace")
            sep = csv.Sniffer().sniff(sample.splitlines()[0], delimiters=",;\t|").delimiter
        except (csv.Error, IndexError):
            sep = ","
    try:
        header = _csv_header(path, sep)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded); "
            "save it as UTF-8 CSV, Parquet or Arrow"
        ) from None
    _check_unique_columns(header, str(path))
    try:
        frame = pd.read_csv(path, sep=sep, encoding="utf-8-sig", low_memory=False)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty; give a table with a header row and data rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(
            f"{path} is not a readable table ({first}); check the delimiter and quoting"
        ) from None
    return frame


def read_table(source: Any) -> pd.DataFrame:
    """Read a table from a path or an in-memory object.

    Parameters
    ----------
    source : str, os.PathLike or table
        A CSV/TSV, Parquet or Arrow IPC/Feather file (the format comes from the file's first
        bytes, then its suffix), or anything :func:`as_pandas` accepts.

    Returns
    -------
    pandas.DataFrame
        With at least one row; the source is never modified.

    Raises
    ------
    InputError
        For a missing, unreadable, empty or non-table file, or duplicate column names.
    """
    if not isinstance(source, (str, os.PathLike)):
        frame = as_pandas(source)
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path} does not exist; check the path")
        if path.is_dir():
            raise InputError(f"{path} is a folder, not a file; give the path of a table file")
        try:
            with open(path, "rb") as fh:
                head = fh.read(65536)
        except OSError as exc:
            raise InputError(
                f"cannot read {path} ({exc.strerror}); check the file's permissions"
            ) from None
        if not head.strip():
            raise InputError(f"{path} is empty; give a table with a header row and data rows")
        kind = _sniff_kind(path, head)
        if kind == "csv":
            frame = _read_csv(path, head)
        else:
            frame = _read_binary(path, kind)
    if frame.shape[0] == 0:
        raise InputError("the table has a header but no rows; give a table with data rows")
    if frame.shape[1] == 0:
        raise InputError("the table has no columns; give a table with a header row")
    return frame


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
