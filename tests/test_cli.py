"""The command line, end to end: outputs, round trips, and every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import file_digest, make_table


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fewlabels", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_fit_then_predict_round_trip(csv_95, tmp_path):
    before = file_digest(csv_95)
    out = tmp_path / "run"
    r = cli("fit", csv_95, "--target", "label", "--method", "supervised", "--out", out, "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert sorted(p.name for p in out.iterdir()) == [
        "model.skops",
        "predictions.csv",
        "report.html",
        "run.json",  # the manifest of the run, written last
    ]
    assert sorted(json.loads((out / "run.json").read_text())["files"]) == [
        "model.skops",
        "predictions.csv",
        "report.html",
    ]
    assert summary["n_rows"] == 400 and summary["n_labeled"] < 400 * 0.1
    assert file_digest(csv_95) == before  # the input is never modified

    preds = pd.read_csv(out / "predictions.csv")
    assert len(preds) == 400
    assert {"predicted", "confidence", "was_labeled"} <= set(preds.columns)
    assert preds["was_labeled"].sum() == summary["n_labeled"]
    assert preds["confidence"].between(0, 1).all()

    again = tmp_path / "again.csv"
    r = cli("predict", out / "model.skops", csv_95, "--out", again, "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    np.testing.assert_array_equal(pd.read_csv(again)["predicted"], preds["predicted"])


def test_label_spreading_parquet_in_parquet_out(tmp_path):
    df, _ = make_table(n=300, labeled_fraction=0.05, seed=2)
    data = tmp_path / "t.parquet"
    df.to_parquet(data)
    r = cli(
        "fit",
        data,
        "--target",
        "label",
        "--method",
        "label-spreading",
        "--out",
        tmp_path / "o",
        "--no-evidence",
        "--quiet",
    )
    assert r.returncode == 0, r.stderr
    assert pd.read_parquet(tmp_path / "o" / "predictions.parquet").shape[0] == 300


def test_report_is_self_contained_and_escaped(tmp_path):
    df, _ = make_table(n=200, labeled_fraction=0.2, seed=3)
    df = df.rename(columns={"color": "<script>alert(1)</script>"})
    df["label"] = df["label"].replace({"alpha": "<b>bold</b>"})
    data = tmp_path / "x.csv"
    df.to_csv(data, index=False)
    r = cli(
        "fit",
        data,
        "--target",
        "label",
        "--method",
        "supervised",
        "--out",
        tmp_path / "o",
        "--quiet",
    )
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "o" / "report.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "http://" not in html and "https://" not in html  # nothing loads from the network
    assert "data:image/png;base64," in html
    for section in ("The data", "The method", "The evidence", "The predictions"):
        assert section in html


def test_json_and_methods_and_datasets():
    r = cli("methods", "--json")
    assert {m["name"] for m in json.loads(r.stdout)["methods"]} >= {"supervised", "label-spreading"}
    r = cli("datasets", "--json")
    assert r.returncode == 0
    assert any(d["name"] == "iris" and d["installed"] for d in json.loads(r.stdout)["datasets"])


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    (p.write_bytes if isinstance(content, bytes) else p.write_text)(content)
    return p


GOOD_ROWS = "".join(f"{i % 7},{i % 3 * 1.5},{'a' if i % 2 else ''}\n" for i in range(30))
BAD_INPUTS = {
    "empty file": ("e.csv", "", "label", "is empty"),
    "no labeled rows": (
        "n.csv",
        "x,z,label\n" + "".join(f"{i},{i * 2 % 5},\n" for i in range(20)),
        "label",
        "no row has a label",
    ),
    "single class": ("s.csv", "x,z,label\n" + GOOD_ROWS, "label", "only one class"),
    "missing target": (
        "m.csv",
        "x,z,label\n" + GOOD_ROWS,
        "target",
        "target column 'target' not found",
    ),
    "all-NaN feature": (
        "a.csv",
        "x,z,label\n" + "".join(f"{i},,{'ab'[i % 2] if i < 6 else ''}\n" for i in range(20)),
        "label",
        "'z' is empty in every row",
    ),
    "infinities": (
        "i.csv",
        "x,z,label\n"
        + "".join(
            f"{'inf' if i == 3 else i},{i % 4},{'ab'[i % 2] if i < 6 else ''}\n" for i in range(20)
        ),
        "label",
        "infinite",
    ),
    "mixed-type column": (
        "x.csv",
        "x,z,label\n"
        + "".join(
            f"{'oops' if i == 3 else i},{i % 4},{'ab'[i % 2] if i < 6 else ''}\n" for i in range(20)
        ),
        "label",
        "mixes numbers and text",
    ),
    "duplicate column names": (
        "d.csv",
        "x,x,label\n" + GOOD_ROWS,
        "label",
        "duplicate column names",
    ),
    "not a table": (
        "p.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "label",
        "not a text table",
    ),
    "truncated parquet": (
        "t.parquet",
        b"PAR1\x00\x00garbage",
        "label",
        "not a readable parquet file",
    ),
    "a folder": ("folder", None, "label", "is a folder"),
    "a missing file": ("absent.csv", None, "label", "does not exist"),
    "numeric target with too few values": (
        "c.csv",
        "x,z,label\n" + "".join(f"{i},{i % 4},{i * 0.37 if i < 4 else ''}\n" for i in range(20)),
        "label",
        "a regression needs at least 5",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_one_line_exit_2(tmp_path, case):
    name, content, target, match = BAD_INPUTS[case]
    if content is None and name == "folder":
        (tmp_path / name).mkdir()
    elif content is not None:
        _write(tmp_path, name, content)
    path = tmp_path / name
    before = file_digest(path) if path.is_file() else None
    r = cli("fit", path, "--target", target, "--out", tmp_path / "out")
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and match in lines[0], lines[0]
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()  # nothing half-written
    if before is not None:
        assert file_digest(path) == before


def test_debug_shows_traceback(tmp_path):
    p = _write(tmp_path, "e.csv", "")
    r = cli("fit", p, "--target", "y", "--debug")
    assert r.returncode == 2 and "Traceback" in r.stderr


def test_unknown_method_and_pickle_model(tmp_path, csv_95):
    r = cli("fit", csv_95, "--target", "label", "--method", "magic")
    assert r.returncode == 2 and "unknown method 'magic'; choose one of" in r.stderr
    import pickle

    model = _write(tmp_path, "model.pkl", pickle.dumps({"a": 1}))
    r = cli("predict", model, csv_95, "--out", tmp_path / "p.csv")
    assert r.returncode == 2 and "refuses pickles" in r.stderr
    assert not (tmp_path / "p.csv").exists()


@pytest.fixture(scope="module")
def fitted_model(tmp_path_factory) -> tuple[Path, Path]:
    """A model fitted once through the CLI, and the CSV it was fitted on."""
    root = tmp_path_factory.mktemp("fitted")
    data = root / "data.csv"
    make_table(n=400, labeled_fraction=0.05, seed=1)[0].to_csv(data, index=False)
    assert (
        cli(
            "fit",
            data,
            "--target",
            "label",
            "--method",
            "supervised",
            "--out",
            root / "m",
            "--no-evidence",
            "--quiet",
        ).returncode
        == 0
    )
    return root / "m" / "model.skops", data


def test_output_never_overwrites_input(tmp_path, fitted_model):
    model, data = fitted_model
    csv_95 = tmp_path / "copy.csv"
    csv_95.write_bytes(data.read_bytes())
    before = file_digest(csv_95)
    r = cli("predict", model, csv_95, "--out", csv_95)
    assert r.returncode == 2 and "overwrite the input" in r.stderr
    assert file_digest(csv_95) == before


def test_predict_with_missing_column(tmp_path, fitted_model):
    model, data = fitted_model
    other = tmp_path / "other.csv"
    pd.read_csv(data).drop(columns=["color"]).to_csv(other, index=False)
    r = cli("predict", model, other, "--out", tmp_path / "p.csv")
    assert r.returncode == 2 and "lacks column(s) the model was fitted with: 'color'" in r.stderr


def test_version():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("fewlabels ")


def test_auto_is_the_default_and_reports_its_portfolio(tmp_path):
    df, _ = make_table(n=300, labeled_fraction=0.15, seed=4)
    data = tmp_path / "t.csv"
    df.to_csv(data, index=False)
    r = cli("fit", data, "--target", "label", "--out", tmp_path / "o", "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["method"] == "auto"
    ev = summary["evidence"]
    assert (ev["method"], ev["baseline"]) == ("semi-supervised ensemble", "supervised ensemble")
    assert set(ev["portfolio"]["method"]) >= {"random-forest", "lightgbm", "label-spreading"}
    html = (tmp_path / "o" / "report.html").read_text()
    assert "random-forest+pl" in html and "one standard error" in html


def test_time_limit_and_metric_reach_auto_and_bad_values_are_one_line(tmp_path):
    df, _ = make_table(n=200, labeled_fraction=0.2, seed=5)
    data = tmp_path / "t.csv"
    df.to_csv(data, index=False)
    r = cli(
        "fit",
        data,
        "-t",
        "label",
        "-o",
        tmp_path / "o",
        "--json",
        "--time-limit",
        "0.5",
        "--metric",
        "balanced_accuracy",
    )
    assert r.returncode == 0, r.stderr
    ev = json.loads(r.stdout)["evidence"]
    assert ev["portfolio"]["metric"] == "balanced_accuracy"
    assert any(s.startswith("skipped") for s in ev["portfolio"]["status"])
    r = cli("fit", data, "-t", "label", "-o", tmp_path / "o2", "--metric", "r2")
    assert r.returncode == 2 and "'r2' is not one of" in r.stderr  # a choice list now
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli(
        "fit", data, "-t", "label", "-o", tmp_path / "o3", "-m", "supervised", "--time-limit", "5"
    )
    assert r.returncode == 2 and "takes no --time-limit" in r.stderr


def test_a_minus_one_class_gets_a_hint(tmp_path):
    data = tmp_path / "pm.csv"
    pd.DataFrame({"x": [0.1, 0.2, 0.9, 1.0], "y": [-1, 1, -1, 1]}).to_csv(data, index=False)
    r = cli("fit", data, "--target", "y", "--out", tmp_path / "o")
    assert r.returncode == 2 and "if -1 is a class here, recode it" in r.stderr
