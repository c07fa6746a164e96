"""The evidence's one-sentence verdict says what was measured, and only that."""

from __future__ import annotations

import pytest

from fewlabels.evidence import Evidence
from fewlabels.regression.evidence import RegressionEvidence


def _ev(semi: bool, gain: float) -> Evidence:
    base = [0.70, 0.72, 0.71, 0.69, 0.70]
    return Evidence(
        "label-spreading" if semi else "supervised-logreg",
        "supervised",
        5,
        1,
        method_scores=[b + gain + 0.002 * i for i, b in enumerate(base)],
        baseline_scores=base,
        semi_supervised=semi,
    )


@pytest.mark.parametrize(
    ("semi", "words"),
    [(True, "the unlabeled rows helped"), (False, "ahead of the supervised (a supervised method")],
)
def test_only_a_semi_supervised_method_is_said_to_be_helped_by_unlabeled_rows(semi, words):
    verdict = _ev(semi, 0.08).verdict()
    assert verdict.startswith(words), verdict
    assert ("unlabeled rows helped" in verdict) == semi
    assert "WORSE than the supervised baseline" in _ev(semi, -0.08).verdict()


def test_the_same_holds_for_regressors():
    rmse = [10.0, 11.0, 10.5, 9.5, 10.2]
    ev = RegressionEvidence(
        "classifier-features-regressor",
        "supervised-regressor",
        5,
        1,
        method_rmse=[r - 2.0 - 0.01 * i for i, r in enumerate(rmse)],
        baseline_rmse=rmse,
        semi_supervised=False,
    )
    assert ev.verdict().startswith("ahead of the baseline (a supervised regressor"), ev.verdict()
    ev.semi_supervised = True
    assert ev.verdict().startswith("the unlabeled rows helped"), ev.verdict()
