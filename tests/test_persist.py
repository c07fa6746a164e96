import json
import pickle
import zipfile

import numpy as np
import pytest

import fewlabels.persist as persist
from conftest import gadget_model
from fewlabels.exceptions import ModelFileError
from fewlabels.methods import make_model
from fewlabels.persist import load_model, save_model


@pytest.fixture
def fitted(table):
    df, _ = table
    X, y = df.drop(columns="label"), df["label"]
    return make_model("supervised", random_state=0).fit(X, y), X


def test_round_trip(tmp_path, fitted):
    model, X = fitted
    path = save_model(model, tmp_path / "m.skops", {"target": "label"})
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.model.predict_proba(X), model.predict_proba(X))
    assert loaded.metadata["target"] == "label"
    assert loaded.metadata["fewlabels_version"] == persist.__version__


def test_pickle_is_refused(tmp_path, fitted):
    model, _ = fitted
    p = tmp_path / "m.skops"
    p.write_bytes(pickle.dumps(model))
    with pytest.raises(ModelFileError, match="pickle file; fewlabels refuses pickles"):
        load_model(p)


def test_untrusted_type_is_refused(tmp_path, fitted):
    import skops.io as sio
    from sklearn.pipeline import Pipeline

    model, _ = fitted
    path = save_model(Pipeline([("m", model)]), tmp_path / "m.skops")
    # smuggle in a type outside the trusted set by rewriting the archive's object tree
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    schema = json.loads(entries["schema.json"])
    schema["content"]["content"]["steps"]["content"][0]["content"][1]["__module__"] = "os"
    schema["content"]["content"]["steps"]["content"][0]["content"][1]["__class__"] = "system"
    entries["schema.json"] = json.dumps(schema).encode()
    bad = tmp_path / "bad.skops"
    with zipfile.ZipFile(bad, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)
    assert "os.system" in sio.get_untrusted_types(file=bad)
    with pytest.raises(ModelFileError, match="does not trust.*os.system"):
        load_model(bad)


def test_incompatible_version_is_refused(tmp_path, fitted, monkeypatch):
    model, _ = fitted
    monkeypatch.setattr(persist, "__version__", "9.0.0")
    path = save_model(model, tmp_path / "m.skops")
    monkeypatch.setattr(persist, "__version__", "0.1.0")
    with pytest.raises(ModelFileError, match="written by fewlabels 9.0.0, which is not compatible"):
        load_model(path)


def test_not_a_model(tmp_path):
    p = tmp_path / "x.skops"
    p.write_text("hello")
    with pytest.raises(ModelFileError, match="not a fewlabels model file"):
        load_model(p)
    with zipfile.ZipFile(tmp_path / "z.skops", "w") as zf:
        zf.writestr("a.txt", "x")
    with pytest.raises(ModelFileError, match="not written by fewlabels"):
        load_model(tmp_path / "z.skops")


# ----------------------------------------------------------------- crafted model files
def _str(v):
    return {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(v),
        "is_json": True,
    }


def _call(module, name, *args):
    """A node that makes skops call ``module.name(*args)`` while loading."""
    return {
        "__class__": name,
        "__module__": module,
        "__loader__": "ConstructorFromReduceNode",
        "content": {
            "__class__": "tuple",
            "__module__": "builtins",
            "__loader__": "TupleNode",
            "content": [_str(a) for a in args],
        },
    }


def _gadget_file(tmp_path, node):
    return gadget_model(tmp_path, node)


GADGETS = {
    "a fewlabels function": lambda p: _call("fewlabels.data.io", "write_text", str(p), "owned"),
    "a builtin with side effects": lambda p: _call(
        "builtins", "exec", f"open({str(p)!r}, 'w').write('owned')"
    ),
    "os.system": lambda p: _call("os", "system", f"touch {p}"),
    "a trusted class called as a constructor": lambda p: _call(
        "fewlabels.data.encoder", "TableEncoder", str(p)
    ),
    "a class outside the list": lambda p: {
        "__class__": "Method",
        "__module__": "fewlabels.methods",
        "__loader__": "ObjectNode",
        "content": {
            "__class__": "dict",
            "__module__": "builtins",
            "__loader__": "DictNode",
            "content": {},
            "key_types": {
                "__class__": "list",
                "__module__": "builtins",
                "__loader__": "ListNode",
                "content": [],
            },
        },
    },
    "a package function as a value": lambda p: {
        "__class__": "write_text",
        "__module__": "fewlabels.data.io",
        "__loader__": "FunctionNode",
        "content": {"module_path": "fewlabels.data.io", "function": "write_text"},
    },
}


@pytest.mark.parametrize("kind", sorted(GADGETS))
def test_gadget_files_are_refused_before_anything_is_built(tmp_path, kind):
    victim = tmp_path / "written-by-the-model-file.txt"
    bad = _gadget_file(tmp_path, GADGETS[kind](victim))
    with pytest.raises(ModelFileError, match="does not trust") as err:
        load_model(bad)
    assert "\n" not in str(err.value)
    assert not victim.exists()


def test_gadget_file_in_the_cli_is_one_line_and_exit_2(tmp_path):
    import subprocess
    import sys

    victim = tmp_path / "written-by-the-model-file.txt"
    bad = _gadget_file(tmp_path, GADGETS["a fewlabels function"](victim))
    data = tmp_path / "d.csv"
    data.write_text("x\n1\n")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "fewlabels",
            "predict",
            str(bad),
            str(data),
            "--out",
            str(tmp_path / "p.csv"),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "does not trust" in r.stderr
    assert "Traceback" not in r.stderr and not victim.exists()


def test_every_public_estimator_is_on_the_allow_list():
    from fewlabels.inventory import all_estimators

    public = {f"{c.__module__}.{c.__qualname__}" for _, c in all_estimators()}
    missing = (
        public
        - persist.TRUSTED_TYPES
        - {
            "fewlabels.bench.autogluon.AutoGluonPeer",
            "fewlabels.selftrain.confidence.ConfidenceMeasure",
        }
    )
    assert not missing, f"add to persist.FEWLABELS_TYPES: {sorted(missing)}"
    for name in persist.FEWLABELS_TYPES:  # classes only, each importable
        module, _, cls = name.rpartition(".")
        import importlib
        import inspect

        try:
            obj = getattr(importlib.import_module(module), cls)
        except ImportError:  # an optional extra (torch) is not installed
            continue
        assert inspect.isclass(obj), name


def test_library_versions_are_recorded_and_a_difference_warns(tmp_path, fitted, caplog):
    model, _ = fitted
    path = save_model(model, tmp_path / "m.skops")
    header = persist.read_header(path)
    assert {"numpy", "sklearn", "lightgbm"} <= set(header["library_versions"])
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    header["library_versions"]["numpy"] = "0.0.1"
    entries[persist.HEADER] = json.dumps(header).encode()
    old = tmp_path / "old.skops"
    with zipfile.ZipFile(old, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)
    with caplog.at_level("WARNING", logger="fewlabels"):
        load_model(old)
    assert "numpy 0.0.1" in caplog.text


def test_a_deep_model_round_trips(tmp_path, table):
    pytest.importorskip("torch")
    from sklearn.pipeline import Pipeline

    from fewlabels.data import TableEncoder
    from fewlabels.deep import DeepSupervisedClassifier

    df, _ = table
    X, y = df.drop(columns="label"), df["label"]
    model = Pipeline(
        [
            ("encode", TableEncoder()),
            ("model", DeepSupervisedClassifier(max_epochs=2, random_state=0)),
        ]
    ).fit(X, y)
    loaded = load_model(save_model(model, tmp_path / "deep.skops")).model
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))
