import numpy as np
import scipy.sparse as sp

from fewlabels.graph import knn_graph, normalize_graph, spread_labels, spread_labels_closed_form


def test_cg_matches_closed_form():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    codes = np.full(120, -1)
    codes[:6] = [0, 1, 2, 0, 1, 2]
    S = normalize_graph(knn_graph(X, 8)[0])
    F, n_iter = spread_labels(S, codes, 3, alpha=0.9, tol=1e-10, max_iter=1000)
    exact = spread_labels_closed_form(S, codes, 3, alpha=0.9)
    np.testing.assert_allclose(F, exact, rtol=1e-6, atol=1e-9)
    assert n_iter > 0


def test_graph_is_symmetric_sparse_and_loopless():
    X = np.random.default_rng(1).normal(size=(50, 2))
    W, scales = knn_graph(X, 5)
    assert sp.issparse(W)
    assert abs(W - W.T).max() < 1e-12
    assert W.diagonal().sum() == 0
    assert (W.data > 0).all() and (W.data <= 1).all()
    assert W.nnz <= 2 * 5 * 50 and (scales > 0).all()


def test_three_points_hand_case():
    """A path graph a - b - c with a labeled 0 and c labeled 1: b is split evenly."""
    W = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    codes = np.array([0, -1, 1])
    F = spread_labels_closed_form(normalize_graph(W), codes, 2, alpha=0.5)
    assert F[1, 0] == F[1, 1]
    assert F[0, 0] > F[0, 1] and F[2, 1] > F[2, 0]
