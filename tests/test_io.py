import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from fewlabels.data import read_table, write_table
from fewlabels.data.io import atomic_path
from fewlabels.exceptions import InputError


@pytest.fixture
def frame():
    return pd.DataFrame(
        {"a": [1.5, 2.5, np.nan], "c": pd.Categorical(["x", "y", "x"]), "t": ["p", None, "q"]}
    )


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".arrow", ".feather"])
def test_file_round_trip(tmp_path, frame, suffix):
    path = write_table(frame, tmp_path / f"f{suffix}")
    back = read_table(path)
    assert back.shape == frame.shape
    assert list(back.columns) == ["a", "c", "t"]
    np.testing.assert_allclose(back["a"].to_numpy(dtype=float), frame["a"].to_numpy(dtype=float))
    if suffix in {".parquet", ".arrow", ".feather"}:
        assert isinstance(back["c"].dtype, pd.CategoricalDtype)  # native categoricals survive


def test_semicolon_csv(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("a;b\n1;x\n2;y\n")
    assert read_table(p).columns.tolist() == ["a", "b"]


def test_in_memory_tables(frame):
    import polars as pl

    assert read_table(frame) is frame
    from_polars = read_table(pl.from_pandas(frame))
    assert from_polars.shape == (3, 3)
    from_arrow = read_table(pa.Table.from_pandas(frame))
    assert isinstance(from_arrow["c"].dtype, pd.CategoricalDtype)
    assert read_table(np.ones((2, 3))).columns.tolist() == ["x0", "x1", "x2"]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b"a,b\n", "no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text table"),
        (b"a,b,a\n1,2,3\n", "duplicate column names"),
        (b"PAR1garbage", "not a readable parquet file"),
        (b"a,b\n\xff\xfe\xfa,1\n", "not UTF-8"),
    ],
)
def test_bad_files(tmp_path, content, match):
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    with pytest.raises(InputError, match=match):
        read_table(p)


def test_missing_and_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        read_table(tmp_path)


def test_duplicate_columns_in_memory():
    df = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(InputError, match="duplicate column names"):
        read_table(df)


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    dest = tmp_path / "out.csv"
    dest.write_text("old")

    def interrupted_write():
        with atomic_path(dest) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        interrupted_write()
    assert dest.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_write_table_unknown_suffix(tmp_path, frame):
    with pytest.raises(InputError, match="output format"):
        write_table(frame, tmp_path / "out.xyz")
