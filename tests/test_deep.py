"""Deep semi-supervised and self-supervised methods (the ``deep`` extra)."""

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")


import fewlabels.deep as D  # noqa: E402
from fewlabels.deep.loop import Context, TrainConfig, TrainData, split_validation, train  # noqa: E402
from fewlabels.deep.nets import corrupt  # noqa: E402
from fewlabels.deep.objectives import (  # noqa: E402
    MetaPseudoLabels,
    Supervised,
    mpl_teacher_signal,
    t_similarity,
)

FAST = dict(max_epochs=30, hidden_layer_sizes=(32,), batch_size=32, learning_rate=1e-2)
CLASSIFIERS = [
    D.DeepSupervisedClassifier,
    D.PseudoLabelClassifier,
    D.MixupPseudoLabelClassifier,
    D.FixMatchClassifier,
    D.FlexMatchClassifier,
    D.FreeMatchClassifier,
    D.MeanTeacherClassifier,
    D.MetaPseudoLabelClassifier,
    D.DiverseEnsembleClassifier,
    D.SCARFClassifier,
    D.VIMEClassifier,
    D.TJEPAClassifier,
]


def _fast(cls, **kw):
    params = dict(FAST)
    if issubclass(cls, D.PretrainedClassifier):
        params["pretrain_epochs"] = 3
    if cls is D.MixupPseudoLabelClassifier:
        params["warmup_epochs"] = 2
    return cls(**{**params, **kw})


def _blobs(n=400, seed=0, labeled=40):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = np.array([[0, 0, 0, 0], [4, 4, 0, 0], [0, 4, 4, 0]], dtype=float)
    X = centers[y] + rng.normal(0, 0.8, (n, 4))
    target = np.full(n, -1)
    for c in range(3):
        rows = np.flatnonzero(y == c)[: labeled // 3]
        target[rows] = c
    return X, y, target


def _table(n=300, seed=0):
    """A table with a categorical column that decides the class, and missing numbers."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    colour = np.where(y == 1, "red", "blue").astype(object)
    flip = rng.random(n) < 0.1
    colour[flip] = np.where(y[flip] == 1, "blue", "red")
    x1 = rng.normal(y * 1.0, 1.0)
    x1[rng.random(n) < 0.2] = np.nan
    X = pd.DataFrame({"colour": pd.Categorical(colour), "x1": x1, "x2": rng.normal(size=n)})
    target = pd.array([pd.NA] * n, dtype="Int64")
    target[:40] = y[:40]
    return X, y, target


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=lambda c: c.__name__)
def test_learns_reproducibly_with_categoricals_and_nan(cls):
    X, y, target = _table()
    a = _fast(cls, random_state=3).fit(X, target)
    b = _fast(cls, random_state=3).fit(X, target)
    pa, pb = a.predict_proba(X), b.predict_proba(X)
    np.testing.assert_array_equal(pa, pb)  # same seed, same model (no global seeding)
    assert np.isfinite(pa).all()
    assert (a.predict(X) == y).mean() > 0.75  # the categorical column carries the class
    losses = [r["loss"] for r in a.history_ if "loss" in r]
    assert min(losses[1:]) < losses[0]  # the objective's loss falls


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=lambda c: c.__name__)
def test_blobs(cls):
    X, y, target = _blobs()
    model = _fast(cls, random_state=0).fit(X, target)
    assert (model.predict(X) == y).mean() > 0.9
    assert model.n_epochs_ >= 1


def test_different_seeds_differ():
    X, _, target = _blobs()
    a = _fast(D.FixMatchClassifier, random_state=0).fit(X, target).predict_proba(X)
    b = _fast(D.FixMatchClassifier, random_state=1).fit(X, target).predict_proba(X)
    assert not np.allclose(a, b)


def test_global_torch_seed_is_not_used():
    X, _, target = _blobs()
    torch.manual_seed(0)
    a = _fast(D.MeanTeacherClassifier, random_state=5).fit(X, target).predict_proba(X)
    torch.manual_seed(123)
    b = _fast(D.MeanTeacherClassifier, random_state=5).fit(X, target).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_mpl_teacher_sign_on_a_toy_problem():
    """A pseudo-label that helps the student is made more likely by the teacher; one that
    hurts, less likely (the sign of Meta Pseudo Labels' teacher update)."""
    X = torch.tensor([[-1.0], [1.0], [2.0]])
    cfg = TrainConfig(hidden=(), dropout=0.0, learning_rate=0.05, weight_decay=0.0)

    def run(pseudo_label: int) -> tuple[float, float, float]:
        data = TrainData(
            X,
            torch.zeros((3, 0), dtype=torch.long),
            torch.tensor([0, 1, -1]),
            torch.tensor([0, 1]),
            torch.tensor([], dtype=torch.long),
            torch.tensor([2]),
            2,
        )
        ctx = Context(data, cfg, torch.Generator().manual_seed(0), np.random.default_rng(0), 1, [])
        obj = MetaPseudoLabels(uda_weight=0.0, finetune_steps=0)
        obj.build(ctx)
        from fewlabels.deep.loop import Batch

        b = Batch(X[:2], data.cat[:2], torch.tensor([0, 1]), X[2:], data.cat[2:], torch.tensor([0]))
        pseudo = torch.tensor([pseudo_label])
        h, _ = obj.student_step(b, X[2:], data.cat[2:], pseudo)
        before = torch.softmax(obj.teacher(X[2:], data.cat[2:]), 1)[0, pseudo_label].item()
        loss = obj.teacher_term(obj.teacher(X[2:], data.cat[2:]), pseudo, h)
        obj.t_opt.zero_grad()
        loss.backward()
        obj.t_opt.step()
        after = torch.softmax(obj.teacher(X[2:], data.cat[2:]), 1)[0, pseudo_label].item()
        return h, before, after

    h, before, after = run(1)  # x = 2 is on class 1's side: the right label
    assert h > 0 and after > before
    h, before, after = run(0)  # the wrong label raises the student's labeled loss
    assert h < 0 and after < before
    assert mpl_teacher_signal(1.0, 0.5) == 0.5


def test_t_similarity_by_hand():
    same = torch.tensor([[[1.0, 0.0]], [[1.0, 0.0]], [[1.0, 0.0]]])  # 3 heads agree fully
    s, s_c = t_similarity(same)
    assert s.item() == pytest.approx(1.0)
    assert s_c[0].tolist() == pytest.approx([1.0, 0.0])
    apart = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])  # 2 heads disagree fully
    assert t_similarity(apart)[0].item() == pytest.approx(0.0)
    half = torch.tensor([[[0.5, 0.5]], [[0.5, 0.5]]])
    assert t_similarity(half)[0].item() == pytest.approx(0.5)


def test_corruption_draws_from_the_column_marginals():
    g = torch.Generator().manual_seed(0)
    pool_num = torch.arange(100, dtype=torch.float32).reshape(50, 2)  # col 0 even, col 1 odd
    pool_cat = torch.arange(50).reshape(50, 1) + 1000
    num, cat, mask = corrupt(
        torch.full((2000, 2), -1.0),
        torch.zeros((2000, 1), dtype=torch.long),
        0.3,
        pool_num,
        pool_cat,
        g,
    )
    assert 0.27 < mask.float().mean().item() < 0.33
    assert (num[mask[:, :2]] >= 0).all() and (num[~mask[:, :2]] == -1).all()
    assert set(num[:, 0][mask[:, 0]].long().remainder(2).tolist()) == {0}
    assert set(num[:, 1][mask[:, 1]].long().remainder(2).tolist()) == {1}
    assert (cat[mask[:, 2:]] >= 1000).all()


def test_validation_split_is_stratified_and_disjoint():
    codes = np.array([0] * 10 + [1] * 10 + [-1] * 30)
    train_rows, val = split_validation(codes, 0.2, np.random.default_rng(0), 2)
    assert len(val) == 4 and not set(val) & set(train_rows)
    assert sorted(np.bincount(codes[val])) == [2, 2]
    assert (codes[train_rows] >= 0).all()
    # too few labeled rows to hold any out: train on all, no early stopping
    train_rows, val = split_validation(np.array([0, 1, -1]), 0.2, np.random.default_rng(0), 2)
    assert len(val) == 0 and len(train_rows) == 2


def test_early_stopping_keeps_the_best_epoch_and_callbacks_stop():
    X, y, target = _blobs(seed=1, labeled=60)
    model = D.DeepSupervisedClassifier(max_epochs=200, patience=3, random_state=0).fit(X, target)
    losses = [r["val_loss"] for r in model.history_]
    assert model.n_epochs_ < 200
    assert losses[model.best_epoch_ - 1] <= min(losses) + 1e-6  # the best epoch was kept
    assert model.n_epochs_ == model.best_epoch_ + 3
    from fewlabels.deep.loop import TrainData as TD

    data = TD(
        torch.tensor(X, dtype=torch.float32),
        torch.zeros((len(X), 0), dtype=torch.long),
        torch.tensor(target),
        torch.tensor(np.flatnonzero(target >= 0)),
        torch.tensor([], dtype=torch.long),
        torch.tensor(np.flatnonzero(target < 0)),
        3,
    )
    ctx = Context(
        data,
        TrainConfig(max_epochs=50),
        torch.Generator().manual_seed(0),
        np.random.default_rng(0),
        4,
        [],
    )
    history = train(Supervised(), ctx, callbacks=[lambda rec: rec["epoch"] == 4])
    assert len(history) == 4


def test_every_row_labeled_and_no_unlabeled_rows():
    X, y, _ = _blobs(n=120)
    model = _fast(D.FixMatchClassifier, random_state=0).fit(X, y)
    assert (model.predict(X) == y).mean() > 0.9


def test_deep_tsim_self_training_uses_the_heads():
    X, y, target = _blobs(n=300)
    model = D.tsim_self_training(
        policy="msla",
        max_iter=2,
        random_state=0,
        max_epochs=20,
        hidden_layer_sizes=(32,),
        learning_rate=1e-2,
    ).fit(X, target)
    assert model.n_iter_ >= 1
    assert model.history_[0]["n_added"] > 0
    assert (model.predict(X) == y).mean() > 0.9
    s, s_c = model.estimator_.t_similarity(X)
    assert s.shape == (300,) and s_c.shape == (300, 3)
    assert np.allclose(s, s_c.sum(axis=1)) and (s >= 0).all() and (s <= 1 + 1e-9).all()


def test_embedding_and_embedding_features():
    X, y, target = _table()
    emb = D.PretrainedEmbedding("vime", max_epochs=3, random_state=0).fit(X)
    Z = emb.transform(X)
    assert Z.shape == (len(X), 64) and np.isfinite(Z).all()
    assert emb.get_feature_names_out()[0] == "vime_0"
    model = D.EmbeddingFeaturesClassifier(max_epochs=3, random_state=0).fit(X, target)
    assert (model.predict(X) == y).mean() > 0.75
    assert model.estimator_.n_features_in_ == 3 + 64


def test_save_and_load_round_trip(tmp_path):
    from fewlabels.persist import load_model, save_model

    X, y, target = _table()
    for model in (
        _fast(D.FreeMatchClassifier, random_state=0).fit(X, target),
        _fast(D.TJEPAClassifier, random_state=0).fit(X, target),
    ):
        path = tmp_path / f"{type(model).__name__}.skops"
        save_model(model, path)
        again = load_model(path).model
        np.testing.assert_allclose(again.predict_proba(X), model.predict_proba(X), rtol=1e-6)


def test_without_torch_the_error_names_the_extra(monkeypatch):
    import fewlabels.deep._torch as T
    from fewlabels.exceptions import MissingDependencyError

    monkeypatch.setattr(T, "have_torch", lambda: False)
    X, _, target = _blobs(n=60)
    with pytest.raises(MissingDependencyError, match=r"pip install 'fewlabels\[deep\]'"):
        D.FixMatchClassifier().fit(X, target)


def test_registered_methods_build_deep_estimators():
    from fewlabels.methods import METHODS, make_model

    deep = [m for m in METHODS.values() if m.extra == "deep"]
    assert len(deep) == 13
    from sklearn.base import clone

    from fewlabels.base import BaseFewLabelsClassifier

    for m in deep:
        est = make_model(m.name, 0).steps[-1][1]
        assert isinstance(est, BaseFewLabelsClassifier), m.name
        assert est.get_params()["random_state"] == 0, m.name  # the seed reaches the model
        assert repr(clone(est)) == repr(est), m.name  # get_params round-trips


# scikit-learn's common checks run on every deep estimator in tests/test_estimators.py
# (discovered automatically).


# ---------------------------------------------------------------- plain, validated classes

ALL_DEEP = [
    D.BaseDeepClassifier,
    *CLASSIFIERS,
    D.PretrainedClassifier,
    D.PretrainedEmbedding,
    D.EmbeddingFeaturesClassifier,
]


def _param_names(cls):
    import inspect

    return [p for p in inspect.signature(cls).parameters]


@pytest.mark.parametrize("cls", ALL_DEEP, ids=lambda c: c.__name__)
def test_every_parameter_has_a_real_constraint(cls):
    constraints = cls._parameter_constraints
    assert sorted(constraints) == sorted(cls().get_params())
    for name, options in constraints.items():
        assert options != "no_validation", name
        assert isinstance(options, list) and options, name
        assert "no_validation" not in options, name


@pytest.mark.parametrize(
    "cls", [c for c in ALL_DEEP if c is not D.BaseDeepClassifier], ids=lambda c: c.__name__
)
def test_every_parameter_is_validated_in_fit(cls):
    from sklearn.utils._param_validation import InvalidParameterError

    X, _, target = _blobs(n=60)
    for name in _param_names(cls):
        model = cls(**{name: object()})  # nothing is checked before fit
        with pytest.raises(InvalidParameterError, match=name):
            model.fit(X, target)


@pytest.mark.parametrize(
    ("cls", "name", "value"),
    [
        (D.FixMatchClassifier, "threshold", 7.0),
        (D.FlexMatchClassifier, "corruption_rate", 1.5),
        (D.FreeMatchClassifier, "ema", 2.0),
        (D.FreeMatchClassifier, "fairness_weight", -0.1),
        (D.PseudoLabelClassifier, "threshold", -0.5),
        (D.MixupPseudoLabelClassifier, "mixup_alpha", 0.0),
        (D.MixupPseudoLabelClassifier, "warmup_epochs", 2.5),
        (D.MeanTeacherClassifier, "noise", -1.0),
        (D.MetaPseudoLabelClassifier, "uda_temperature", 0.0),
        (D.MetaPseudoLabelClassifier, "student_wait", 1.5),
        (D.DiverseEnsembleClassifier, "n_heads", 1),
        (D.VIMEClassifier, "pretext", "bert"),
        (D.SCARFClassifier, "pretrain_epochs", 0),
        (D.DeepSupervisedClassifier, "verbose", "yes"),
        (D.DeepSupervisedClassifier, "validation_fraction", 1.0),
        (D.PretrainedEmbedding, "pretext", "bert"),
    ],
)
def test_out_of_range_parameters_are_rejected(cls, name, value):
    from sklearn.utils._param_validation import InvalidParameterError

    X, _, target = _blobs(n=60)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of {cls.__name__}"):
        cls(**{name: value}).fit(X, target)


@pytest.mark.parametrize("cls", ALL_DEEP, ids=lambda c: c.__name__)
def test_classes_are_written_out(cls):
    """No generated class or ``__init__``: the source is the class, the signature is the
    ``__init__``'s own, and the ``__init__`` only stores each argument under its name."""
    import inspect

    import fewlabels.deep.estimators as E

    assert cls.__module__ == E.__name__ and getattr(E, cls.__name__) is cls
    assert f"class {cls.__name__}(" in inspect.getsource(cls)
    init = cls.__init__
    owner = next(c for c in cls.__mro__ if "__init__" in vars(c))
    assert owner.__module__ == E.__name__
    assert init.__qualname__ == f"{owner.__name__}.__init__"
    assert not hasattr(init, "__signature__")
    source = inspect.getsource(init)
    names = _param_names(cls)
    for name in names:
        assert f"self.{name} = {name}\n" in source, name
    body = [line.strip() for line in source.split(") -> None:", 1)[1].splitlines() if line.strip()]
    assert len(body) == len(names)  # nothing but the assignments


@pytest.mark.parametrize("cls", ALL_DEEP, ids=lambda c: c.__name__)
def test_docstrings_list_every_parameter_in_order(cls):
    import re

    doc = cls.__doc__
    assert "{" not in doc.replace('{"scarf", "vime", "tjepa"}', "")  # every field filled
    params = doc.split("Parameters\n----------\n", 1)[1].split("Attributes\n----------\n", 1)
    assert len(params) == 2  # numpydoc: Parameters, then Attributes
    listed = re.findall(r"^(\w+) : ", params[0], flags=re.M)
    assert listed == _param_names(cls)
    assert re.findall(r"^(\w+_) : ", params[1], flags=re.M)  # fitted attributes


def test_consistency_variants_are_objective_subclasses():
    import inspect

    from fewlabels.deep.objectives import Consistency, FlexMatch, FreeMatch

    assert "mode" not in inspect.signature(Consistency).parameters
    assert issubclass(FlexMatch, Consistency) and issubclass(FreeMatch, Consistency)
    for cls, objective in [
        (D.FixMatchClassifier, Consistency),
        (D.FlexMatchClassifier, FlexMatch),
        (D.FreeMatchClassifier, FreeMatch),
    ]:
        built = cls(threshold=0.7, corruption_rate=0.2)._objective()
        assert type(built) is objective
        assert built.threshold == 0.7 and built.noise == (0.05, 0.1, 0.2)
    assert D.FreeMatchClassifier(ema=0.9)._objective().ema == 0.9


def _imports_of(path, package):
    """``(module, names)`` of every import in ``path``, relative imports resolved."""
    import ast

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            yield (
                ".".join(base + ([node.module] if node.module else [])),
                [a.name for a in node.names],
            )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def test_discovery_imports_no_private_name_from_deep():
    from pathlib import Path

    import fewlabels.discovery

    root = Path(fewlabels.discovery.__file__).parent
    from_deep = 0
    for path in sorted(root.glob("*.py")):
        for module, names in _imports_of(path, "fewlabels.discovery"):
            if module != "fewlabels.deep" and not module.startswith("fewlabels.deep."):
                continue
            from_deep += 1
            private = [p for p in module.split(".") + names if p.startswith("_")]
            assert not private, f"{path.name}: from {module} import {names}"
    assert from_deep > 0  # the check saw the deep imports (PBN, TabularNCD)


def test_training_run_is_public_and_trains_an_objective():
    from fewlabels.deep.objectives import Supervised

    assert "TrainingRun" in D.__all__
    X, y, target = _blobs(n=120)
    run = D.TrainingRun(max_epochs=5, hidden_layer_sizes=(16,), name="a test")
    ctx, inputs = run.context(X, target, 3, 0)
    assert inputs.n_numeric == 4 and len(ctx.data.validation) > 0
    history = run.train(Supervised(), ctx)
    assert 1 <= len(history) <= 5 and "val_loss" in history[0]
