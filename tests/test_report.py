"""The fit report a user can act on (issue 20, item 2): the majority-class baseline beside
the scores, the out-of-fold confusion matrix and per-class precision and recall, the
calibration of the confidence, permutation importance, the chosen method's own choices, and
the warnings at the top, all from the out-of-fold rows the evidence already scored."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from fewlabels.workflow import fit_table


def _signal(n: int = 150, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cls = np.arange(n) % 3
    df = pd.DataFrame({"x": cls * 1.5 + rng.normal(0, 0.8, n), "z": rng.normal(0, 1, n)})
    df["y"] = pd.Series(np.where(np.arange(n) < 60, np.array(["a", "b", "c"])[cls], None))
    return df


def _noise(n: int = 200, seed: int = 0, majority: float = 0.7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < majority, "stay", "churn")
    df = pd.DataFrame({"a": rng.normal(0, 1, n), "b": rng.normal(0, 1, n)})
    df["y"] = pd.Series(np.where(np.arange(n) < 80, y, None))
    return df


def _section(html: str, anchor: str) -> str:
    return html.split(f'<section id="{anchor}">', 1)[1].split("</section>", 1)[0]


def test_report_has_baseline_confusion_per_class_calibration_and_importance(tmp_path):
    res = fit_table(_signal(), "y", "supervised-logreg", tmp_path / "o")
    html = (tmp_path / "o" / "report.html").read_text()
    evidence = _section(html, "evidence")
    assert "always the majority class (baseline)" in evidence
    diag = _section(html, "diagnostics")
    for text in (
        "Confusion matrix (out of fold)",
        "precision",
        "recall",
        "Expected calibration error (ECE)",
        "permutation importance",
        'alt="reliability diagram"',
    ):
        assert text in diag, text
    d = res.diagnostics
    m = d["oof"]["matrix"]
    assert m.sum() == res.n_labeled == 60  # every labeled row once, out of fold
    assert m.sum(axis=1).tolist() == [20, 20, 20]  # rows: the given labels
    # the matrix is the evidence's own first repeat: its fold accuracies, pooled
    ev = res.evidence
    first = ev["method_scores"][: ev["n_splits"]]
    assert np.trace(m) / m.sum() == pytest.approx(np.mean(first), abs=0.02)
    # the majority baseline on the same folds, and the informative column matters most
    assert ev["majority_mean"] == pytest.approx(1 / 3, abs=0.05)
    imp = d["importance"]
    assert imp["columns"][int(np.nanargmax(imp["drop"]))] == "x"
    assert "held-out rows" in imp["scope"]


def test_noise_features_warn_at_the_top_within_noise_of_the_majority(tmp_path):
    res = fit_table(_noise(), "y", "supervised-logreg", tmp_path / "o")
    assert any("within noise of always predicting the majority class" in w for w in res.warnings)
    html = (tmp_path / "o" / "report.html").read_text()
    assert html.index('<section id="warnings">') < html.index('<section id="data">')
    assert "within noise of always" in _section(html, "warnings")


def test_a_constant_predictor_is_warned(tmp_path):
    res = fit_table(_noise(majority=0.93, seed=1), "y", "supervised-logreg", tmp_path / "o")
    assert any("a constant predictor" in w for w in res.warnings), res.warnings
    assert "a constant predictor" in _section(
        (tmp_path / "o" / "report.html").read_text(), "warnings"
    )


def test_overconfident_probabilities_are_recalibrated_out_of_fold(tmp_path):
    from fewlabels.report.diagnostics import expected_calibration_error

    rng = np.random.default_rng(4)
    n = 300
    cls = np.arange(n) % 2
    df = pd.DataFrame({"x": cls * 0.8 + rng.normal(0, 1, n), "z": rng.normal(0, 1, n)})
    df["y"] = pd.Series(np.where(np.arange(n) < 120, np.array(["p", "q"])[cls], None))
    res = fit_table(df, "y", "label-spreading", tmp_path / "o")
    cal = res.summary()["calibration"]
    assert cal is not None and cal["rows"] == 120
    d = res.diagnostics
    ev_rows = res.model  # the probabilities published are the calibrated ones when applied
    assert ev_rows is not None
    if cal["apply"]:
        assert cal["ece_calibrated"] < cal["ece"]
        raw = res.model.predict_proba(df.drop(columns="y"))
        published = res.predictions[["proba_p", "proba_q"]].to_numpy()
        assert not np.allclose(raw, published)
        assert (published.argmax(axis=1) == raw.argmax(axis=1)).all()  # same classes
        # and the saved model publishes the same recalibrated probabilities
        from fewlabels.workflow import predict_table

        again = predict_table(res.paths["model"], df, proba=True)
        np.testing.assert_allclose(again[["proba_p", "proba_q"]].to_numpy(), published)
    else:
        assert cal["ece"] <= 0.05 or not cal["ece_calibrated"] < cal["ece"]
    # the reported ECE is the out-of-fold one
    assert d["calibration"]["ece"] == pytest.approx(cal["ece"])
    assert expected_calibration_error(np.eye(2)[[0, 1]], np.array([0, 1])) == 0.0


def test_auto_names_the_members_and_weights_it_chose(tmp_path):

    df = _signal(n=120)
    data = tmp_path / "t.csv"
    df.to_csv(data, index=False)
    res = fit_table(data, "y", "auto", tmp_path / "o", time_limit=3)
    chosen = res.chosen
    assert chosen is not None and chosen["choice"].endswith("ensemble")
    est = res.model.named_steps["model"]
    assert chosen["weights"] == pytest.approx({n: w for n, w in est.weights_.items()}, abs=1e-3)
    html = (tmp_path / "o" / "report.html").read_text()
    method = _section(html, "method")
    assert f"It chose the <b>{chosen['choice']}</b>" in method
    for name in chosen["weights"]:
        assert f"<td>{name}</td>" in method
    assert "portfolio" not in re.sub(r"<[^>]+>", " ", method).split("It chose")[1]


def test_cli_summary_names_the_chosen_members(tmp_path, capsys):
    from fewlabels.cli.app import main

    data = tmp_path / "t.csv"
    _signal(n=120).to_csv(data, index=False)
    code = main(["fit", str(data), "-t", "y", "-o", str(tmp_path / "o"), "--time-limit", "3"])
    assert code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert re.search(r"chose (supervised|semi-supervised) ensemble: [a-z+-]+ \d\.\d\d", out), out
