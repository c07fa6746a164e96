"""One fit encodes the table once and parses the target once (issue 12, "encode once")."""

import pytest

from conftest import make_table
from fewlabels.data import encoder as encoder_module
from fewlabels.data import labels as labels_module
from fewlabels.workflow import fit_table


@pytest.fixture
def counts(monkeypatch):
    seen = {"encoder fits": 0, "target parses": 0}
    fit, parse = encoder_module.TableEncoder.fit, labels_module._class_target

    def counting_fit(self, X, y=None):
        seen["encoder fits"] += 1
        return fit(self, X, y)

    def counting_parse(*args, **kwargs):
        seen["target parses"] += 1
        return parse(*args, **kwargs)

    monkeypatch.setattr(encoder_module.TableEncoder, "fit", counting_fit)
    monkeypatch.setattr(labels_module, "_class_target", counting_parse)
    return seen


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("auto", {"time_limit": 5.0}),
        ("graph-pseudo-label", {}),
        ("self-training-tsim", {}),
        ("label-spreading", {}),
    ],
)
def test_one_fit_encodes_once(counts, method, params):
    df, _ = make_table(n=200, labeled_fraction=0.3)
    fit_table(df, "label", method, evidence=False, **params)
    assert counts == {"encoder fits": 1, "target parses": 1}


def test_evidence_parses_the_target_once(counts):
    df, _ = make_table(n=150, labeled_fraction=0.3)
    fit_table(df, "label", "label-spreading", evidence=True)
    # each fold's pipeline has its own encoder (fitted on that fold's table), but the
    # target column is parsed once for the folds and every fit
    assert counts["target parses"] == 1
