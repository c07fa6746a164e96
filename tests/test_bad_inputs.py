"""A corpus of bad inputs: each ends in one line on stderr naming the problem and the fix,
exit code 2, no traceback, the input intact and no partial output (issue 19, part 6)."""

from __future__ import annotations

import gzip
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import file_digest, gadget_model, make_table
from fewlabels.cli import main

GOOD = "x1,x2,color,label\n" + "".join(
    f"{i % 7},{(i * 3) % 5},{'red' if i % 2 else 'blue'},{'a' if i % 3 else ('b' if i % 2 else '')}\n"
    for i in range(60)
)


def _w(tmp: Path, name: str, content: str | bytes) -> Path:
    p = tmp / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    return p


def _gadget_model(tmp: Path) -> Path:
    node = {
        "__class__": "write_text",
        "__module__": "fewlabels.data.io",
        "__loader__": "FunctionNode",
        "content": {},
    }
    return gadget_model(tmp, node)


def _truncated_gz(tmp: Path) -> Path:
    data = gzip.compress(GOOD.encode())
    return _w(tmp, "t.csv.gz", data[: len(data) // 2])


def _late_latin1(tmp: Path) -> Path:
    return _w(
        tmp, "l.csv", ("x,label\n" + "1,a\n" * 20000).encode() + "2,caf\xe9\n".encode("latin-1")
    )


# name -> (files to make: {name: content or callable}, argv with {placeholders}, expected text)
CASES: dict[str, tuple[dict, list[str], str]] = {
    # usage errors of the command line itself
    "fit without --target": ({"d.csv": GOOD}, ["fit", "{d.csv}"], "missing option --target COL"),
    "fit without data": ({}, ["fit", "--target", "label"], "Missing argument"),
    "unknown option": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "--bogus"],
        "No such option",
    ),
    "negative seed": ({"d.csv": GOOD}, ["fit", "{d.csv}", "-t", "label", "--seed", "-1"], "--seed"),
    "huge seed": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "--seed", str(2**40)],
        "--seed",
    ),
    "seed not a number": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "--seed", "abc"],
        "--seed",
    ),
    "zero time limit": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "--time-limit", "0"],
        "--time-limit",
    ),
    "time limit not a number": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "--time-limit", "x"],
        "--time-limit",
    ),
    "bad metric": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "--metric", "speed"],
        "metric",
    ),
    "metric for a method without one": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "-m", "supervised", "--metric", "accuracy"],
        "takes no --metric",
    ),
    "unknown method": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "-m", "magic"],
        "unknown method 'magic'",
    ),
    "unknown predictions format": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "--format", "xls"],
        "'xls' is not one of 'csv', 'parquet'",
    ),
    "unknown command": ({}, ["fitt"], "No such command"),
    "predict without arguments": ({}, ["predict"], "Missing argument"),
    "discover with a bad --n-novel": (
        {"d.csv": GOOD},
        ["discover", "{d.csv}", "-t", "label", "--n-novel", "x"],
        "--n-novel",
    ),
    "discover with zero novel classes": (
        {"d.csv": GOOD},
        ["discover", "{d.csv}", "-t", "label", "--n-novel", "0"],
        "--n-novel",
    ),
    "discover with an unknown method": (
        {"d.csv": GOOD},
        ["discover", "{d.csv}", "-t", "label", "--method", "magic"],
        "unknown discovery method",
    ),
    "bench with an unknown dataset": (
        {},
        ["bench", "-d", "nope", "--out", "{out}"],
        "unknown dataset",
    ),
    "bench with an unknown method": (
        {},
        ["bench", "-d", "iris", "--method", "nope", "--out", "{out}"],
        "unknown method",
    ),
    # files that cannot be read
    "missing data file": ({}, ["fit", "{tmp}/nope.csv", "-t", "label"], "does not exist"),
    "a folder as data": ({"sub/x.csv": GOOD}, ["fit", "{tmp}/sub", "-t", "label"], "folder"),
    "empty file": ({"e.csv": ""}, ["fit", "{e.csv}", "-t", "label"], "empty"),
    "header only": ({"h.csv": "x,label\n"}, ["fit", "{h.csv}", "-t", "label"], "no rows"),
    "binary garbage": ({"g.csv": bytes(range(256)) * 40}, ["fit", "{g.csv}", "-t", "label"], ""),
    "a zip file": ({"z.csv": b"PK\x03\x04" + b"\x00" * 100}, ["fit", "{z.csv}", "-t", "label"], ""),
    "truncated gzip": ({"t.csv.gz": _truncated_gz}, ["fit", "{t.csv.gz}", "-t", "label"], ""),
    "late latin-1 byte": (
        {"l.csv": _late_latin1},
        ["fit", "{l.csv}", "-t", "label"],
        "not UTF-8 (line 20002)",
    ),
    "duplicate column names": (
        {"dup.csv": "x,x,label\n1,2,a\n3,4,b\n"},
        ["fit", "{dup.csv}", "-t", "label"],
        "duplicate column",
    ),
    "ragged rows": (
        {"r.csv": "x,label\n1,a\n2,b,3,4\n" + "5,a\n" * 10},
        ["fit", "{r.csv}", "-t", "label"],
        "",
    ),
    # the target
    "target column missing": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "nope"],
        "target column 'nope' not found",
    ),
    "every target blank": (
        {"b.csv": "x,label\n1,\n2,\n3,\n"},
        ["fit", "{b.csv}", "-t", "label"],
        "no row has a label",
    ),
    "one class only": (
        {"o.csv": "x,label\n1,a\n2,\n3,a\n4,\n"},
        ["fit", "{o.csv}", "-t", "label"],
        "only one class",
    ),
    "plus-minus one target": (
        {"pm.csv": "x,label\n1,1\n2,-1\n3,1\n4,-1\n"},
        ["fit", "{pm.csv}", "-t", "label"],
        "recode it",
    ),
    "a placeholder for unlabeled": (
        {"q.csv": "x,label\n1,?\n2,?\n3,\n4,?\n"},
        ["fit", "{q.csv}", "-t", "label"],
        "did you mean --unlabeled-value '?'",
    ),
    "continuous target": (
        {"c.csv": "x,label\n" + "".join(f"{i},{i * 0.137:.3f}\n" for i in range(30))},
        ["fit", "{c.csv}", "-t", "label", "--task", "classification"],
        "class labels",
    ),
    "unlabeled value removes every label": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "--unlabeled-value", "a", "-m", "supervised"],
        "only one class",
    ),
    "target is the only column": (
        {"t.csv": "label\na\nb\n\n"},
        ["fit", "{t.csv}", "-t", "label"],
        "",
    ),
    # outputs
    "--out is a file": (
        {"d.csv": GOOD, "f.txt": "x"},
        ["fit", "{d.csv}", "-t", "label", "--out", "{f.txt}"],
        "is a file",
    ),
    "--out would overwrite the input": (
        {"d.csv": GOOD},
        ["predict", "{model}", "{d.csv}", "--out", "{d.csv}"],
        "overwrite the input",
    ),
    "--out holds other files": (
        {"d.csv": GOOD, "o/thesis.docx": "x"},
        ["fit", "{d.csv}", "-t", "label", "--out", "{tmp}/o"],
        "holds other files",
    ),
    "--out cannot be written": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "--out", "/proc/fewlabels-out"],
        "cannot be written",
    ),
    "--out in a missing folder": (
        {"d.csv": GOOD},
        ["fit", "{d.csv}", "-t", "label", "--out", "{tmp}/a/b/c"],
        "does not exist",
    ),
    # model files
    "a pickle as model": (
        {"d.csv": GOOD, "m.pkl": b"\x80\x04K\x01."},
        ["predict", "{m.pkl}", "{d.csv}", "--out", "{tmp}/p.csv"],
        "pickle",
    ),
    "a zip that is not a model": (
        {"d.csv": GOOD, "m.skops": lambda t: _zip(t)},
        ["predict", "{m.skops}", "{d.csv}", "--out", "{tmp}/p.csv"],
        "not written by fewlabels",
    ),
    "a text file as model": (
        {"d.csv": GOOD, "m.skops": "hello"},
        ["predict", "{m.skops}", "{d.csv}", "--out", "{tmp}/p.csv"],
        "not a fewlabels model",
    ),
    "a missing model": (
        {"d.csv": GOOD},
        ["predict", "{tmp}/nope.skops", "{d.csv}", "--out", "{tmp}/p.csv"],
        "does not exist",
    ),
    "a folder as model": (
        {"d.csv": GOOD, "mf/x": "x"},
        ["predict", "{tmp}/mf", "{d.csv}", "--out", "{tmp}/p.csv"],
        "folder",
    ),
    "a gadget model": (
        {"d.csv": GOOD, "gadget.skops": _gadget_model},
        ["predict", "{gadget.skops}", "{d.csv}", "--out", "{tmp}/p.csv"],
        "does not trust",
    ),
    "predict without a feature column": (
        {"n.csv": "x1,label\n1,a\n"},
        ["predict", "{model}", "{n.csv}", "--out", "{tmp}/p.csv"],
        "lacks column",
    ),
    "predict with text in a number column": (
        {"n.csv": "x1,x2,color,label\nabc,1,red,\n"},
        ["predict", "{model}", "{n.csv}", "--out", "{tmp}/p.csv"],
        "numeric",
    ),
    "predict into an unknown suffix": (
        {"d.csv": GOOD},
        ["predict", "{model}", "{d.csv}", "--out", "{tmp}/p.xlsx"],
        "",
    ),
}


def _zip(tmp: Path) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    return buf.getvalue()


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    root = tmp_path_factory.mktemp("model")
    data = _w(root, "train.csv", GOOD)
    assert (
        main(
            [
                "fit",
                str(data),
                "-t",
                "label",
                "-m",
                "supervised",
                "--no-evidence",
                "--out",
                str(root / "m"),
                "-q",
            ]
        )
        == 0
    )
    return root / "m" / "model.skops"


def test_the_corpus_is_large():
    assert len(CASES) >= 50


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_line_and_exit_2(name, tmp_path, model, capsys):
    files, argv, expected = CASES[name]
    made = {}
    for fname, content in files.items():
        p = tmp_path / fname
        p.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            value = content(tmp_path)
            if isinstance(value, Path):
                p = value
            else:
                p.write_bytes(value)
        else:
            p.write_bytes(content if isinstance(content, bytes) else content.encode())
        made[fname] = p
    digests = {f: file_digest(p) for f, p in made.items() if p.is_file()}
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    subs = {"tmp": str(tmp_path), "out": str(tmp_path / "out"), "model": str(model)}
    subs.update({f: str(p) for f, p in made.items()})
    args = []
    for a in argv:
        for key, value in subs.items():
            a = a.replace("{" + key + "}", value)
        args.append(a)
    code = main(args)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    assert expected in lines[0], lines[0]
    assert {f: file_digest(made[f]) for f in digests} == digests  # inputs intact
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before  # no partial output


def test_a_really_unreadable_file(tmp_path):
    """A real permission error: as root, a forked run drops to 'nobody' first."""
    p = _w(tmp_path, "locked.csv", GOOD)
    p.chmod(0)
    log = open(tmp_path / "stderr.txt", "w")  # opened before the child drops its rights
    pid = os.fork()
    if pid == 0:  # the child: no exec, fewlabels is already imported
        code = 70
        try:
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            os.dup2(log.fileno(), 2)
            sys.stderr = os.fdopen(2, "w")
            code = main(["fit", str(p), "-t", "label", "--out", "/tmp/fewlabels-never"])
            sys.stderr.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    log.close()
    err = (tmp_path / "stderr.txt").read_text().strip()
    assert os.waitstatus_to_exitcode(status) == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and "permission" in lines[0].lower(), err


def test_a_placeholder_class_is_warned_about(tmp_path, capsys):
    data = _w(tmp_path, "q.csv", "x,label\n" + "1,a\n2,?\n3,?\n4,a\n5,?\n6,a\n" * 3)
    code = main(
        [
            "fit",
            str(data),
            "-t",
            "label",
            "-m",
            "supervised",
            "--no-evidence",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 0
    assert "did you mean --unlabeled-value '?'" in " ".join(capsys.readouterr().err.split())


def test_a_class_named_na_survives_fit_predict_and_report(tmp_path, capsys):
    df, _ = make_table(n=120, labeled_fraction=0.4)
    df["label"] = df["label"].map({"alpha": "NA", "beta": "EU", "gamma": "APAC"})
    data = tmp_path / "regions.csv"
    df.to_csv(data, index=False)
    assert "NA" in data.read_text()
    out = tmp_path / "run"
    assert (
        main(
            [
                "fit",
                str(data),
                "-t",
                "label",
                "-m",
                "supervised",
                "--no-evidence",
                "--out",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert sorted(summary["classes"]) == ["APAC", "EU", "NA"]
    assert (
        main(
            ["predict", str(out / "model.skops"), str(data), "--out", str(tmp_path / "p.csv"), "-q"]
        )
        == 0
    )
    import pandas as pd

    pred = pd.read_csv(tmp_path / "p.csv", keep_default_na=False)
    assert "NA" in set(pred["predicted"])
    assert "<td>NA</td>" in (out / "report.html").read_text()
