"""Property tests: the encoder's views agree and round-trip, and the split protocols
partition rows as they promise, for any table hypothesis draws."""

import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from fewlabels.data import NumericView, TableEncoder
from fewlabels.datasets import make_ssl_split
from fewlabels.exceptions import InputError

numbers = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))
words = st.one_of(st.none(), st.sampled_from(["red", "green", "blue", "teal"]))
flags = st.one_of(st.none(), st.booleans())


@st.composite
def tables(draw):
    n = draw(st.integers(4, 30))
    frame = pd.DataFrame(
        {
            "x": draw(st.lists(numbers, min_size=n, max_size=n)),
            "c": draw(st.lists(words, min_size=n, max_size=n)),
            "b": pd.array(draw(st.lists(flags, min_size=n, max_size=n)), dtype="boolean"),
        }
    )
    # every column keeps two distinct present values, so none is set aside as constant
    frame.loc[0, ["x", "c", "b"]] = [0.0, "red", True]
    frame.loc[1, ["x", "c", "b"]] = [1.5, "blue", False]
    return frame


@settings(max_examples=40, deadline=None)
@given(tables())
def test_views_of_one_encoding_agree_and_round_trip(frame):
    native = TableEncoder().fit(frame).transform(frame)
    # native round trip: categories and numbers come back as they went in
    back = native["c"].astype(object).where(native["c"].notna(), None).tolist()
    assert back == frame["c"].astype(object).where(frame["c"].notna(), None).tolist()
    np.testing.assert_array_equal(
        native["x"].to_numpy(), frame["x"].to_numpy(dtype=float, na_value=np.nan)
    )
    # the numeric view of the native frame is the encoder's own numeric output
    np.testing.assert_allclose(
        NumericView().fit_transform(native),
        TableEncoder(output="numeric").fit_transform(frame),
    )


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(6, 40), min_size=2, max_size=4),
    budget=st.one_of(st.floats(0.05, 0.5), st.integers(4, 20)),
    test_size=st.sampled_from([0.0, 0.2, 0.3]),
    biased=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_split_protocols_partition_the_rows(sizes, budget, test_size, biased, seed):
    y = np.repeat(np.arange(len(sizes)), sizes)
    X = np.random.default_rng(seed).normal(size=(len(y), 3)) if biased else None
    kw = {"X": X, "bias": 2.0} if biased else {}
    try:
        s = make_ssl_split(y, budget, test_size=test_size, random_state=seed, **kw)
    except InputError as exc:  # a count larger than a class's training rows: refused, rightly
        refused = str(exc)
    else:
        refused = ""
    if refused:
        found = re.search(r"has (\d+) training rows but (\d+) labels", refused)
        assert found and int(found[2]) > int(found[1]), refused
        return
    parts = np.concatenate([s.labeled, s.unlabeled, s.test])
    assert sorted(parts.tolist()) == list(range(len(y)))  # disjoint and complete
    assert set(y[s.labeled]) == set(y)  # every class has a label
    if isinstance(budget, int):
        assert len(s.labeled) == budget
    again = make_ssl_split(y, budget, test_size=test_size, random_state=seed, **kw)
    assert np.array_equal(again.labeled, s.labeled) and np.array_equal(again.test, s.test)
