"""Fits or applies an AutoGluon TabularPredictor; run by ``fewlabels.bench.autogluon``.

This file runs under AutoGluon's own interpreter (``make peers-autogluon``), never inside
fewlabels: it imports nothing from fewlabels, and only the standard library at module
level. It is started as ``python -I _autogluon_worker.py REQUEST.json`` (``-I`` keeps this
folder, which holds fewlabels' ``autogluon.py``, off ``sys.path``) and talks through files:

fit
    ``{"action": "fit", "train": parquet, "unlabeled": parquet or null, "label": column,
    "problem_type": "binary"|"multiclass", "predictor_dir": dir, "time_limit": s,
    "presets": str, "seed": int or null, "num_cpus": int, "pseudo_max_iter": int}``
predict
    ``{"action": "predict", "predictor_dir": dir, "data": parquet, "out": .npy}``: writes
    the probabilities to ``out``.

Either way it writes ``{"ok": true, ...}`` to ``REQUEST.json + ".out"``; a failure ends
with a traceback on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def _fit(req: dict) -> dict:
    import pandas as pd
    from autogluon.tabular import TabularPredictor

    train = pd.read_parquet(req["train"])
    seed = req.get("seed")
    learner_kwargs = {} if seed is None else {"random_state": int(seed)}
    predictor = TabularPredictor(
        label=req["label"],
        problem_type=req["problem_type"],
        path=req["predictor_dir"],
        verbosity=0,
        learner_kwargs=learner_kwargs,
    )
    fit_kwargs = {"ag_args_fit": {"num_cpus": int(req["num_cpus"])}}
    if seed is not None:  # bagged models only; single models keep AutoGluon's seed 0
        fit_kwargs["ag_args_ensemble"] = {"model_random_seed": int(seed)}
    start = time.perf_counter()
    predictor.fit(train, presets=req["presets"], time_limit=float(req["time_limit"]), **fit_kwargs)
    info: dict[str, Any] = {"fit_seconds": time.perf_counter() - start}
    if req.get("unlabeled"):
        pseudo = pd.read_parquet(req["unlabeled"])
        max_iter = int(req.get("pseudo_max_iter", 3))
        start = time.perf_counter()
        predictor = predictor.fit_pseudolabel(
            pseudo_data=pseudo,
            max_iter=max_iter,
            time_limit=max(float(req["time_limit"]) / max_iter, 1.0),  # per round
            **fit_kwargs,
        )
        info["pseudolabel_seconds"] = time.perf_counter() - start
    predictor.save()
    info["best_model"] = str(predictor.model_best)
    info["classes"] = [int(c) for c in predictor.class_labels]
    return info


def _predict(req: dict) -> dict:
    import numpy as np
    import pandas as pd
    from autogluon.tabular import TabularPredictor

    predictor = TabularPredictor.load(req["predictor_dir"], verbosity=0)
    data = pd.read_parquet(req["data"])
    proba = predictor.predict_proba(data, as_multiclass=True)
    np.save(req["out"], proba.to_numpy(dtype=np.float64))
    return {"columns": [int(c) for c in proba.columns]}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: _autogluon_worker.py REQUEST.json\n")
        return 2
    with open(argv[0]) as fh:
        req = json.load(fh)
    action = {"fit": _fit, "predict": _predict}.get(req.get("action"))
    if action is None:
        sys.stderr.write(f"unknown action {req.get('action')!r}\n")
        return 2
    info = action(req)
    with open(argv[0] + ".out", "w") as fh:
        json.dump({"ok": True, **info}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
