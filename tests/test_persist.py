import json
import pickle
import zipfile

import numpy as np
import pytest

import fewlabels.persist as persist
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
