"""AutoGluon as a benchmark peer: it runs in its own venv (``make peers-autogluon``)."""

import numpy as np
import pandas as pd
import pytest

from fewlabels.bench.autogluon import AutoGluonPeer, AutoGluonUnavailableError, autogluon_python


def test_missing_interpreter_says_how_to_install_it(tmp_path):
    missing = tmp_path / "no-such-venv" / "bin" / "python"
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=10)})
    y = np.array([0, 1] * 3 + [-1] * 4)
    with pytest.raises(AutoGluonUnavailableError, match=r"make peers-autogluon"):
        AutoGluonPeer(python=str(missing)).fit(X, y)


def test_methods_are_listed_only_with_the_interpreter(monkeypatch, tmp_path):
    from fewlabels.bench.peers import available_methods

    monkeypatch.setenv("FEWLABELS_AUTOGLUON_PYTHON", str(tmp_path / "python"))
    assert "autogluon" not in available_methods()
    (tmp_path / "python").write_text("")
    monkeypatch.setenv("FEWLABELS_AUTOGLUON_TIME_LIMIT", "7")
    methods = available_methods()
    plain, pseudo = methods["autogluon"], methods["autogluon-pseudolabel"]
    assert plain.supervised and not pseudo.supervised and plain.encoding is None
    model = pseudo.make(3)
    assert (model.time_limit, model.pseudo_label, model.random_state) == (7.0, True, 3)


@pytest.mark.slow
def test_autogluon_fits_a_small_separable_table():
    if autogluon_python() is None:
        pytest.skip("AutoGluon's venv is not installed (make peers-autogluon)")
    rng = np.random.default_rng(0)
    n = 60
    cls = rng.integers(0, 2, n)
    X = pd.DataFrame(
        {
            "signal": cls * 3.0 + rng.normal(0, 0.5, n),
            "noise": rng.normal(size=n),
            "color": pd.Categorical(np.array(["red", "blue"])[cls]),
        }
    )
    y = np.where(np.arange(n) < 40, cls, -1)  # the last 20 rows unlabeled
    model = AutoGluonPeer(time_limit=10, random_state=0).fit(X, y)
    assert model.classes_.tolist() == [0, 1]
    proba = model.predict_proba(X.iloc[40:])
    assert proba.shape == (20, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(X.iloc[40:]) == cls[40:]).mean() > 0.8
