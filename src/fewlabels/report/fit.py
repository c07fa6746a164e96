"""The diagnostics of a fit and the sections that show them (``fewlabels fit``'s report).

:func:`diagnose` reuses the out-of-fold probabilities the evidence kept (no model is fitted
again): the majority-class baseline, the out-of-fold confusion matrix and per-class
precision and recall, the calibration of the confidence, permutation importance, the rows
to label next, the choices a selecting method made, and the warnings that belong at the top
of the report.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import pandas as pd

from .diagnostics import (
    apply_temperature,
    calibration,
    confusion,
    derived_from_text,
    majority_baseline,
    permutation_importance,
    reliability_bins,
)
from .html import Section, beside, esc, figure_to_img, table

__all__ = ["bag_fit", "diagnose", "diagnostics_sections", "next_section"]

logger = logging.getLogger(__name__)

_ID_NAME = re.compile(r"(^|[_\s-])(id|uuid|guid|key)$", re.IGNORECASE)
#: a derived column with this share of the measured importance dominates
DOMINANT_SHARE = 0.5
#: rows listed under "label these next"
N_NEXT = 10


def _derived_only(derived: dict[str, str], schema: dict, text_cols: list[str]) -> str:
    """The warning for a table whose only features are counts of its set-aside text."""
    names = ", ".join(f"{c!r} ({why})" for c, why in derived.items())
    dropped = schema.get("dropped", {})
    why = "; ".join(f"{c!r}: {dropped[c]}" for c in text_cols if c in dropped)
    return (
        f"the only features left are derived from text: {names}; the text itself is not "
        f"used ({why or 'set aside'})"
    )


def id_column(schema: dict[str, Any]) -> str | None:
    """The column the schema set aside as an ID (a name like ``*_id`` first), or None."""
    ids = [c for c, why in schema.get("dropped", {}).items() if str(why).startswith("ID-like")]
    named = [c for c in ids if _ID_NAME.search(c)]
    return (named or ids or [None])[0]


def _last(model: Any) -> Any:
    return model.steps[-1][1] if hasattr(model, "steps") else model


def _decide(model: Any, proba: np.ndarray) -> np.ndarray:
    decide = getattr(_last(model), "decide", None)
    return np.asarray(decide(proba) if decide is not None else np.argmax(proba, axis=1))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def chosen_parts(model: Any) -> dict[str, Any] | None:
    """What a selecting estimator chose (``best_method_``, member ``weights_`` and each
    member's own parameters), read from its fitted attributes; None for other estimators."""
    est = _last(model)
    weights = getattr(est, "weights_", None)
    if not isinstance(weights, dict) or not hasattr(est, "best_method_"):
        return None
    members = getattr(est, "members_", {}) or {}
    params = {}
    for name in weights:
        m = members.get(name)
        if m is not None and hasattr(m, "get_params"):
            params[name] = {
                k: _plain(v)
                for k, v in sorted(m.get_params(deep=False).items())
                if not k.endswith("estimator")
            }
    return {
        "choice": str(est.best_method_),
        "reason": str(getattr(est, "selection_reason_", "")),
        "weights": {n: round(float(w), 4) for n, w in weights.items()},
        "params": params,
    }


def diagnose(
    model: Any,
    X: pd.DataFrame,
    y: Any,
    proba: np.ndarray,
    evidence: Any,
    frame: pd.DataFrame,
    schema: dict[str, Any],
    *,
    random_state: int = 0,
    importance_seconds: float = 5.0,
    bags: str | None = None,
) -> dict[str, Any]:
    """Everything the report shows beyond the evidence's scores (see the module docstring).

    ``proba`` are the final model's probabilities of every row; ``evidence`` the
    :class:`~fewlabels.evidence.Evidence` (or None). Returns a dict; ``proba`` in it are
    the probabilities to publish (calibrated when the out-of-fold confidence was off).
    A positive-unlabeled or proportions target (``bags``: the bag column) has no rows
    labeled with every class: see :func:`_own_evidence_diagnose`.
    """
    if not y.is_classification:
        return _own_evidence_diagnose(model, y, proba, frame, schema, bags)
    classes = np.asarray(model.classes_)
    k = len(classes)
    labeled = np.asarray(y.labeled)
    out: dict[str, Any] = {
        "classes": classes,
        "majority": majority_baseline(y.codes[labeled], k),
        "id_column": id_column(schema),
        "chosen": chosen_parts(model),
        "warnings": [],
        "notes": [],
        "proba": proba,
        "oof": None,
        "calibration": None,
        "importance": None,
    }
    if evidence is not None and evidence.majority_scores:
        out["majority"]["cv_accuracy"] = float(np.mean(evidence.majority_scores))
    oof_rows = getattr(evidence, "oof_rows", None)
    oof_proba = getattr(evidence, "oof_proba", None)
    if oof_rows is not None and oof_proba is not None and len(oof_rows):
        P = np.asarray(oof_proba, dtype=float)
        true = y.codes[oof_rows]
        pred = _decide(model, P)
        out["oof"] = {"rows": len(true), **confusion(true, pred, k)}
        out["oof"]["accuracy"] = float(np.mean(pred == true))
        cal = calibration(P, true, random_state=random_state)
        cal["bins"] = reliability_bins(P.max(axis=1), P.argmax(axis=1) == true)
        if cal["apply"]:
            cal["bins_calibrated"] = reliability_bins(
                *_conf_correct(apply_temperature(P, cal["temperature"]), true)
            )
            out["proba"] = apply_temperature(proba, cal["temperature"])
        out["calibration"] = cal
        share = np.bincount(pred, minlength=k).max() / len(pred)
        if share >= 0.99 and k > 1:
            top = classes[np.bincount(pred, minlength=k).argmax()]
            out["warnings"].append(
                f"out of fold, the model predicts {_plain(top)!r} for {share:.0%} of the labeled "
                "rows: a constant predictor; its accuracy is the majority class's share"
            )
    out["importance"] = _importance(model, X, y, evidence, schema, random_state, importance_seconds)
    text_cols = list(schema.get("text_columns", []))
    features = [c["name"] for c in schema.get("columns", [])]
    numeric = [c["name"] for c in schema.get("columns", []) if c["kind"] == "numeric"]
    derived = derived_from_text(frame, text_cols, numeric) if text_cols else {}
    out["derived"] = derived
    if derived and set(features) <= set(derived):
        out["warnings"].append(_derived_only(derived, schema, text_cols))
    elif derived and out["importance"] is not None:
        imp = out["importance"]
        drops = np.nan_to_num(np.clip(np.asarray(imp["drop"], dtype=float), 0, None))
        if drops.sum() > 0:
            for c, d in zip(imp["columns"], drops, strict=True):
                if c in derived and d / drops.sum() >= DOMINANT_SHARE:
                    out["warnings"].append(
                        f"the derived feature {c!r} ({derived[c]}) carries {d / drops.sum():.0%} "
                        "of the measured importance: the model mostly reads the text's length, "
                        "not its content"
                    )
    out["next"] = _next_rows(
        frame, out["proba"], labeled, classes, model, out["id_column"], X, random_state
    )
    return out


#: why the report leaves out what needs held-out rows labeled with each class, per task
_SKIPPED = {
    "positive-unlabeled": (
        "The out-of-fold confusion matrix, the calibration of the confidence and the "
        "permutation importance are not shown: they need held-out rows labeled with each "
        "class, and a positive-unlabeled target has no row labeled negative."
    ),
    "proportions": (
        "The out-of-fold confusion matrix, the calibration of the confidence and the "
        "permutation importance are not shown: they need rows labeled with a class, and "
        "label proportions give each bag's class shares, not any row's label."
    ),
}


def bag_fit(bag_codes: np.ndarray, proportions: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    """Each bag's given class shares beside its rows' mean predicted probabilities.

    Parameters
    ----------
    bag_codes : ndarray of int, shape (n_samples,)
        Each row's bag (an index into ``proportions``), -1 for a row in no bag.
    proportions : ndarray of shape (n_bags, n_classes)
    proba : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    dict
        ``bags`` (the codes with rows), ``rows`` per bag, ``given`` and ``predicted``
        shares (bags x classes), ``error`` per bag (mean absolute difference over the
        classes) and ``mean_error`` (over the bags).

    Examples
    --------
    >>> fit = bag_fit(np.array([0, 0, 1, -1]), np.array([[0.5, 0.5], [1.0, 0.0]]),
    ...               np.array([[0.2, 0.8], [0.6, 0.4], [0.9, 0.1], [0.5, 0.5]]))
    >>> fit["predicted"].round(2).tolist(), fit["error"].round(2).tolist()
    ([[0.4, 0.6], [0.9, 0.1]], [0.1, 0.1])
    """
    codes = np.asarray(bag_codes)
    P = np.asarray(proba, dtype=float)
    keep = codes >= 0
    used, inverse = np.unique(codes[keep], return_inverse=True)
    rows = np.bincount(inverse, minlength=len(used))
    sums = np.zeros((len(used), P.shape[1]))
    np.add.at(sums, inverse, P[keep])
    predicted = sums / np.maximum(rows, 1)[:, None]
    given = np.asarray(proportions, dtype=float)[used]
    error = np.abs(predicted - given).mean(axis=1)
    return {
        "bags": used,
        "rows": rows,
        "given": given,
        "predicted": predicted,
        "error": error,
        "mean_error": float(error.mean()) if len(error) else float("nan"),
    }


def _own_evidence_diagnose(
    model: Any,
    y: Any,
    proba: np.ndarray,
    frame: pd.DataFrame,
    schema: dict[str, Any],
    bags: str | None,
) -> dict[str, Any]:
    """The diagnostics of a positive-unlabeled or label-proportions fit: the estimator's
    own evidence (the class prior and its interval, the PU metrics; the bag-level fit),
    the rows to label next, and why the sections that need true labels are left out."""
    classes = np.asarray(model.classes_)
    est = _last(model)
    pu = y.task == "positive-unlabeled"
    row_labeled = np.asarray(y.labeled) if pu else np.zeros(len(y), dtype=bool)
    out: dict[str, Any] = {
        "task": y.task,
        "classes": classes,
        "majority": None,
        "id_column": id_column(schema),
        "chosen": chosen_parts(model),
        "warnings": [],
        "notes": [],
        "proba": proba,
        "oof": None,
        "calibration": None,
        "importance": None,
        "skipped": _SKIPPED.get(y.task, ""),
    }
    if pu:
        metrics = {k: float(v) for k, v in (getattr(est, "pu_metrics_", None) or {}).items()}
        metrics["predicted_positive_all"] = float(np.mean(np.argmax(proba, axis=1) == 1))
        metrics["label_frequency"] = float(np.mean(row_labeled))
        out["pu"] = metrics
        positive = _plain(classes[1])
        n_pos = int(row_labeled.sum())
        out["data_intro"] = (
            f"<p>{len(y):,} rows; {n_pos:,} labeled positives ({n_pos / len(y):.1%}, the rows "
            f"holding {esc(repr(positive))}); the other {len(y) - n_pos:,} rows are unlabeled, "
            "blank or not: PU learning has no negative labels.</p>"
        )
    else:
        fit = bag_fit(y.bags, y.proportions, proba)
        names: list[Any] = [str(b) for b in fit["bags"]]
        if bags is not None and bags in frame.columns:  # the bags' names, from the table
            values = frame[bags].to_numpy()
            codes, first = np.unique(y.bags, return_index=True)
            where_first = dict(zip(codes.tolist(), first.tolist(), strict=True))
            names = [_plain(values[where_first[int(b)]]) for b in fit["bags"]]
        fit["names"] = names
        out["bags"] = fit
        where = f" of column <code>{esc(bags)}</code>" if bags else ""
        out["data_intro"] = (
            f"<p>{len(y):,} rows in {len(fit['bags']):,} bags{where} ({int(y.labeled.sum()):,} "
            "rows in a bag); no row has a label of its own: each bag comes with its class "
            "shares.</p>"
        )
    text_cols = list(schema.get("text_columns", []))
    features = [c["name"] for c in schema.get("columns", [])]
    numeric = [c["name"] for c in schema.get("columns", []) if c["kind"] == "numeric"]
    derived = derived_from_text(frame, text_cols, numeric) if text_cols else {}
    out["derived"] = derived
    if derived and set(features) <= set(derived):
        out["warnings"].append(_derived_only(derived, schema, text_cols))
    # a row of a bag cannot be labeled on its own here: no rows to label next
    out["next"] = (
        _next_rows(frame, proba, row_labeled, classes, model, out["id_column"]) if pu else None
    )
    return out


def _conf_correct(P: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return P.max(axis=1), P.argmax(axis=1) == true


def _importance(
    model: Any,
    X: pd.DataFrame,
    y: Any,
    evidence: Any,
    schema: dict[str, Any],
    random_state: int,
    seconds: float,
) -> dict[str, Any] | None:
    """The evidence's out-of-fold importance, else the final model's on the labeled rows
    (it learned them, so read it as what the model relies on, not what generalises)."""
    imp = getattr(evidence, "importance", None)
    if imp is not None:
        return dict(imp)
    if seconds <= 0 or not isinstance(X, pd.DataFrame):
        return None
    rows = np.flatnonzero(y.labeled)
    if len(rows) > 500:
        rows = np.sort(np.random.default_rng(random_state).choice(rows, 500, replace=False))
    columns = [c["name"] for c in schema.get("columns", []) if c["name"] in X.columns]
    if not columns or len(rows) < 4:
        return None
    r = permutation_importance(
        model.predict_proba,
        X.iloc[rows],
        y.codes[rows],
        columns,
        time_budget=seconds,
        random_state=random_state,
    )
    return {
        "columns": columns,
        "drop": r["drop"],
        "std": r["std"],
        "rows": len(rows),
        "scope": "labeled rows, the final model (it learned them: optimistic)",
    }


def _next_rows(
    frame: pd.DataFrame,
    proba: np.ndarray,
    labeled: np.ndarray,
    classes: np.ndarray,
    model: Any,
    id_col: str | None,
    X: Any = None,
    random_state: int = 0,
) -> list[tuple[Any, Any, float, str]]:
    """The unlabeled rows to label next: (ID or row number, predicted, confidence, the
    runner-up class and its probability).

    Given the features ``X``, fewlabels.active's margin sampling picks them from the
    published probabilities (no second encoding of the table: ``fewlabels query`` adds
    diverse batches); without, the least confident rows."""
    unl = np.flatnonzero(~labeled)
    if not len(unl):
        return []
    if X is not None:
        from ..active import UncertaintySampling

        sel = UncertaintySampling("margin").select(
            X, None, model, N_NEXT, candidates=unl, random_state=random_state, proba=proba
        )
        pick = sel.indices
    else:
        pick = unl[np.argsort(proba[unl].max(axis=1), kind="stable")[:N_NEXT]]
    pred = classes[_decide(model, proba[pick])]
    ids = frame[id_col].to_numpy()[pick] if id_col else pick
    order = np.argsort(-proba[pick], axis=1, kind="stable")
    runner = [
        f"{_plain(classes[o[1]])} ({proba[r, o[1]]:.2f})" if len(o) > 1 else ""
        for r, o in zip(pick, order, strict=True)
    ]
    return [
        (_plain(i), _plain(p), float(c), w)
        for i, p, c, w in zip(ids, pred, proba[pick].max(axis=1), runner, strict=True)
    ]


# ---------------------------------------------------------------------- sections


def _fig(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _cell_style(v: int, top: int, diagonal: bool) -> str:
    a = 0.0 if top == 0 else v / top
    color = "43,108,176" if diagonal else "197,48,48"
    return f' style="background:rgba({color},{0.08 + 0.6 * a:.2f})"' if v else ""


def _confusion_table(d: dict[str, Any], classes: np.ndarray, max_classes: int = 20) -> str:
    m = d["matrix"]
    k = min(len(classes), max_classes)
    top = int(m.max()) if m.size else 0
    head = "".join(f"<th>{esc(_plain(c))}</th>" for c in classes[:k])
    rows = []
    for i in range(k):
        cells = "".join(
            f'<td class="num"{_cell_style(int(m[i, j]), top, i == j)}>{int(m[i, j])}</td>'
            for j in range(k)
        )
        rows.append(f"<tr><th>{esc(_plain(classes[i]))}</th>{cells}</tr>")
    more = (
        f'<p class="note">Showing the first {k} of {len(classes)} classes.</p>'
        if len(classes) > k
        else ""
    )
    return (
        '<div class="scroll"><table class="confusion"><thead><tr><th>given \\ predicted</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{more}"
    )


def _fmt(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v:.3f}"


def _own_evidence_sections(diag: dict[str, Any]) -> list[Section]:
    """A PU or LLP fit's own evidence, and why the label-based diagnostics are left out."""
    classes = diag["classes"]
    parts: list[str] = []
    if diag.get("pu") is not None:
        m = diag["pu"]
        rows = [
            ("class prior P(positive), estimated", _fmt(m.get("prior", np.nan))),
            (
                "its 95% bootstrap interval",
                f"{_fmt(m.get('prior_low', np.nan))} to {_fmt(m.get('prior_high', np.nan))}",
            ),
            ("share of the positives that are labeled (c)", _fmt(m.get("c", np.nan))),
            ("share of the rows that are labeled positives", _fmt(m["label_frequency"])),
        ]
        if "recall" in m:
            rows += [
                ("held-out labeled positives found, out of fold (recall)", _fmt(m["recall"])),
                (
                    "Lee-Liu score, out of fold (recall² / share predicted positive)",
                    _fmt(m["lee_liu"]),
                ),
                ("share predicted positive, out of fold", _fmt(m["predicted_positive"])),
            ]
        rows.append(
            ("share predicted positive, all rows (final model)", _fmt(m["predicted_positive_all"]))
        )
        parts.append("<h3>Positives and unlabeled rows: the class prior</h3>")
        parts.append(
            "<p>A model of labeled against unlabeled rows, out of fold, estimates which share "
            f"of all rows is {esc(repr(_plain(classes[1])))} (the class prior); the recall and "
            "Lee-Liu's score need no negative labels (out of fold, for the rule "
            "P(labeled | x) / c &ge; 0.5).</p>"
        )
        parts.append(table(["measure", "value"], rows, numeric_cols=[1]))
    if diag.get("bags") is not None:
        fit = diag["bags"]
        k = min(len(classes), 6)
        order = np.argsort(-fit["error"], kind="stable")[:20]
        rows = [
            (
                fit["names"][i],
                f"{int(fit['rows'][i]):,}",
                *(f"{fit['given'][i, j]:.3f} → {fit['predicted'][i, j]:.3f}" for j in range(k)),
                f"{fit['error'][i]:.3f}",
            )
            for i in order
        ]
        parts.append("<h3>Bags: the given class shares beside the predicted ones</h3>")
        parts.append(
            f"<p>Over the {len(fit['bags']):,} bags, each bag's mean predicted probability is "
            f"off its given share by <b>{fit['mean_error']:.3f}</b> on average (mean absolute "
            "difference over the classes). These are the training bags: a model can match them "
            "and still rank rows badly, so read it as a check of the fit, not a test score.</p>"
        )
        parts.append(
            '<p class="note">The bags matched worst first (at most 20); each cell is the given '
            "share → the predicted share.</p>"
        )
        parts.append(
            table(
                ["bag", "rows", *(f"share {esc(_plain(c))}" for c in classes[:k]), "error"],
                rows,
                numeric_cols=list(range(1, k + 3)),
            )
        )
        fig = _fig(4.6, 3.4)
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], color="#888", lw=1, ls="--", label="matched")
        shown = [1] if len(classes) == 2 else range(k)
        for j in shown:
            ax.scatter(
                fit["given"][:, j],
                fit["predicted"][:, j],
                s=14,
                alpha=0.7,
                label=f"share {_plain(classes[j])}",
            )
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("given share of the bag")
        ax.set_ylabel("mean predicted probability")
        beside(ax, fontsize=9)
        parts.append(figure_to_img(fig, "given against predicted share per bag"))
    if diag.get("skipped"):
        parts.append(f'<p class="note">{esc(diag["skipped"])}</p>')
    return [Section("What the estimator measured itself", "".join(parts), "diagnostics")]


def diagnostics_sections(diag: dict[str, Any]) -> list[Section]:
    """The parts of the evidence section built from the out-of-fold rows."""
    if diag.get("task", "classification") != "classification":
        return _own_evidence_sections(diag)
    classes = diag["classes"]
    parts: list[str] = []
    oof = diag.get("oof")
    maj = diag["majority"]
    base = maj.get("cv_accuracy", maj["accuracy"])
    if oof is not None:
        parts.append(
            f"<p>On the {oof['rows']:,} held-out labeled rows (each once, by a model that did "
            f"not see its label), the chosen model is right for <b>{oof['accuracy']:.1%}</b>; "
            f"always predicting the majority class ({esc(_plain(classes[maj['class']]))}) would "
            f"be right for <b>{base:.1%}</b> (balanced accuracy {maj['balanced_accuracy']:.3f}).</p>"
        )
        parts.append("<h3>Confusion matrix (out of fold)</h3>")
        parts.append(_confusion_table(oof, classes))
        rows = [
            (
                _plain(classes[i]),
                int(oof["support"][i]),
                _fmt(oof["precision"][i]),
                _fmt(oof["recall"][i]),
            )
            for i in range(len(classes))
        ]
        parts.append("<h3>Per class (out of fold)</h3>")
        parts.append(
            table(["class", "held-out rows", "precision", "recall"], rows, numeric_cols=[1, 2, 3])
        )
    cal = diag.get("calibration")
    if cal is not None:
        parts.append("<h3>Is the confidence right? (reliability, out of fold)</h3>")
        fig = _fig(4.6, 3.4)
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], color="#888", lw=1, ls="--", label="calibrated")
        b = cal["bins"]
        ax.plot(b["confidence"], b["accuracy"], marker="o", color="#c53030", label="model")
        if "bins_calibrated" in cal:
            c = cal["bins_calibrated"]
            ax.plot(
                c["confidence"], c["accuracy"], marker="s", color="#2b6cb0", label="recalibrated"
            )
        ax.set_xlim(0, 1.0)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("confidence (top-class probability)")
        ax.set_ylabel("share right")
        beside(ax, fontsize=9)
        parts.append(figure_to_img(fig, "reliability diagram"))
        after = cal["ece_calibrated"]
        text = (
            f"Expected calibration error (ECE): <b>{cal['ece']:.3f}</b> "
            f"(0 = the confidence is the share right; over {cal['rows']:,} held-out rows)."
        )
        if cal["apply"]:
            text += (
                f" It is off, so the published probabilities are recalibrated with temperature "
                f"{cal['temperature']:.2f} fitted on these rows (ECE {after:.3f} when fitted on "
                "one half and measured on the other). The predicted classes do not change."
            )
        elif np.isfinite(after):
            text += (
                f" Recalibrating would give {after:.3f} (measured by cross-fitting), "
                "so the probabilities are published as the model gave them."
            )
        parts.append(f"<p>{text}</p>")
    imp = diag.get("importance")
    if imp is not None:
        drops = np.asarray(imp["drop"], dtype=float)
        order = [i for i in np.argsort(-np.nan_to_num(drops, nan=-np.inf))][:15]
        derived = diag.get("derived", {})
        imp_rows = [
            (
                imp["columns"][i] + (" (derived)" if imp["columns"][i] in derived else ""),
                _fmt(drops[i]),
                _fmt(float(imp["std"][i])),
            )
            for i in order
        ]
        parts.append("<h3>Which columns matter (permutation importance)</h3>")
        parts.append(
            f'<p class="note">Accuracy lost when one column is shuffled, on {imp["rows"]:,} '
            f"{esc(imp['scope'])}; – means not measured within the time allowed.</p>"
        )
        parts.append(
            table(["column", "accuracy lost", "spread"], imp_rows, numeric_cols=[1, 2])
            + (f'<p class="note">… {len(drops) - 15} more columns.</p>' if len(drops) > 15 else "")
        )
    if not parts:
        return []
    return [Section("What the held-out rows say", "".join(parts), "diagnostics")]


def chosen_html(chosen: dict[str, Any] | None) -> str:
    """The members and weights a selecting estimator chose, with each member's parameters."""
    if not chosen:
        return ""
    rows = [
        (
            n,
            f"{w:.2f}",
            ", ".join(f"{k}={v!r}" for k, v in chosen["params"].get(n, {}).items())
            if chosen["params"].get(n)
            else "",
        )
        for n, w in sorted(chosen["weights"].items(), key=lambda kv: -kv[1])
    ]
    return f"<p>It chose the <b>{esc(chosen['choice'])}</b>: {esc(chosen['reason'])}.</p>" + table(
        ["member", "weight", "its parameters"], rows, numeric_cols=[1]
    )


def next_section(diag: dict[str, Any]) -> str:
    """The least confident unlabeled rows, by ID when the table has one."""
    if diag.get("task") == "proportions":  # no row has a label to give
        return ""
    rows = diag.get("next") or []
    if not rows:
        return "<h3>Label these next</h3><p>Every row is labeled.</p>"
    who = diag.get("id_column") or "row (0-based; the table has no ID column)"
    return (
        "<h3>Label these next</h3>"
        '<p class="note">The unlabeled rows whose two most likely classes are closest (margin '
        "sampling): labeling them is likely to help most. <code>fewlabels query</code> picks "
        "diverse batches and says why for each row.</p>"
        + table(
            [who, "predicted", "confidence", "runner-up"],
            [(i, p, f"{c:.3f}", w) for i, p, c, w in rows],
            numeric_cols=[2],
        )
    )
