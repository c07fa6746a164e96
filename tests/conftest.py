"""Shared fixtures: small partially labeled tables with every column kind."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# Text embeddings are cached in one folder per test session (and its subprocesses), not in
# the user's cache.
os.environ.setdefault("FEWLABELS_CACHE", tempfile.mkdtemp(prefix="fewlabels-tests-"))


def make_table(
    n: int = 300, labeled_fraction: float = 0.3, seed: int = 0
) -> tuple[pd.DataFrame, pd.Series]:
    """A learnable table: numeric, categorical, boolean and date features; target 'label'."""
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, 3, n)
    df = pd.DataFrame(
        {
            "x1": cls * 2.0 + rng.normal(0, 0.6, n),
            "x2": rng.normal(0, 1, n),
            "color": np.array(["red", "green", "blue"])[(cls + (rng.random(n) < 0.2)) % 3],
            "flag": rng.random(n) < 0.5,
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        }
    )
    df.loc[rng.random(n) < 0.05, "x2"] = np.nan
    truth = pd.Series(np.array(["alpha", "beta", "gamma"])[cls], name="label")
    y = truth.astype(object).copy()
    hide = rng.random(n) >= labeled_fraction
    for c in truth.unique():  # keep at least 3 labels per class
        hide[np.flatnonzero(truth.to_numpy() == c)[:3]] = False
    y[hide] = None
    df["label"] = y
    return df, truth


@pytest.fixture
def table() -> tuple[pd.DataFrame, pd.Series]:
    return make_table()


@pytest.fixture
def csv_95(tmp_path: Path) -> Path:
    """A CSV whose target is 95% blank."""
    df, _ = make_table(n=400, labeled_fraction=0.05, seed=1)
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# A seed fixture, as scikit-learn's global_random_seed: one fixed seed in ordinary runs;
# FEWLABELS_SEEDS="0-99" (or "1,5,7") sweeps tests that take ``global_random_seed`` over
# those seeds.
def _seeds() -> list[int]:
    import os

    spec = os.environ.get("FEWLABELS_SEEDS", "42")
    seeds: list[int] = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        seeds.extend(range(int(lo), int(hi) + 1) if hi else [int(lo)])
    return seeds


def pytest_generate_tests(metafunc):
    if "global_random_seed" in metafunc.fixturenames:
        metafunc.parametrize("global_random_seed", _seeds())


def gadget_model(tmp_path: Path, node: dict) -> Path:
    """A model file whose object tree holds ``node``: a valid fewlabels header around a
    crafted skops tree (for the tests that check such files are refused)."""
    import json
    import zipfile

    from fewlabels.persist import save_model

    good = save_model({"k": 1}, tmp_path / "good.skops")
    with zipfile.ZipFile(good) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    tree = json.loads(entries["schema.json"])
    tree["content"]["k"] = node
    entries["schema.json"] = json.dumps(tree).encode()
    bad = tmp_path / "gadget.skops"
    with zipfile.ZipFile(bad, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)
    return bad
