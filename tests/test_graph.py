import numpy as np
import pytest
import scipy.sparse as sp

from fewlabels.graph import (
    GraphPseudoLabelClassifier,
    LabelPropagationClassifier,
    LabelSpreadingClassifier,
    block_cg,
    entropy_confidence,
    knn_graph,
    normalize_graph,
    propagate_labels,
    spread_labels,
    spread_labels_closed_form,
)


def _blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0, 0, 0], [4, 0, 0], [0, 4, 0]])
    y = rng.integers(0, 3, n)
    X = centers[y] + rng.normal(0, 0.8, (n, 3))
    codes = np.full(n, -1)
    for c in range(3):
        codes[np.flatnonzero(y == c)[:3]] = c
    return X, y, codes


def test_cg_matches_closed_form():
    X, _, codes = _blobs(150)
    S = normalize_graph(knn_graph(X, 8, knn="exact").W)
    F, n_iter = spread_labels(S, codes, 3, alpha=0.9, tol=1e-10, max_iter=1000)
    np.testing.assert_allclose(
        F, spread_labels_closed_form(S, codes, 3, alpha=0.9), rtol=1e-6, atol=1e-9
    )
    assert n_iter > 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cg_in_row_blocks_matches_closed_form(monkeypatch, dtype):
    """The threaded path (row blocks, in-place scaled products) solves the same system."""
    import fewlabels.graph._graph as G

    monkeypatch.setattr(G, "PARALLEL_MIN_ROWS", 0)
    X, _, codes = _blobs(150)
    S = normalize_graph(knn_graph(X, 8, knn="exact").W).astype(dtype)
    F, n_iter = spread_labels(S, codes, 3, alpha=0.9, tol=1e-7, max_iter=1000, order=None)
    exact = spread_labels_closed_form(S.astype(np.float64), codes, 3, alpha=0.9)
    np.testing.assert_allclose(F, exact, rtol=1e-4, atol=1e-6)
    op = G.ParallelMatmul(S, n_jobs=2)
    assert len(op.slices) == 2  # really split in two blocks
    op.close()
    # with a locality order too
    order = np.random.default_rng(0).permutation(len(codes))
    F2, _ = spread_labels(S, codes, 3, alpha=0.9, tol=1e-7, max_iter=1000, order=order)
    np.testing.assert_allclose(F2, exact, rtol=1e-4, atol=1e-6)


def test_propagation_matches_harmonic_solution():
    X, _, codes = _blobs(120)
    W = knn_graph(X, 8, knn="exact").W
    F, _ = propagate_labels(W, codes, 3, tol=1e-12, max_iter=2000, ridge=0.0)
    L = (sp.diags(np.asarray(W.sum(axis=1)).ravel()) - W).toarray()
    u, lab = codes == -1, codes != -1
    Yl = np.eye(3)[codes[lab]]
    exact = np.linalg.solve(L[np.ix_(u, u)], -L[np.ix_(u, lab)] @ Yl)
    np.testing.assert_allclose(F[u], exact, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(F[lab], Yl)  # hard clamp


def test_block_cg_solves_every_column():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(30, 30))
    A = M @ M.T + 30 * np.eye(30)
    B = rng.normal(size=(30, 4))
    Xs, _, ok = block_cg(lambda V: A @ V, B, tol=1e-12, max_iter=500)
    assert ok
    np.testing.assert_allclose(Xs, np.linalg.solve(A, B), rtol=1e-8)


def test_graph_is_symmetric_sparse_and_loopless():
    X, _, _ = _blobs(80)
    g = knn_graph(X, 5, knn="exact")
    assert sp.issparse(g.W)
    assert abs(g.W - g.W.T).max() < 1e-12
    assert g.W.diagonal().sum() == 0
    assert (g.W.data > 0).all() and (g.W.data <= 1).all()
    assert g.W.nnz <= 2 * 5 * 80
    mutual = knn_graph(X, 5, knn="exact", mutual=True).W
    assert mutual.nnz <= g.W.nnz
    assert ((mutual - g.W) > 1e-12).nnz == 0  # mutual keeps a subset of the edges, never heavier


def test_three_points_hand_case():
    """A path a - b - c with a labeled 0 and c labeled 1: b is split evenly."""
    W = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    F = spread_labels_closed_form(normalize_graph(W), np.array([0, -1, 1]), 2, alpha=0.5)
    assert F[1, 0] == F[1, 1]
    assert F[0, 0] > F[0, 1] and F[2, 1] > F[2, 0]


def test_entropy_confidence():
    P = np.array([[1.0, 0.0], [0.5, 0.5], [0.9, 0.1]])
    c = entropy_confidence(P)
    assert c[0] == 1.0 and abs(c[1]) < 1e-12 and 0 < c[2] < 1


@pytest.mark.parametrize("cls", [LabelSpreadingClassifier, LabelPropagationClassifier])
@pytest.mark.parametrize("inductive", ["dense", "sparse"])
@pytest.mark.parametrize("knn", ["exact", "approximate"])
def test_inductive_equals_transductive_on_training_rows(cls, inductive, knn):
    X, y, codes = _blobs(400)
    clf = cls(n_neighbors=8, inductive=inductive, knn=knn, random_state=0).fit(X, codes)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.label_distributions_)
    np.testing.assert_array_equal(clf.predict(X), clf.transduction_)
    assert (clf.transduction_ == y).mean() > 0.95


def test_inductive_scores_new_rows():
    X, y, codes = _blobs(400)
    Xn, yn, _ = _blobs(200, seed=1)
    for inductive in ("dense", "sparse"):
        clf = LabelSpreadingClassifier(n_neighbors=8, inductive=inductive).fit(X, codes)
        assert (clf.predict(Xn) == yn).mean() > 0.95


def test_approximate_graph_is_close_to_exact():
    pytest.importorskip(
        "faiss", reason="faiss-cpu is not installed (pip install 'fewlabels[scale]')"
    )
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 8))
    exact = knn_graph(X, 10, knn="exact")
    approx = knn_graph(X, 10, knn="approximate")
    assert approx.index.backend == "faiss-ivf"
    overlap = (exact.W.multiply(approx.W) > 0).sum() / (exact.W > 0).sum()
    assert overlap > 0.6


def test_isolated_rows_get_the_prior_not_nan():
    X = np.r_[np.zeros((10, 2)) + np.arange(10)[:, None] * 0.01, [[100.0, 100.0]]]
    codes = np.full(11, -1)
    codes[0], codes[5] = 0, 1
    clf = LabelSpreadingClassifier(n_neighbors=3, mutual=True).fit(X, codes)
    assert np.isfinite(clf.label_distributions_).all()
    np.testing.assert_allclose(clf.label_distributions_[10], clf.class_prior_)


def test_cosine_with_power():
    X, y, codes = _blobs(300)
    clf = LabelSpreadingClassifier(n_neighbors=10, metric="cosine", power=3).fit(X + 10, codes)
    assert (clf.transduction_ == y).mean() > 0.8


def test_graph_pseudo_label_weights():
    X, y, codes = _blobs(300)
    clf = GraphPseudoLabelClassifier(n_neighbors=8, random_state=0).fit(X, codes)
    labeled = codes != -1
    assert (clf.pseudo_weights_[labeled] == 1).all()
    assert (clf.pseudo_weights_[~labeled] >= 0).all()
    assert (clf.transduction_[labeled] == codes[labeled]).all()
    assert (clf.predict(X) == y).mean() > 0.95


def test_model_file_round_trip(tmp_path):
    from fewlabels.persist import load_model, save_model

    X, _, codes = _blobs(300)
    clf = LabelSpreadingClassifier(n_neighbors=8, knn="approximate", random_state=0).fit(X, codes)
    path = save_model(clf, tmp_path / "g.skops")
    loaded = load_model(path).model
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
