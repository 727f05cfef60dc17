"""Key codes (schema/keys.py) number rows exactly as pandas' groupby numbers them, which the scores
table's order, and so every output byte, depends on."""

import numpy as np
import pandas as pd

from emergence.schema.keys import column_codes, first_appearance, group_codes, repeated


def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"family": rng.choice(["b", "a", "c"], 5000).astype(object),
                          "model": rng.choice(["m-10", "m-2", "m-1", None], 5000).astype(object),
                          "step": rng.integers(0, 20, 5000).astype(float),
                          "task": rng.choice(["z", "é", "A"], 5000).astype(object)})
    frame.loc[::7, "step"] = np.nan
    return frame


def test_group_codes_are_groupby_sorted_with_missing_values_last():
    frame = table()
    codes, n = group_codes([column_codes(frame[c]) for c in frame])
    grouped = frame.groupby(list(frame), sort=True, dropna=False)
    assert np.array_equal(codes, grouped.ngroup().to_numpy())
    assert n == grouped.ngroups


def test_first_appearance_is_groupby_unsorted():
    frame = table()
    codes, _ = group_codes([column_codes(frame[c]) for c in frame])
    renumbered, first = first_appearance(codes)
    unsorted = frame.groupby(list(frame), sort=False, dropna=False).ngroup().to_numpy()
    assert np.array_equal(renumbered, unsorted)
    assert np.array_equal(first, np.unique(unsorted, return_index=True)[1])


def test_repeated_is_duplicated_keep_false():
    frame = table()
    codes, _ = group_codes([column_codes(frame[c]) for c in frame])
    assert np.array_equal(repeated(codes), frame.duplicated(keep=False).to_numpy())


def test_many_columns_do_not_overflow_the_combined_code():
    frame = pd.DataFrame({f"c{i}": np.arange(3000) % (97 + i) for i in range(12)})
    codes, n = group_codes([column_codes(frame[c]) for c in frame])
    assert np.array_equal(codes, frame.groupby(list(frame), sort=True).ngroup().to_numpy())
    assert n == 3000
