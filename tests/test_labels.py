import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fewlabels.data import UNLABELED, encode_target, unlabeled_mask


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        ([0, 1, -1, 1], [False, False, True, False]),
        (np.array([0, -1, 2]), [False, True, False]),
        (
            [1.0, np.nan, 2.0, -1.0],
            [False, True, False, True],
        ),  # integer-valued floats (CSV with blanks)
        ([0.5, -1.0, 2.5], [False, False, False]),  # a continuous -1 is a value, not a marker
        (["a", None, "b", np.nan], [False, True, False, True]),
        (pd.Series(["a", pd.NA, "b"], dtype="string"), [False, True, False]),
        (pd.Series([1, pd.NA, -1], dtype="Int64"), [False, True, True]),
        (["-1", "x"], [False, False]),  # text "-1" is a label
        ([True, False, None], [False, False, True]),
    ],
)
def test_unlabeled_mask(y, expected):
    assert unlabeled_mask(y).tolist() == expected


def test_unlabeled_value():
    assert unlabeled_mask(["a", "?", "b"], unlabeled_value="?").tolist() == [False, True, False]


def test_empty_csv_cell_is_unlabeled(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("x,y\n1,a\n2,\n3,b\n")
    assert unlabeled_mask(pd.read_csv(p)["y"]).tolist() == [False, True, False]


def test_encode_target_integral_floats_become_ints():
    t = encode_target([2.0, np.nan, 5.0, 2.0])
    assert t.classes.tolist() == [2, 5]
    assert t.codes.tolist() == [0, UNLABELED, 1, 0]
    assert t.n_labeled == 3


def test_encode_target_rejects_continuous():
    with pytest.raises(ValueError, match="Unknown label type"):
        encode_target([0.1, 0.25, 0.3, 0.7])


def test_encode_target_rejects_mixed_types():
    with pytest.raises(ValueError, match="mixes value types"):
        encode_target(np.array(["a", 1, "b"], dtype=object))


@given(st.lists(st.one_of(st.sampled_from(["a", "b", "c"]), st.none()), min_size=1, max_size=50))
def test_mask_counts_missing(values):
    mask = unlabeled_mask(values)
    assert mask.sum() == sum(v is None for v in values)
    t = encode_target(values)
    assert (t.codes == UNLABELED).tolist() == mask.tolist()
    labeled = [v for v in values if v is not None]
    assert [t.classes[c] for c in t.codes if c != UNLABELED] == labeled
