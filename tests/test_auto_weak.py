"""Labeling functions in auto's portfolio: the ``+weak`` members, their recipe and the CLI's
``fit --lfs``."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from fewlabels.auto import AutoClassifier, Member, catalogue
from fewlabels.auto._cv import fit_with_weak_labels
from fewlabels.cli import main
from fewlabels.exceptions import InputError
from fewlabels.weak import best_label_model, soft_label_rows


def _xor(n=1500, n_labels=12, seed=0):
    """The class is the sign of x0 * x1: 12 labels cannot show a forest the four quadrants,
    but four quadrant rules (90% accurate, covering most rows) can."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 4))
    truth = (X[:, 0] * X[:, 1] > 0).astype(int)
    y = np.full(n, -1)
    for c in (0, 1):
        y[rng.choice(np.flatnonzero(truth == c), n_labels // 2, replace=False)] = c
    L = np.full((n, 4), -1)
    far = (np.abs(X[:, 0]) > 0.15) & (np.abs(X[:, 1]) > 0.15)
    for j, (sx, sy) in enumerate([(1, 1), (-1, -1), (1, -1), (-1, 1)]):
        q = far & (np.sign(X[:, 0]) == sx) & (np.sign(X[:, 1]) == sy)
        vote = int(sx * sy > 0)
        noisy = rng.random(n) < 0.1
        L[q, j] = np.where(noisy[q], 1 - vote, vote)
    return X, y, truth, L


MEMBERS = ["logreg", "random-forest", "random-forest+weak"]


def test_weak_members_join_with_votes_and_carry_the_lfs_signal():
    X, y, truth, L = _xor()
    auto = AutoClassifier(MEMBERS, time_limit=None, random_state=0).fit(X, y, label_matrix=L)
    table = pd.DataFrame(auto.cv_results_)
    weak = table.set_index("method").loc["random-forest+weak"]
    assert weak["status"] == "ok" and weak["kind"] == "weak"
    forest = table.set_index("method").loc["random-forest"]
    assert weak["mean_accuracy"] > forest["mean_accuracy"] + 0.1
    assert auto.best_method_ == "semi-supervised ensemble", auto.selection_reason_
    assert auto.weights_.get("random-forest+weak", 0) > 0.5
    assert auto.weak_label_model_ in {"majority", "dawid-skene", "matrix-completion"}
    assert np.mean(auto.predict(X) == truth) > 0.85
    alone = AutoClassifier(MEMBERS[:2], time_limit=None, random_state=0).fit(X, y)
    assert np.mean(auto.predict(X) == truth) > np.mean(alone.predict(X) == truth) + 0.1


def test_without_votes_the_weak_members_stay_out_and_by_name_are_refused():
    X, y, _, _ = _xor(n=200)
    auto = AutoClassifier(["logreg", "random-forest"], random_state=0).fit(X, y)
    assert auto.weak_label_model_ is None
    default = AutoClassifier(time_limit=5, random_state=0)._portfolio(np.array([6, 6]))
    assert not [m for m in default if m.kind == "weak"]
    assert {m.kind for m in catalogue().values()} >= {"weak"}
    with pytest.raises(InputError, match="learns from labeling functions: pass their votes"):
        AutoClassifier(MEMBERS, random_state=0).fit(X, y)


def test_votes_of_the_wrong_shape_or_codes_are_one_input_error():
    X, y, _, L = _xor(n=200)
    with pytest.raises(InputError, match="label_matrix has 199 rows but X has 200"):
        AutoClassifier(MEMBERS, random_state=0).fit(X, y, label_matrix=L[:-1])
    with pytest.raises(InputError, match="votes must be class codes"):
        AutoClassifier(MEMBERS, random_state=0).fit(X, y, label_matrix=L + 5)


class _Recorder(LogisticRegression):
    seen: list = []

    def fit(self, X, y, sample_weight=None):
        _Recorder.seen.append((np.asarray(X).copy(), np.asarray(y), sample_weight))
        return super().fit(X, y, sample_weight=sample_weight)


def test_the_weak_recipe_learns_only_covered_pool_rows_never_held_out_ones():
    # rows 0-3 labeled, 4-5 held out (covered by an LF), pool 6-9 (8 and 9 uncovered)
    V = np.arange(10, dtype=float)[:, None]
    votes = np.array([[0], [1], [0], [1], [1], [0], [1], [0], [-1], [-1]])
    y = np.array([0, 1, 0, 1])
    m = Member("rec+weak", "weak", "numeric", lambda seed, n_jobs: _Recorder())
    _Recorder.seen.clear()
    model, lm_name = fit_with_weak_labels(
        m, V, np.arange(4), y, votes, np.arange(6, 10), 2, 0, None
    )
    ((Xs, ys, w),) = _Recorder.seen
    assert lm_name == "majority"
    assert sorted(Xs.ravel().tolist()) == [0, 1, 2, 3, 6, 7]  # no held-out, no uncovered row
    assert ys.tolist() == [0, 1, 0, 1, 1, 0]
    assert np.allclose(w, 1.0)  # one LF: majority vote is certain where it votes


def test_best_label_model_scores_the_labeled_covered_rows():
    L = np.array([[0, 0], [1, 1], [1, -1], [-1, -1]])
    lm, acc = best_label_model(L, 2, np.array([0, 1, -1, 0]))
    assert lm.name == "majority" and acc == 1.0  # row 3 is labeled but not covered
    lm, acc = best_label_model(L, 2, np.array([-1, -1, -1, 0]))
    assert lm.name == "majority" and np.isnan(acc)


def test_soft_label_rows_drops_negligible_classes_and_scales():
    Q = np.array([[0.9995, 0.0005], [0.4, 0.6]])
    r, c, w = soft_label_rows(Q, np.array([3, 8]), weight=0.5)
    assert r.tolist() == [3, 8, 8] and c.tolist() == [0, 0, 1]
    assert np.allclose(w, [0.49975, 0.2, 0.3])


# --------------------------------------------------------------------------- fit --lfs
LF_FILE = """
from fewlabels.weak import ABSTAIN, labeling_function

@labeling_function()
def same_sign(x):
    if abs(x.a) < 0.15 or abs(x.b) < 0.15:
        return ABSTAIN
    return "same" if x.a * x.b > 0 else "opposite"
"""


def _xor_csv(tmp_path, n=400):
    X, y, _, _ = _xor(n=n, n_labels=20)
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2]})
    df["label"] = np.where(y >= 0, np.where(y == 1, "same", "opposite"), None)
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    (tmp_path / "lfs.py").write_text(LF_FILE)
    return path


def test_cli_fit_lfs_puts_the_weak_members_in_autos_portfolio(tmp_path, capsys):
    import json

    data = _xor_csv(tmp_path)
    out = tmp_path / "o"
    code = main(
        ["fit", str(data), "-t", "label", "--lfs", str(tmp_path / "lfs.py"), "-o", str(out),
         "--time-limit", "60", "--json"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out)
    assert any(k.endswith("+weak") for k in summary["chosen"]["weights"]), summary["chosen"]
    html = (out / "report.html").read_text()
    assert "+weak" in html
    pred = pd.read_csv(out / "predictions.csv")
    assert len(pred) == 400


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-m", "supervised"], "method supervised does not learn from labeling functions"),
        (["--task", "regression"], "--lfs votes for class labels"),
    ],
)
def test_cli_fit_lfs_refused_in_one_line_and_nothing_written(tmp_path, capsys, extra, message):
    data = _xor_csv(tmp_path, n=120)
    if "regression" in extra:
        df = pd.read_csv(data)
        df["label"] = np.where(df["label"].notna(), df["a"] * 10, np.nan)
        df.to_csv(data, index=False)
    out = tmp_path / "o"
    code = main(
        ["fit", str(data), "-t", "label", "--lfs", str(tmp_path / "lfs.py"), "-o", str(out),
         "-q", *extra]
    )  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1, err
    assert not out.exists()


def test_cli_fit_lfs_that_raise_name_the_lf_and_write_nothing(tmp_path, capsys):
    data = _xor_csv(tmp_path, n=120)
    (tmp_path / "lfs.py").write_text(
        "from fewlabels.weak import labeling_function\n"
        "@labeling_function()\n"
        "def lf_bad(x):\n"
        "    return 1 / 0\n"
    )
    out = tmp_path / "o"
    code = main(["fit", str(data), "-t", "label", "--lfs", str(tmp_path / "lfs.py"),
                 "-o", str(out), "-q"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and "labeling function 'lf_bad' raised ZeroDivisionError" in err, err
    assert len(err.splitlines()) == 1 and not out.exists()
