"""Free-text columns (issue 17, part 5): embedded by the packaged MiniLM model, cached on
disk by content, set aside with a reason that says how to enable them."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from fewlabels.data import TableEncoder, infer_schema
from fewlabels.data import text as T
from fewlabels.exceptions import InputError

needs_text = pytest.mark.skipif(
    not T.extra_installed(), reason="the text extra is not installed (pip install '.[text]')"
)

GOOD = [
    "the soup was delicious and the bread tasted fresh",
    "lovely flavour, fresh and tasty, I will buy it again",
    "a delicious treat, my kids loved the sweet taste",
    "fresh coffee with a rich and pleasant aroma every morning",
    "tasty snack, crunchy and not too salty, really good",
]
BAD = [
    "the box arrived broken and the cookies were stale",
    "awful taste, it smelled rotten and I threw it away",
    "stale, bland and far too expensive for what you get",
    "the package came late, damaged, and half of it was missing",
    "it tasted like cardboard and gave me a stomach ache",
]


def _reviews(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Reviews made of a good or a bad sentence plus a filler: the class is in the words."""
    rng = np.random.default_rng(seed)
    fillers = ["Bought it last week.", "Ordered online.", "A gift for my mother.", "Second order."]
    cls = np.arange(n) % 2
    text = [
        f"{rng.choice(fillers)} {rng.choice(GOOD if c else BAD)} (order {i})"
        for i, c in enumerate(cls)
    ]
    return pd.DataFrame({"review": text}), np.array(["bad", "good"], dtype=object)[cls]


@needs_text
def test_embeddings_have_unit_norm_and_follow_the_meaning(tmp_path):
    E = T.TextEmbedder(cache_dir=tmp_path).embed([GOOD[0], GOOD[2], BAD[1]])
    assert E.shape == (3, T.EMBEDDING_DIM) and E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-5)
    assert E[0] @ E[1] > E[0] @ E[2]


@needs_text
def test_each_distinct_text_is_embedded_once_then_read_from_the_cache(tmp_path, monkeypatch):
    texts = [GOOD[0], BAD[0], GOOD[0], None, np.nan, ""]
    first = T.TextEmbedder(cache_dir=tmp_path).embed(texts)
    files = list((tmp_path / T.MODEL_NAME).rglob("*.f32"))
    assert len(files) == 3  # two texts and the empty string (what a missing text embeds as)
    np.testing.assert_array_equal(first[0], first[2])
    np.testing.assert_array_equal(first[3], first[5])
    np.testing.assert_array_equal(first[4], first[5])

    def no_model(column):
        raise AssertionError("the model was asked for a cached text")

    monkeypatch.setattr(T, "_load_model", no_model)
    again = T.TextEmbedder(cache_dir=tmp_path)  # a new process would start like this
    assert again.cached(texts).all()
    np.testing.assert_array_equal(again.embed(texts), first)
    assert not list((tmp_path / T.MODEL_NAME).rglob("*.part"))  # no half-written file


@needs_text
def test_a_damaged_cache_file_is_embedded_again(tmp_path):
    emb = T.TextEmbedder(cache_dir=tmp_path)
    want = emb.embed([GOOD[1]])
    (path,) = (tmp_path / T.MODEL_NAME).rglob("*.f32")
    path.write_bytes(b"not an embedding")
    fresh = T.TextEmbedder(cache_dir=tmp_path)
    assert not fresh.cached([GOOD[1]]).any()
    np.testing.assert_allclose(fresh.embed([GOOD[1]]), want, atol=1e-6)
    assert path.stat().st_size == 4 * T.EMBEDDING_DIM


@needs_text
def test_an_unwritable_cache_warns_once_and_keeps_the_embeddings_in_memory(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    emb = T.TextEmbedder(cache_dir=blocker)
    with caplog.at_level(logging.WARNING, logger="fewlabels.data.text"):
        E = emb.embed([GOOD[3], BAD[3]])
    assert E.shape == (2, T.EMBEDDING_DIM)
    warned = [r for r in caplog.records if "cannot write the text-embedding cache" in r.message]
    assert len(warned) == 1 and "FEWLABELS_CACHE" in warned[0].getMessage()
    assert emb.cached([GOOD[3], BAD[3]]).all()


def test_without_the_extra_text_is_set_aside_with_how_to_enable_it(monkeypatch):
    df, _ = _reviews(40)
    monkeypatch.setattr(T, "extra_installed", lambda: False)
    with pytest.raises(InputError, match=r"'review': free text; install the text extra \(pip"):
        infer_schema(df, text="embed")  # nothing else to learn from
    df["x"] = np.arange(len(df), dtype=float)
    s = infer_schema(df, text="embed")
    assert s.names() == ["x"] and s.text_columns == ["review"]
    assert "pip install 'fewlabels[text]'" in s.dropped["review"]
    assert infer_schema(df).dropped["review"] == "free text (set aside: text='drop')"
    monkeypatch.setattr(T, "_model", None)
    with pytest.raises(InputError, match=r"column 'review' is free text; install the text extra"):
        T.TextEmbedder(cache_dir=os.devnull).embed(["never seen before"], column="review")


@needs_text
def test_fewlabels_text_off_sets_text_aside(monkeypatch):
    df, _ = _reviews(40)
    df["x"] = np.arange(len(df), dtype=float)
    assert [c.kind for c in infer_schema(df, text="embed").columns] == ["text", "numeric"]
    monkeypatch.setenv("FEWLABELS_TEXT", "off")
    assert "FEWLABELS_TEXT=off" in infer_schema(df, text="embed").dropped["review"]


@needs_text
@pytest.mark.parametrize("output", ["native", "numeric"])
def test_the_encoder_expands_a_text_column_into_its_embedding(output):
    df, _ = _reviews(60)
    df["x"] = np.arange(len(df), dtype=float)
    enc = TableEncoder(output=output).fit(df)
    names = list(enc.get_feature_names_out())
    width = T.EMBEDDING_DIM + T.LSA_DIM
    assert names[: T.EMBEDDING_DIM] == [f"review__emb{i}" for i in range(T.EMBEDDING_DIM)]
    assert names[T.EMBEDDING_DIM : width] == [f"review__lsa{i}" for i in range(T.LSA_DIM)]
    assert names[-1] == "x" and enc.text_dims_ == {"review": T.EMBEDDING_DIM}
    Z = np.asarray(enc.transform(df), dtype=float)
    assert Z.shape == (60, width + 1)
    one = np.asarray(enc.transform(df.iloc[[5]]), dtype=float)
    np.testing.assert_allclose(one[0], Z[5], atol=1e-6)  # a row alone encodes as in the table
    assert TableEncoder(text="drop").fit(df).get_feature_names_out().tolist() == ["x"]


def test_lsa_is_learned_from_every_row_and_is_deterministic():
    texts = [
        f"{g} {w}" for g, w in zip(GOOD * 8, ["today", "again", "wow", "ok"] * 10, strict=True)
    ]
    lsa = T.fit_lsa(texts)
    assert lsa[1].n_components == T.LSA_DIM
    vocab = set(lsa[0].vocabulary_)
    assert {"delicious", "wow"} <= vocab and "stale" not in vocab  # only the texts it saw
    np.testing.assert_array_equal(
        T.lsa_transform(lsa, texts), T.lsa_transform(T.fit_lsa(texts), texts)
    )
    assert T.fit_lsa(["", None, "a"]) is None  # no word of two letters: nothing to learn


@needs_text
def test_a_model_learns_from_the_text_column_and_survives_saving(tmp_path):
    from fewlabels.methods import make_model
    from fewlabels.persist import load_model, save_model

    df, truth = _reviews(160)
    y = truth.copy()
    y[20:] = None  # 20 labels
    model = make_model("self-training", random_state=0).fit(df, y)
    acc = float(np.mean(model.predict(df.iloc[20:]) == truth[20:]))
    assert acc >= 0.9, acc
    path = tmp_path / "model.skops"
    save_model(model, path)
    loaded = load_model(path).model
    np.testing.assert_array_equal(loaded.predict(df.iloc[20:]), model.predict(df.iloc[20:]))


@needs_text
def test_fewlabels_fit_reads_a_text_column(tmp_path):
    df, truth = _reviews(120)
    df["y"] = pd.Series(truth, dtype=object).where(np.arange(len(df)) < 24)
    data = tmp_path / "reviews.csv"
    df.to_csv(data, index=False)
    r = subprocess.run(
        [sys.executable, "-m", "fewlabels", "fit", data, "-t", "y", "-m", "supervised-logreg"]
        + ["-o", tmp_path / "o"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "derived from text" not in r.stderr
    pred = pd.read_csv(tmp_path / "o" / "predictions.csv")
    assert float(np.mean(pred["predicted"].to_numpy()[24:] == truth[24:])) >= 0.9


@needs_text
def test_active_learning_reads_the_text_too():
    """A cold start (TypiClust, no labels) and an uncertainty query on a text table."""
    from fewlabels.active import TypiClust, UncertaintySampling
    from fewlabels.methods import make_model

    df, truth = _reviews(80)
    rows = TypiClust().query(df, None, batch_size=6, random_state=0)
    assert len(set(rows.tolist())) == 6
    assert set(truth[rows]) == {"bad", "good"}  # typical rows of the text's clusters
    y = truth.copy()
    y[8:] = None
    model = make_model("supervised-logreg", random_state=0).fit(df, y)
    picked = UncertaintySampling().query(df, y, model=model, batch_size=5, random_state=0)
    assert not set(picked.tolist()) & set(range(8))  # unlabeled rows only


@needs_text
def test_a_long_embedding_is_announced_with_its_estimate(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(T, "LONG_WAIT_SECONDS", 0.0)
    texts = [f"review number {i}: {GOOD[i % 5]}" for i in range(300)]  # two chunks of 256
    with caplog.at_level(logging.WARNING, logger="fewlabels.data.text"):
        T.TextEmbedder(cache_dir=tmp_path).embed(texts, column="review")
    (msg,) = [r.getMessage() for r in caplog.records]
    assert msg.startswith("embedding 300 new texts of column 'review': about ")
    assert "texts/s" in msg and "cached by content" in msg
