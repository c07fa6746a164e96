"""Discovery that does not assume (issue 20, item 5): by default each unlabeled row is
decided known or novel, the number of novel classes is checked on hidden known classes and
given with its range, weak clusters are said in words, the legend stays off the plot."""

import numpy as np
import pandas as pd
import pytest

from fewlabels.discovery import NovelClassDiscovery
from fewlabels.discovery.workflow import discover_table
from test_discovery import _blobs


def _bimodal(per=40, seed=0):
    """3 known classes, each two separate blobs, and 2 compact novel classes; 30% of the
    known rows unlabeled. A silhouette over all rows splits the known classes (HEAD: 5
    novel classes)."""
    rng = np.random.default_rng(seed)
    d = 6
    X, y = [], []
    for c in range(3):
        a = 8 * np.eye(d)[c]
        X += [a + rng.normal(0, 0.6, (per, d)), a + 4 * np.eye(d)[(c + 3) % d]]
        X[-1] = X[-1] + rng.normal(0, 0.6, (per, d))
        y += [c] * (2 * per)
    for j in range(2):
        X.append(-8 * np.eye(d)[j] + rng.normal(0, 0.6, (per, d)))
        y += [3 + j] * per
    X, y = np.vstack(X), np.array(y)
    target = np.array([f"c{v}" for v in y], dtype=object)
    target[(y >= 3) | (rng.random(len(y)) < 0.3)] = None
    return X, y, target


def test_default_decides_known_or_novel_for_each_row():
    # 70% of the known classes' rows are unlabeled: most unlabeled rows are known
    X, y, target = _blobs(n_classes=4, n_known=3, gcd_share=0.7)
    unl = np.array([t is None for t in target])
    assert (y[unl] < 3).mean() > 0.6
    model = NovelClassDiscovery(n_novel=1, random_state=0).fit(X, target)
    called_novel = np.array([str(v).startswith("novel-") for v in model.labels_[unl]])
    assert called_novel.mean() == pytest.approx((y[unl] >= 3).mean(), abs=0.05)
    truth = np.array([f"c{v}" for v in y[unl]], dtype=object)
    known_rows = y[unl] < 3
    assert (model.labels_[unl][known_rows] == truth[known_rows]).mean() > 0.95


def test_gcd_estimate_does_not_split_known_classes():
    X, y, target = _bimodal()
    model = NovelClassDiscovery("gcd-kmeans", k_max=8, random_state=0).fit(X, target)
    assert model.n_novel_ == 2
    lo, hi = model.n_novel_range_
    assert lo <= model.n_novel_ <= hi


def test_estimate_checked_on_hidden_known_classes_and_given_with_a_range():
    X, y, target = _blobs(n_classes=7, n_known=5, per_class=40, gcd_share=0.3)
    model = NovelClassDiscovery("gcd-kmeans", k_max=6, random_state=0).fit(X, target)
    assert model.n_novel_ == 2 and model.n_novel_range_ == (2, 2)
    assert len(model.n_novel_check_) == 2
    assert all(c["estimated"] == c["true"] >= 1 for c in model.n_novel_check_)
    assert not model.warnings_  # clear blobs, a right check: nothing to warn about
    ncd = NovelClassDiscovery("kmeans", k_max=6, random_state=0).fit(*_blobs(7, 5, 40)[::2])
    assert ncd.n_novel_ == 2 and ncd.n_novel_range_[0] <= 2 <= ncd.n_novel_range_[1]
    assert all(c["estimated"] == c["true"] for c in ncd.n_novel_check_)


def _table(spread):
    X, _, target = _blobs(n_classes=5, n_known=3, per_class=40, spread=spread, gcd_share=0.3)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    df["label"] = target
    return df


def test_weak_cluster_structure_is_said_in_words(tmp_path):
    summary = discover_table(_table(spread=1.5), "label", tmp_path / "weak", n_novel=2)
    assert summary["cluster_silhouette"] < 0.25
    assert any("weak" in w and "silhouette" in w for w in summary["warnings"])
    report = (tmp_path / "weak" / "report.html").read_text()
    assert "cluster structure is weak" in report
    strong = discover_table(_table(spread=8.0), "label", tmp_path / "strong", n_novel=2)
    assert not any("weak" in w for w in strong["warnings"])


def test_legend_does_not_cover_the_scatter_plot(tmp_path, monkeypatch):
    from fewlabels.report import html

    figures = []
    real = html.figure_to_img

    def capture(fig, alt):
        figures.append(fig)
        return real(fig, alt)

    monkeypatch.setattr(html, "figure_to_img", capture)
    X, _, target = _blobs(n_classes=24, n_known=12, per_class=15, gcd_share=0.3)
    df = pd.DataFrame(X).add_prefix("f")
    df["label"] = target
    discover_table(df, "label", tmp_path / "out", n_novel=12)
    fig = figures[0]
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert len(legend.get_texts()) >= 20
    box, plot = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
    overlap_w = max(0.0, min(box.x1, plot.x1) - max(box.x0, plot.x0))
    overlap_h = max(0.0, min(box.y1, plot.y1) - max(box.y0, plot.y0))
    assert overlap_w * overlap_h < 0.01 * plot.width * plot.height
