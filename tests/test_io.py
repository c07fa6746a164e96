import bz2
import gzip
import importlib.util
import logging
import lzma

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from fewlabels.data import read_table, write_table
from fewlabels.data.io import atomic_path
from fewlabels.data.labels import placeholder_hint
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


# --- issue 19: missing-value markers, compression, encodings -------------------------------


def test_class_na_survives_a_csv(tmp_path):
    p = tmp_path / "regions.csv"
    p.write_text("x,region\n1,NA\n2,EU\n3,\n4,NA\n")
    before = p.read_bytes()
    frame = read_table(p)
    assert frame["region"].iloc[[0, 1, 3]].tolist() == ["NA", "EU", "NA"]
    assert frame["region"].isna().tolist() == [False, False, True, False]
    assert p.read_bytes() == before  # the input is never modified


def test_na_in_a_numeric_column_is_a_gap(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("v,flag,day,name\n1.5,True,2020-01-02,a\nNA,NA,N/A,b\n3,false,2020-03-04,c\n")
    frame = read_table(p)
    assert pd.api.types.is_float_dtype(frame["v"].dtype)
    np.testing.assert_array_equal(frame["v"].to_numpy(), [1.5, np.nan, 3.0])
    assert frame["flag"].tolist()[0::2] == [True, False] and pd.isna(frame["flag"].iloc[1])
    assert frame["day"].isna().tolist() == [False, True, False]
    assert frame.attrs["fewlabels_kept_markers"] == {}


def test_missing_values_is_the_exact_list(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text("x,y\n1,a\n2,?\n3,NA\n,b\n")
    frame = read_table(p, missing_values=["?"])
    assert frame["y"].isna().tolist() == [False, True, False, False]
    assert frame["y"].iloc[2] == "NA"
    assert frame["x"].isna().tolist() == [False, False, False, True]  # a blank stays missing
    assert frame.attrs["fewlabels_kept_markers"] == {"y": ["NA"]}


def test_missing_values_in_memory_copies():
    df = pd.DataFrame({"y": ["a", "?", "b"], "c": pd.Categorical(["u", "?", "u"])})
    out = read_table(df, missing_values=["?"])
    assert out["y"].isna().tolist() == [False, True, False]
    assert out["c"].isna().tolist() == [False, True, False]
    assert "?" not in out["c"].cat.categories
    assert df["y"].tolist() == ["a", "?", "b"]  # the input is never modified
    with pytest.raises(InputError, match="list of strings"):
        read_table(df, missing_values=[1, 2])


def test_kept_markers_are_reported(tmp_path, caplog):
    p = tmp_path / "k.csv"
    p.write_text("x,region,note\n1,NA,null\n2,EU,None\n3,NA,ok\n")
    with caplog.at_level(logging.INFO, logger="fewlabels.data.io"):
        frame = read_table(p)
    assert frame.attrs["fewlabels_kept_markers"] == {"region": ["NA"], "note": ["None", "null"]}
    assert "'NA' (2 rows) kept as a value" in caplog.text


@pytest.mark.parametrize(
    ("name", "module"), [("t.csv.gz", gzip), ("t.csv.bz2", bz2), ("t.csv.xz", lzma)]
)
def test_compressed_csv(tmp_path, name, module):
    p = tmp_path / name
    with module.open(p, "wb") as fh:
        fh.write(b"a,b\n1,NA\n2,EU\n")
    frame = read_table(p)
    assert frame.columns.tolist() == ["a", "b"]
    assert frame["b"].tolist() == ["NA", "EU"]


def test_compressed_tsv_and_misnamed_gzip(tmp_path):
    p = tmp_path / "t.tsv.gz"
    with gzip.open(p, "wb") as fh:
        fh.write(b"a\tb\n1\tx\n")
    assert read_table(p).columns.tolist() == ["a", "b"]
    q = tmp_path / "looks_plain.csv"  # the first bytes win over the name
    q.write_bytes(gzip.compress(b"a,b\n1,x\n"))
    assert read_table(q).shape == (1, 2)


def test_damaged_gzip(tmp_path):
    rows = "a,b\n" + "".join(f"{i},{i * 0.37:.5f}\n" for i in range(20000))
    data = gzip.compress(rows.encode())
    p = tmp_path / "d.csv.gz"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="not a readable gzip file"):
        read_table(p)


@pytest.mark.skipif(
    importlib.util.find_spec("zstandard") is not None, reason="zstandard is installed"
)
def test_zstd_without_zstandard(tmp_path):
    p = tmp_path / "t.csv.zst"
    p.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 16)
    with pytest.raises(InputError, match="pip install zstandard") as info:
        read_table(p)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])
def test_utf16_and_bom(tmp_path, encoding):
    p = tmp_path / "u.csv"
    p.write_bytes("ville,y\nZürich,NA\nGenève,EU\n".encode(encoding))
    frame = read_table(p)
    assert frame.columns.tolist() == ["ville", "y"]
    assert frame["ville"].tolist() == ["Zürich", "Genève"]
    assert frame["y"].tolist() == ["NA", "EU"]


@pytest.mark.parametrize("compress", [False, True])
def test_late_latin1_byte_names_the_line(tmp_path, compress):
    body = b"a,b\n" + b"1,plain ascii text\n" * 4000  # ~76 KB, past the 64 KiB head
    content = body + "2,café\n".encode("latin-1")
    assert len(body) > 70_000
    p = tmp_path / ("late.csv.gz" if compress else "late.csv")
    p.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(InputError, match=r"is not UTF-8 \(line 4002\): save it as UTF-8") as info:
        read_table(p)
    assert "delimiter" not in str(info.value) and "\n" not in str(info.value)


def test_placeholder_hint():
    y = ["cat"] * 50 + ["dog"] * 50 + ["?"] * 37
    assert placeholder_hint(y) == (
        "did you mean --unlabeled-value '?' (the target holds '?' on 37 rows)"
    )
    assert placeholder_hint(pd.Series(["a", "b"] * 20 + [" Unknown "] * 3 + [None])) == (
        "did you mean --unlabeled-value ' Unknown ' (the target holds ' Unknown ' on 3 rows)"
    )
    assert placeholder_hint(["a"] * 98 + ["?"] * 2) is None  # below the 5 % share
    assert placeholder_hint(["a"] * 98 + ["?"] * 2, min_share=0.01) is not None
    assert placeholder_hint(["?", "a"], min_share=0.0) is None  # a single row is no pattern
    assert placeholder_hint(["cat", "dog", "NA", "EU", "cat"]) is None  # ordinary classes
    assert placeholder_hint([1, 2, -1, 3]) is None
